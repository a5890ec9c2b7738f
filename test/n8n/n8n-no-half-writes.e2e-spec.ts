import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { UpstreamMutation } from '../../src/common/mutations/upstream-mutation.entity.js';
import { UpstreamMutationsService } from '../../src/common/mutations/upstream-mutations.service.js';
import { AuditLogEntry } from '../../src/modules/audit/audit-log.entity.js';
import { type SandboxServerHandle, startSandboxServer } from '../../src/sandbox/index.js';
import { webhookWorkflow } from '../support/webhook-workflow.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { installFailOnceTrigger } from '../support/fail-once-trigger.js';

interface Problem {
  status: number;
  code: string;
  detail: string;
  intentId?: string;
  resultRef?: string;
}
interface Workflow {
  id: string;
  name: string;
  active: boolean;
}

/**
 * No half-writes for n8n (issue 12): an n8n change has no local table, its audit entry is the local record. That write
 * fails once after n8n answered (a trigger on `audit_log`), and the change is still accounted for — by the intent, by
 * the same request sent again (these routes take no Idempotency-Key) and by the reconcile job — made once upstream.
 */
describe('n8n workflow changes: no half-writes', () => {
  let n8n: SandboxServerHandle;
  let app: TestApp;
  let dataSource: DataSource;

  const calls = (tool: string): number => n8n.stats().calls[tool] ?? 0;
  const post = (json: unknown): Promise<Response> =>
    app.request('/api/integration/workflows', { method: 'POST', json });
  const put = (json: unknown): Promise<Response> => app.request('/api/integration/workflows', { method: 'PUT', json });
  const auditOf = (type: string, subject: string): Promise<AuditLogEntry[]> =>
    dataSource.getRepository(AuditLogEntry).findBy({ type, subject });
  const intentOf = (operation: string, subject: string): Promise<UpstreamMutation> =>
    dataSource.getRepository(UpstreamMutation).findOneByOrFail({ upstream: 'n8n', operation, subject });

  let failNextWorkflowAudit: () => Promise<void>;

  const definition = () =>
    webhookWorkflow({ name: `Half-write ${randomUUID().slice(0, 8)}`, path: `half/${randomUUID()}` });

  beforeAll(async () => {
    n8n = await startSandboxServer('n8n', { port: 0, admin: true, seed: 12 });
    app = await startTestApp({ env: { N8N_MCP_SERVER_URL: n8n.url, MCP_MAX_RETRIES: '0' } });
    dataSource = app.app.get(DataSource);
    failNextWorkflowAudit = await installFailOnceTrigger(dataSource, 'audit_log', `NEW."type" LIKE 'n8n.workflow_%'`);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await n8n?.close();
  });

  it('create: 503 with the intent open; the same request again returns the one workflow n8n made', async () => {
    const workflow = definition();
    await failNextWorkflowAudit();
    const before = calls('n8n_create_workflow');

    const first = await post({ action: 'create', workflow });
    expect(first.status).toBe(503);
    expect(first.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await first.json()) as Problem;
    expect(problem.code).toBe('service_unavailable');
    expect(problem.detail).toContain('repeat the same request');
    const intent = await intentOf('create_workflow', workflow.name);
    expect(intent).toMatchObject({ id: problem.intentId, status: 'pending', resultRef: problem.resultRef });
    expect(intent.upstreamAnsweredAt).not.toBeNull();
    expect(intent.error).toContain('injected local failure');
    expect(intent.requestSummary).toMatchObject({ origin: 'api', name: workflow.name, nodeCount: 3 });
    await eventually(
      async () =>
        (await dataSource
          .getRepository(AuditLogEntry)
          .countBy({ type: 'upstream_mutation.left_open', correlationId: intent.id })) === 1,
    );

    const again = await post({ action: 'create', workflow });
    expect(again.status).toBe(201);
    const created = (await again.json()) as Workflow;
    expect(created).toMatchObject({ id: problem.resultRef, name: workflow.name, active: false });
    // Read, not created a second time.
    expect(calls('n8n_create_workflow')).toBe(before + 1);
    expect((await intentOf('create_workflow', workflow.name)).status).toBe('reconciled');
    await eventually(
      async () =>
        (await auditOf('n8n.workflow_created', created.id)).length === 1 &&
        (await auditOf('upstream_mutation.reconciled', created.id)).length === 1,
    );
  });

  it('activate: the reconcile job records the activation nobody repeated', async () => {
    const created = await post({ action: 'create', workflow: definition() });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as Workflow;
    await failNextWorkflowAudit();

    const first = await put({ workflowId: id, action: 'activate' });
    expect(first.status).toBe(503);
    const intent = await intentOf('activate_workflow', id);
    expect(intent).toMatchObject({ status: 'pending', resultRef: id, requestSummary: { active: true } });
    // Active upstream, not yet recorded here.
    expect(((await (await app.request(`/api/integration/workflows/${id}`)).json()) as Workflow).active).toBe(true);
    expect(await auditOf('n8n.workflow_activated', id)).toHaveLength(0);

    await dataSource.query(
      `UPDATE "upstream_mutation" SET "updated_at" = now() - interval '10 minutes' WHERE "id" = $1`,
      [intent.id],
    );
    // What the reconcile job runs (its schedule is exercised in the Avinode file).
    await app.app.get(UpstreamMutationsService).reconcilePending();
    // (The scheduled run may have taken it first: either way it ends reconciled, once.)
    await eventually(async () => (await intentOf('activate_workflow', id)).status === 'reconciled');
    const [entry] = await eventually(async () => {
      const entries = await auditOf('upstream_mutation.reconciled', id);
      return entries.length > 0 ? entries : undefined;
    });
    expect(entry?.details).toMatchObject({ by: 'reconcile', operation: 'activate_workflow' });
    await eventually(async () => (await auditOf('n8n.workflow_activated', id)).length === 1);
  });

  it('an upstream refusal fails the intent (nothing changed upstream)', async () => {
    const response = await put({ workflowId: 'NoSuchWorkflow01', action: 'deactivate' });
    expect(response.status).toBe(404);
    expect(await intentOf('deactivate_workflow', 'NoSuchWorkflow01')).toMatchObject({
      status: 'failed',
      resultRef: null,
    });
  });
});
