import { describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { startChildApp } from '../support/child-app.js';
import { eventually } from '../support/eventually.js';
import { childRequester, crashHarness, exitWithin } from './crash-harness.js';
import { callTool, getRun, trip, upstreamRequests, waitForStatus, type RunBody } from './pipeline-support.js';

interface TripRun extends RunBody {
  quotePath: string | null;
  choice: (RunBody['choice'] & { liftId: string; rfqId: string }) | null;
  avinodeTrip: {
    tripId: string;
    quotesDueAt: string | null;
    closedUpstreamAt: string | null;
    quotes?: Array<{ rfqId: string; status: string; quote: { total: number } | null }>;
  } | null;
}

interface UpstreamTrip {
  status: string;
  externalTripId: string;
  outcome: { outcome: string; winningSellerLiftId: string | null } | null;
  rfqs: Array<{ id: string; status: string }>;
}

const BASIC = { user: 'avinode-client', password: 'avinode-secret-1' };

/** A port free right now: both processes listen on it, so the webhook URL Avinode retries stays the same. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/**
 * Kill -9 of the backend while a run waits for sellers' quotes (Avinode's trip flow). The sandbox keeps simulating the
 * marketplace and retries its webhooks (as Avinode does until it gets a 200) to one address, served by one process and
 * then by its successor on the same database. The quote deadline is a delayed job committed with the wait, so the new
 * process chooses when it comes due; the operator who answers after that is still stored on the run. One simulated
 * minute is 100 ms: operators answer within seconds, the late one after 30 to 72 s, well past the 10 s deadline.
 */
describe('crash while awaiting quotes: the run completes with one trip, one charter request and one booking', () => {
  const harness = crashHarness('pipeline-crash-quotes', { avinodeTripFlow: { minuteMs: 100 } });

  it('survives kill -9 in awaiting_quotes: answers keep arriving, the deadline fires, the run books once', async () => {
    const port = await freePort();
    const env = {
      ...harness.env(),
      PORT: String(port),
      AVINODE_QUOTE_FLOW: 'trip',
      PIPELINE_QUOTE_DEADLINE_SECONDS: '10',
      // More than the trip's RFQs: only the deadline ends the wait.
      PIPELINE_QUOTES_ENOUGH: '10',
      WEBHOOK_AVAINODE_AUTH: 'basic',
      WEBHOOK_AVAINODE_BASIC_USER: BASIC.user,
      WEBHOOK_AVAINODE_BASIC_PASSWORD: BASIC.password,
    };
    harness.upstreams.avinode.setWebhook({
      url: `http://127.0.0.1:${port}/api/integration/webhook/avinode`,
      basic: BASIC,
      attempts: 20,
      baseDelayMs: 200,
    });
    const email = 'crash.quotes@pipeline-e2e.example';

    const first = await startChildApp(env);
    harness.child = first;
    const submitted = await childRequester(first)('/api/integration/leads', {
      method: 'POST',
      json: { lead: { email, firstName: 'Quote', lastName: 'Crash' }, flightRequirements: trip() },
    });
    expect(submitted.status).toBe(202);
    const runId = ((await submitted.json()) as { runId: string }).runId;
    const waiting = (await waitForStatus(childRequester(first), runId, ['awaiting_quotes'], 60_000)) as TripRun;
    const tripId = waiting.avinodeTrip?.tripId ?? '';
    expect(tripId).toMatch(/^atrip-/);
    await first.kill();
    expect(await exitWithin(first, 10_000)).toBe('SIGKILL');
    harness.child = undefined;

    const second = await startChildApp(env);
    harness.child = second;
    const request = childRequester(second);
    const chosen = (await waitForStatus(request, runId, ['awaiting_confirmation'], 90_000)) as TripRun;
    // The deadline job of the dead process ended the wait; the trip was created once (search ran once) and the new
    // process chose among the answers, which kept arriving.
    expect(chosen.steps?.map((s) => [s.step, s.status, s.attempts])).toEqual([
      ['enrich', 'succeeded', 1],
      ['search', 'succeeded', 1],
      ['price', 'succeeded', 1],
      ['request', 'succeeded', 1],
      ['notify', 'succeeded', 1],
    ]);
    const quotes = chosen.avinodeTrip?.quotes ?? [];
    expect(quotes.filter((q) => q.status === 'quoted').length).toBeGreaterThanOrEqual(3);
    expect(quotes.find((q) => q.rfqId === chosen.choice?.rfqId)?.quote?.total).toBe(chosen.choice?.total);
    // The late operator had not answered when the run chose ...
    const late = quotes.filter((q) => q.status === 'sent').map((q) => q.rfqId);
    expect(late).toHaveLength(1);

    // ... and its answer, sent by webhook after that, reached the new process and is on the run (before the booking,
    // which closes the trip: a closed trip's RFQs get no more answers).
    await eventually(
      async () => {
        const current = (await getRun(request, runId)) as TripRun;
        const answered = current.avinodeTrip?.quotes?.find((q) => q.rfqId === late[0]);
        return answered && answered.status !== 'sent' ? answered : undefined;
      },
      90_000,
      250,
      'the late operator’s answer stored on the run',
    );

    const confirm = await request(`/api/integration/bookings/${chosen.charterRequestId ?? ''}/confirm`, {
      method: 'POST',
      json: { paymentMethod: 'wire_transfer' },
    });
    expect(confirm.status).toBe(200);
    const booked = (await waitForStatus(request, runId, ['booked'], 30_000)) as TripRun;
    expect(booked.bookingId).toEqual(expect.any(String));

    // One charter request upstream for the run, booked once; the trip's outcome reported with the winning lift.
    const requests = (await upstreamRequests(harness.upstreams.avinode)).filter((r) => r.contact.email === email);
    expect(requests.map((r) => [r.requestId, r.bookingId])).toEqual([[booked.charterRequestId, booked.bookingId]]);
    await eventually(
      async () => ((await getRun(request, runId)) as TripRun).avinodeTrip?.closedUpstreamAt,
      30_000,
      250,
    );
    const upstream = await callTool<{ trip: UpstreamTrip }>(harness.upstreams.avinode, 'get-trip-rfqs', { tripId });
    expect(upstream.trip).toMatchObject({
      externalTripId: runId,
      status: 'closed',
      outcome: { outcome: 'CONVERTED', winningSellerLiftId: chosen.choice?.liftId },
    });
  }, 400_000);
});
