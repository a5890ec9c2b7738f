import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CallToolResult } from '@modelcontextprotocol/client';

import { startSandboxHost, type SandboxServerHandle } from '../../src/sandbox/core/sandbox-handle.js';
import { n8nSandbox } from '../../src/sandbox/n8n/n8n.sandbox.js';
import { connectClient, resultText, waitFor, type TestClient } from './support/sandbox-client.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

/** A parsed tool result: every member is again a Json (use `list` / `str` where an array or a string is needed). */
type JsonKey =
  | '_note'
  | 'activationError'
  | 'active'
  | 'connections'
  | 'data'
  | 'details'
  | 'error'
  | 'errors'
  | 'executionId'
  | 'executions'
  | 'hasMore'
  | 'id'
  | 'ids'
  | 'leadId'
  | 'list'
  | 'manualTrigger'
  | 'message'
  | 'name'
  | 'nextCursor'
  | 'nextSteps'
  | 'noOp'
  | 'nodes'
  | 'ok'
  | 'output'
  | 'respondToWebhook'
  | 'resultData'
  | 'returned'
  | 'set'
  | 'startedAt'
  | 'status'
  | 'stopAndError'
  | 'stoppedAt'
  | 'success'
  | 'summary'
  | 'tags'
  | 'teleport'
  | 'type'
  | 'typeVersion'
  | 'updatedAt'
  | 'webhookId'
  | 'workflowId'
  | 'workflows'
  | 'Set status';
type Json = { readonly [K in JsonKey]: Json };
type Args = Record<string, unknown>;

interface NodeInput {
  id: string;
  name: string;
  type: string;
  typeVersion: number;
  position: [number, number];
  parameters: Args;
}

interface WorkflowInput {
  [key: string]: unknown;
  name: string;
  nodes: NodeInput[];
  connections: Record<string, unknown>;
}

function list(value: Json | undefined): Json[] {
  if (!Array.isArray(value)) throw new Error(`expected an array, got ${JSON.stringify(value)}`);
  return value as Json[];
}

function str(value: Json | undefined): string {
  if (typeof value !== 'string') throw new Error(`expected a string, got ${JSON.stringify(value)}`);
  return value;
}

/** n8n-mcp's envelope: JSON text in the first content item; the sandbox also mirrors it in structuredContent. */
function envelope(result: CallToolResult): Json {
  expect(result.isError).toBeFalsy();
  const first = result.content[0];
  if (first?.type !== 'text') throw new Error('expected a text content item');
  const parsed = JSON.parse(first.text) as Json;
  expect(result.structuredContent).toEqual(parsed);
  expect(typeof parsed.success).toBe('boolean');
  return parsed;
}

function node(name: string, type: string, typeVersion: number, parameters: Args = {}, index = 0): NodeInput {
  return { id: `${name}-id`, name, type, typeVersion, position: [index * 200, 300], parameters };
}

function chain(...names: string[]): Record<string, unknown> {
  const connections: Record<string, unknown> = {};
  for (let i = 0; i < names.length - 1; i++) {
    connections[names[i]!] = { main: [[{ node: names[i + 1], type: 'main', index: 0 }]] };
  }
  return connections;
}

/** A webhook workflow of the kind the backend builds. */
function webhookWorkflow(name: string, path: string, extra: NodeInput[] = [], responseMode?: string): WorkflowInput {
  const nodes = [
    node('Webhook', 'n8n-nodes-base.webhook', 2, {
      httpMethod: 'POST',
      path,
      ...(responseMode ? { responseMode } : {}),
    }),
    node(
      'Set status',
      'n8n-nodes-base.set',
      3.4,
      {
        assignments: { assignments: [{ id: 's1', name: 'leadId', value: '={{ $json.body.leadId }}', type: 'string' }] },
      },
      1,
    ),
    ...extra,
  ];
  return { name, nodes, connections: chain(...nodes.map((n) => n.name)) };
}

describe('n8n sandbox over Streamable HTTP', () => {
  let handle: SandboxServerHandle;
  let receiver: WebhookReceiver;
  let c: TestClient;
  const previousTiming = process.env.SANDBOX_N8N_EXECUTION_MS;

  const call = async (name: string, args: Args = {}): Promise<Json> => envelope(await c.call(name, args));
  const create = async (workflow: WorkflowInput): Promise<string> => {
    const created = await call('n8n_create_workflow', workflow);
    expect(created).toMatchObject({ success: true, data: { active: false } });
    return str(created.data.id);
  };
  const activate = (id: string): Promise<Json> =>
    call('n8n_update_partial_workflow', { id, operations: [{ type: 'activateWorkflow' }] });
  const execution = async (id: Json | string): Promise<Json> =>
    (await call('n8n_executions', { action: 'get', id })).data;
  const executionsOf = async (workflowId: string): Promise<Json[]> =>
    list((await call('n8n_executions', { action: 'list', workflowId })).data.executions);
  const eventsOfType = (type: string): Json[] =>
    receiver.received
      .map((r) => (r.verified.ok ? (r.verified.payload as Json) : undefined))
      .filter((p): p is Json => p !== undefined && (p.type as unknown) === type);

  beforeAll(async () => {
    process.env.SANDBOX_N8N_EXECUTION_MS = '60-120';
    receiver = await startWebhookReceiver();
    handle = await startSandboxHost(n8nSandbox, {
      seed: 11,
      now: new Date('2026-03-02T09:00:00Z'),
      webhook: { url: receiver.url, secret: receiver.secret, attempts: 2, baseDelayMs: 10 },
    });
    c = await connectClient(handle.url);
  });

  afterAll(async () => {
    await c.close();
    await handle.close();
    await receiver.close();
    if (previousTiming === undefined) delete process.env.SANDBOX_N8N_EXECUTION_MS;
    else process.env.SANDBOX_N8N_EXECUTION_MS = previousTiming;
  });

  it('health check answers like n8n-mcp', async () => {
    const health = await call('n8n_health_check');
    expect(health).toMatchObject({ success: true, data: { status: 'ok', mcpVersion: '2.87.0', features: {} } });
    expect(health.data.nextSteps).toContain('• List workflows: n8n_list_workflows');
  });

  it('lists seeded workflows (some active) with cursor pagination', async () => {
    const all = await call('n8n_list_workflows');
    expect(all.data.returned).toBeGreaterThanOrEqual(5);
    expect(all.data).toMatchObject({ hasMore: false, nextCursor: null });
    expect(list(all.data.workflows).some((w) => w.active)).toBe(true);
    expect(list(all.data.workflows).some((w) => !w.active)).toBe(true);
    expect(Object.keys(list(all.data.workflows)[0]!).sort()).toEqual(
      ['active', 'createdAt', 'id', 'isArchived', 'name', 'nodeCount', 'tags', 'updatedAt'].sort(),
    );

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await call('n8n_list_workflows', { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...list(page.data.workflows).map((w) => str(w.id)));
      if (!page.data.hasMore) break;
      expect(page.data._note).toBe('More workflows available. Use cursor to get next page.');
      cursor = str(page.data.nextCursor);
    }
    expect(seen).toEqual(list(all.data.workflows).map((w) => w.id));

    const active = await call('n8n_list_workflows', { active: true });
    expect(list(active.data.workflows).every((w) => w.active)).toBe(true);
    expect(await call('n8n_list_workflows', { limit: 500 })).toMatchObject({ success: false, error: 'Invalid input' });
  });

  it('creates a workflow inactive, with default settings and a webhookId, and returns it by id', async () => {
    const id = await create(webhookWorkflow('Create check', 'e2e/create-check'));
    const got = await call('n8n_get_workflow', { id });
    expect(got.data).toMatchObject({
      id,
      name: 'Create check',
      active: false,
      isArchived: false,
      settings: { executionOrder: 'v1', saveDataErrorExecution: 'all', saveDataSuccessExecution: 'all' },
    });
    expect(list(got.data.nodes)[0]!.webhookId).toMatch(/^[0-9a-f-]{36}$/);
    const structure = await call('n8n_get_workflow', { id, mode: 'structure' });
    expect(structure.data).toMatchObject({ nodeCount: 2, connectionCount: 1 });
    expect(await call('n8n_get_workflow', { id: 'doesNotExist0000' })).toEqual({
      success: false,
      error: 'Not Found',
      code: 'NOT_FOUND',
    });
  });

  it('refuses what n8n-mcp or n8n would refuse', async () => {
    const unknownType = webhookWorkflow('Bad type', 'e2e/bad-type', [
      node('Teleport', 'n8n-nodes-base.teleport', 1, {}, 2),
    ]);
    expect(await call('n8n_create_workflow', unknownType)).toMatchObject({
      success: false,
      code: 'VALIDATION_ERROR',
      error: 'Invalid request: Unrecognized node type: n8n-nodes-base.teleport',
    });

    const badVersion = webhookWorkflow('Bad version', 'e2e/bad-version');
    badVersion.nodes[1]!.typeVersion = 9;
    expect((await call('n8n_create_workflow', badVersion)).error).toMatch(/no typeVersion 9/);

    const duplicate = webhookWorkflow('Dup names', 'e2e/dup', [node('Set status', 'n8n-nodes-base.noOp', 1, {}, 2)]);
    duplicate.connections = { Webhook: { main: [[{ node: 'Set status', type: 'main', index: 0 }]] } };
    expect((await call('n8n_create_workflow', duplicate)).error).toMatch(/Node names must be unique/);

    const dangling = webhookWorkflow('Dangling', 'e2e/dangling');
    dangling.connections['Set status'] = { main: [[{ node: 'Nowhere', type: 'main', index: 0 }]] };
    const danglingResult = await call('n8n_create_workflow', dangling);
    expect(danglingResult).toMatchObject({ success: false, error: 'Workflow validation failed' });
    expect(danglingResult.details.errors).toContain(
      'Connection references non-existent target node: Nowhere (from Set status[0][0])',
    );

    const noPath = webhookWorkflow('No path', '');
    expect((await call('n8n_create_workflow', noPath)).error).toMatch(/has no path/);

    const shortForm = webhookWorkflow('Short', 'e2e/short');
    shortForm.nodes[1]!.type = 'nodes-base.set';
    expect((await call('n8n_create_workflow', shortForm)).error).toBe(
      'Node type format error: n8n API requires FULL form node types',
    );

    const missingName = await c.call('n8n_create_workflow', { nodes: [], connections: {} });
    expect(missingName.isError).toBe(true);
    expect(resultText(missingName)).toMatch(/name/);
  });

  it('runs an active webhook workflow: running, then success, with signed events', async () => {
    const id = await create(webhookWorkflow('Happy path', 'e2e/happy'));
    const inactive = await call('n8n_test_workflow', { workflowId: id, data: { leadId: 'L-1' } });
    expect(inactive).toMatchObject({ success: false, error: 'Workflow must be active to trigger via this method' });
    expect(await executionsOf(id)).toEqual([]);

    expect(await activate(id)).toMatchObject({
      success: true,
      saved: true,
      data: { active: true, operationsApplied: 1 },
    });
    const run = await call('n8n_test_workflow', { workflowId: id, data: { leadId: 'L-1' } });
    expect(run).toMatchObject({
      success: true,
      message: 'Workflow triggered successfully via webhook',
      workflowId: id,
      method: 'trigger',
      backend: 'public-api',
      data: { status: 200, statusText: 'OK', data: { message: 'Workflow was started' } },
      details: { triggerType: 'webhook', metadata: { webhookPath: 'e2e/happy', httpMethod: 'POST' } },
    });

    const [started] = await executionsOf(id);
    // Usually still running when first read, but a busy machine can let the short execution end first; that it was
    // running before it succeeded is proven by the execution_status events below.
    expect(started).toMatchObject({ mode: 'webhook', workflowId: id });
    expect(started).toMatchObject(
      str(started!.status) === 'running' ? { finished: false, stoppedAt: null } : { status: 'success', finished: true },
    );
    expect(started!.data).toBeUndefined();
    await waitFor(async () => str((await execution(started!.id)).status) !== 'running', 5_000, 'the run to end');
    const done = await execution(started!.id);
    expect(done).toMatchObject({ status: 'success', finished: true });
    expect(Date.parse(str(done.stoppedAt))).toBeGreaterThan(Date.parse(str(done.startedAt)));

    const summary = (await call('n8n_executions', { action: 'get', id: started!.id, mode: 'summary' })).data;
    expect(summary.summary).toMatchObject({ totalNodes: 2, executedNodes: 2 });
    expect(summary.nodes['Set status'].data.output).toEqual([{ json: { leadId: 'L-1' } }]);

    await waitFor(
      () => eventsOfType('workflow_completed').some((e) => e.data?.executionId === started!.id),
      5_000,
      'workflow_completed to be delivered',
    );
    const statuses = eventsOfType('execution_status')
      .filter((e) => e.data?.executionId === started!.id)
      .map((e) => str(e.data?.status));
    expect(statuses).toEqual(['running', 'success']);
  });

  it('answers from Respond to Webhook, resolving $execution.id', async () => {
    const wf = webhookWorkflow(
      'Responder',
      'e2e/responder',
      [
        node(
          'Respond',
          'n8n-nodes-base.respondToWebhook',
          1.1,
          { respondWith: 'json', responseBody: '={{ { "executionId": $execution.id, "lead": $json.leadId } }}' },
          2,
        ),
      ],
      'responseNode',
    );
    const id = await create(wf);
    await activate(id);
    const run = await call('n8n_test_workflow', { workflowId: id, data: { leadId: 'L-9' } });
    expect(run).toMatchObject({ success: true, data: { status: 200, data: { lead: 'L-9' } } });
    const executionId = str(run.data?.data?.executionId);
    expect((await execution(executionId)).status).toBe('success');
  });

  it('answers when Respond to Webhook has run while the nodes after it keep running, as n8n does', async () => {
    const wf = webhookWorkflow('Acknowledges first', 'e2e/ack-first', [], 'responseNode');
    wf.nodes = [
      wf.nodes[0]!,
      node(
        'Respond',
        'n8n-nodes-base.respondToWebhook',
        1.1,
        { respondWith: 'json', responseBody: '={{ { "executionId": $execution.id } }}' },
        1,
      ),
      node('Slack', 'n8n-nodes-base.noOp', 1, {}, 2),
    ];
    wf.connections = chain('Webhook', 'Respond', 'Slack');
    const id = await create(wf);
    await activate(id);
    const run = await call('n8n_test_workflow', { workflowId: id, data: { __sandboxDelayMs: 2_000 } });
    expect(run).toMatchObject({ success: true, data: { status: 200 } });
    const executionId = str(run.data?.data?.executionId);
    expect((await execution(executionId)).status).toBe('running');
    await waitFor(
      () => eventsOfType('workflow_completed').some((e) => (e.data?.executionId as unknown) === executionId),
      10_000,
      'workflow_completed after the nodes behind Respond to Webhook',
    );
    expect((await execution(executionId)).status).toBe('success');
  });

  it('fails a workflow with a Stop and Error node, and any run given __sandboxFail', async () => {
    const failing = webhookWorkflow(
      'Always fails',
      'e2e/fails',
      [node('Stop', 'n8n-nodes-base.stopAndError', 1, { errorMessage: 'Lead rejected' }, 2)],
      'lastNode',
    );
    const id = await create(failing);
    await activate(id);
    const run = await call('n8n_test_workflow', { workflowId: id, data: { leadId: 'L-2' } });
    expect(run).toMatchObject({ success: false, message: 'Error in workflow', workflowId: id, method: 'trigger' });
    const [failed] = await executionsOf(id);
    expect(failed).toMatchObject({ status: 'error', finished: false });
    const errorView = (await call('n8n_executions', { action: 'get', id: failed!.id, mode: 'error' })).data;
    expect(errorView.error).toMatchObject({ message: 'Lead rejected', node: 'Stop' });
    await waitFor(
      () => eventsOfType('workflow_failed').some((e) => e.data?.executionId === failed!.id),
      5_000,
      'workflow_failed to be delivered',
    );

    const okId = await create(webhookWorkflow('Fails on demand', 'e2e/on-demand'));
    await activate(okId);
    await call('n8n_test_workflow', { workflowId: okId, data: { __sandboxFail: 'CRM down' } });
    const [forced] = await executionsOf(okId);
    await waitFor(async () => str((await execution(forced!.id)).status) === 'error', 5_000, 'the forced failure');
    const detail = (await call('n8n_executions', { action: 'get', id: forced!.id, mode: 'full' })).data;
    expect(detail.error.message).toBe('CRM down');
  });

  it('refuses activation without a trigger, with only a manual trigger, or on a webhook path already in use', async () => {
    const noTrigger = await create({
      name: 'No trigger',
      nodes: [node('A', 'n8n-nodes-base.set', 3.4), node('B', 'n8n-nodes-base.noOp', 1, {}, 1)],
      connections: chain('A', 'B'),
    });
    const refused = await activate(noTrigger);
    expect(refused).toMatchObject({ success: false, saved: false, error: 'Failed to apply diff operations' });
    expect(list(refused.details.errors)[0]!.message).toMatch(/No activatable trigger nodes found/);

    const manual = await create({
      name: 'Manual only',
      nodes: [node('Start', 'n8n-nodes-base.manualTrigger', 1), node('B', 'n8n-nodes-base.noOp', 1, {}, 1)],
      connections: chain('Start', 'B'),
    });
    expect(await activate(manual)).toMatchObject({
      success: false,
      saved: true,
      error: 'Workflow updated successfully but activation failed',
      details: { activationError: expect.stringMatching(/no node to start the workflow/) },
    });

    const first = await create(webhookWorkflow('Path owner', 'e2e/shared-path'));
    const second = await create(webhookWorkflow('Path thief', 'e2e/shared-path'));
    expect((await activate(first)).success).toBe(true);
    const clash = await activate(second);
    expect(clash).toMatchObject({ success: false, error: 'Workflow updated successfully but activation failed' });
    expect(clash.details.activationError).toBe(
      'The URL path that the "Webhook" node uses is already taken. Please change it to something else.',
    );
    expect((await call('n8n_get_workflow', { id: second, mode: 'minimal' })).data.active).toBe(false);
  });

  it('filters and pages executions like n8n-mcp', async () => {
    const seeded = await call('n8n_executions', { action: 'list' });
    const statuses = new Set(list(seeded.data.executions).map((e) => str(e.status)));
    for (const s of ['success', 'error', 'waiting', 'canceled']) expect(statuses.has(s)).toBe(true);

    const errors = await call('n8n_executions', { status: 'error' });
    expect(list(errors.data.executions).length).toBeGreaterThan(0);
    expect(list(errors.data.executions).every((e) => str(e.status) === 'error')).toBe(true);

    const some = list(seeded.data.executions)[0]!;
    const byWorkflow = await call('n8n_executions', { workflowId: some.workflowId });
    expect(list(byWorkflow.data.executions).every((e) => e.workflowId === some.workflowId)).toBe(true);

    const ids: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 50; pages++) {
      const page = await call('n8n_executions', { limit: 3, ...(cursor ? { cursor } : {}) });
      ids.push(...list(page.data.executions).map((e) => str(e.id)));
      if (!page.data.hasMore) break;
      cursor = str(page.data.nextCursor);
    }
    expect(ids).toEqual(list(seeded.data.executions).map((e) => e.id));
    expect(ids.map(Number)).toEqual([...ids.map(Number)].sort((a, b) => b - a));

    const running = await c.call('n8n_executions', { status: 'running' });
    expect(running.isError).toBe(true);

    const withData = await call('n8n_executions', { limit: 1, includeData: true });
    expect(list(withData.data.executions)[0]!.data.resultData).toBeDefined();

    const deleted = await call('n8n_executions', { action: 'delete', id: some.id });
    expect(deleted).toEqual({ success: true, message: `Execution ${str(some.id)} deleted successfully` });
    expect(await call('n8n_executions', { action: 'get', id: some.id })).toMatchObject({
      success: false,
      code: 'NOT_FOUND',
    });
  });

  it('deactivates and deletes: a deactivated workflow no longer runs, a deleted one is gone', async () => {
    const id = await create(webhookWorkflow('Short lived', 'e2e/short-lived'));
    await activate(id);
    const off = await call('n8n_update_partial_workflow', {
      id,
      operations: [{ type: 'deactivateWorkflow' }, { type: 'updateName', name: 'Short lived (off)' }],
    });
    expect(off).toMatchObject({
      success: true,
      data: { active: false, name: 'Short lived (off)', operationsApplied: 2 },
    });
    expect(await call('n8n_test_workflow', { workflowId: id })).toMatchObject({ success: false });

    const before = str((await call('n8n_get_workflow', { id, mode: 'minimal' })).data?.updatedAt);
    await call('n8n_update_partial_workflow', { id, operations: [{ type: 'addTag', tag: 'e2e' }] });
    const after = (await call('n8n_get_workflow', { id, mode: 'minimal' })).data;
    expect(Date.parse(str(after.updatedAt))).toBeGreaterThan(Date.parse(before));
    expect(list(after.tags).map((t) => t.name)).toEqual(['e2e']);

    expect(await call('n8n_delete_workflow', { id })).toMatchObject({
      success: true,
      data: { id, name: 'Short lived (off)', deleted: true },
    });
    expect(await call('n8n_get_workflow', { id })).toMatchObject({ success: false, error: 'Not Found' });
  });
});
