import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { getRun, startUpstreams, trip, type Upstreams, waitForStatus } from './pipeline-support.js';

describe('retry budget, dead letter, manual retry, and runs started by lead.received', () => {
  let upstreams: Upstreams;
  let app: TestApp;

  beforeAll(async () => {
    upstreams = await startUpstreams();
    app = await startTestApp({
      env: { ...upstreams.env, PIPELINE_STEP_RETRY_LIMIT: '2', PIPELINE_STEP_RETRY_DELAY_SECONDS: '1' },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await upstreams?.close();
  });

  it('dead-letters a run whose step always fails, after the configured attempts with backoff; retry resumes it', async () => {
    upstreams.avinode.setFaults({ toolErrorRate: 1, tools: ['search-aircraft'] });
    const response = await app.request('/api/integration/leads', {
      method: 'POST',
      json: { lead: { email: 'poison@pipeline-e2e.example' }, flightRequirements: trip() },
    });
    const { runId } = (await response.json()) as { runId: string };
    const dead = await waitForStatus(app.request, runId, ['dead_lettered'], 40_000);
    upstreams.avinode.clearFaults();
    expect(dead).toMatchObject({ failureReason: 'upstream_failed' });
    expect(dead.failureMessage).toMatch(/search failed 3 times; last error: .*injected fault/);
    const search = dead.steps?.find((s) => s.step === 'search');
    expect(search).toMatchObject({ status: 'dead_lettered', attempts: 3 });
    // First attempt + 2 retries, the retries delayed (1 s, then doubled with jitter).
    const at = (search?.errors as Array<{ at: string }>).map((e) => Date.parse(e.at));
    expect(at).toHaveLength(3);
    expect((at[1] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(900);
    expect((at[2] ?? 0) - (at[1] ?? 0)).toBeGreaterThanOrEqual(900);
    const listed = await app.request('/api/integration/pipeline/runs?status=dead_lettered');
    expect(((await listed.json()) as { items: Array<{ id: string }> }).items.map((r) => r.id)).toContain(runId);

    // The next lead is unaffected.
    const next = await app.request('/api/integration/leads', {
      method: 'POST',
      json: { lead: { email: 'next.lead@pipeline-e2e.example' }, flightRequirements: trip({ passengers: 2 }) },
    });
    await waitForStatus(app.request, ((await next.json()) as { runId: string }).runId, ['awaiting_confirmation']);

    // A retry resumes the dead-lettered run at the step that failed.
    const retry = await app.request(`/api/integration/pipeline/runs/${runId}/retry`, { method: 'POST' });
    expect(retry.status).toBe(202);
    expect(((await retry.json()) as { status: string }).status).toBe('searching');
    const resumed = await waitForStatus(app.request, runId, ['awaiting_confirmation']);
    expect(resumed.steps?.find((s) => s.step === 'enrich')?.attempts).toBe(1);
    expect(resumed.steps?.find((s) => s.step === 'search')?.status).toBe('succeeded');
  });

  it('starts one run per lead.received webhook event, however often it is delivered', async () => {
    const events = app.app.get(EventEmitter2);
    const event = {
      meta: { webhookEventId: 'whe-lead-1', source: 'lead' },
      payload: {
        lead: { email: 'webhook.lead@pipeline-e2e.example', firstName: 'Web', lastName: 'Hook' },
        flightRequirements: {
          departureAirport: 'khpn',
          arrivalAirport: 'KMIA',
          departureDate: trip().departureDate,
          passengers: 3,
        },
      },
    };
    await events.emitAsync('lead.received', event);
    await events.emitAsync('lead.received', event);
    const rows = await app.app
      .get(DataSource)
      .query<Array<{ id: string }>>(
        `SELECT id FROM pipeline_runs WHERE source = 'webhook' AND idempotency_key = 'webhook:whe-lead-1'`,
      );
    expect(rows).toHaveLength(1);
    const run = await waitForStatus(app.request, rows[0]?.id ?? '', ['awaiting_confirmation']);
    expect((await getRun(app.request, run.id)).status).toBe('awaiting_confirmation');
  });
});
