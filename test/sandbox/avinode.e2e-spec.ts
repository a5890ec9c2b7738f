import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CallToolResult } from '@modelcontextprotocol/client';

import { avinodeSandbox } from '../../src/sandbox/avinode/avinode.sandbox.js';
import { addDays } from '../../src/sandbox/avinode/calendar.js';
import { startSandboxHost, type SandboxServerHandle } from '../../src/sandbox/core/sandbox-handle.js';
import { startSandboxServer } from '../../src/sandbox/index.js';
import { connectClient, resultText, waitFor, type TestClient } from './support/sandbox-client.js';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from './support/webhook-receiver.js';

const NOW = new Date('2030-03-01T12:00:00Z');
const TODAY = '2030-03-01';
const day = (n: number): string => addDays(TODAY, n);

interface LineItem {
  code: string;
  kind: 'charge' | 'tax';
  taxable: boolean;
  quantity?: number;
  unitAmount?: number;
  amount: number;
}
interface Quote {
  id: string;
  aircraftId: string;
  flightHours: number;
  lineItems: LineItem[];
  subtotal: number;
  taxableBase: number;
  taxes: number;
  total: number;
  currency: string;
  createdAt: string;
  validUntil: string;
  domestic: boolean;
}
interface SearchResult {
  aircraftId: string;
  category: string;
  seats: number;
  rangeNm: number;
  hourlyRate: number;
  homeBase: string;
  operator: { id: string; name: string; safetyRating: string };
  distanceNm: number;
  estimatedFlightHours: number;
  estimatedTotal: number;
}
interface Search {
  search: { departureAirport: string; arrivalAirport: string; distanceNm: number };
  count: number;
  aircraft: SearchResult[];
}
interface Booking {
  id: string;
  requestId: string;
  bookingId: string | null;
  status: string;
  aircraft: { id: string };
  route: { departureAirport: string; arrivalAirport: string };
  departureDate: string;
  departureTime: string;
  departureAt: string;
  passengers: number;
  quoteId: string;
  pricing: { total: number; subtotal: number; taxes: number; lineItems: LineItem[] };
  payment: null | {
    depositAmount: number;
    balanceAmount: number;
    depositDueAt: string;
    balanceDueAt: string;
    method: string;
  };
  cancellation: null | { feeAmount: number; feePercent: number };
  updatedAt: string;
  deletedAt: string | null;
}
interface Availability {
  id: string;
  aircraftId: string;
  date: string;
  status: string;
  bookingId: string | null;
  updatedAt: string;
  deletedAt: string | null;
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('Avinode sandbox over HTTP', () => {
  let handle: SandboxServerHandle;
  let receiver: WebhookReceiver;
  let c: TestClient;
  let c2: TestClient;
  let keySeq = 0;

  const errorText = async (name: string, args: Record<string, unknown>): Promise<string> => {
    const result: CallToolResult = await c.call(name, args);
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    return resultText(result);
  };

  const admin = async (change: Record<string, unknown>): Promise<{ status: number; body: unknown }> => {
    const res = await fetch(`${handle.baseUrl}/admin/data`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(change),
    });
    return { status: res.status, body: await res.json() };
  };

  const search = (args: Record<string, unknown>): Promise<Search> => c.json<Search>('search-aircraft', args);

  const requestArgs = (aircraftId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    aircraftId,
    route: { departureAirport: 'KTEB', arrivalAirport: 'KPBI' },
    departureDate: day(14),
    departureTime: '10:15',
    passengers: 4,
    contact: { name: 'Grace Hopper', email: 'grace@example.com', company: 'Navy Yard Capital' },
    idempotencyKey: `e2e-key-${String((keySeq += 1)).padStart(4, '0')}`,
    ...overrides,
  });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    handle = await startSandboxHost(avinodeSandbox, {
      admin: true,
      seed: 11,
      now: NOW,
      webhook: { url: receiver.url, secret: receiver.secret, attempts: 2, baseDelayMs: 10 },
    });
    c = await connectClient(handle.url);
    c2 = await connectClient(handle.url);
  });

  afterAll(async () => {
    await c.close();
    await c2.close();
    await handle.close();
    await receiver.close();
  });

  it('lists the eight contract tools, each with an input and an output schema', async () => {
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'create-charter-request',
      'get-empty-legs',
      'get-operator-info',
      'get-pricing',
      'list-availability',
      'list-bookings',
      'manage-booking',
      'search-aircraft',
    ]);
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type).toBe('object');
    }
    const create = tools.find((t) => t.name === 'create-charter-request');
    expect(create?.inputSchema.required).toEqual(expect.arrayContaining(['idempotencyKey', 'contact', 'aircraftId']));
  });

  describe('search-aircraft', () => {
    it('finds aircraft that seat the party and fly the distance, sorted by estimated total, with a text rendering', async () => {
      const result = await c.call('search-aircraft', {
        departureAirport: 'kteb',
        arrivalAirport: 'kpbi',
        departureDate: day(14),
        passengers: 6,
      });
      expect(result.isError).toBeFalsy();
      expect(resultText(result)).toMatch(/aircraft for 6 passenger\(s\) KTEB–KPBI \(\d+ nm\)/);
      const found = result.structuredContent as Search;
      expect(found.search.departureAirport).toBe('KTEB');
      expect(found.search.distanceNm).toBeGreaterThan(890);
      expect(found.count).toBe(found.aircraft.length);
      expect(found.count).toBeGreaterThan(5);
      for (const a of found.aircraft) {
        expect(a.seats).toBeGreaterThanOrEqual(6);
        expect(a.rangeNm).toBeGreaterThanOrEqual(found.search.distanceNm);
        expect(a.operator.name).not.toBe('');
        expect(a.operator.safetyRating).not.toBe('');
        expect(Number.isInteger(a.estimatedTotal)).toBe(true);
        expect(a.estimatedFlightHours).toBeGreaterThan(2);
      }
      const totals = found.aircraft.map((a) => a.estimatedTotal);
      expect(totals).toEqual([...totals].sort((x, y) => x - y));
    });

    it('filters by category and maximum hourly rate', async () => {
      const found = await search({
        departureAirport: 'KVNY',
        arrivalAirport: 'KLAS',
        departureDate: day(10),
        passengers: 2,
        aircraftCategory: 'midsize_jet',
        maxHourlyRate: 600_000,
      });
      expect(found.count).toBeGreaterThan(0);
      for (const a of found.aircraft) {
        expect(a.category).toBe('midsize_jet');
        expect(a.hourlyRate).toBeLessThanOrEqual(600_000);
      }
    });

    it('excludes aircraft whose range is shorter than the leg', async () => {
      const found = await search({
        departureAirport: 'KTEB',
        arrivalAirport: 'EGLF',
        departureDate: day(20),
        passengers: 4,
      });
      expect(found.search.distanceNm).toBeGreaterThan(2900);
      expect(found.count).toBeGreaterThan(0);
      for (const a of found.aircraft)
        expect(['heavy_jet', 'ultra_long_range', 'super_midsize_jet']).toContain(a.category);
      for (const a of found.aircraft) expect(a.rangeNm).toBeGreaterThanOrEqual(found.search.distanceNm);
    });

    it('names the field in validation errors and unknown airports', async () => {
      const base = { departureAirport: 'KTEB', arrivalAirport: 'KPBI', departureDate: day(5), passengers: 2 };
      expect(await errorText('search-aircraft', { ...base, departureAirport: 'TEB' })).toMatch(/departureAirport/);
      expect(await errorText('search-aircraft', { ...base, arrivalAirport: 'ZZZZ' })).toContain(
        'arrivalAirport: unknown airport ZZZZ',
      );
      expect(await errorText('search-aircraft', { ...base, passengers: 0 })).toMatch(/passengers/);
      expect(await errorText('search-aircraft', { ...base, passengers: 20 })).toMatch(/passengers/);
      expect(await errorText('search-aircraft', { ...base, departureDate: '2030-02-30' })).toMatch(/departureDate/);
      expect(await errorText('search-aircraft', { ...base, departureDate: day(-3) })).toMatch(/^departureDate: .*past/);
      expect(await errorText('search-aircraft', { ...base, departureDate: day(120) })).toMatch(/^departureDate: /);
      expect(await errorText('search-aircraft', { ...base, returnDate: day(4) })).toMatch(/^returnDate: /);
      expect(await errorText('search-aircraft', { ...base, aircraftCategory: 'blimp' })).toMatch(/aircraftCategory/);
    });
  });

  describe('get-pricing', () => {
    it('returns a stored quote whose total is the lines, matching the search estimate', async () => {
      const found = await search({
        departureAirport: 'KHPN',
        arrivalAirport: 'KASE',
        departureDate: day(21),
        returnDate: day(24),
        passengers: 5,
      });
      const pick = found.aircraft[0]!;
      const { quote } = await c.json<{ quote: Quote }>('get-pricing', {
        aircraftId: pick.aircraftId,
        route: { departureAirport: 'KHPN', arrivalAirport: 'kase' },
        dates: { departureDate: day(21), returnDate: day(24) },
        passengers: 5,
      });
      expect(quote.id).toMatch(/^qt-/);
      expect(quote.currency).toBe('USD');
      expect(Date.parse(quote.validUntil) - Date.parse(quote.createdAt)).toBe(48 * 3_600_000);
      expect(quote.total).toBe(pick.estimatedTotal);
      expect(quote.flightHours).toBe(pick.estimatedFlightHours);
      expect(quote.subtotal).toBe(sum(quote.lineItems.filter((l) => l.kind === 'charge').map((l) => l.amount)));
      expect(quote.taxes).toBe(sum(quote.lineItems.filter((l) => l.kind === 'tax').map((l) => l.amount)));
      expect(quote.total).toBe(quote.subtotal + quote.taxes);
      expect(quote.lineItems.every((l) => Number.isInteger(l.amount) && l.amount > 0)).toBe(true);
      const fet = quote.lineItems.find((l) => l.code === 'FET')!;
      expect(Math.abs(fet.amount - quote.taxableBase * 0.075)).toBeLessThanOrEqual(0.5);
      const segment = quote.lineItems.find((l) => l.code === 'SEGMENT_FEE')!;
      expect(segment.amount).toBe(5 * 2 * 520); // 5 passengers × 2 passenger segments
      expect(quote.lineItems.find((l) => l.code === 'CREW_OVERNIGHT')?.quantity).toBe(3);
    });

    it('reports an unknown aircraft and names nested fields', async () => {
      const args = {
        aircraftId: 'ac-nope',
        route: { departureAirport: 'KTEB', arrivalAirport: 'KPBI' },
        dates: { departureDate: day(3) },
        passengers: 2,
      };
      expect(await errorText('get-pricing', args)).toBe('aircraftId: aircraft ac-nope not found');
      const someAircraft = (
        await search({ departureAirport: 'KTEB', arrivalAirport: 'KPBI', departureDate: day(3), passengers: 2 })
      ).aircraft[0]!.aircraftId;
      expect(
        await errorText('get-pricing', {
          ...args,
          aircraftId: someAircraft,
          route: { departureAirport: 'QQQQ', arrivalAirport: 'KPBI' },
        }),
      ).toBe('route.departureAirport: unknown airport QQQQ');
      expect(
        await errorText('get-pricing', { ...args, aircraftId: someAircraft, dates: { departureDate: '03/05/2030' } }),
      ).toMatch(/dates\.departureDate/);
    });
  });

  describe('create-charter-request', () => {
    let aircraftId: string;
    beforeAll(async () => {
      aircraftId = (
        await search({ departureAirport: 'KTEB', arrivalAirport: 'KPBI', departureDate: day(14), passengers: 4 })
      ).aircraft[0]!.aircraftId;
    });

    it('returns the same request for the same key, sequentially', async () => {
      const args = requestArgs(aircraftId);
      const first = await c.json<{ request: Booking; idempotentReplay: boolean }>('create-charter-request', args);
      const second = await c2.json<{ request: Booking; idempotentReplay: boolean }>('create-charter-request', args);
      expect(first.request.status).toBe('pending');
      expect(first.request.route).toEqual({ departureAirport: 'KTEB', arrivalAirport: 'KPBI' });
      expect(first.idempotentReplay).toBe(false);
      expect(second.idempotentReplay).toBe(true);
      expect(second.request).toEqual(first.request);
    });

    it('creates exactly one request for concurrent calls with one key', async () => {
      const args = requestArgs(aircraftId, { contact: { name: 'Concurrent Carla', email: 'carla@example.com' } });
      const since = new Date(NOW.getTime()).toISOString();
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          (i % 2 === 0 ? c : c2).json<{ request: Booking; idempotentReplay: boolean }>('create-charter-request', args),
        ),
      );
      expect(new Set(results.map((r) => r.request.id)).size).toBe(1);
      expect(results.filter((r) => !r.idempotentReplay)).toHaveLength(1);
      const all: Booking[] = [];
      let cursor: string | undefined;
      do {
        const page = await c.json<{ bookings: Booking[]; nextCursor: string | null }>('list-bookings', {
          updatedSince: since,
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        });
        all.push(...page.bookings);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(all.filter((b) => b.id === results[0]!.request.id)).toHaveLength(1);
    });

    it('refuses the same key with different input, and validates the contact', async () => {
      const args = requestArgs(aircraftId);
      await c.json('create-charter-request', args);
      expect(await errorText('create-charter-request', { ...args, passengers: 3 })).toMatch(
        /^idempotencyKey: key "e2e-key-\d+" was already used for request cr-\S+ with different input$/,
      );
      const { idempotencyKey: _omit, ...withoutKey } = requestArgs(aircraftId);
      expect(await errorText('create-charter-request', withoutKey)).toMatch(/idempotencyKey/);
      expect(
        await errorText(
          'create-charter-request',
          requestArgs(aircraftId, { contact: { name: 'X', email: 'not-an-email' } }),
        ),
      ).toMatch(/contact\.email/);
      expect(await errorText('create-charter-request', requestArgs(aircraftId, { departureTime: '25:00' }))).toMatch(
        /departureTime/,
      );
      expect(await errorText('create-charter-request', requestArgs('ac-missing'))).toBe(
        'aircraftId: aircraft ac-missing not found',
      );
    });
  });

  it('runs a full charter story: search → quote → request → confirm, with the numbers right and a signed webhook', async () => {
    const found = await search({
      departureAirport: 'KTEB',
      arrivalAirport: 'KPBI',
      departureDate: day(30),
      passengers: 4,
      aircraftCategory: 'light_jet',
    });
    const pick = found.aircraft[0]!;
    const { quote } = await c.json<{ quote: Quote }>('get-pricing', {
      aircraftId: pick.aircraftId,
      route: { departureAirport: 'KTEB', arrivalAirport: 'KPBI' },
      dates: { departureDate: day(30) },
      passengers: 4,
    });
    expect(quote.total).toBe(pick.estimatedTotal);
    // The arithmetic, line by line: hours × rate, fuel per hour flown, FET on the charges, USD 5.20 per passenger.
    const flight = quote.lineItems.find((l) => l.code === 'FLIGHT_TIME')!;
    expect(flight.amount).toBe(Math.round(pick.hourlyRate * flight.quantity!));
    expect(quote.lineItems.find((l) => l.code === 'SEGMENT_FEE')?.amount).toBe(4 * 520);
    expect(quote.lineItems.find((l) => l.code === 'FET')?.amount).toBe(Math.round((quote.subtotal * 75) / 1000));

    const { request } = await c.json<{ request: Booking }>(
      'create-charter-request',
      requestArgs(pick.aircraftId, {
        departureDate: day(30),
        quoteId: quote.id,
        specialRequests: 'Vegetarian catering',
      }),
    );
    expect(request.quoteId).toBe(quote.id);
    expect(request.pricing.total).toBe(quote.total);

    const { booking } = await c.json<{ booking: Booking }>('manage-booking', {
      requestId: request.id,
      action: 'confirm',
      paymentMethod: 'wire_transfer',
    });
    expect(booking.status).toBe('confirmed');
    expect(booking.bookingId).toMatch(/^bk-/);
    const payment = booking.payment!;
    expect(payment.depositAmount + payment.balanceAmount).toBe(quote.total);
    expect(payment.depositAmount).toBe(Math.floor(quote.total / 2));
    expect(Date.parse(payment.depositDueAt)).toBeLessThanOrEqual(Date.parse(payment.balanceDueAt));
    expect(Date.parse(payment.balanceDueAt)).toBeLessThan(Date.parse(booking.departureAt));
    // 10:15 in New York on a March day after the DST switch is 14:15 UTC.
    expect(booking.departureAt).toBe(`${day(30)}T14:15:00.000Z`);

    const details = await c.json<{ booking: Booking }>('manage-booking', {
      bookingId: booking.bookingId,
      action: 'get_details',
    });
    expect(details.booking).toEqual(booking);

    const availability = await c.json<{ availability: Availability[] }>('list-availability', {
      updatedSince: request.updatedAt,
      limit: 1000,
    });
    const held = availability.availability.find((r) => r.aircraftId === pick.aircraftId && r.date === day(30));
    expect(held).toMatchObject({ status: 'booked', bookingId: booking.bookingId });
    const again = await search({
      departureAirport: 'KTEB',
      arrivalAirport: 'KPBI',
      departureDate: day(30),
      passengers: 4,
      aircraftCategory: 'light_jet',
    });
    expect(again.aircraft.map((a) => a.aircraftId)).not.toContain(pick.aircraftId);

    const confirmedHook = (): ReceivedWebhook | undefined =>
      receiver.received.find((w) => {
        const event = JSON.parse(w.rawBody) as { type: string; data: { bookingId?: string } };
        return event.type === 'booking_confirmed' && event.data.bookingId === booking.bookingId;
      });
    await waitFor(() => confirmedHook() !== undefined, 5_000, 'the booking_confirmed webhook');
    const hook = confirmedHook()!;
    expect(hook.verified.ok).toBe(true);
    expect(JSON.parse(hook.rawBody)).toMatchObject({
      type: 'booking_confirmed',
      data: { bookingId: booking.bookingId, requestId: request.id, status: 'confirmed', total: quote.total },
    });
    expect(receiver.received.some((w) => w.rawBody.includes('"aircraft_availability_updated"'))).toBe(true);
  });

  describe('manage-booking', () => {
    let aircraftId: string;
    beforeAll(async () => {
      aircraftId = (
        await search({ departureAirport: 'KTEB', arrivalAirport: 'KPBI', departureDate: day(14), passengers: 4 })
      ).aircraft[1]!.aircraftId;
    });

    it('refuses an illegal transition with the current status and the action in the message', async () => {
      const { request } = await c.json<{ request: Booking }>('create-charter-request', requestArgs(aircraftId));
      const { booking } = await c.json<{ booking: Booking }>('manage-booking', {
        requestId: request.id,
        action: 'cancel',
        cancellationReason: 'Meeting moved',
      });
      expect(booking.status).toBe('cancelled');
      expect(booking.cancellation?.feeAmount).toBe(0);
      const text = await errorText('manage-booking', {
        requestId: request.id,
        action: 'confirm',
        paymentMethod: 'card',
      });
      expect(text).toContain('cannot confirm');
      expect(text).toContain('status is cancelled');
      await waitFor(
        () => receiver.received.some((w) => w.rawBody.includes('"booking_cancelled"')),
        5_000,
        'booking_cancelled',
      );
    });

    it('modifies a pending request and charges a fee when a confirmed booking is cancelled', async () => {
      const { request } = await c.json<{ request: Booking }>('create-charter-request', requestArgs(aircraftId));
      const { booking: modified } = await c.json<{ booking: Booking }>('manage-booking', {
        requestId: request.id,
        action: 'modify',
        modifications: { departureTime: '08:00', passengers: 2, specialRequests: 'Two dogs on board' },
      });
      expect(modified.departureTime).toBe('08:00');
      expect(modified.passengers).toBe(2);
      expect(modified.pricing.total).toBe(request.pricing.total - 2 * 520); // two fewer passengers × one segment
      expect(Date.parse(modified.updatedAt)).toBeGreaterThan(Date.parse(request.updatedAt));
      await c.json('manage-booking', { requestId: request.id, action: 'confirm', paymentMethod: 'card' });
      const { booking: cancelled } = await c.json<{ booking: Booking }>('manage-booking', {
        requestId: request.id,
        action: 'cancel',
        cancellationReason: 'Trip called off',
      });
      // Moved to 08:00 on day 14, the flight is a few seconds less than 14 days away: the 7–14 days band, 25 %.
      expect(cancelled.cancellation?.feePercent).toBe(25);
      expect(cancelled.cancellation?.feeAmount).toBe(Math.round(cancelled.pricing.total * 0.25));
    });

    it('validates its inputs and reports unknown bookings', async () => {
      expect(await errorText('manage-booking', { bookingId: 'bk-nope', action: 'get_details' })).toBe(
        'bookingId: booking bk-nope not found',
      );
      expect(await errorText('manage-booking', { action: 'get_details' })).toMatch(/^bookingId: /);
      expect(await errorText('manage-booking', { bookingId: 'x', action: 'fly' })).toMatch(/action/);
      const { request } = await c.json<{ request: Booking }>('create-charter-request', requestArgs(aircraftId));
      expect(await errorText('manage-booking', { requestId: request.id, action: 'confirm' })).toBe(
        'paymentMethod: required to confirm a booking',
      );
      expect(await errorText('manage-booking', { requestId: request.id, action: 'modify', modifications: {} })).toMatch(
        /^modifications: /,
      );
    });
  });

  it('describes an operator with fleet and safety records, and reports unknown ones', async () => {
    const { operator } = await c.json<{
      operator: {
        name: string;
        certificate: { type: string; number: string };
        safety: { argus: string | null };
        insurance: { liabilityCoverage: number };
        fleetSize: number;
        fleet?: Array<{ id: string; availableDaysNext30: number }>;
        safetyRecords?: { incidents: unknown[] };
      };
    }>('get-operator-info', { operatorId: 'op-atlantic-crown', includeFleetDetails: true, includeSafetyRecords: true });
    expect(operator.certificate).toMatchObject({ type: 'Part 135', number: 'AC7A412K' });
    expect(operator.safety.argus).toBe('Platinum');
    expect(operator.insurance.liabilityCoverage).toBe(30_000_000_000);
    expect(operator.fleet).toHaveLength(operator.fleetSize);
    expect(operator.safetyRecords?.incidents.length).toBeGreaterThan(0);
    const brief = await c.json<{ operator: Record<string, unknown> }>('get-operator-info', {
      operatorId: 'op-atlantic-crown',
    });
    expect(brief.operator.fleet).toBeUndefined();
    expect(await errorText('get-operator-info', { operatorId: 'op-nope' })).toBe(
      'operatorId: operator op-nope not found',
    );
  });

  it('lists discounted empty legs in the future, with filters', async () => {
    const all = await c.json<{
      count: number;
      emptyLegs: Array<{
        departureAirport: string;
        departureDate: string;
        price: number;
        originalPrice: number;
        discountPercent: number;
      }>;
    }>('get-empty-legs', {});
    expect(all.count).toBeGreaterThan(5);
    for (const leg of all.emptyLegs) {
      expect(leg.departureDate >= TODAY).toBe(true);
      expect(leg.price).toBe(leg.originalPrice - Math.round((leg.originalPrice * leg.discountPercent) / 100));
    }
    const cheap = [...all.emptyLegs].sort((a, b) => a.price - b.price)[Math.floor(all.count / 2)]!;
    const filtered = await c.json<{ emptyLegs: Array<{ price: number }> }>('get-empty-legs', { maxPrice: cheap.price });
    expect(filtered.emptyLegs.length).toBeGreaterThan(0);
    expect(filtered.emptyLegs.every((l) => l.price <= cheap.price)).toBe(true);
    const from = all.emptyLegs[0]!.departureAirport;
    const byAirport = await c.json<{ emptyLegs: Array<{ departureAirport: string }> }>('get-empty-legs', {
      departureAirport: from.toLowerCase(),
    });
    expect(byAirport.emptyLegs.every((l) => l.departureAirport === from)).toBe(true);
    expect(await errorText('get-empty-legs', { arrivalAirport: 'XXXX' })).toBe('arrivalAirport: unknown airport XXXX');
    expect(await errorText('get-empty-legs', { startDate: day(9), endDate: day(2) })).toMatch(/^endDate: /);
  });

  describe('list-availability and list-bookings', () => {
    it('pages through all availability with no gaps or duplicates while records change between pages', async () => {
      type Seen = Availability;
      const delivered: Seen[] = [];
      let cursor: string | undefined;
      const changed: string[] = [];
      for (let pageNo = 0; pageNo < 50; pageNo += 1) {
        const page = await c.json<{ availability: Seen[]; nextCursor: string | null; hasMore: boolean }>(
          'list-availability',
          {
            limit: 700,
            ...(cursor ? { cursor } : {}),
          },
        );
        delivered.push(...page.availability);
        if (pageNo < 4) {
          // Upstream edits between pages: one record already delivered and one not delivered yet.
          const seenOne = page.availability[pageNo * 10]!;
          const deliveredIds = new Set(delivered.map((r) => r.id));
          const unseen = Array.from({ length: 90 }, (_, i) => `av-${seenOne.aircraftId}-${day(i)}`).find(
            (id) => !deliveredIds.has(id),
          )!;
          expect(unseen).toBeDefined();
          const upd = await admin({
            action: 'update',
            collection: 'availability',
            id: seenOne.id,
            patch: { status: 'maintenance' },
          });
          expect(upd.status).toBe(200);
          const upd2 = await admin({
            action: 'update',
            collection: 'availability',
            id: unseen,
            patch: { status: 'unavailable' },
          });
          expect(upd2.status).toBe(200);
          changed.push(seenOne.id, unseen);
        }
        if (!page.hasMore) {
          expect(page.nextCursor).toBeNull();
          break;
        }
        cursor = page.nextCursor!;
      }
      const latest = new Map<string, Seen>();
      const pairs = new Set<string>();
      for (const r of delivered) {
        const pair = `${r.id}@${r.updatedAt}`;
        expect(pairs.has(pair)).toBe(false); // no version delivered twice
        pairs.add(pair);
        latest.set(r.id, r);
      }
      // Every record arrived, and the changed ones in their changed state: compare with a fresh full listing.
      const everything: Seen[] = [];
      cursor = undefined;
      do {
        const page: { availability: Seen[]; nextCursor: string | null } = await c.json('list-availability', {
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        });
        everything.push(...page.availability);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(new Set(everything.map((r) => r.id)).size).toBe(everything.length);
      expect(latest.size).toBe(everything.length);
      for (const r of everything) expect(latest.get(r.id)).toEqual(r);
      for (const id of changed) expect(['maintenance', 'unavailable']).toContain(latest.get(id)?.status);
    });

    it('pages through bookings while new requests arrive, and shows upstream deletes', async () => {
      const since = new Date(NOW.getTime() - 400 * 86_400_000).toISOString();
      const aircraftId = (
        await search({ departureAirport: 'KTEB', arrivalAirport: 'KPBI', departureDate: day(14), passengers: 4 })
      ).aircraft[0]!.aircraftId;
      const created: string[] = [];
      const delivered: Booking[] = [];
      let cursor: string | undefined;
      for (let pageNo = 0; pageNo < 100; pageNo += 1) {
        const page = await c.json<{ bookings: Booking[]; nextCursor: string | null; hasMore: boolean }>(
          'list-bookings',
          {
            updatedSince: since,
            limit: 5,
            ...(cursor ? { cursor } : {}),
          },
        );
        delivered.push(...page.bookings);
        if (pageNo < 3) {
          const { request } = await c2.json<{ request: Booking }>('create-charter-request', requestArgs(aircraftId));
          created.push(request.id);
        }
        if (pageNo === 1) {
          const victim = page.bookings[0]!.id;
          const del = await admin({ action: 'delete', collection: 'bookings', id: victim });
          expect(del).toEqual({ status: 200, body: { deleted: victim } });
          created.push(victim);
        }
        if (!page.hasMore) break;
        cursor = page.nextCursor!;
      }
      const ids = new Set(delivered.map((b) => b.id));
      for (const id of created) expect(ids.has(id)).toBe(true);
      const pairs = delivered.map((b) => `${b.id}@${b.updatedAt}`);
      expect(new Set(pairs).size).toBe(pairs.length);
      const deleted = delivered.filter((b) => b.deletedAt !== null);
      expect(deleted).toHaveLength(1);
      expect(await errorText('manage-booking', { requestId: deleted[0]!.id, action: 'get_details' })).toMatch(
        /not found/,
      );
      const stamps = delivered.map((b) => Date.parse(b.updatedAt));
      expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    });

    it('validates cursor, limit and updatedSince', async () => {
      expect(await errorText('list-bookings', { cursor: 'garbage' })).toMatch(/^cursor: /);
      expect(await errorText('list-availability', { limit: 1001 })).toMatch(/limit/);
      expect(await errorText('list-availability', { updatedSince: 'yesterday' })).toMatch(/updatedSince/);
    });
  });

  it('applies admin data changes to aircraft and rejects bad ones', async () => {
    const found = await search({
      departureAirport: 'KVNY',
      arrivalAirport: 'KSJC',
      departureDate: day(40),
      passengers: 2,
    });
    const victim = found.aircraft[0]!.aircraftId;
    expect((await admin({ action: 'delete', collection: 'aircraft', id: victim })).status).toBe(200);
    const after = await search({
      departureAirport: 'KVNY',
      arrivalAirport: 'KSJC',
      departureDate: day(40),
      passengers: 2,
    });
    expect(after.aircraft.map((a) => a.aircraftId)).not.toContain(victim);
    expect(
      await errorText('get-pricing', {
        aircraftId: victim,
        route: { departureAirport: 'KVNY', arrivalAirport: 'KSJC' },
        dates: { departureDate: day(40) },
        passengers: 2,
      }),
    ).toBe(`aircraftId: aircraft ${victim} not found`);

    const repriced = found.aircraft[1]!;
    const upd = await admin({
      action: 'update',
      collection: 'aircraft',
      id: repriced.aircraftId,
      patch: { hourlyRate: repriced.hourlyRate + 10_000 },
    });
    expect(upd.status).toBe(200);
    const later = await search({
      departureAirport: 'KVNY',
      arrivalAirport: 'KSJC',
      departureDate: day(40),
      passengers: 2,
    });
    expect(later.aircraft.find((a) => a.aircraftId === repriced.aircraftId)?.hourlyRate).toBe(
      repriced.hourlyRate + 10_000,
    );

    expect(
      (await admin({ action: 'update', collection: 'aircraft', id: repriced.aircraftId, patch: { wings: 3 } })).status,
    ).toBe(400);
    expect((await admin({ action: 'update', collection: 'availability', id: 'av-none', patch: {} })).status).toBe(404);
    expect((await admin({ action: 'update', collection: 'hangars', id: 'h1', patch: {} })).status).toBe(404);
  });

  it('is the definition startSandboxServer("avinode") serves', async () => {
    const server = await startSandboxServer('avinode', { seed: 11, now: NOW });
    const client = await connectClient(server.url);
    try {
      const found = await client.json<Search>('search-aircraft', {
        departureAirport: 'KTEB',
        arrivalAirport: 'KPBI',
        departureDate: day(14),
        passengers: 4,
      });
      expect(found.count).toBeGreaterThan(0);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
