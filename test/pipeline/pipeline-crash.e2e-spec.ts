import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildApp, startChildApp } from '../support/child-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import {
  callTool,
  getRun,
  startUpstreams,
  trip,
  type Upstreams,
  upstreamRequests,
  waitForStatus,
} from './pipeline-support.js';

const STEPS = ['enrich', 'search', 'price', 'request', 'notify'] as const;

/**
 * Kill -9 right after each step's side effect, before its outcome is committed. One run goes through all five crashes
 * in a row: after each restart the lost step job expires, is retried, repeats its (idempotent) side effect, commits,
 * and the run moves on to the next step, where the next process dies. Finally a process without the hook completes it.
 */
describe('crash after every step: the run completes with every side effect applied once', () => {
  let upstreams: Upstreams;
  let database: TestDatabase;
  let child: ChildApp | undefined;

  beforeAll(async () => {
    upstreams = await startUpstreams();
    database = await createTestDatabase('pipeline-crash');
  }, 60_000);

  afterAll(async () => {
    await child?.kill();
    await database?.drop();
    await upstreams?.close();
  });

  function env(crashAfter?: string): Record<string, string> {
    return {
      ...database.env,
      ...upstreams.env,
      NODE_ENV: 'test',
      PIPELINE_STEP_TIMEOUT_SECONDS: '10',
      PIPELINE_STEP_RETRY_DELAY_SECONDS: '1',
      ...(crashAfter ? { PIPELINE_CRASH_AFTER_STEP: crashAfter } : {}),
    };
  }

  function requester(app: ChildApp) {
    return (path: string, init: RequestInit & { json?: unknown } = {}) => {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      headers.set('authorization', `Bearer ${app.apiKey}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${app.baseUrl}${path}`, {
        ...rest,
        headers,
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
    };
  }

  it('survives kill -9 after enrich, search, price, request and notify', async () => {
    const email = 'crash.test@pipeline-e2e.example';
    let runId = '';
    for (const step of STEPS) {
      child = await startChildApp(env(step));
      if (runId === '') {
        const response = await requester(child)('/api/integration/leads', {
          method: 'POST',
          json: { lead: { email, firstName: 'Crash', lastName: 'Test' }, flightRequirements: trip() },
        });
        expect(response.status).toBe(202);
        runId = ((await response.json()) as { runId: string }).runId;
      }
      const exit = await Promise.race([
        child.exited,
        new Promise((resolve) => setTimeout(() => resolve('still running'), 45_000).unref()),
      ]);
      expect({ step, exit }).toEqual({ step, exit: 'SIGKILL' });
      expect(child.output()).toContain(`PIPELINE_CRASH_AFTER_STEP=${step}`);
      child = undefined;
    }

    child = await startChildApp(env());
    const request = requester(child);
    const waiting = await waitForStatus(request, runId, ['awaiting_confirmation'], 60_000);
    // Every step was attempted twice (the crashed attempt and the one after the restart) and committed once.
    expect(waiting.steps?.map((s) => [s.step, s.status, s.attempts])).toEqual(
      STEPS.map((step) => [step, 'succeeded', 2]),
    );

    // One charter request upstream, under the run's key.
    const requests = (await upstreamRequests(upstreams.avinode)).filter((r) => r.contact.email === email);
    expect(requests.map((r) => r.requestId)).toEqual([waiting.charterRequestId]);
    // One notification: the retry found the execution the crashed attempt had started.
    const executions = await callTool<{ data?: { executions: unknown[] }; executions?: unknown[] }>(
      upstreams.n8n,
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
