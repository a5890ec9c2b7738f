import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { startUpstreams, trip, type Upstreams, upstreamRequests } from './pipeline-support.js';

interface LeadReport {
  index: number;
  runId: string | null;
  status: string;
  reason: string | null;
  message: string | null;
}

interface BatchReport {
  status: string;
  finished: boolean;
  total: number | null;
  started: number;
  succeeded: number;
  failed: LeadReport[];
  inProgress: number;
  notStarted: number;
  charterRequested: number;
  awaitingConfirmation: number;
  booked: number;
  leads: LeadReport[];
}

const WORKING = ['enriching', 'searching', 'pricing', 'requesting', 'notifying', 'not_started'];

describe('batches: PUT /api/integration/leads', () => {
  let upstreams: Upstreams;
  let app: TestApp;

  beforeAll(async () => {
    upstreams = await startUpstreams();
    app = await startTestApp({
      env: {
        ...upstreams.env,
        PIPELINE_STEP_RETRY_LIMIT: '1',
        PIPELINE_STEP_RETRY_DELAY_SECONDS: '1',
        PIPELINE_BATCH_PAUSE_MS: '100',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await upstreams?.close();
  });

  async function report(batchId: string): Promise<BatchReport> {
    const response = await app.request(`/api/integration/pipeline/batches/${batchId}`);
    expect(response.status).toBe(200);
    return (await response.json()) as BatchReport;
  }

  it('starts 50 leads in groups and accounts for every one, failures with their reasons', async () => {
    // A share of charter requests fails upstream: with one retry, some runs are dead-lettered.
    upstreams.avinode.setFaults({ toolErrorRate: 0.4, tools: ['create-charter-request'], seed: 7 });
    const response = await app.request('/api/integration/leads', {
      method: 'PUT',
      json: { searchCriteria: { location: 'United States', limit: 50 }, flightTemplate: trip(), batchSize: 10 },
    });
    expect(response.status).toBe(202);
    const { batchId, url } = (await response.json()) as { batchId: string; url: string };
    expect(url).toBe(`/api/integration/pipeline/batches/${batchId}`);

    const settled = await eventually(async () => {
      const current = await report(batchId);
      return current.total === 50 && current.leads.every((l) => !WORKING.includes(l.status)) ? current : undefined;
    }, 90_000);
    upstreams.avinode.clearFaults();

    expect(settled).toMatchObject({ total: 50, started: 50, notStarted: 0 });
    expect(settled.leads).toHaveLength(50);
    expect(settled.succeeded + settled.failed.length + settled.inProgress).toBe(50);
    const reasons = new Set(settled.failed.map((l) => l.reason));
    // Leads Apollo has no email for fail as invalid_lead; exhausted charter requests are dead-lettered.
    expect(reasons.has('upstream_failed')).toBe(true);
    for (const lead of settled.failed) {
      expect(lead.reason).toEqual(expect.any(String));
      expect(lead.message).toEqual(expect.any(String));
    }
    const waiting = settled.leads.filter((l) => l.status === 'awaiting_confirmation');
    expect(waiting.length).toBeGreaterThan(0);
    expect(settled.awaitingConfirmation).toBe(waiting.length);
    expect(settled.booked).toBe(0);
    // Every waiting run created its request; some dead-lettered runs may have too (a failure after the upstream write).
    expect(settled.charterRequested).toBeGreaterThanOrEqual(waiting.length);

    // Every waiting run confirmed upstream → the batch finishes with every lead booked or failed.
    const requests = await upstreamRequests(upstreams.avinode);
    expect(new Set(requests.map((r) => r.requestId)).size).toBe(requests.length);
    const events = app.app.get(EventEmitter2);
    for (const lead of waiting) {
      const run = (await (await app.request(`/api/integration/pipeline/runs/${lead.runId ?? ''}`)).json()) as {
        charterRequestId: string;
      };
      await events.emitAsync('avinode.booking_confirmed', {
        payload: { requestId: run.charterRequestId, bookingId: null },
      });
    }
    const finished = await report(batchId);
    expect(finished.finished).toBe(true);
    expect(finished.succeeded).toBe(waiting.length);
    expect(finished).toMatchObject({ booked: waiting.length, awaitingConfirmation: 0 });
    expect(finished.succeeded + finished.failed.length).toBe(50);
  });

  it('lists batches newest first with their counts, a page at a time', async () => {
    const second = await app.request('/api/integration/leads', {
      method: 'PUT',
      json: { searchCriteria: { jobTitle: 'CEO', limit: 2 }, flightTemplate: trip() },
    });
    expect(second.status).toBe(202);
    const { batchId: newest } = (await second.json()) as { batchId: string };

    const first = await app.request('/api/integration/pipeline/batches?limit=1');
    expect(first.status).toBe(200);
    const page1 = (await first.json()) as { items: Array<{ id: string }>; page: { nextCursor: string | null } };
    expect(page1.items.map((b) => b.id)).toEqual([newest]);
    expect(page1.page.nextCursor).toEqual(expect.any(String));

    const next = await app.request(
      `/api/integration/pipeline/batches?limit=1&cursor=${encodeURIComponent(page1.page.nextCursor ?? '')}`,
    );
    const page2 = (await next.json()) as { items: Array<Record<string, unknown>>; page: { nextCursor: string | null } };
    expect(page2.page.nextCursor).toBeNull();
    const [older] = page2.items;
    // The list's counts are the report's, without the leads.
    const full = await report(String(older?.['id']));
    expect(older).toMatchObject({
      url: `/api/integration/pipeline/batches/${String(older?.['id'])}`,
      status: 'started',
      finished: true,
      total: 50,
      started: 50,
      booked: full.booked,
      failed: full.failed.length,
      inProgress: 0,
      notStarted: 0,
    });

    const started = (await (await app.request('/api/integration/pipeline/batches?status=failed')).json()) as {
      items: unknown[];
    };
    expect(started.items).toEqual([]);
  });

  it.each([
    ['limit=0', 'limit'],
    ['status=finished', 'status'],
    ['cursor=not-a-cursor', 'cursor'],
  ])('answers a bad list query (%s) with problem+json naming the field', async (query, field) => {
    const response = await app.request(`/api/integration/pipeline/batches?${query}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field)).toContain(field);
  });

  it('rejects a batch without search criteria', async () => {
    const response = await app.request('/api/integration/leads', {
      method: 'PUT',
      json: { searchCriteria: {}, flightTemplate: trip() },
    });
    expect(response.status).toBe(400);
  });

  it('404s an unknown batch', async () => {
    const response = await app.request('/api/integration/pipeline/batches/00000000-0000-4000-8000-000000000000');
    expect(response.status).toBe(404);
  });
});
