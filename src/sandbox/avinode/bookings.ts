/**
 * Charter requests and bookings: idempotent creation and the booking state machine.
 *
 *   pending ──confirm──▶ confirmed ──(trip flown, by the clock)──▶ flown ──(24 h later)──▶ completed
 *      │                    │
 *      └──cancel──▶ cancelled ◀──cancel (fee by notice)
 *
 * `modify` keeps the status and is allowed on pending and confirmed bookings; `get_details` is allowed on any status.
 */
import type { SandboxToolContext } from '../core/sandbox-definition.js';
import { AIRPORTS_BY_ICAO } from './airports.data.js';
import { AvinodeError } from './avinode.errors.js';
import type {
  AvailabilityStatus,
  AvinodeState,
  Booking,
  BookingCancellation,
  BookingContact,
  BookingPayment,
  BookingStatus,
} from './avinode.types.js';
import { zonedTimeToUtc } from './calendar.js';
import { availabilityId, newId, nextStamp } from './stamps.js';
import {
  createQuote,
  FLAT_TRIP_FIELDS,
  priceFor,
  requireAircraft,
  resolveTrip,
  tripDates,
  unavailableDay,
  unfitReason,
  type Trip,
} from './trips.js';

export type BookingAction = 'confirm' | 'cancel' | 'modify' | 'get_details';

/** Statuses each action may start from; anything else is an illegal transition. */
export const ALLOWED_FROM: Readonly<Record<BookingAction, readonly BookingStatus[]>> = {
  confirm: ['pending'],
  cancel: ['pending', 'confirmed'],
  modify: ['pending', 'confirmed'],
  get_details: ['pending', 'confirmed', 'flown', 'completed', 'cancelled'],
};

/** Share of the total paid at confirmation; the balance is due before departure. */
export const DEPOSIT_PERCENT = 50;
/** The balance falls due this long before departure (or at once when departure is closer than that). */
export const BALANCE_DUE_HOURS_BEFORE_DEPARTURE = 72;
/** A flown trip is closed (final invoice) this long after it ends. */
const COMPLETION_DELAY_HOURS = 24;

/**
 * Cancellation fee for a confirmed booking, as a share of the total, by notice before departure.
 * A pending request has taken no money and cancels free of charge.
 */
export const CANCELLATION_SCHEDULE: ReadonlyArray<{ minNoticeHours: number; feePercent: number }> = [
  { minNoticeHours: 14 * 24, feePercent: 10 },
  { minNoticeHours: 7 * 24, feePercent: 25 },
  { minNoticeHours: 72, feePercent: 50 },
  { minNoticeHours: 24, feePercent: 75 },
  { minNoticeHours: Number.NEGATIVE_INFINITY, feePercent: 100 },
];

const HOUR_MS = 3_600_000;

export interface CreateRequestInput {
  aircraftId: string;
  route: { departureAirport: string; arrivalAirport: string };
  departureDate: string;
  departureTime: string;
  returnDate?: string | undefined;
  passengers: number;
  contact: { name: string; email: string; phone?: string | undefined; company?: string | undefined };
  quoteId?: string | undefined;
  specialRequests?: string | undefined;
  idempotencyKey: string;
}

export interface Modifications {
  departureTime?: string | undefined;
  passengers?: number | undefined;
  specialRequests?: string | undefined;
}

export interface ManageInput {
  bookingId?: string | undefined;
  requestId?: string | undefined;
  action: BookingAction;
  paymentMethod?: string | undefined;
  /** Who signs the charter agreement; required to confirm `on_account`. */
  signerName?: string | undefined;
  cancellationReason?: string | undefined;
  modifications?: Modifications | undefined;
}

/**
 * Confirming on account (invoiced on credit terms, no card or wire up front) binds the client to the operator's charter
 * agreement, so the operator asks who signs it. Checked before anything changes.
 */
export const ON_ACCOUNT = 'on_account';

/** A confirmation on account without the signer's name; a 2026-07-28 server asks for it (`input_required`). */
export class SignerRequiredError extends AvinodeError {
  constructor(readonly bookingId: string) {
    super('validation', 'signerName', 'required to confirm a booking on account (who signs the charter agreement)');
    this.name = 'SignerRequiredError';
  }
}

const REQUEST_FIELDS = {
  ...FLAT_TRIP_FIELDS,
  departureAirport: 'route.departureAirport',
  arrivalAirport: 'route.arrivalAirport',
};

/** Canonical JSON of the request input (keys sorted, airports upper-cased, key itself left out) for idempotency. */
function fingerprint(input: CreateRequestInput): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => [k, canonical(v)]),
      );
    }
    return value;
  };
  const { idempotencyKey: _key, ...rest } = input;
  return JSON.stringify(
    canonical({
      ...rest,
      route: {
        departureAirport: input.route.departureAirport.toUpperCase(),
        arrivalAirport: input.route.arrivalAirport.toUpperCase(),
      },
    }),
  );
}

export function departureInstant(booking: Pick<Booking, 'departureAirport' | 'departureDate' | 'departureTime'>): Date {
  const tz = AIRPORTS_BY_ICAO.get(booking.departureAirport)?.timezone ?? 'UTC';
  return zonedTimeToUtc(booking.departureDate, booking.departureTime, tz);
}

/** When the last passenger leg lands (round trips return at the same local time on the return date). */
export function tripEndInstant(booking: Booking): Date {
  const passengerLegs = booking.price.legs.filter((l) => l.kind === 'passenger');
  const lastLegHours = passengerLegs[passengerLegs.length - 1]?.flightHours ?? 0;
  const start =
    booking.returnDate === null
      ? departureInstant(booking)
      : departureInstant({ ...booking, departureDate: booking.returnDate });
  return new Date(start.getTime() + lastLegHours * HOUR_MS);
}

function requireQuoteFor(state: AvinodeState, quoteId: string, input: CreateRequestInput, trip: Trip, now: Date): void {
  const quote = state.quotes.get(quoteId);
  if (!quote) throw new AvinodeError('not_found', 'quoteId', `quote ${quoteId} not found`);
  if (Date.parse(quote.validUntil) < now.getTime()) {
    throw new AvinodeError('quote_mismatch', 'quoteId', `quote ${quoteId} expired at ${quote.validUntil}`);
  }
  const same =
    quote.aircraftId === input.aircraftId &&
    quote.departureAirport === trip.departure.icao &&
    quote.arrivalAirport === trip.arrival.icao &&
    quote.departureDate === trip.departureDate &&
    quote.returnDate === trip.returnDate &&
    quote.passengers === trip.passengers;
  if (!same) {
    throw new AvinodeError(
      'quote_mismatch',
      'quoteId',
      `quote ${quoteId} was issued for ${quote.aircraftId} ${quote.departureAirport}–${quote.arrivalAirport} on ` +
        `${quote.departureDate}${quote.returnDate ? `/${quote.returnDate}` : ''} for ${quote.passengers} passenger(s)`,
    );
  }
}

/**
 * Creates a pending charter request, or returns the one created earlier with the same idempotency key.
 * Runs without awaiting anything, so concurrent calls with one key cannot both pass the lookup.
 */
export function createCharterRequest(
  state: AvinodeState,
  input: CreateRequestInput,
  context: SandboxToolContext,
): { booking: Booking; replayed: boolean } {
  const print = fingerprint(input);
  const earlier = state.idempotency.get(input.idempotencyKey);
  if (earlier) {
    const booking = state.bookings.get(earlier.requestId);
    if (earlier.fingerprint !== print) {
      throw new AvinodeError(
        'idempotency_conflict',
        'idempotencyKey',
        `key "${input.idempotencyKey}" was already used for request ${earlier.requestId} with different input`,
      );
    }
    if (booking) return { booking, replayed: true };
  }

  const now = context.now();
  const aircraft = requireAircraft(state, input.aircraftId);
  const trip = resolveTrip(
    state,
    { ...input.route, departureDate: input.departureDate, returnDate: input.returnDate, passengers: input.passengers },
    now,
    REQUEST_FIELDS,
  );
  const unfit = unfitReason(aircraft, trip);
  if (unfit !== null) throw new AvinodeError('unavailable', 'aircraftId', unfit);
  const busy = unavailableDay(state, aircraft.id, tripDates(trip));
  if (busy !== null)
    throw new AvinodeError('unavailable', 'departureDate', `${aircraft.id} is not available on ${busy}`);
  if (departureInstant({ ...input, departureAirport: trip.departure.icao }).getTime() <= now.getTime()) {
    throw new AvinodeError('validation', 'departureTime', 'departure must be in the future');
  }
  if (input.quoteId !== undefined) requireQuoteFor(state, input.quoteId, input, trip, now);
  const quote = input.quoteId !== undefined ? state.quotes.get(input.quoteId) : createQuote(state, aircraft, trip, now);
  if (!quote) throw new AvinodeError('not_found', 'quoteId', `quote ${input.quoteId ?? ''} not found`);

  const id = newId(state, 'cr', now);
  const stamp = nextStamp(state, now);
  const contact: BookingContact = {
    name: input.contact.name,
    email: input.contact.email,
    phone: input.contact.phone ?? null,
    company: input.contact.company ?? null,
  };
  const booking: Booking = {
    id,
    requestId: id,
    bookingId: null,
    status: 'pending',
    aircraftId: aircraft.id,
    operatorId: aircraft.operatorId,
    departureAirport: trip.departure.icao,
    arrivalAirport: trip.arrival.icao,
    departureDate: trip.departureDate,
    departureTime: input.departureTime,
    returnDate: trip.returnDate,
    passengers: trip.passengers,
    contact,
    specialRequests: input.specialRequests ?? null,
    quoteId: quote.id,
    price: quote.price,
    payment: null,
    cancellation: null,
    history: [{ at: stamp.iso, action: 'create', from: null, to: 'pending' }],
    idempotencyKey: input.idempotencyKey,
    createdAt: stamp.iso,
    updatedAt: stamp.iso,
    updatedAtMs: stamp.ms,
    deletedAt: null,
  };
  state.bookings.set(id, booking);
  state.idempotency.set(input.idempotencyKey, { fingerprint: print, requestId: id });
  return { booking, replayed: false };
}

export function findBooking(
  state: AvinodeState,
  ref: { bookingId?: string | undefined; requestId?: string | undefined },
): Booking {
  const field = ref.bookingId !== undefined ? 'bookingId' : 'requestId';
  const key = ref.bookingId ?? ref.requestId;
  if (key === undefined) throw new AvinodeError('validation', 'bookingId', 'bookingId or requestId is required');
  // Either id is accepted in either field: a caller holding a request id may well send it as bookingId.
  const requestId = state.bookingIds.get(key) ?? key;
  const booking = state.bookings.get(requestId);
  if (!booking || booking.deletedAt !== null) throw new AvinodeError('not_found', field, `booking ${key} not found`);
  return booking;
}

function touch(state: AvinodeState, booking: Booking, now: Date, action: string, to: BookingStatus): string {
  const stamp = nextStamp(state, now);
  booking.history.push({ at: stamp.iso, action, from: booking.status, to });
  booking.status = to;
  booking.updatedAt = stamp.iso;
  booking.updatedAtMs = stamp.ms;
  return stamp.iso;
}

/** Marks the trip's days in availability (booked on confirm, available again on cancel) and emits one event. */
function setTripAvailability(
  state: AvinodeState,
  booking: Booking,
  status: AvailabilityStatus,
  context: SandboxToolContext,
): void {
  const changed: string[] = [];
  const dates = tripDates(booking);
  for (const date of dates) {
    const record = state.availability.get(availabilityId(booking.aircraftId, date));
    if (!record || record.deletedAt !== null) continue;
    const stamp = nextStamp(state, context.now());
    record.status = status;
    record.bookingId = status === 'booked' ? (booking.bookingId ?? booking.id) : null;
    record.updatedAt = stamp.iso;
    record.updatedAtMs = stamp.ms;
    changed.push(record.id);
  }
  if (changed.length > 0) {
    context.emit('aircraft_availability_updated', {
      aircraftId: booking.aircraftId,
      dates,
      status,
      availabilityIds: changed,
      reason: status === 'booked' ? 'booking_confirmed' : 'booking_cancelled',
      bookingId: booking.bookingId,
    });
  }
}

/** Deposit now, balance due before departure: confirmedAt ≤ depositDueAt ≤ balanceDueAt ≤ departure. */
export function buildPayment(method: string, total: number, confirmedAt: Date, departureAt: Date): BookingPayment {
  const depositAmount = Math.floor((total * DEPOSIT_PERCENT) / 100);
  const balanceDue = Math.min(
    departureAt.getTime(),
    Math.max(confirmedAt.getTime(), departureAt.getTime() - BALANCE_DUE_HOURS_BEFORE_DEPARTURE * HOUR_MS),
  );
  return {
    method,
    currency: 'USD',
    depositPercent: DEPOSIT_PERCENT,
    depositAmount,
    depositDueAt: confirmedAt.toISOString(),
    depositPaidAt: confirmedAt.toISOString(),
    balanceAmount: total - depositAmount,
    balanceDueAt: new Date(balanceDue).toISOString(),
  };
}

export function cancellationTerms(booking: Booking, reason: string, cancelledAt: Date): BookingCancellation {
  const noticeMs = departureInstant(booking).getTime() - cancelledAt.getTime();
  const noticeHours = Math.max(0, Math.floor(noticeMs / HOUR_MS));
  const feePercent =
    booking.status === 'pending'
      ? 0
      : (CANCELLATION_SCHEDULE.find((s) => noticeMs >= s.minNoticeHours * HOUR_MS)?.feePercent ?? 100);
  const feeAmount = Math.round((booking.price.total * feePercent) / 100);
  const paid = booking.payment?.depositAmount ?? 0;
  return {
    reason,
    cancelledAt: cancelledAt.toISOString(),
    noticeHours,
    feePercent,
    feeAmount,
    refundAmount: Math.max(0, paid - feeAmount),
    amountOwed: Math.max(0, feeAmount - paid),
  };
}

/** Moves confirmed bookings whose trip has ended to flown, and flown ones to completed a day later. */
export function advanceBookings(state: AvinodeState, now: Date): void {
  for (const booking of state.bookings.values()) {
    if (booking.deletedAt !== null) continue;
    if (booking.status !== 'confirmed' && booking.status !== 'flown') continue;
    const endMs = tripEndInstant(booking).getTime();
    if (booking.status === 'confirmed' && now.getTime() >= endMs) touch(state, booking, now, 'trip_flown', 'flown');
    if (booking.status === 'flown' && now.getTime() >= endMs + COMPLETION_DELAY_HOURS * HOUR_MS) {
      touch(state, booking, now, 'trip_closed', 'completed');
    }
  }
}

function eventData(booking: Booking): Record<string, unknown> {
  return {
    requestId: booking.requestId,
    bookingId: booking.bookingId,
    status: booking.status,
    aircraftId: booking.aircraftId,
    operatorId: booking.operatorId,
    departureAirport: booking.departureAirport,
    arrivalAirport: booking.arrivalAirport,
    departureDate: booking.departureDate,
    total: booking.price.total,
    currency: 'USD',
    updatedAt: booking.updatedAt,
  };
}

export function manageBooking(state: AvinodeState, input: ManageInput, context: SandboxToolContext): Booking {
  const now = context.now();
  advanceBookings(state, now);
  const booking = findBooking(state, input);
  const allowed = ALLOWED_FROM[input.action];
  if (!allowed.includes(booking.status)) {
    throw new AvinodeError(
      'invalid_transition',
      'action',
      `cannot ${input.action} booking ${booking.bookingId ?? booking.id}: its status is ${booking.status}` +
        ` (${input.action} is allowed from ${allowed.join(', ')})`,
    );
  }
  switch (input.action) {
    case 'get_details':
      return booking;
    case 'confirm': {
      if (input.paymentMethod === undefined) {
        throw new AvinodeError('validation', 'paymentMethod', 'required to confirm a booking');
      }
      if (input.paymentMethod === ON_ACCOUNT && !input.signerName?.trim()) {
        throw new SignerRequiredError(booking.bookingId ?? booking.id);
      }
      const departureAt = departureInstant(booking);
      if (departureAt.getTime() <= now.getTime()) {
        throw new AvinodeError('validation', 'action', `departure ${departureAt.toISOString()} has passed`);
      }
      const busy = unavailableDay(state, booking.aircraftId, tripDates(booking));
      if (busy !== null) {
        throw new AvinodeError('unavailable', 'bookingId', `${booking.aircraftId} is no longer available on ${busy}`);
      }
      booking.bookingId = newId(state, 'bk', now);
      state.bookingIds.set(booking.bookingId, booking.id);
      booking.payment = buildPayment(input.paymentMethod, booking.price.total, now, departureAt);
      touch(state, booking, now, 'confirm', 'confirmed');
      setTripAvailability(state, booking, 'booked', context);
      context.emit('booking_confirmed', eventData(booking));
      return booking;
    }
    case 'cancel': {
      if (input.cancellationReason === undefined) {
        throw new AvinodeError('validation', 'cancellationReason', 'required to cancel a booking');
      }
      const wasConfirmed = booking.status === 'confirmed';
      booking.cancellation = cancellationTerms(booking, input.cancellationReason, now);
      touch(state, booking, now, 'cancel', 'cancelled');
      if (wasConfirmed) setTripAvailability(state, booking, 'available', context);
      context.emit('booking_cancelled', {
        ...eventData(booking),
        cancellationFee: booking.cancellation.feeAmount,
        reason: booking.cancellation.reason,
      });
      return booking;
    }
    case 'modify':
      return modify(state, booking, input.modifications, now);
  }
}

function modify(state: AvinodeState, booking: Booking, changes: Modifications | undefined, now: Date): Booking {
  if (
    changes === undefined ||
    (changes.departureTime === undefined && changes.passengers === undefined && changes.specialRequests === undefined)
  ) {
    throw new AvinodeError('validation', 'modifications', 'at least one of departureTime, passengers, specialRequests');
  }
  const aircraft = requireAircraft(state, booking.aircraftId);
  if (changes.passengers !== undefined && changes.passengers > aircraft.seats) {
    throw new AvinodeError(
      'validation',
      'modifications.passengers',
      `${aircraft.model} ${aircraft.tailNumber} seats ${aircraft.seats}, not ${changes.passengers}`,
    );
  }
  const departureTime = changes.departureTime ?? booking.departureTime;
  const departureAt = departureInstant({ ...booking, departureTime });
  if (changes.departureTime !== undefined && departureAt.getTime() <= now.getTime()) {
    throw new AvinodeError('validation', 'modifications.departureTime', 'departure must be in the future');
  }
  booking.departureTime = departureTime;
  if (changes.specialRequests !== undefined) booking.specialRequests = changes.specialRequests;
  if (changes.passengers !== undefined && changes.passengers !== booking.passengers) {
    const departure = AIRPORTS_BY_ICAO.get(booking.departureAirport);
    const arrival = AIRPORTS_BY_ICAO.get(booking.arrivalAirport);
    if (!departure || !arrival) throw new AvinodeError('not_found', null, 'booking airports are unknown');
    booking.passengers = changes.passengers;
    // Passenger count changes per-passenger taxes, so the booking gets a fresh quote of its own.
    const trip: Trip = {
      departure,
      arrival,
      departureDate: booking.departureDate,
      returnDate: booking.returnDate,
      passengers: changes.passengers,
    };
    const quote = createQuote(state, aircraft, trip, now);
    booking.quoteId = quote.id;
    booking.price = priceFor(aircraft, trip);
  }
  if (booking.payment !== null) {
    const confirmedAt = new Date(booking.payment.depositPaidAt);
    const repriced = buildPayment(booking.payment.method, booking.price.total, confirmedAt, departureAt);
    // The deposit already paid stands; only the balance follows the new total.
    booking.payment = {
      ...booking.payment,
      balanceAmount: Math.max(0, booking.price.total - booking.payment.depositAmount),
      balanceDueAt: repriced.balanceDueAt,
    };
  }
  touch(state, booking, now, 'modify', booking.status);
  return booking;
}
