import { describe, expect, it } from '@jest/globals';
import { startChildApp } from '../support/child-app.js';
import { childRequester, crashHarness, exitWithin } from './crash-harness.js';
import { callTool, getRun, trip, upstreamRequests, waitForStatus } from './pipeline-support.js';

const STEPS = ['enrich', 'search', 'price', 'request', 'notify'] as const;

/**
 * Kill -9 right after each step's side effect, before its outcome is committed. One run goes through all five crashes
 * in a row: after each restart the lost step job expires, is retried, repeats its (idempotent) side effect, commits,
 * and the run moves on to the next step, where the next process dies. Finally a process without the hook completes it.
 */
describe('crash after every step: the run completes with every side effect applied once', () => {
  const harness = crashHarness('pipeline-crash');

  it('survives kill -9 after enrich, search, price, request and notify', async () => {
    const email = 'crash.test@pipeline-e2e.example';
    let runId = '';
    for (const step of STEPS) {
      const child = await startChildApp(harness.env(step));
      harness.child = child;
      if (runId === '') {
        const response = await childRequester(child)('/api/integration/leads', {
          method: 'POST',
          json: { lead: { email, firstName: 'Crash', lastName: 'Test' }, flightRequirements: trip() },
        });
        expect(response.status).toBe(202);
        runId = ((await response.json()) as { runId: string }).runId;
      }
      const exit = await exitWithin(child, 45_000);
      expect({ step, exit }).toEqual({ step, exit: 'SIGKILL' });
      expect(child.output()).toContain(`PIPELINE_CRASH_AFTER_STEP=${step}`);
      harness.child = undefined;
    }

    harness.child = await startChildApp(harness.env());
    const request = childRequester(harness.child);
    const waiting = await waitForStatus(request, runId, ['awaiting_confirmation'], 60_000);
    // Every step was attempted twice (the crashed attempt and the one after the restart) and committed once.
    expect(waiting.steps?.map((s) => [s.step, s.status, s.attempts])).toEqual(
      STEPS.map((step) => [step, 'succeeded', 2]),
    );

    // One charter request upstream, under the run's key.
    const requests = (await upstreamRequests(harness.upstreams.avinode)).filter((r) => r.contact.email === email);
    expect(requests.map((r) => r.requestId)).toEqual([waiting.charterRequestId]);
    // One notification: the retry found the execution the crashed attempt had started.
    const executions = await callTool<{ data?: { executions: unknown[] }; executions?: unknown[] }>(
      harness.upstreams.n8n,
      'n8n_executions',
      { action: 'list', includeData: true, limit: 100 },
    );
    const list = executions.data?.executions ?? executions.executions ?? [];
    expect(list.filter((e) => JSON.stringify(e).includes(runId))).toHaveLength(1);
    expect(waiting.n8nExecutionId).toEqual(expect.any(String));

    const confirm = await request(`/api/integration/bookings/${waiting.charterRequestId ?? ''}/confirm`, {
      method: 'POST',
      json: { paymentMethod: 'wire_transfer' },
    });
    expect(confirm.status).toBe(200);
    const booked = await waitForStatus(request, runId, ['booked'], 15_000);
    expect((await getRun(request, booked.id)).status).toBe('booked');
  }, 400_000);
});
