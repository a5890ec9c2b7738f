import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { McpClientService } from '../../src/common/mcp/mcp-client.service.js';
import { createWorkflowTool, type WorkflowDefinition } from '../../src/modules/n8n/n8n.contracts.js';
import { webhookWorkflow } from '../support/webhook-workflow.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Problem {
  status: number;
  detail: string;
  errors?: Array<{ field: string; rule: string; message: string }>;
}

/** The usual webhook workflow plus `node` (what an attacker would slip in), at index 3. */
function workflowWith(node: {
  name: string;
  type: string;
  parameters: Record<string, unknown>;
  typeVersion?: number;
}): WorkflowDefinition {
  const base = webhookWorkflow({ name: `Policy ${randomUUID().slice(0, 8)}`, path: `policy/${randomUUID()}` });
  return {
    ...base,
    nodes: [...base.nodes, { id: randomUUID(), typeVersion: 4.2, position: [660, 0], ...node }],
    connections: { ...base.connections, Respond: { main: [[{ node: node.name, type: 'main', index: 0 }]] } },
  };
}

const fetchNode = (url: unknown): { name: string; type: string; parameters: Record<string, unknown> } => ({
  name: 'Fetch',
  type: 'n8n-nodes-base.httpRequest',
  parameters: { method: 'GET', url },
});

describe('n8n workflows cannot become an open proxy', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        N8N_ALLOWED_HTTP_HOSTS: 'api.example.com,*.partner.example,10.1.2.3',
        N8N_ALLOWED_NODE_TYPES: 'n8n-nodes-base.slack',
      },
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  const create = (workflow: WorkflowDefinition): Promise<Response> =>
    t.request('/api/integration/workflows', { method: 'POST', json: { action: 'create', workflow } });

  it.each([
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/iam/', 'internalHttpHost'],
    ['metadata as a decimal number', 'http://2852039166/latest/meta-data/', 'internalHttpHost'],
    ['metadata as IPv4-mapped IPv6', 'http://[::ffff:169.254.169.254]/latest/', 'internalHttpHost'],
    ['loopback', 'http://127.0.0.1:3000/api/integration/status', 'internalHttpHost'],
    ['IPv6 loopback', 'http://[::1]/', 'internalHttpHost'],
    ['localhost', 'http://localhost:5678/rest/workflows', 'internalHttpHost'],
    ['an internal name', 'http://metadata.google.internal/computeMetadata/v1/', 'internalHttpHost'],
    ['a private range not listed', 'http://10.1.2.4/', 'internalHttpHost'],
    ['a public host not listed', 'https://evil.example.org/collect', 'allowedHttpHost'],
    ['a look-alike of a listed host', 'https://api.example.com.evil.example.org/', 'allowedHttpHost'],
    ['a host chosen at run time', '={{ $json.target }}', 'staticHttpHost'],
    ['a host completed at run time', '=https://api.example.com{{ $json.suffix }}', 'staticHttpHost'],
    ['a file URL', 'file:///etc/passwd', 'allowedHttpHost'],
  ])('refuses an HTTP Request node to %s with 400 naming the node and the rule', async (_, url, rule) => {
    const response = await create(workflowWith(fetchNode(url)));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as Problem;
    expect(problem.errors).toEqual([
      { field: 'workflow.nodes.3.parameters.url', rule, message: expect.stringContaining('node "Fetch"') },
    ]);
  });

  it.each([
    ['a listed host', 'https://api.example.com/v1/leads'],
    ['a listed host with a run-time path', '=https://api.example.com/v1/leads/{{ $json.id }}'],
    ['a subdomain of a listed wildcard', 'https://eu.partner.example/hooks'],
    ['a private address listed exactly', 'http://10.1.2.3:8080/'],
  ])('accepts an HTTP Request node to %s', async (_, url) => {
    expect((await create(workflowWith(fetchNode(url)))).status).toBe(201);
  });

  it.each([
    ['n8n-nodes-base.code', { jsCode: 'return [{ json: await fetch("http://169.254.169.254") }]' }],
    ['n8n-nodes-base.executeCommand', { command: 'curl http://169.254.169.254' }],
    ['n8n-nodes-base.executeWorkflow', { workflowId: 'x' }],
    ['n8n-nodes-base.gmail', {}],
  ])('refuses a %s node (not on the allow-list)', async (type, parameters) => {
    const response = await create(workflowWith({ name: 'Sneaky', type, parameters }));
    expect(response.status).toBe(400);
    const problem = (await response.json()) as Problem;
    expect(problem.errors).toEqual([
      {
        field: 'workflow.nodes.3.type',
        rule: 'allowedNodeType',
        message: expect.stringContaining(`node "Sneaky": type ${type} is not allowed`),
      },
    ]);
  });

  it('accepts a node type added by N8N_ALLOWED_NODE_TYPES', async () => {
    const response = await create(
      workflowWith({ name: 'Notify', type: 'n8n-nodes-base.slack', typeVersion: 2.2, parameters: {} }),
    );
    expect(response.status).toBe(201);
  });

  it('refuses to activate a workflow created directly in n8n that breaks the policy', async () => {
    const upstream = await t.app
      .get(McpClientService)
      .call(createWorkflowTool, workflowWith(fetchNode('http://169.254.169.254/latest/meta-data/')));
    const response = await t.request('/api/integration/workflows', {
      method: 'PUT',
      json: { action: 'activate', workflowId: upstream.id },
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as Problem;
    expect(problem.errors?.[0]).toMatchObject({
      rule: 'internalHttpHost',
      message: expect.stringContaining('"Fetch"'),
    });
    const after = (await (await t.request(`/api/integration/workflows/${upstream.id}`)).json()) as { active: boolean };
    expect(after.active).toBe(false);
  });
});
