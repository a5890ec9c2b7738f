import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { TEST_API_KEY, startTestApp, type TestApp } from '../support/test-app.js';
import {
  type RunBody,
  getRun,
  startUpstreams,
  trip,
  type Upstreams,
  upstreamRequests,
  waitForStatus,
} from './pipeline-support.js';

const OTHER_API_KEY = 'other-key-0123456789abcdef';

describe('lead-to-booking run against the sandbox servers', () => {
  let upstreams: Upstreams;
  let app: TestApp;

  beforeAll(async () => {
    upstreams = await startUpstreams();
    app = await startTestApp({
      env: {
        ...upstreams.env,
        API_KEYS: `${TEST_API_KEY},${OTHER_API_KEY}`,
        PIPELINE_STEP_RETRY_DELAY_SECONDS: '1',
        PIPELINE_STEP_RETRY_LIMIT: '3',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await upstreams?.close();
  });

  async function start(body: unknown, headers: Record<string, string> = {}): Promise<{ runId: string; url: string }> {
    const response = await app.request('/api/integration/leads', { method: 'POST', json: body, headers });
    expect(response.status).toBe(202);
    return (await response.json()) as { runId: string; url: string };
  }

  it('runs a lead to awaiting confirmation, then to booked on the confirmation event', async () => {
    const email = 'ana.ruiz@pipeline-e2e.example';
    const { runId, url } = await start({
      lead: { email, firstName: 'Ana', lastName: 'Ruiz' },
      flightRequirements: trip(),
    });
    expect(url).toBe(`/api/integration/pipeline/runs/${runId}`);
    const waiting = await waitForStatus(app.request, runId, ['awaiting_confirmation']);
    expect(waiting.charterRequestId).toEqual(expect.any(String));
    expect(waiting.n8nExecutionId).toEqual(expect.any(String));
    expect(waiting.choice?.reason).toMatch(/lowest quoted total/);
    const priced = (waiting.candidates ?? []).filter((c) => c.quote !== null);
    expect(priced.length).toBeGreaterThan(0);
    expect(priced.length).toBeLessThanOrEqual(3);
    // The chosen total is the lowest quote among the candidates.
    expect(waiting.choice?.total).toBe(Math.min(...priced.map((c) => c.quote?.total ?? Infinity)));
    expect(waiting.steps?.map((s) => [s.step, s.status])).toEqual([
      ['enrich', 'succeeded'],
      ['search', 'succeeded'],
      ['price', 'succeeded'],
      ['request', 'succeeded'],
      ['notify', 'succeeded'],
    ]);

    const requests = (await upstreamRequests(upstreams.avinode)).filter((r) => r.contact.email === email);
    expect(requests.map((r) => r.requestId)).toEqual([waiting.charterRequestId]);

    // What the webhook intake emits for Avinode's booking_confirmed.
    await app.app.get(EventEmitter2).emitAsync('avinode.booking_confirmed', {
      meta: { source: 'avainode', webhookEventId: 'evt-1' },
      payload: { requestId: waiting.charterRequestId, bookingId: 'bk-test-1', status: 'confirmed' },
    });
    const booked = await getRun(app.request, runId);
    expect(booked.status).toBe('booked');
    expect(booked.bookingId).toBe('bk-test-1');
    expect(booked.steps?.at(-1)).toMatchObject({ step: 'confirmation', status: 'succeeded' });
  });

  it('books through the real path: confirming via the Avainode API moves the run to booked', async () => {
    const { runId } = await start({
      lead: { email: 'lee.park@pipeline-e2e.example' },
      flightRequirements: trip({ passengers: 3 }),
    });
    const waiting = await waitForStatus(app.request, runId, ['awaiting_confirmation']);
    const confirm = await app.request(`/api/integration/bookings/${waiting.charterRequestId ?? ''}/confirm`, {
      method: 'POST',
      json: { paymentMethod: 'wire_transfer' },
    });
    expect(confirm.status).toBe(200);
    const booked = await waitForStatus(app.request, runId, ['booked'], 10_000);
    expect(booked.bookingId).toEqual(expect.any(String));
  });

  it('fails with no_aircraft when nothing can fly the trip', async () => {
    // Teterboro to London Luton with 19 passengers: beyond every light and midsize jet, and no ultra-long-range
    // aircraft of the sandbox seats 19 and is free.
    const { runId } = await start({
      lead: { email: 'no.aircraft@pipeline-e2e.example' },
      flightRequirements: trip({ arrivalAirport: 'EGGW', passengers: 19, aircraftCategory: 'light_jet' }),
    });
    const run: RunBody = await waitForStatus(app.request, runId, ['failed']);
    expect(run.failureReason).toBe('no_aircraft');
    expect(run.failureMessage).toMatch(/No aircraft/);
    expect(run.charterRequestId).toBeNull();
  });

  it('retries a step through an upstream fault, then completes', async () => {
    // Every pricing call fails for a while; the step is retried with backoff and succeeds once the fault is gone.
    upstreams.avinode.setFaults({ toolErrorRate: 1, tools: ['get-pricing'] });
    const { runId } = await start({
      lead: { email: 'fault.path@pipeline-e2e.example' },
      flightRequirements: trip({ passengers: 2 }),
    });
    await waitForStatus(app.request, runId, ['pricing']);
    const failedOnce = await (async () => {
      for (let i = 0; i < 200; i++) {
        const run = await getRun(app.request, runId);
        const price = run.steps?.find((s) => s.step === 'price');
        if (price && price.errors.length > 0) return run;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error('the pricing step never failed');
    })();
    expect(failedOnce.status).toBe('pricing');
    upstreams.avinode.clearFaults();
    const done = await waitForStatus(app.request, runId, ['awaiting_confirmation'], 30_000);
    const price = done.steps?.find((s) => s.step === 'price');
    expect(price?.attempts).toBeGreaterThan(1);
    expect(price?.status).toBe('succeeded');
  });

  it('returns one run for concurrent identical submissions, and one upstream charter request', async () => {
    const email = 'storm@pipeline-e2e.example';
    const body = { lead: { email }, flightRequirements: trip({ passengers: 5 }) };
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => app.request('/api/integration/leads', { method: 'POST', json: body })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 50 }, () => 202));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ runId: string; created: boolean }>;
    const ids = new Set(bodies.map((b) => b.runId));
    expect(ids.size).toBe(1);
    expect(bodies.filter((b) => b.created)).toHaveLength(1);
    const [runId] = [...ids];
    await waitForStatus(app.request, runId ?? '', ['awaiting_confirmation']);
    const requests = (await upstreamRequests(upstreams.avinode)).filter((r) => r.contact.email === email);
    expect(requests).toHaveLength(1);
  });

  it('honours Idempotency-Key: same key and body → same run; another body → 422', async () => {
    const body = { lead: { email: 'key@pipeline-e2e.example' }, flightRequirements: trip({ passengers: 1 }) };
    const first = await start(body, { 'idempotency-key': 'k-123456789' });
    const again = await start(body, { 'idempotency-key': 'k-123456789' });
    expect(again.runId).toBe(first.runId);
    const other = await app.request('/api/integration/leads', {
      method: 'POST',
      json: { ...body, flightRequirements: trip({ passengers: 2 }) },
      headers: { 'idempotency-key': 'k-123456789' },
    });
    expect(other.status).toBe(422);
  });

  it('scopes Idempotency-Key per API key: another caller with the same key gets its own run, not ours', async () => {
    const key = 'shared-key-0001';
    const mine = await start(
      { lead: { email: 'mine@pipeline-e2e.example' }, flightRequirements: trip({ passengers: 7 }) },
      { 'idempotency-key': key },
    );
    const theirs = await app.request('/api/integration/leads', {
      method: 'POST',
      json: { lead: { email: 'theirs@pipeline-e2e.example' }, flightRequirements: trip({ passengers: 8 }) },
      headers: { 'idempotency-key': key, authorization: `Bearer ${OTHER_API_KEY}` },
    });
    const text = await theirs.text();
    expect(theirs.status).toBe(202);
    expect(text).not.toContain(mine.runId);
    const their = JSON.parse(text) as { runId: string; created: boolean };
    expect(their.created).toBe(true);
    // Each caller's replay still finds its own run.
    const replay = await app.request('/api/integration/leads', {
      method: 'POST',
      json: { lead: { email: 'theirs@pipeline-e2e.example' }, flightRequirements: trip({ passengers: 8 }) },
      headers: { 'idempotency-key': key, authorization: `Bearer ${OTHER_API_KEY}` },
    });
    expect(((await replay.json()) as { runId: string }).runId).toBe(their.runId);
    expect((await getRun(app.request, their.runId)).status).not.toBe('failed');
  });

  it('answers 400 naming the cursor for a cursor whose id is not a uuid', async () => {
    const cursor = Buffer.from(JSON.stringify([new Date().toISOString(), 'not-a-uuid'])).toString('base64url');
    const response = await app.request(`/api/integration/pipeline/runs?cursor=${cursor}`);
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field)).toEqual(['cursor']);
  });

  it('rejects invalid submissions with field errors', async () => {
    const response = await app.request('/api/integration/leads', {
      method: 'POST',
      json: { lead: { firstName: 'No Contact' }, flightRequirements: trip({ passengers: 25, departureAirport: 'XX' }) },
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field)).toEqual(
      expect.arrayContaining(['flightRequirements.passengers', 'flightRequirements.departureAirport']),
    );
  });

  it('cancels a run and refuses to retry a booked or cancelled one', async () => {
    const { runId } = await start({
      lead: { email: 'cancel@pipeline-e2e.example' },
      flightRequirements: trip({ passengers: 6 }),
    });
    await waitForStatus(app.request, runId, ['awaiting_confirmation']);
    const cancel = await app.request(`/api/integration/pipeline/runs/${runId}/cancel`, {
      method: 'POST',
      json: { reason: 'client changed plans' },
    });
    expect(cancel.status).toBe(200);
    expect(((await cancel.json()) as RunBody).status).toBe('cancelled');
    const retry = await app.request(`/api/integration/pipeline/runs/${runId}/retry`, { method: 'POST' });
    expect(retry.status).toBe(409);
  });

  it('lists runs by status with a cursor', async () => {
    const first = await app.request(
      '/api/integration/pipeline/runs?status=booked,awaiting_confirmation,cancelled&limit=2',
    );
    expect(first.status).toBe(200);
    const page = (await first.json()) as { items: RunBody[]; page: { nextCursor: string | null } };
    expect(page.items).toHaveLength(2);
    expect(page.page.nextCursor).toEqual(expect.any(String));
    const second = await app.request(
      `/api/integration/pipeline/runs?status=booked,awaiting_confirmation,cancelled&limit=2&cursor=${page.page.nextCursor ?? ''}`,
    );
    const next = (await second.json()) as { items: RunBody[] };
    expect(next.items.length).toBeGreaterThan(0);
    const seen = new Set(page.items.map((r) => r.id));
    expect(next.items.some((r) => seen.has(r.id))).toBe(false);
  });
});
