/** Trip validation, aircraft search and quotes: the read side of the marketplace. */
import type { AircraftCategory } from './aircraft-types.data.js';
import { AIRPORTS_BY_ICAO, type Airport } from './airports.data.js';
import { addDays, daysBetween, localDate } from './calendar.js';
import { AvinodeError } from './avinode.errors.js';
import type { Aircraft, AvinodeState, StoredQuote } from './avinode.types.js';
import { planLegs, priceTrip, type PriceBreakdown } from './pricing.js';
import { availabilityId, newId } from './stamps.js';

/** How long a quote can be referenced by a charter request. */
export const QUOTE_VALIDITY_HOURS = 48;

export interface TripInput {
  departureAirport: string;
  arrivalAirport: string;
  departureDate: string;
  returnDate?: string | null | undefined;
  passengers: number;
}

/** Input field names as the calling tool spells them, so errors point at the caller's own argument. */
export interface TripFieldNames {
  departureAirport: string;
  arrivalAirport: string;
  departureDate: string;
  returnDate: string;
}

export const FLAT_TRIP_FIELDS: TripFieldNames = {
  departureAirport: 'departureAirport',
  arrivalAirport: 'arrivalAirport',
  departureDate: 'departureDate',
  returnDate: 'returnDate',
};

export interface Trip {
  departure: Airport;
  arrival: Airport;
  departureDate: string;
  returnDate: string | null;
  passengers: number;
}

export function requireAirport(icao: string, field: string): Airport {
  const airport = AIRPORTS_BY_ICAO.get(icao.toUpperCase());
  if (!airport) throw new AvinodeError('not_found', field, `unknown airport ${icao.toUpperCase()}`);
  return airport;
}

export function lastWindowDate(state: AvinodeState): string {
  return addDays(state.windowStart, state.windowDays - 1);
}

/** Resolves airports and checks the dates: not in the past (at the departure airport), inside the window, in order. */
export function resolveTrip(state: AvinodeState, input: TripInput, now: Date, fields: TripFieldNames): Trip {
  const departure = requireAirport(input.departureAirport, fields.departureAirport);
  const arrival = requireAirport(input.arrivalAirport, fields.arrivalAirport);
  if (departure.icao === arrival.icao) {
    throw new AvinodeError('validation', fields.arrivalAirport, 'must differ from the departure airport');
  }
  const today = localDate(now, departure.timezone);
  const last = lastWindowDate(state);
  if (input.departureDate < today) {
    throw new AvinodeError(
      'validation',
      fields.departureDate,
      `${input.departureDate} is in the past (today is ${today})`,
    );
  }
  if (input.departureDate > last) {
    throw new AvinodeError('validation', fields.departureDate, `availability is published up to ${last} only`);
  }
  const returnDate = input.returnDate ?? null;
  if (returnDate !== null) {
    if (returnDate < input.departureDate) {
      throw new AvinodeError('validation', fields.returnDate, 'must not be before the departure date');
    }
    if (returnDate > last) {
      throw new AvinodeError('validation', fields.returnDate, `availability is published up to ${last} only`);
    }
  }
  return { departure, arrival, departureDate: input.departureDate, returnDate, passengers: input.passengers };
}

/** Every calendar day the aircraft is committed to the trip (departure through return). */
export function tripDates(trip: Pick<Trip, 'departureDate' | 'returnDate'>): string[] {
  const days = trip.returnDate === null ? 0 : daysBetween(trip.departureDate, trip.returnDate);
  return Array.from({ length: days + 1 }, (_, i) => addDays(trip.departureDate, i));
}

export function homeBaseOf(aircraft: Aircraft): Airport {
  const home = AIRPORTS_BY_ICAO.get(aircraft.homeBase);
  if (!home) throw new AvinodeError('not_found', null, `home base ${aircraft.homeBase} of ${aircraft.id} is unknown`);
  return home;
}

export function priceFor(aircraft: Aircraft, trip: Trip): PriceBreakdown {
  return priceTrip(aircraft, { ...trip, homeBase: homeBaseOf(aircraft) }, AIRPORTS_BY_ICAO);
}

/** Why the aircraft cannot fly the trip, or null if it can (seats, range without a fuel stop on every leg). */
export function unfitReason(aircraft: Aircraft, trip: Trip): string | null {
  if (aircraft.deletedAt !== null || aircraft.status !== 'active') return `aircraft ${aircraft.id} is not in service`;
  if (trip.passengers > aircraft.seats) {
    return `${aircraft.model} ${aircraft.tailNumber} seats ${aircraft.seats}, not ${trip.passengers}`;
  }
  const legs = planLegs(aircraft, { ...trip, homeBase: homeBaseOf(aircraft) });
  const tooLong = legs.find((l) => l.distanceNm > aircraft.rangeNm);
  if (tooLong) {
    return `${tooLong.from}–${tooLong.to} is ${tooLong.distanceNm} nm, beyond the ${aircraft.rangeNm} nm range of ${aircraft.model} ${aircraft.tailNumber}`;
  }
  return null;
}

/** The first trip day on which the aircraft is not available, with its status, or null if free throughout. */
export function unavailableDay(state: AvinodeState, aircraftId: string, dates: readonly string[]): string | null {
  for (const date of dates) {
    const record = state.availability.get(availabilityId(aircraftId, date));
    if (!record || record.deletedAt !== null) return `${date} (no availability published)`;
    if (record.status !== 'available') return `${date} (${record.status})`;
  }
  return null;
}

export function requireAircraft(state: AvinodeState, aircraftId: string, field = 'aircraftId'): Aircraft {
  const aircraft = state.aircraft.get(aircraftId);
  if (!aircraft || aircraft.deletedAt !== null)
    throw new AvinodeError('not_found', field, `aircraft ${aircraftId} not found`);
  return aircraft;
}

export interface SearchFilters {
  aircraftCategory?: AircraftCategory | undefined;
  maxHourlyRate?: number | undefined;
}

export interface SearchHit {
  aircraft: Aircraft;
  price: PriceBreakdown;
}

export function searchAircraft(state: AvinodeState, trip: Trip, filters: SearchFilters): SearchHit[] {
  const dates = tripDates(trip);
  const hits: SearchHit[] = [];
  for (const aircraft of state.aircraft.values()) {
    if (filters.aircraftCategory !== undefined && aircraft.category !== filters.aircraftCategory) continue;
    if (filters.maxHourlyRate !== undefined && aircraft.hourlyRate > filters.maxHourlyRate) continue;
    if (unfitReason(aircraft, trip) !== null) continue;
    if (unavailableDay(state, aircraft.id, dates) !== null) continue;
    hits.push({ aircraft, price: priceFor(aircraft, trip) });
  }
  return hits.sort((a, b) => a.price.total - b.price.total || a.aircraft.id.localeCompare(b.aircraft.id));
}

export function createQuote(state: AvinodeState, aircraft: Aircraft, trip: Trip, now: Date): StoredQuote {
  const reason = unfitReason(aircraft, trip);
  if (reason !== null) throw new AvinodeError('unavailable', 'aircraftId', reason);
  const quote: StoredQuote = {
    id: newId(state, 'qt', now),
    aircraftId: aircraft.id,
    operatorId: aircraft.operatorId,
    departureAirport: trip.departure.icao,
    arrivalAirport: trip.arrival.icao,
    departureDate: trip.departureDate,
    returnDate: trip.returnDate,
    passengers: trip.passengers,
    createdAt: now.toISOString(),
    validUntil: new Date(now.getTime() + QUOTE_VALIDITY_HOURS * 3_600_000).toISOString(),
    price: priceFor(aircraft, trip),
  };
  state.quotes.set(quote.id, quote);
  return quote;
}
