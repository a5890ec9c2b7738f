import { describe, expect, it } from '@jest/globals';
import type { SandboxToolContext } from '../core/sandbox-definition.js';
import { AvinodeError } from './avinode.errors.js';
import { createAvinodeState } from './avinode.state.js';
import type { AvinodeState } from './avinode.types.js';
import {
  advanceBookings,
  createCharterRequest,
  departureInstant,
  manageBooking,
  type CreateRequestInput,
} from './bookings.js';
import { addDays } from './calendar.js';
import { availabilityId } from './stamps.js';
import { FLAT_TRIP_FIELDS, resolveTrip, searchAircraft } from './trips.js';

const NOW = new Date('2030-03-01T12:00:00Z');

interface Harness {
  state: AvinodeState;
  context: SandboxToolContext;
  events: Array<{ type: string; data: Record<string, unknown> }>;
  advance(ms: number): void;
}

function harness(): Harness {
  let now = NOW.getTime();
  const events: Harness['events'] = [];
  return {
    state: createAvinodeState({ seed: 3, now: NOW }),
    context: { now: () => new Date(now), random: () => 0.5, emit: (type, data) => events.push({ type, data }) },
    events,
    advance: (ms) => {
      now += ms;
    },
  };
}

function requestInput(h: Harness, overrides: Partial<CreateRequestInput> = {}): CreateRequestInput {
  const departureDate = addDays('2030-03-01', 20);
  const trip = resolveTrip(
    h.state,
    { departureAirport: 'KTEB', arrivalAirport: 'KPBI', departureDate, passengers: 4 },
    NOW,
    FLAT_TRIP_FIELDS,
  );
  const hit = searchAircraft(h.state, trip, {})[0];
  if (!hit) throw new Error('seed 3 has no aircraft for the test trip');
  return {
    aircraftId: hit.aircraft.id,
    route: { departureAirport: 'kteb', arrivalAirport: 'KPBI' },
    departureDate,
    departureTime: '09:30',
    passengers: 4,
    contact: { name: 'Ada Byron', email: 'ada@example.com' },
    idempotencyKey: 'key-00000001',
    ...overrides,
  };
}

function errorOf(fn: () => unknown): AvinodeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AvinodeError) return error;
    throw error;
  }
  throw new Error('expected an AvinodeError');
}

describe('charter requests', () => {
  it('creates a pending request, and the same key returns the same request', () => {
    const h = harness();
    const input = requestInput(h);
    const first = createCharterRequest(h.state, input, h.context);
    const again = createCharterRequest(h.state, { ...input }, h.context);
    expect(first.booking.status).toBe('pending');
    expect(first.booking.departureAirport).toBe('KTEB');
    expect(first.replayed).toBe(false);
    expect(again.replayed).toBe(true);
    expect(again.booking.id).toBe(first.booking.id);
    expect([...h.state.bookings.values()].filter((b) => b.idempotencyKey === input.idempotencyKey)).toHaveLength(1);
  });

  it('refuses the same key with different input, naming the key', () => {
    const h = harness();
    createCharterRequest(h.state, requestInput(h), h.context);
    const error = errorOf(() => createCharterRequest(h.state, requestInput(h, { passengers: 5 }), h.context));
    expect(error.code).toBe('idempotency_conflict');
    expect(error.message).toMatch(/^idempotencyKey: .*different input/);
  });

  it('rejects a party larger than the cabin and an unknown quote', () => {
    const h = harness();
    expect(errorOf(() => createCharterRequest(h.state, requestInput(h, { passengers: 19 }), h.context)).code).toBe(
      'unavailable',
    );
    const missing = errorOf(() => createCharterRequest(h.state, requestInput(h, { quoteId: 'qt-nope' }), h.context));
    expect(missing.message).toBe('quoteId: quote qt-nope not found');
  });
});

describe('booking state machine', () => {
  it('confirms with a deposit and a balance due before departure, and books the days', () => {
    const h = harness();
    const { booking } = createCharterRequest(h.state, requestInput(h), h.context);
    const confirmed = manageBooking(
      h.state,
      { requestId: booking.id, action: 'confirm', paymentMethod: 'wire_transfer' },
      h.context,
    );
    expect(confirmed.status).toBe('confirmed');
    expect(confirmed.bookingId).toMatch(/^bk-/);
    const p = confirmed.payment!;
    expect(p.depositAmount + p.balanceAmount).toBe(confirmed.price.total);
    expect(Date.parse(p.depositDueAt)).toBeLessThanOrEqual(Date.parse(p.balanceDueAt));
    expect(Date.parse(p.balanceDueAt)).toBeLessThan(departureInstant(confirmed).getTime());
    const day = h.state.availability.get(availabilityId(confirmed.aircraftId, confirmed.departureDate))!;
    expect(day.status).toBe('booked');
    expect(day.bookingId).toBe(confirmed.bookingId);
    expect(h.events.map((e) => e.type)).toEqual(['aircraft_availability_updated', 'booking_confirmed']);
  });

  it('finds a booking by booking id or request id', () => {
    const h = harness();
    const { booking } = createCharterRequest(h.state, requestInput(h), h.context);
    manageBooking(h.state, { requestId: booking.id, action: 'confirm', paymentMethod: 'card' }, h.context);
    const byBookingId = manageBooking(h.state, { bookingId: booking.bookingId!, action: 'get_details' }, h.context);
    expect(byBookingId.id).toBe(booking.id);
  });

  it('requires a payment method to confirm and a reason to cancel', () => {
    const h = harness();
    const { booking } = createCharterRequest(h.state, requestInput(h), h.context);
    expect(errorOf(() => manageBooking(h.state, { requestId: booking.id, action: 'confirm' }, h.context)).message).toBe(
      'paymentMethod: required to confirm a booking',
    );
    expect(errorOf(() => manageBooking(h.state, { requestId: booking.id, action: 'cancel' }, h.context)).field).toBe(
      'cancellationReason',
    );
  });

  it('refuses illegal transitions, naming the status and the action', () => {
    const h = harness();
    const { booking } = createCharterRequest(h.state, requestInput(h), h.context);
    manageBooking(h.state, { requestId: booking.id, action: 'cancel', cancellationReason: 'plans changed' }, h.context);
    const error = errorOf(() =>
      manageBooking(h.state, { requestId: booking.id, action: 'confirm', paymentMethod: 'card' }, h.context),
    );
    expect(error.code).toBe('invalid_transition');
    expect(error.message).toContain('cannot confirm');
    expect(error.message).toContain('its status is cancelled');
    expect(
      errorOf(() =>
        manageBooking(
          h.state,
          { requestId: booking.id, action: 'modify', modifications: { passengers: 2 } },
          h.context,
        ),
      ).code,
    ).toBe('invalid_transition');
  });

  it('cancels a pending request free and a confirmed booking with a fee by notice, freeing the days', () => {
    const h = harness();
    const pending = createCharterRequest(h.state, requestInput(h), h.context).booking;
    const free = manageBooking(
      h.state,
      { requestId: pending.id, action: 'cancel', cancellationReason: 'x' },
      h.context,
    );
    expect(free.cancellation?.feeAmount).toBe(0);

    const other = createCharterRequest(h.state, requestInput(h, { idempotencyKey: 'key-00000002' }), h.context).booking;
    manageBooking(h.state, { requestId: other.id, action: 'confirm', paymentMethod: 'wire' }, h.context);
    // 20 days out, minus a few hours: more than 14 days of notice → 10 %.
    const cancelled = manageBooking(
      h.state,
      { requestId: other.id, action: 'cancel', cancellationReason: 'y' },
      h.context,
    );
    const c = cancelled.cancellation!;
    expect(c.feePercent).toBe(10);
    expect(c.feeAmount).toBe(Math.round(cancelled.price.total * 0.1));
    expect(c.refundAmount).toBe(cancelled.payment!.depositAmount - c.feeAmount);
    expect(h.state.availability.get(availabilityId(other.aircraftId, other.departureDate))?.status).toBe('available');
    expect(h.events.at(-1)?.type).toBe('booking_cancelled');
  });

  it('charges more for short notice', () => {
    const h = harness();
    const { booking } = createCharterRequest(h.state, requestInput(h), h.context);
    manageBooking(h.state, { requestId: booking.id, action: 'confirm', paymentMethod: 'wire' }, h.context);
    h.advance(departureInstant(booking).getTime() - NOW.getTime() - 30 * 3_600_000); // 30 h before departure
    const late = manageBooking(
      h.state,
      { requestId: booking.id, action: 'cancel', cancellationReason: 'z' },
      h.context,
    );
    expect(late.cancellation?.feePercent).toBe(75);
  });

  it('modifies passengers and reprices the per-passenger taxes', () => {
    const h = harness();
    const { booking } = createCharterRequest(h.state, requestInput(h), h.context);
    const before = booking.price.total;
    const stampBefore = booking.updatedAtMs;
    const modified = manageBooking(
      h.state,
      { requestId: booking.id, action: 'modify', modifications: { passengers: 3, departureTime: '11:00' } },
      h.context,
    );
    expect(modified.passengers).toBe(3);
    expect(modified.departureTime).toBe('11:00');
    expect(before - modified.price.total).toBe(520); // one passenger fewer × one domestic segment
    const seats = h.state.aircraft.get(booking.aircraftId)!.seats;
    const tooMany = errorOf(() =>
      manageBooking(
        h.state,
        { requestId: booking.id, action: 'modify', modifications: { passengers: seats + 1 } },
        h.context,
      ),
    );
    expect(tooMany.message).toMatch(/^modifications\.passengers: /);
    expect(modified.updatedAtMs).toBeGreaterThan(stampBefore);
  });

  it('moves a confirmed booking to flown after the trip and to completed a day later', () => {
    const h = harness();
    const { booking } = createCharterRequest(h.state, requestInput(h), h.context);
    manageBooking(h.state, { requestId: booking.id, action: 'confirm', paymentMethod: 'wire' }, h.context);
    h.advance(departureInstant(booking).getTime() - NOW.getTime() + 3 * 3_600_000);
    advanceBookings(h.state, h.context.now());
    expect(booking.status).toBe('flown');
    h.advance(25 * 3_600_000);
    advanceBookings(h.state, h.context.now());
    expect(booking.status).toBe('completed');
    expect(booking.history.map((x) => x.to)).toEqual(['pending', 'confirmed', 'flown', 'completed']);
  });
});
