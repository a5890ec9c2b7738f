import { describe, expect, it } from '@jest/globals';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { SandboxServerHandle } from '../../src/sandbox/index.js';
import { startChildApp } from '../support/child-app.js';
import { eventually } from '../support/test-app.js';
import { childRequester, crashHarness, exitWithin } from './crash-harness.js';
import { trip, waitForStatus } from './pipeline-support.js';

const OTHER_NOTIFICATIONS = 130;

interface Execution {
  id: string;
  status: string;
}

/** One MCP session for many calls to the n8n sandbox (a session per call would make 130 triggers slow). */
async function n8nSession(n8n: SandboxServerHandle) {
  const client = new Client({ name: 'notify-once-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(n8n.url));
  await client.connect(transport);
  const call = async <T>(name: string, args: Record<string, unknown>): Promise<T> => {
    const result = await client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    const first = (result.content as Array<{ type: string; text?: string }>)[0];
    const body = (result.structuredContent ?? JSON.parse(first?.text ?? 'null')) as { data?: T } & T;
    return body.data ?? body;
  };
  return {
    call,
    /** Every execution of the workflow, with its data, across all pages. */
    async allExecutions(workflowId: string): Promise<Execution[]> {
      const all: Execution[] = [];
      let cursor: string | undefined;
      for (;;) {
        const page = await call<{ executions: Execution[]; nextCursor: string | null }>('n8n_executions', {
          action: 'list',
          workflowId,
          includeData: true,
          limit: 100,
          ...(cursor ? { cursor } : {}),
        });
        all.push(...page.executions);
        if (!page.nextCursor) return all;
        cursor = page.nextCursor;
      }
    },
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}

/**
 * The process dies right after the notify step triggered n8n, before committing. Many other notifications go out before
 * the run is retried; the retry must still find the first execution (by the key recorded before the trigger) rather than
 * trigger the workflow a second time.
 */
describe('a crash after notify, then many other notifications: the run still notifies exactly once', () => {
  const harness = crashHarness('pipeline-notify-once');

  it(`finds its first execution behind ${OTHER_NOTIFICATIONS} newer ones`, async () => {
    const child = await startChildApp(harness.env('notify'));
    harness.child = child;
    const response = await childRequester(child)('/api/integration/leads', {
      method: 'POST',
      json: {
        lead: { email: 'notify.once@pipeline-e2e.example', firstName: 'Notify', lastName: 'Once' },
        flightRequirements: trip(),
      },
    });
    expect(response.status).toBe(202);
    const runId = ((await response.json()) as { runId: string }).runId;
    const exit = await exitWithin(child, 45_000);
    expect(exit).toBe('SIGKILL');
    expect(child.output()).toContain('PIPELINE_CRASH_AFTER_STEP=notify');
    harness.child = undefined;

    const n8n = await n8nSession(harness.upstreams.n8n);
    try {
      const workflows = await n8n.call<{ workflows: Array<{ id: string; name: string }> }>('n8n_list_workflows', {
        limit: 100,
      });
      const workflow = workflows.workflows.find((w) => w.name === 'JetVision lead-to-booking notifications');
      expect(workflow).toBeDefined();
      const workflowId = workflow?.id ?? '';
      // The trigger returned when n8n acknowledged it; the execution shows its data once it has finished.
      const before = await eventually(async () => {
        const all = await n8n.allExecutions(workflowId);
        return all.some((e) => e.status === 'running' || e.status === 'new') ? undefined : all;
      }, 30_000);
      expect(before.filter((e) => JSON.stringify(e).includes(runId))).toHaveLength(1);

      // Other runs' notifications, straight to the workflow: the crashed run's execution is now far from the newest.
      for (let i = 0; i < OTHER_NOTIFICATIONS; i++) {
        await n8n.call('n8n_test_workflow', {
          workflowId,
          data: { runId: `other-${i}`, notificationKey: `other-${i}:1` },
        });
      }

      harness.child = await startChildApp(harness.env());
      const request = childRequester(harness.child);
      const waiting = await waitForStatus(request, runId, ['awaiting_confirmation'], 60_000);
      const notify = waiting.steps?.find((s) => s.step === 'notify') as
        { attempts: number; output: { alreadySent?: boolean; executionId?: string } | null } | undefined;
      expect(notify?.attempts).toBe(2);
      expect(notify?.output?.alreadySent).toBe(true);

      const after = await n8n.allExecutions(workflowId);
      expect(after).toHaveLength(before.length + OTHER_NOTIFICATIONS);
      const ours = after.filter((e) => JSON.stringify(e).includes(runId));
      expect(ours.map((e) => e.id)).toEqual([waiting.n8nExecutionId]);
      const body = (await (await request(`/api/integration/pipeline/runs/${runId}`)).json()) as {
        notificationKey: string | null;
      };
      expect(body.notificationKey).toBe(`${runId}:1`);
      expect(JSON.stringify(ours[0])).toContain(JSON.stringify(body.notificationKey));
    } finally {
      await n8n.close();
    }
  }, 300_000);
});
