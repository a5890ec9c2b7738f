import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

import { addDays } from '../../src/sandbox/avinode/calendar.js';
import type { RfqView, TripMessageView, TripView } from '../../src/sandbox/avinode/trip-flow.views.js';
import type { SandboxServerHandle } from '../../src/sandbox/core/sandbox-handle.js';
import { startSandboxServer } from '../../src/sandbox/index.js';
import { connectClient, resultText, waitFor, type TestClient } from './support/sandbox-client.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

const NOW = new Date('2030-03-01T12:00:00Z');
const day = (n: number): string => addDays('2030-03-01', n);
/** One simulated minute = 2 ms: the late operator (5–12 simulated hours) answers within about a second and a half. */
const MINUTE_MS = 2;
const BASIC = { user: 'jetvision-client', password: 'webhook-secret-1' };

describe('Avinode sandbox: the broker flow (trips, RFQs, seller answers over time, thin webhooks)', () => {
  let server: SandboxServerHandle;
  let receiver: WebhookReceiver;
  let client: TestClient;
  let trip: TripView;

  const rfqsOf = async (tripId: string): Promise<RfqView[]> =>
    (await client.json<{ trip: TripView }>('get-trip-rfqs', { tripId })).trip.rfqs;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    server = await startSandboxServer('avinode', {
      seed: 7,
      now: NOW,
      tripFlow: { minuteMs: MINUTE_MS },
      webhook: { url: receiver.url, basic: BASIC, baseDelayMs: 10 },
    });
    client = await connectClient(server.url);
    trip = (
      await client.json<{ trip: TripView; searchInAvinode: string }>('create-trip', {
        externalTripId: 'run-0001',
        segments: [
          { departureAirport: 'kteb', arrivalAirport: 'KPBI', departureDate: day(10), departureTime: '09:30' },
        ],
        passengers: 4,
      })
    ).trip;
  });

  afterAll(async () => {
    await client.close();
    await server.close();
    await receiver.close();
  });

  it('creates a trip with its deep link, and the same externalTripId finds it again', async () => {
    expect(trip.id).toMatch(/^atrip-\d+$/);
    expect(trip.actions.searchInAvinode.href).toContain(trip.id);
    expect(trip.segments[0]).toMatchObject({
      departureAirport: 'KTEB',
      arrivalAirport: 'KPBI',
      departureTime: '09:30',
    });
    const again = await client.json<{ trip: TripView; idempotentReplay: boolean }>('create-trip', {
      externalTripId: 'run-0001',
      segments: [{ departureAirport: 'KTEB', arrivalAirport: 'KPBI', departureDate: day(10) }],
      passengers: 4,
    });
    expect(again).toMatchObject({ idempotentReplay: true, trip: { id: trip.id } });
  });

  it('refuses itineraries it cannot price, naming the field', async () => {
    const result = await client.call('create-trip', {
      externalTripId: 'run-bad',
      segments: [
        { departureAirport: 'KTEB', arrivalAirport: 'KPBI', departureDate: day(10) },
        { departureAirport: 'KMIA', arrivalAirport: 'KTEB', departureDate: day(12) },
      ],
      passengers: 2,
    });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toMatch(/^segments: /);
  });

  it('operators answer over time: most quote, one declines, one revises its quote, one answers late', async () => {
    await waitFor(async () => (await rfqsOf(trip.id)).filter((r) => r.status !== 'sent').length >= 3);
    const early = await rfqsOf(trip.id);
    expect(early.length).toBeGreaterThanOrEqual(4);
    await waitFor(async () => (await rfqsOf(trip.id)).every((r) => r.status !== 'sent'), 10_000);
    const rfqs = await rfqsOf(trip.id);
    const declined = rfqs.filter((r) => r.status === 'declined');
    const quoted = rfqs.filter((r) => r.status === 'quoted');
    expect(declined).toHaveLength(1);
    expect(declined[0]?.declineReason).toEqual(expect.any(String));
    expect(declined[0]?.latestQuote).toBeNull();
    expect(quoted.length).toBeGreaterThanOrEqual(3);
    expect(quoted.filter((r) => r.quoteRevisions === 2)).toHaveLength(1);
    expect(new Set(rfqs.map((r) => r.sellerCompany.id)).size).toBe(rfqs.length);
    // The late operator answered hours after the others (in simulated minutes, which a busy machine cannot blur; an
    // "it has not answered yet" check in real time could).
    const late = rfqs.filter((r) => (r.responseMinutes ?? 0) >= 300);
    expect(late).toHaveLength(1);
    expect(rfqs.filter((r) => r !== late[0]).every((r) => (r.responseMinutes ?? 0) < 120)).toBe(true);
    for (const rfq of quoted) {
      const quote = rfq.latestQuote!;
      const lines = quote.lineItems.reduce((sum, i) => sum + i.amount, 0);
      expect(quote.total).toBe(lines);
      expect(quote.aviquote.positioningCost).toBe(
        quote.lineItems.filter((i) => i.code === 'POSITIONING').reduce((s, i) => s + i.amount, 0),
      );
      expect(rfq.responseMinutes).toBeGreaterThan(0);
      expect(rfq.safety.rating).toEqual(expect.any(String));
      expect(rfq.sellerContact.email).toMatch(/@/);
      expect(rfq.lift.tailNumber).toEqual(expect.any(String));
    }
  });

  it('sends thin webhooks {id, href, type} with HTTP Basic, and each href reads back through read-href', async () => {
    await waitFor(() => receiver.received.some((r) => r.rawBody.includes('TripChatFromSeller')));
    const expected = `Basic ${Buffer.from(`${BASIC.user}:${BASIC.password}`).toString('base64')}`;
    const bodies = receiver.received.map((r) => {
      expect(r.headers['authorization']).toBe(expected);
      expect(r.headers['webhook-signature']).toBeUndefined();
      return JSON.parse(r.rawBody) as { id: string; href: string; type: string };
    });
    for (const body of bodies) expect(Object.keys(body).sort()).toEqual(['href', 'id', 'type']);
    const types = new Set(bodies.map((b) => b.type));
    expect(types).toEqual(new Set(['TripRequestMine', 'TripRequestSellerResponse', 'TripChatFromSeller']));
    const response = bodies.find((b) => b.type === 'TripRequestSellerResponse')!;
    const read = await client.json<{ kind: string; tripMessage: TripMessageView }>('read-href', {
      href: response.href,
    });
    expect(read.kind).toBe('tripmsg');
    expect(read.tripMessage.id).toBe(response.id);
    expect(read.tripMessage.rfq.tripId).toBe(trip.id);
    expect(['quote', 'decline']).toContain(read.tripMessage.kind);
    const unknown = await client.call('read-href', { href: 'https://example.com/api/tripmsgs/atripmsg-1' });
    expect(unknown.isError).toBe(true);
  });

  it('a seller quote can be booked as a charter request; the outcome is reported once', async () => {
    const rfq = (await rfqsOf(trip.id)).find((r) => r.status === 'quoted')!;
    const created = await client.json<{ request: { status: string; pricing: { total: number } } }>(
      'create-charter-request',
      {
        aircraftId: rfq.lift.aircraftId,
        route: { departureAirport: 'KTEB', arrivalAirport: 'KPBI' },
        departureDate: day(10),
        departureTime: '09:30',
        passengers: 4,
        contact: { name: 'Ada Byron', email: 'ada@example.com' },
        quoteId: rfq.latestQuote!.id,
        idempotencyKey: 'trip-flow-booking-1',
      },
    );
    expect(created.request).toMatchObject({ status: 'pending', pricing: { total: rfq.latestQuote!.total } });
    const report = { tripId: trip.id, outcome: 'CONVERTED', winningSellerLiftId: rfq.lift.id };
    const reported = await client.json<{ trip: TripView }>('report-trip-outcome', report);
    expect(reported.trip).toMatchObject({
      status: 'closed',
      outcome: { outcome: 'CONVERTED', winningSellerLiftId: rfq.lift.id },
    });
    expect((await client.call('report-trip-outcome', report)).isError).toBeFalsy();
    const other = await client.call('report-trip-outcome', { tripId: trip.id, outcome: 'NOT_CONVERTED' });
    expect(other.isError).toBe(true);
    const both = await client.call('report-trip-outcome', {
      ...report,
      winningTenantName: 'Someone else',
    });
    expect(resultText(both)).toMatch(/^winningTenantName: /);
  });

  it('a cancelled trip gets no answers and tells every seller', async () => {
    const second = (
      await client.json<{ trip: TripView }>('create-trip', {
        externalTripId: 'run-0002',
        segments: [
          { departureAirport: 'KHPN', arrivalAirport: 'KASE', departureDate: day(20) },
          { departureAirport: 'KASE', arrivalAirport: 'KHPN', departureDate: day(23) },
        ],
        passengers: 3,
      })
    ).trip;
    await waitFor(async () => (await rfqsOf(second.id)).length > 0);
    const cancelled = await client.json<{ trip: TripView }>('cancel-trip', {
      tripId: second.id,
      reason: 'BY_CLIENT',
      messageToSeller: 'The client changed plans.',
    });
    expect(cancelled.trip).toMatchObject({ status: 'cancelled', cancellation: { reason: 'BY_CLIENT' } });
    expect(cancelled.trip.rfqs.map((r) => r.status)).toEqual(cancelled.trip.rfqs.map(() => 'cancelled'));
    const rfqIds = new Set(cancelled.trip.rfqs.map((r) => r.id));
    await waitFor(
      () =>
        receiver.received.filter((r) => {
          const body = JSON.parse(r.rawBody) as { type: string; id: string };
          return body.type === 'TripRequestMine' && rfqIds.has(body.id);
        }).length >=
        rfqIds.size * 2,
    );
    const outcome = await client.call('report-trip-outcome', { tripId: second.id, outcome: 'NOT_CONVERTED' });
    expect(outcome.isError).toBeFalsy();
    const bad = await client.call('cancel-trip', { tripId: 'atrip-42', reason: 'OTHER' });
    expect(resultText(bad)).toMatch(/^tripId: trip atrip-42 not found/);
  });

  it('without the trip flow setting the server offers the instant tools only', async () => {
    const plain = await startSandboxServer('avinode', { seed: 7, now: NOW });
    const plainClient = await connectClient(plain.url);
    try {
      const { tools } = await plainClient.client.listTools();
      expect(tools.map((t) => t.name)).not.toContain('create-trip');
      expect(tools.map((t) => t.name)).toContain('search-aircraft');
    } finally {
      await plainClient.close();
      await plain.close();
    }
  });
});
