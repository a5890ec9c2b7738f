import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { SANDBOX_DELAY_KEY } from '../../src/sandbox/n8n/n8n.engine.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { testSecret } from '../webhook/support/webhook-client.js';
import { notificationWorkflowDefinition } from '../../src/modules/pipeline/notification-workflow.service.js';
import { callTool, getRun, startUpstreams, trip, type Upstreams, waitForStatus } from './pipeline-support.js';

const WEBHOOK_PATH = 'jetvision-notification-outcome-e2e';
const TEAM_NODE = 'Tell the sales team';

interface RunWithNotification {
  status: string;
  n8nExecutionId: string | null;
  notification: { status: string | null; error: string | null };
  steps?: Array<{ step: string; finishedAt: string | null; attempts: number }>;
}

/**
 * The notify step triggers the notification workflow and moves on once n8n has answered (its Respond to Webhook node
 * ran); the nodes a team added after it keep running, and n8n's workflow_completed / workflow_failed webhook records
 * how the notification ended on the run. The sandbox's executions take seconds here, so "moved on before the
 * workflow ended" shows in the recorded times, not in a timing bound.
 */
describe('the notification is triggered, not waited for; its end is recorded on the run', () => {
  let upstreams: Upstreams;
  let app: TestApp;
  let workflowId: string;

  beforeAll(async () => {
    const previous = process.env.SANDBOX_N8N_EXECUTION_MS;
    process.env.SANDBOX_N8N_EXECUTION_MS = '3000';
    try {
      upstreams = await startUpstreams(42);
    } finally {
      if (previous === undefined) delete process.env.SANDBOX_N8N_EXECUTION_MS;
      else process.env.SANDBOX_N8N_EXECUTION_MS = previous;
    }
    // The workflow as a team extended it: a node after the acknowledgement that fails (Slack is down).
    const definition = notificationWorkflowDefinition(WEBHOOK_PATH);
    const created = await callTool<{ data: { id: string } }>(upstreams.n8n, 'n8n_create_workflow', {
      ...definition,
      nodes: [
        ...definition.nodes,
        {
          id: '6f1c2a9e-0b7d-4c1e-9a51-2d3f4a5b6c03',
          name: TEAM_NODE,
          type: 'n8n-nodes-base.stopAndError',
          typeVersion: 1,
          position: [520, 0],
          parameters: { errorMessage: 'Slack is down' },
        },
      ],
      connections: {
        ...definition.connections,
        Acknowledge: { main: [[{ node: TEAM_NODE, type: 'main', index: 0 }]] },
      },
    });
    workflowId = created.data.id;
    await callTool(upstreams.n8n, 'n8n_update_partial_workflow', {
      id: workflowId,
      operations: [{ type: 'activateWorkflow' }],
    });
    const secret = testSecret();
    app = await startTestApp({
      env: {
        ...upstreams.env,
        PIPELINE_N8N_WEBHOOK_PATH: WEBHOOK_PATH,
        WEBHOOK_N8N_SECRETS: secret,
        WEBHOOK_RETRY_DELAY_SECONDS: '1',
        WEBHOOK_RETRY_BACKOFF: 'false',
      },
    });
    upstreams.n8n.setWebhook({ url: `${app.baseUrl}/api/integration/webhook/n8n`, secret, baseDelayMs: 50 });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await upstreams?.close();
  });

  async function runToAwaiting(email: string): Promise<{ runId: string; run: RunWithNotification }> {
    const response = await app.request('/api/integration/leads', {
      method: 'POST',
      json: { lead: { email, firstName: 'Nora', lastName: 'Tify' }, flightRequirements: trip() },
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    await waitForStatus(app.request, runId, ['awaiting_confirmation']);
    return { runId, run: (await getRun(app.request, runId)) as unknown as RunWithNotification };
  }

  async function executionOf(id: string): Promise<{ status: string; stoppedAt: string | null }> {
    const got = await callTool<{ data: { status: string; stoppedAt: string | null } }>(
      upstreams.n8n,
      'n8n_executions',
      {
        action: 'get',
        id,
        mode: 'summary',
      },
    );
    return got.data;
  }

  async function notificationSettled(runId: string): Promise<RunWithNotification> {
    return eventually(async () => {
      const run = (await getRun(app.request, runId)) as unknown as RunWithNotification;
      return run.notification.status === 'sent' ? undefined : run;
    }, 20_000);
  }

  it('records a notification that failed after n8n acknowledged it, and leaves the run awaiting confirmation', async () => {
    const { runId, run } = await runToAwaiting('failed.notification@pipeline-e2e.example');
    expect(run.n8nExecutionId).toEqual(expect.any(String));
    const executionId = run.n8nExecutionId ?? '';
    const notifyFinished = run.steps?.find((s) => s.step === 'notify')?.finishedAt ?? '';

    const settled = await notificationSettled(runId);
    expect(settled.status).toBe('awaiting_confirmation');
    expect(settled.notification).toEqual({ status: 'failed', error: `Slack is down (node ${TEAM_NODE})` });
    const execution = await executionOf(executionId);
    expect(execution.status).toBe('error');
    // The step committed before the workflow ended: no worker waited for the team's node.
    expect(Date.parse(notifyFinished)).toBeLessThan(Date.parse(execution.stoppedAt ?? ''));

    // Audit entries are written in groups after the commit: wait for ours.
    const entries = await eventually(async () => {
      const audit = await app.request(
        `/api/integration/audit?correlationId=${runId}&type=pipeline.run.notification_finished`,
      );
      const body = (await audit.json()) as { items: Array<{ outcome: string; details: { executionId: string } }> };
      return body.items.length > 0 ? body.items : undefined;
    }, 10_000);
    expect(entries.map((e) => [e.outcome, e.details.executionId])).toEqual([['failure', executionId]]);
  });

  it('records a notification whose workflow succeeded', async () => {
    await callTool(upstreams.n8n, 'n8n_update_partial_workflow', {
      id: workflowId,
      operations: [{ type: 'disableNode', nodeName: TEAM_NODE }],
    });
    const { runId, run } = await runToAwaiting('good.notification@pipeline-e2e.example');
    const settled = await notificationSettled(runId);
    expect(settled.notification).toEqual({ status: 'succeeded', error: null });
    expect((await executionOf(run.n8nExecutionId ?? '')).status).toBe('success');
  });

  it('notifies through a workflow deactivated in n8n since the last notification: it is activated again', async () => {
    await callTool(upstreams.n8n, 'n8n_update_partial_workflow', {
      id: workflowId,
      operations: [{ type: 'deactivateWorkflow' }],
    });
    const { runId, run } = await runToAwaiting('reactivated.notification@pipeline-e2e.example');
    expect(run.steps?.find((s) => s.step === 'notify')).toMatchObject({ attempts: 1 });
    expect((await notificationSettled(runId)).notification.status).toBe('succeeded');
    const workflow = await callTool<{ data: { active: boolean } }>(upstreams.n8n, 'n8n_get_workflow', {
      id: workflowId,
    });
    expect(workflow.data.active).toBe(true);
  });

  it('a run of the workflow by hand that ends while a run is mid-trigger is not retried as if it were that run', async () => {
    // A team tries its nodes by hand, with data of its own (no run's notification key); its execution runs 8 s.
    const manual = await callTool<{ data: { data: { executionId: string } } }>(upstreams.n8n, 'n8n_test_workflow', {
      workflowId,
      data: { runId: 'tried-by-hand', [SANDBOX_DELAY_KEY]: 8_000 },
    });
    const manualId = manual.data.data.executionId;
    // Meanwhile a run's trigger hangs in n8n: the run has recorded its notification key, not yet an execution.
    upstreams.n8n.setFaults({ hang: true, tools: ['n8n_test_workflow'] });
    let runId: string;
    try {
      const response = await app.request('/api/integration/leads', {
        method: 'POST',
        json: {
          lead: { email: 'mid.trigger@pipeline-e2e.example', firstName: 'Mia', lastName: 'Trigg' },
          flightRequirements: trip(),
        },
      });
      runId = ((await response.json()) as { runId: string }).runId;
      await waitForStatus(app.request, runId, ['notifying']);
      // The hand-run execution has not ended yet, so its webhook comes while the run is mid-trigger.
      expect((await executionOf(manualId)).status).toBe('running');
      const event = await eventually(async () => {
        const rows = await app.app.get(DataSource).query<Array<{ status: string; attempts: number }>>(
          `SELECT "status", "attempts" FROM "webhook_events"
              WHERE "source" = 'n8n' AND "type" = 'workflow_completed' AND "payload"::text LIKE $1`,
          [`%"${manualId}"%`],
        );
        return rows[0]?.status === 'processed' ? rows[0] : undefined;
      }, 30_000);
      expect(event.attempts).toBe(1);
      expect((await getRun(app.request, runId)).status).toBe('notifying');
    } finally {
      upstreams.n8n.clearFaults();
    }
    await waitForStatus(app.request, runId, ['awaiting_confirmation'], 30_000);
  });
});
