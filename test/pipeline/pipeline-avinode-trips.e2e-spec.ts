import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AvinodeTripsService } from '../../src/modules/avainode/avinode-trips.service.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { getRun, trip, waitForStatus, type RunBody } from './pipeline-support.js';

interface TripRun extends RunBody {
  quotePath: string | null;
  choice: (RunBody['choice'] & { liftId: string; rfqId: string }) | null;
  avinodeTrip: {
    tripId: string;
    searchInAvinode: string;
    quotesDueAt: string | null;
    closedUpstreamAt: string | null;
    quotes?: Array<{ rfqId: string; status: string; quote: { total: number; positioningCost: number } | null }>;
  } | null;
}

/**
 * A run against Avinode's broker flow (the in-process sandbox simulating it): the run creates a trip, waits durably for
 * sellers' quotes arriving as native webhooks until the quote deadline, chooses among them with a stated reason, books,
 * and reports the outcome upstream; a cancelled run cancels its trip. One simulated minute lasts 20 ms: operators answer
 * within about a second, the late one after several, past the 3 s deadline.
 */
describe('pipeline: quotes that arrive over time (Avinode trip flow)', () => {
  let t: TestApp;

  const submit = async (email: string): Promise<string> => {
    const response = await t.request('/api/integration/leads', {
      method: 'POST',
      json: { lead: { email, firstName: 'Ana', lastName: 'Ruiz' }, flightRequirements: trip() },
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { runId: string }).runId;
  };
  const run = (id: string): Promise<TripRun> => getRun(t.request, id) as Promise<TripRun>;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        AVINODE_QUOTE_FLOW: 'trip',
        SANDBOX_AVINODE_MINUTE_MS: '20',
        PIPELINE_QUOTE_DEADLINE_SECONDS: '3',
        PIPELINE_QUOTES_ENOUGH: '10',
        WEBHOOK_AVAINODE_AUTH: 'basic',
        WEBHOOK_AVAINODE_BASIC_USER: 'avinode-client',
        WEBHOOK_AVAINODE_BASIC_PASSWORD: 'avinode-secret-1',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('collects quotes from several operators, chooses at the deadline, books and reports CONVERTED', async () => {
    const id = await submit('ana.ruiz@example.com');
    const waiting = await eventually(async () => {
      const current = await run(id);
      return current.status === 'awaiting_quotes' ? current : undefined;
    }, 20_000);
    expect(waiting.quotePath).toBe('trip');
    expect(waiting.avinodeTrip?.searchInAvinode).toContain(waiting.avinodeTrip?.tripId);
    expect(waiting.avinodeTrip?.quotesDueAt).toEqual(expect.any(String));
    // Quotes are stored on the run as their webhooks arrive, while it waits.
    await eventually(async () => {
      const current = await run(id);
      return current.status === 'awaiting_quotes' && (current.avinodeTrip?.quotes ?? []).some((q) => q.quote);
    }, 10_000);

    const chosen = (await waitForStatus(t.request, id, ['awaiting_confirmation'], 30_000)) as TripRun;
    const quotes = chosen.avinodeTrip?.quotes ?? [];
    expect(quotes.filter((q) => q.status === 'quoted').length).toBeGreaterThanOrEqual(3);
    expect(quotes.filter((q) => q.status === 'declined')).toHaveLength(1);
    // The late operator had not answered by the deadline.
    expect(quotes.filter((q) => q.status === 'sent')).toHaveLength(1);
    expect(chosen.choice?.reason).toMatch(/^best score .* of \d+ quote\(s\): .* positioning .* answered in \d+ min/);
    const winner = quotes.find((q) => q.rfqId === chosen.choice?.rfqId);
    expect(winner?.quote?.total).toBe(chosen.choice?.total);
    const price = chosen.steps?.find((s) => s.step === 'price');
    expect(price?.status).toBe('succeeded');

    const confirm = await t.request(`/api/integration/bookings/${chosen.charterRequestId ?? ''}/confirm`, {
      method: 'POST',
      json: { paymentMethod: 'wire_transfer' },
    });
    expect(confirm.status).toBe(200);
    await waitForStatus(t.request, id, ['booked'], 20_000);
    const closed = await eventually(async () => {
      const current = await run(id);
      return current.avinodeTrip?.closedUpstreamAt ? current : undefined;
    }, 20_000);
    const upstream = await t.app.get(AvinodeTripsService).getTrip(closed.avinodeTrip!.tripId);
    expect(upstream.status).toBe('closed');
  });

  it('a run cancelled while it waits for quotes cancels its trip upstream', async () => {
    const id = await submit('jo.lee@example.com');
    await eventually(async () => ((await run(id)).status === 'awaiting_quotes' ? true : undefined), 20_000);
    const cancel = await t.request(`/api/integration/pipeline/runs/${id}/cancel`, {
      method: 'POST',
      json: { reason: 'The client chose to fly commercial' },
    });
    expect(cancel.status).toBe(200);
    const closed = await eventually(async () => {
      const current = await run(id);
      return current.avinodeTrip?.closedUpstreamAt ? current : undefined;
    }, 20_000);
    expect(closed.status).toBe('cancelled');
    const upstream = await t.app.get(AvinodeTripsService).getTrip(closed.avinodeTrip!.tripId);
    expect(upstream.status).toBe('cancelled');
    expect(upstream.rfqs.every((r) => r.status === 'cancelled')).toBe(true);
  });
});
