import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ManagedWorkflowsService } from '../../src/modules/n8n/managed-workflows.service.js';
import { N8nExecutionsService } from '../../src/modules/n8n/n8n-executions.service.js';
import { webhookWorkflow } from '../support/webhook-workflow.js';
import { startSandboxServer, type SandboxServerHandle } from '../../src/sandbox/index.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

interface Summary {
  id: string;
  name: string;
  active: boolean;
}
interface CursorList<T> {
  items: T[];
  page: { nextCursor: string | null; limit: number };
}
interface Problem {
  status: number;
  detail: string;
  server?: string;
  errors?: { field: string; rule: string; message: string }[];
}
interface Run {
  workflowId: string;
  executionId: string | null;
  correlationId: string;
  httpStatus: number;
  response: unknown;
}

async function expectFieldProblem(response: Response, field: string, rule: string): Promise<void> {
  expect(response.status).toBe(400);
  const body = (await response.json()) as Problem;
  expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule })]));
}

function uniqueName(prefix: string): string {
  return `${prefix} ${randomUUID().slice(0, 8)}`;
}

describe('n8n REST API and ensureWorkflow over n8n-mcp', () => {
  let n8n: SandboxServerHandle;
  let app: TestApp;
  let managed: ManagedWorkflowsService;
  let executions: N8nExecutionsService;
  let dataSource: DataSource;

  const post = (json: unknown): Promise<Response> =>
    app.request('/api/integration/workflows', { method: 'POST', json });
  const put = (json: unknown): Promise<Response> => app.request('/api/integration/workflows', { method: 'PUT', json });

  async function auditCount(type: string, subject: string): Promise<number> {
    const rows: unknown[] = await dataSource.query(`SELECT 1 FROM audit_log WHERE type = $1 AND subject = $2`, [
      type,
      subject,
    ]);
    return rows.length;
  }

  async function allWorkflows(): Promise<Summary[]> {
    const all: Summary[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : '?limit=100';
      const page = (await (await app.request(`/api/integration/workflows${query}`)).json()) as CursorList<Summary>;
      all.push(...page.items);
      cursor = page.page.nextCursor;
    } while (cursor);
    return all;
  }

  beforeAll(async () => {
    n8n = await startSandboxServer('n8n', { port: 0, admin: true, seed: 11 });
    app = await startTestApp({ env: { N8N_MCP_SERVER_URL: n8n.url, MCP_MAX_RETRIES: '0' } });
    managed = app.app.get(ManagedWorkflowsService);
    executions = app.app.get(N8nExecutionsService);
    dataSource = app.app.get(DataSource);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await n8n?.close();
  });

  it('requires the API key', async () => {
    expect((await app.request('/api/integration/workflows', { auth: false })).status).toBe(401);
    expect((await app.request('/api/integration/workflows', { method: 'POST', auth: false, json: {} })).status).toBe(
      401,
    );
    expect((await app.request('/api/integration/executions/1', { auth: false })).status).toBe(401);
  });

  it('lists workflows with cursor pagination, every workflow once', async () => {
    const first = (await (await app.request('/api/integration/workflows?limit=2')).json()) as CursorList<Summary>;
    expect(first.items).toHaveLength(2);
    expect(first.page).toEqual({ nextCursor: expect.any(String), limit: 2 });
    const seen: string[] = first.items.map((w) => w.id);
    let cursor = first.page.nextCursor;
    while (cursor) {
      const page = (await (
        await app.request(`/api/integration/workflows?limit=2&cursor=${encodeURIComponent(cursor)}`)
      ).json()) as CursorList<Summary>;
      seen.push(...page.items.map((w) => w.id));
      cursor = page.page.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual((await allWorkflows()).map((w) => w.id).sort());
    const active = (await (await app.request('/api/integration/workflows?active=true')).json()) as CursorList<Summary>;
    expect(active.items.every((w) => w.active)).toBe(true);
    await expectFieldProblem(await app.request('/api/integration/workflows?limit=101'), 'limit', 'max');
    await expectFieldProblem(await app.request('/api/integration/workflows?active=yes'), 'active', 'isBoolean');
  });

  describe('create → activate → execute → follow → deactivate', () => {
    let workflowId: string;
    let executionId: string;

    it('creates a workflow (inactive), audited', async () => {
      const definition = webhookWorkflow({ name: uniqueName('E2E intake'), path: `e2e/${randomUUID()}` });
      const response = await post({ action: 'create', workflow: definition });
      expect(response.status).toBe(201);
      const workflow = (await response.json()) as Summary & { nodes: { name: string; type: string }[] };
      expect(workflow).toMatchObject({ name: definition.name, active: false });
      expect(workflow.nodes.map((n) => n.type)).toEqual([
        'n8n-nodes-base.webhook',
        'n8n-nodes-base.set',
        'n8n-nodes-base.respondToWebhook',
      ]);
      workflowId = workflow.id;
      const fetched = await app.request(`/api/integration/workflows/${workflowId}`);
      expect(fetched.status).toBe(200);
      expect(((await fetched.json()) as Summary).name).toBe(definition.name);
      await eventually(async () => (await auditCount('n8n.workflow_created', workflowId)) === 1);
    });

    it('activates it, audited', async () => {
      const response = await put({ workflowId, action: 'activate' });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: workflowId, active: true });
      await eventually(async () => (await auditCount('n8n.workflow_activated', workflowId)) === 1);
    });

    it('executes it and follows the execution to success', async () => {
      const response = await post({ action: 'execute', workflowId, inputData: { email: 'jane@acme.com' } });
      expect(response.status).toBe(200);
      const run = (await response.json()) as Run;
      expect(run).toMatchObject({ workflowId, httpStatus: 200, executionId: expect.any(String) });
      executionId = run.executionId!;
      const finished = await eventually(async () => {
        const execution = (await (await app.request(`/api/integration/executions/${executionId}`)).json()) as {
          status: string;
        };
        return execution.status === 'success' ? execution : undefined;
      });
      expect(finished).toMatchObject({ id: executionId, workflowId, finished: true });
      const listed = (await (
        await app.request(`/api/integration/workflows/${workflowId}/executions?status=success`)
      ).json()) as CursorList<{ id: string; status: string }>;
      expect(listed.items.map((e) => e.id)).toContain(executionId);
      expect(listed.items.every((e) => e.status === 'success')).toBe(true);
      await eventually(async () => (await auditCount('n8n.workflow_executed', workflowId)) === 1);
    });

    it('finds the execution by correlation when the workflow does not answer with its id', async () => {
      const definition = webhookWorkflow({ name: uniqueName('E2E plain'), path: `e2e/${randomUUID()}` });
      const respond = definition.nodes[2]!;
      respond.parameters = { respondWith: 'json', responseBody: '={{ { "ok": true } }}', options: {} };
      const created = (await (await post({ action: 'create', workflow: definition })).json()) as Summary;
      await put({ workflowId: created.id, action: 'activate' });
      const run = (await (await post({ action: 'execute', workflowId: created.id, inputData: {} })).json()) as Run;
      expect(run.response).toEqual({ ok: true });
      expect(run.executionId).toEqual(expect.any(String));
      const execution = await executions.waitForExecution(run.executionId!, { timeoutMs: 10_000, intervalMs: 25 });
      expect(execution).toMatchObject({ workflowId: created.id, status: 'success' });
    });

    it('finds an execution by its data while its workflow still runs after answering (a lost trigger answer)', async () => {
      const definition = webhookWorkflow({ name: uniqueName('E2E acknowledges first'), path: `e2e/${randomUUID()}` });
      // Respond first, then the slow part: n8n answers while the execution goes on and shows no data yet.
      definition.connections = {
        Webhook: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] },
        Respond: { main: [[{ node: 'Prepare', type: 'main', index: 0 }]] },
      };
      const created = (await (await post({ action: 'create', workflow: definition })).json()) as Summary;
      await put({ workflowId: created.id, action: 'activate' });
      const key = `key-${randomUUID()}`;
      const run = await executions.executeWorkflow(created.id, { key, __sandboxDelayMs: 1_500 });
      expect(run.executionId).toEqual(expect.any(String));
      expect((await executions.getExecution(run.executionId!)).status).toBe('running');
      const found = await executions.findExecution(created.id, key);
      expect(found).toMatchObject({ id: run.executionId, status: 'success' });
    });

    it('deactivates it; executing an inactive workflow is a 422 carrying n8n’s message', async () => {
      const response = await put({ workflowId, action: 'deactivate' });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id: workflowId, active: false });
      await eventually(async () => (await auditCount('n8n.workflow_deactivated', workflowId)) === 1);
      const failed = await post({ action: 'execute', workflowId, inputData: {} });
      expect(failed.status).toBe(422);
      const body = (await failed.json()) as Problem;
      expect(body.server).toBe('n8n');
      expect(body.detail).toMatch(/Workflow must be active/);
    });
  });

  it('answers 404 for unknown workflows and executions', async () => {
    expect((await app.request('/api/integration/workflows/NoSuchWorkflow01')).status).toBe(404);
    expect((await app.request('/api/integration/executions/987654321')).status).toBe(404);
    expect((await put({ workflowId: 'NoSuchWorkflow01', action: 'activate' })).status).toBe(404);
  });

  it('validates the discriminated body, naming the field and rule', async () => {
    const definition = webhookWorkflow({ name: 'x', path: 'x' });
    await expectFieldProblem(await post({ action: 'execute' }), 'workflowId', 'isDefined');
    await expectFieldProblem(await post({ action: 'create' }), 'workflow', 'isDefined');
    await expectFieldProblem(await post({ action: 'delete' }), 'action', 'isIn');
    await expectFieldProblem(
      await post({ action: 'create', workflow: definition, workflowId: 'abc' }),
      'workflowId',
      'onlyWithAction',
    );
    await expectFieldProblem(
      await post({ action: 'execute', workflowId: 'abc', inputData: 'text' }),
      'inputData',
      'isObject',
    );
    await expectFieldProblem(
      await post({ action: 'create', workflow: { ...definition, nodes: [] } }),
      'workflow.nodes',
      'arrayNotEmpty',
    );
    await expectFieldProblem(
      await post({
        action: 'create',
        workflow: { ...definition, nodes: [{ ...definition.nodes[0], typeVersion: 'two' }] },
      }),
      'workflow.nodes.0.typeVersion',
      'isNumber',
    );
    const [webhook, set] = definition.nodes;
    await expectFieldProblem(
      await post({ action: 'create', workflow: { ...definition, nodes: [webhook, { ...set, name: 'Webhook' }] } }),
      'workflow.nodes.1.name',
      'uniqueNodeName',
    );
    await expectFieldProblem(
      await post({
        action: 'create',
        workflow: { ...definition, nodes: [{ ...webhook, type: 'nodes-base.webhook' }] },
      }),
      'workflow.nodes.0.type',
      'isNodeType',
    );
    await expectFieldProblem(
      await post({ action: 'create', workflow: { ...definition, connections: { Nowhere: { main: [] } } } }),
      'workflow.connections.Nowhere',
      'isNodeName',
    );
    await expectFieldProblem(await put({ workflowId: 'abc', action: 'pause' }), 'action', 'isIn');
    await expectFieldProblem(await put({ action: 'activate' }), 'workflowId', 'isDefined');
    await expectFieldProblem(
      await app.request('/api/integration/workflows/abc/executions?status=running'),
      'status',
      'isIn',
    );
  });

  describe('ensureWorkflow', () => {
    it('called 10× concurrently creates exactly one workflow and activates it', async () => {
      const name = uniqueName('JetVision ensure');
      const definition = webhookWorkflow({ name, path: `ensure/${randomUUID()}` });
      const before = n8n.stats().calls['n8n_create_workflow'] ?? 0;
      const results = await Promise.all(Array.from({ length: 10 }, () => managed.ensureWorkflow(definition)));
      expect(new Set(results.map((r) => r.id)).size).toBe(1);
      expect(results.every((r) => r.active)).toBe(true);
      expect(n8n.stats().calls['n8n_create_workflow'] ?? 0).toBe(before + 1);
      const named = (await allWorkflows()).filter((w) => w.name === name);
      expect(named).toHaveLength(1);
      expect(named[0]!.active).toBe(true);
      // Later calls reuse the recorded workflow without creating.
      const again = await managed.ensureWorkflow(definition);
      expect(again).toMatchObject({ id: results[0]!.id, active: true, created: false });
      expect(n8n.stats().calls['n8n_create_workflow'] ?? 0).toBe(before + 1);
    });

    it('waits for another instance’s claim and adopts the workflow it recorded', async () => {
      const name = uniqueName('JetVision claimed');
      const definition = webhookWorkflow({ name, path: `claimed/${randomUUID()}` });
      await dataSource.query(
        `INSERT INTO n8n_managed_workflows (name, claim_token, claimed_at) VALUES ($1, $2, now())`,
        [name, randomUUID()],
      );
      const pending = managed.ensureWorkflow(definition);
      // The "other instance" creates the workflow and records it.
      const created = (await (await post({ action: 'create', workflow: definition })).json()) as Summary;
      await dataSource.query(
        `UPDATE n8n_managed_workflows SET workflow_id = $2, claim_token = NULL, claimed_at = NULL WHERE name = $1`,
        [name, created.id],
      );
      const ensured = await pending;
      expect(ensured).toMatchObject({ id: created.id, active: true, created: false });
      expect((await allWorkflows()).filter((w) => w.name === name)).toHaveLength(1);
    });

    it('takes over a stale claim, and recreates a workflow deleted upstream', async () => {
      const name = uniqueName('JetVision stale');
      const definition = webhookWorkflow({ name, path: `stale/${randomUUID()}` });
      await dataSource.query(
        `INSERT INTO n8n_managed_workflows (name, claim_token, claimed_at)
         VALUES ($1, $2, now() - interval '10 minutes')`,
        [name, randomUUID()],
      );
      const first = await managed.ensureWorkflow(definition);
      expect(first).toMatchObject({ active: true, created: true });
      const deleted = await fetch(`${n8n.baseUrl}/admin/data`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'delete', collection: 'workflows', id: first.id }),
      });
      expect(deleted.status).toBe(200);
      const second = await managed.ensureWorkflow(definition);
      expect(second).toMatchObject({ active: true, created: true });
      expect(second.id).not.toBe(first.id);
      const rows: { workflow_id: string; active: boolean }[] = await dataSource.query(
        `SELECT workflow_id, active FROM n8n_managed_workflows WHERE name = $1`,
        [name],
      );
      expect(rows).toEqual([{ workflow_id: second.id, active: true }]);
    });
  });
});
