/**
 * Bookings that exist when the server starts, so `list-bookings` has history to sync: past trips (completed, some
 * cancelled) and upcoming ones (pending and confirmed, the confirmed ones holding their days in availability).
 */
import { AIRPORTS_BY_ICAO } from './airports.data.js';
import type { AvinodeState, Booking, BookingStatus } from './avinode.types.js';
import { addDays } from './calendar.js';
import { greatCircleNm } from './geo.js';
import { buildPayment, cancellationTerms, departureInstant } from './bookings.js';
import type { SeededRandom } from './random.js';
import { availabilityId } from './stamps.js';
import { priceFor, tripDates, unavailableDay, unfitReason, type Trip } from './trips.js';

const FIRST_NAMES = [
  'Olivia',
  'James',
  'Sofia',
  'William',
  'Amelia',
  'Henry',
  'Isabel',
  'Lucas',
  'Charlotte',
  'Daniel',
];
const LAST_NAMES = ['Whitmore', 'Castellano', 'Okafor', 'Lindqvist', 'Harrington', 'Nakamura', 'Delacroix', 'Brennan'];
const COMPANIES = ['Harbor Point Capital', 'Meridian Health Partners', 'Northwind Logistics', 'Solace Hospitality'];
const ROUTES: ReadonlyArray<readonly [string, string]> = [
  ['KTEB', 'KPBI'],
  ['KHPN', 'KMIA'],
  ['KVNY', 'KLAS'],
  ['KDAL', 'KASE'],
  ['KBOS', 'KACK'],
  ['KSJC', 'KSUN'],
  ['KPWK', 'KTEB'],
  ['KOPF', 'MYNN'],
  ['KAPA', 'KSDL'],
  ['KIAD', 'KBNA'],
  ['EGGW', 'LFMN'],
  ['LSGG', 'LFPB'],
];

const DAY_MS = 86_400_000;

export function seedBookings(state: AvinodeState, rng: SeededRandom, now: Date, count = 24): void {
  const fleet = [...state.aircraft.values()];
  for (let n = 0; n < count * 4 && state.bookings.size < count; n += 1) {
    const [from, to] = rng.pick(ROUTES);
    const departure = AIRPORTS_BY_ICAO.get(from);
    const arrival = AIRPORTS_BY_ICAO.get(to);
    if (!departure || !arrival) continue;
    const past = rng.chance(0.45);
    const departureDate = addDays(state.windowStart, past ? -rng.int(3, 60) : rng.int(3, 60));
    const returnDate = rng.chance(0.4) ? addDays(departureDate, rng.int(0, 4)) : null;
    // Operators quote what is based nearby; a marketplace would not sell a transcontinental positioning flight.
    const nearby = fleet.filter((a) => {
      const home = AIRPORTS_BY_ICAO.get(a.homeBase);
      return home !== undefined && greatCircleNm(home, departure) <= 600;
    });
    if (nearby.length === 0) continue;
    const aircraft = rng.pick(nearby);
    const passengers = rng.int(1, Math.min(aircraft.seats, 8));
    const trip: Trip = { departure, arrival, departureDate, returnDate, passengers };
    if (unfitReason(aircraft, trip) !== null) continue;
    const status: BookingStatus = past
      ? rng.pick(['completed', 'completed', 'completed', 'cancelled'] as const)
      : rng.pick(['pending', 'confirmed', 'confirmed', 'cancelled'] as const);
    const dates = tripDates(trip);
    if (!past && unavailableDay(state, aircraft.id, dates) !== null) continue;

    const createdMs = Math.min(
      now.getTime() - rng.int(1, 20) * 3_600_000,
      Date.parse(`${departureDate}T00:00:00Z`) - rng.int(2, 20) * DAY_MS,
    );
    // Completed trips were closed two days after they ended; other changes came within a day and a half of creation.
    const changedMs =
      status === 'completed'
        ? Math.min(now.getTime() - 1, Date.parse(`${returnDate ?? departureDate}T00:00:00Z`) + 2 * DAY_MS)
        : Math.min(now.getTime() - 1, createdMs + rng.int(1, 36) * 3_600_000);
    const number = String(state.bookings.size + 1).padStart(4, '0');
    const id = `cr-seed-${state.seed}-${number}`;
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const booking: Booking = {
      id,
      requestId: id,
      bookingId: status === 'pending' ? null : `bk-seed-${state.seed}-${number}`,
      status: 'pending',
      aircraftId: aircraft.id,
      operatorId: aircraft.operatorId,
      departureAirport: departure.icao,
      arrivalAirport: arrival.icao,
      departureDate,
      departureTime: `${String(rng.int(7, 18)).padStart(2, '0')}:${rng.pick(['00', '15', '30', '45'])}`,
      returnDate,
      passengers,
      contact: {
        name: `${first} ${last}`,
        email: `${first}.${last}@example.com`.toLowerCase(),
        phone: `+1 212 555 01${String(rng.int(0, 99)).padStart(2, '0')}`,
        company: rng.pick(COMPANIES),
      },
      specialRequests: null,
      quoteId: `qt-seed-${state.seed}-${number}`,
      price: priceFor(aircraft, trip),
      payment: null,
      cancellation: null,
      history: [{ at: new Date(createdMs).toISOString(), action: 'create', from: null, to: 'pending' }],
      idempotencyKey: null,
      createdAt: new Date(createdMs).toISOString(),
      updatedAt: new Date(changedMs).toISOString(),
      updatedAtMs: changedMs,
      deletedAt: null,
    };
    const at = new Date(changedMs);
    const confirmedEver = status === 'confirmed' || status === 'completed' || (status === 'cancelled' && !past);
    if (confirmedEver && booking.bookingId !== null) {
      booking.payment = buildPayment('wire_transfer', booking.price.total, at, departureInstant(booking));
      booking.history.push({ at: at.toISOString(), action: 'confirm', from: 'pending', to: 'confirmed' });
      booking.status = 'confirmed';
      state.bookingIds.set(booking.bookingId, id);
    }
    if (status === 'cancelled') {
      booking.cancellation = cancellationTerms(booking, 'Client travel plans changed', at);
      booking.history.push({ at: at.toISOString(), action: 'cancel', from: booking.status, to: 'cancelled' });
    } else if (status === 'completed') {
      booking.history.push({ at: at.toISOString(), action: 'trip_flown', from: 'confirmed', to: 'flown' });
      booking.history.push({ at: at.toISOString(), action: 'trip_closed', from: 'flown', to: 'completed' });
    } else if (status === 'confirmed') {
      for (const date of dates) {
        const record = state.availability.get(availabilityId(aircraft.id, date));
        if (record) {
          record.status = 'booked';
          record.bookingId = booking.bookingId;
        }
      }
    }
    booking.status = status;
    state.bookings.set(id, booking);
  }
}
