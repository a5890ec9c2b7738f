import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { startSandboxServer, type SandboxServerHandle } from '../../src/sandbox/index.js';
import { webhookWorkflow } from '../support/webhook-workflow.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Problem {
  status: number;
  code: string;
  detail: string;
  server?: string;
  resource?: string;
  id?: string;
  field?: string;
  errors?: { field: string; rule: string; message: string }[];
}

/** Each case of issue 12 where an upstream's "your input is wrong" answered 502 upstream_error. */
describe('upstream refusals answer 4xx with the upstream message and the right resource', () => {
  let n8n: SandboxServerHandle;
  let app: TestApp;

  const post = (json: unknown): Promise<Response> =>
    app.request('/api/integration/workflows', { method: 'POST', json });
  const put = (json: unknown): Promise<Response> => app.request('/api/integration/workflows', { method: 'PUT', json });

  async function problem(response: Response, status: number): Promise<Problem> {
    const text = await response.text();
    expect([response.status, text]).toEqual([status, text]);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    return JSON.parse(text) as Problem;
  }

  function manualOnly(): unknown {
    return {
      name: `Manual ${randomUUID().slice(0, 8)}`,
      nodes: [
        {
          id: randomUUID(),
          name: 'Start',
          type: 'n8n-nodes-base.manualTrigger',
          typeVersion: 1,
          position: [0, 0],
          parameters: {},
        },
        {
          id: randomUUID(),
          name: 'Prepare',
          type: 'n8n-nodes-base.set',
          typeVersion: 3.4,
          position: [220, 0],
          parameters: { assignments: { assignments: [] }, options: {} },
        },
      ],
      connections: { Start: { main: [[{ node: 'Prepare', type: 'main', index: 0 }]] } },
    };
  }

  beforeAll(async () => {
    n8n = await startSandboxServer('n8n', { port: 0, admin: true, seed: 12 });
    app = await startTestApp({
      env: {
        N8N_MCP_SERVER_URL: n8n.url,
        MCP_MAX_RETRIES: '0',
        // Past our own node policy, so n8n is the one that refuses.
        N8N_ALLOWED_NODE_TYPES: 'n8n-nodes-base.noSuchNode,n8n-nodes-base.manualTrigger',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await n8n?.close();
  });

  it('a workflow cursor n8n does not know is a 400 naming cursor', async () => {
    const body = await problem(await app.request('/api/integration/workflows?cursor=garbage'), 400);
    expect(body).toMatchObject({ code: 'validation_failed', server: 'n8n', field: 'cursor' });
    expect(body.errors).toEqual([expect.objectContaining({ field: 'cursor' })]);
  });

  it('an execution cursor n8n does not know is a 400 naming cursor', async () => {
    const created = (await (
      await post({ action: 'create', workflow: webhookWorkflow({ name: 'Cursor', path: `c/${randomUUID()}` }) })
    ).json()) as { id: string };
    const response = await app.request(`/api/integration/workflows/${created.id}/executions?cursor=garbage`);
    expect(await problem(response, 400)).toMatchObject({ code: 'validation_failed', server: 'n8n', field: 'cursor' });
  });

  it('an unknown node type is a 400 whose message names the node type', async () => {
    const workflow = webhookWorkflow({ name: 'Unknown type', path: `u/${randomUUID()}` });
    const nodes = workflow.nodes.map((node, i) => (i === 1 ? { ...node, type: 'n8n-nodes-base.noSuchNode' } : node));
    const body = await problem(await post({ action: 'create', workflow: { ...workflow, nodes } }), 400);
    expect(body).toMatchObject({ code: 'validation_failed', server: 'n8n', field: 'workflow' });
    expect(body.detail).toContain('n8n-nodes-base.noSuchNode');
  });

  it('executing an inactive workflow is a 422 carrying n8n’s message', async () => {
    const created = (await (
      await post({ action: 'create', workflow: webhookWorkflow({ name: 'Inactive', path: `i/${randomUUID()}` }) })
    ).json()) as { id: string };
    const body = await problem(await post({ action: 'execute', workflowId: created.id, inputData: {} }), 422);
    expect(body).toMatchObject({ code: 'precondition_failed', server: 'n8n', resource: 'workflow' });
    expect(body.detail).toMatch(/Workflow must be active/);
  });

  it('executing a workflow without a webhook trigger, and activating a manual-trigger-only one, are 422', async () => {
    const response = await post({ action: 'create', workflow: manualOnly() });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string };
    const executed = await problem(await post({ action: 'execute', workflowId: created.id, inputData: {} }), 422);
    expect(executed).toMatchObject({ code: 'precondition_failed', server: 'n8n', resource: 'workflow' });
    expect(executed.detail).toMatch(/cannot be triggered externally/);
    const activated = await problem(await put({ workflowId: created.id, action: 'activate' }), 422);
    expect(activated).toMatchObject({ code: 'precondition_failed', server: 'n8n', resource: 'workflow' });
    expect(activated.detail).toMatch(/activat/i);
  });

  it('an unknown workflow stays a 404 naming the workflow and its id', async () => {
    const body = await problem(await app.request('/api/integration/workflows/NoSuchWorkflow01'), 404);
    expect(body).toMatchObject({ code: 'not_found', server: 'n8n', resource: 'workflow', id: 'NoSuchWorkflow01' });
  });

  it('a sequence with an unknown contact id is a 404 naming the contact, not the sequence', async () => {
    const missing = 'ffffffffffffffffffffff01';
    const response = await app.request('/api/integration/sequences', {
      method: 'POST',
      json: { name: 'Refusal', contacts: [missing], steps: [{ delayDays: 0, subject: 'Hello' }] },
    });
    const body = await problem(response, 404);
    expect(body).toMatchObject({ code: 'not_found', server: 'apollo', resource: 'contact', id: missing });
  });

  it('adding an unknown contact to a sequence names the contact; an unknown sequence names the sequence', async () => {
    const leads = (await (await app.request('/api/integration/leads?jobTitle=CEO&perPage=1')).json()) as {
      items?: { id: string }[];
      leads?: { id: string }[];
    };
    const lead = (leads.items ?? leads.leads ?? [])[0];
    expect(lead).toBeDefined();
    const created = (await (
      await app.request('/api/integration/sequences', {
        method: 'POST',
        json: { name: 'Refusal 2', contacts: [lead!.id], steps: [{ delayDays: 0, subject: 'Hello' }] },
      })
    ).json()) as { id: string };
    const missing = 'ffffffffffffffffffffff02';
    const contact = await problem(
      await app.request(`/api/integration/sequences/${created.id}/contacts`, {
        method: 'POST',
        json: { contactIds: [missing] },
      }),
      404,
    );
    expect(contact).toMatchObject({ resource: 'contact', id: missing, server: 'apollo' });
    const sequence = await problem(
      await app.request('/api/integration/sequences/ffffffffffffffffffffffff/contacts', {
        method: 'POST',
        json: { contactIds: [lead!.id] },
      }),
      404,
    );
    expect(sequence).toMatchObject({ resource: 'sequence', id: 'ffffffffffffffffffffffff', server: 'apollo' });
  });
});
