/**
 * Admin data changes: edits "made upstream by somebody else", for sync tests. Each change takes a fresh change stamp
 * (so `list-*` delivers it) and emits the event a real change would.
 */
import { z } from 'zod';
import { SandboxDataChangeError, type SandboxDataChange, type SandboxToolContext } from '../core/sandbox-definition.js';
import { AIRPORTS_BY_ICAO } from './airports.data.js';
import { AVAILABILITY_STATUSES, BOOKING_STATUSES, type AvinodeState, type Booking } from './avinode.types.js';
import { availabilityView, bookingView } from './avinode.views.js';
import { isCalendarDate } from './calendar.js';
import { nextStamp } from './stamps.js';

const availabilityPatch = z
  .object({ status: z.enum(AVAILABILITY_STATUSES), bookingId: z.string().nullable() })
  .partial()
  .strict();

const bookingPatch = z
  .object({
    status: z.enum(BOOKING_STATUSES),
    departureDate: z.string().refine(isCalendarDate, 'must be a date YYYY-MM-DD'),
    departureTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM'),
    returnDate: z.string().refine(isCalendarDate, 'must be a date YYYY-MM-DD').nullable(),
    passengers: z.number().int().min(1).max(19),
    specialRequests: z.string().nullable(),
  })
  .partial()
  .strict();

const aircraftPatch = z
  .object({
    hourlyRate: z.number().int().positive(),
    seats: z.number().int().min(1).max(19),
    rangeNm: z.number().int().positive(),
    cruiseSpeedKts: z.number().int().positive(),
    homeBase: z.string().refine((v) => AIRPORTS_BY_ICAO.has(v), 'must be a known ICAO airport'),
    status: z.enum(['active', 'inactive']),
  })
  .partial()
  .strict();

function parsePatch<T>(schema: z.ZodType<T>, change: SandboxDataChange): T {
  const result = schema.safeParse(change.patch ?? {});
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.') || 'patch'}: ${i.message}`).join('; ');
    throw new SandboxDataChangeError(`invalid patch for ${change.collection}/${change.id}: ${detail}`, 400);
  }
  return result.data;
}

function changeAvailability(state: AvinodeState, change: SandboxDataChange, context: SandboxToolContext): unknown {
  const record = state.availability.get(change.id);
  if (!record || record.deletedAt !== null)
    throw new SandboxDataChangeError(`availability record ${change.id} not found`);
  const stamp = nextStamp(state, context.now());
  if (change.action === 'delete') {
    record.deletedAt = stamp.iso;
  } else {
    const patch = parsePatch(availabilityPatch, change);
    if (patch.status !== undefined) record.status = patch.status;
    if (patch.bookingId !== undefined) record.bookingId = patch.bookingId;
  }
  record.updatedAt = stamp.iso;
  record.updatedAtMs = stamp.ms;
  context.emit('aircraft_availability_updated', {
    aircraftId: record.aircraftId,
    dates: [record.date],
    status: record.deletedAt === null ? record.status : 'deleted',
    availabilityIds: [record.id],
    reason: 'upstream_change',
  });
  return change.action === 'delete' ? { deleted: change.id } : availabilityView(state, record);
}

function emitBookingStatus(booking: Booking, context: SandboxToolContext): void {
  const data = {
    requestId: booking.requestId,
    bookingId: booking.bookingId,
    status: booking.status,
    aircraftId: booking.aircraftId,
    departureDate: booking.departureDate,
    total: booking.price.total,
    currency: 'USD',
    updatedAt: booking.updatedAt,
  };
  if (booking.status === 'confirmed') context.emit('booking_confirmed', data);
  if (booking.status === 'cancelled') context.emit('booking_cancelled', data);
}

function changeBooking(state: AvinodeState, change: SandboxDataChange, context: SandboxToolContext): unknown {
  const requestId = state.bookingIds.get(change.id) ?? change.id;
  const booking = state.bookings.get(requestId);
  if (!booking || booking.deletedAt !== null) throw new SandboxDataChangeError(`booking ${change.id} not found`);
  const stamp = nextStamp(state, context.now());
  booking.updatedAt = stamp.iso;
  booking.updatedAtMs = stamp.ms;
  if (change.action === 'delete') {
    booking.deletedAt = stamp.iso;
    return { deleted: change.id };
  }
  const patch = parsePatch(bookingPatch, change);
  const before = booking.status;
  if (patch.departureDate !== undefined) booking.departureDate = patch.departureDate;
  if (patch.departureTime !== undefined) booking.departureTime = patch.departureTime;
  if (patch.returnDate !== undefined) booking.returnDate = patch.returnDate;
  if (patch.passengers !== undefined) booking.passengers = patch.passengers;
  if (patch.specialRequests !== undefined) booking.specialRequests = patch.specialRequests;
  if (patch.status !== undefined && patch.status !== before) {
    // An upstream status change bypasses the state machine on purpose: it imitates the operator editing the trip.
    booking.status = patch.status;
    booking.history.push({ at: stamp.iso, action: 'upstream_change', from: before, to: patch.status });
    emitBookingStatus(booking, context);
  }
  return bookingView(state, booking);
}

function changeAircraft(state: AvinodeState, change: SandboxDataChange, context: SandboxToolContext): unknown {
  const aircraft = state.aircraft.get(change.id);
  if (!aircraft || aircraft.deletedAt !== null) throw new SandboxDataChangeError(`aircraft ${change.id} not found`);
  const now = context.now();
  if (change.action === 'update') {
    Object.assign(aircraft, parsePatch(aircraftPatch, change));
    aircraft.updatedAt = nextStamp(state, now).iso;
    return { ...aircraft };
  }
  // A withdrawn aircraft takes its published availability with it, so syncs see every day disappear.
  aircraft.deletedAt = nextStamp(state, now).iso;
  aircraft.updatedAt = aircraft.deletedAt;
  const ids: string[] = [];
  const dates: string[] = [];
  for (const record of state.availability.values()) {
    if (record.aircraftId !== aircraft.id || record.deletedAt !== null) continue;
    const stamp = nextStamp(state, now);
    record.deletedAt = stamp.iso;
    record.updatedAt = stamp.iso;
    record.updatedAtMs = stamp.ms;
    ids.push(record.id);
    dates.push(record.date);
  }
  context.emit('aircraft_availability_updated', {
    aircraftId: aircraft.id,
    dates,
    status: 'deleted',
    availabilityIds: ids,
    reason: 'aircraft_withdrawn',
  });
  return { deleted: change.id };
}

export function applyAvinodeDataChange(
  state: AvinodeState,
  change: SandboxDataChange,
  context: SandboxToolContext,
): unknown {
  switch (change.collection) {
    case 'availability':
      return changeAvailability(state, change, context);
    case 'bookings':
      return changeBooking(state, change, context);
    case 'aircraft':
      return changeAircraft(state, change, context);
    default:
      throw new SandboxDataChangeError(
        `avinode has no collection "${change.collection}" (known: availability, bookings, aircraft)`,
      );
  }
}
