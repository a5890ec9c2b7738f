/** State records turned into the public shapes of the tools' structuredContent. */
import type { z } from 'zod';
import type {
  availabilitySchema,
  bookingSchema,
  emptyLegSchema,
  operatorSchema,
  quoteSchema,
  searchResultSchema,
} from './avinode.schemas.js';
import type {
  Aircraft,
  AvailabilityRecord,
  AvinodeState,
  Booking,
  EmptyLeg,
  Operator,
  StoredQuote,
} from './avinode.types.js';
import { departureInstant } from './bookings.js';
import type { PriceBreakdown } from './pricing.js';
import { addDays } from './calendar.js';
import { availabilityId } from './stamps.js';
import type { SearchHit } from './trips.js';

export type QuoteView = z.infer<typeof quoteSchema>;
export type SearchResultView = z.infer<typeof searchResultSchema>;
export type BookingView = z.infer<typeof bookingSchema>;
export type OperatorView = z.infer<typeof operatorSchema>;
export type EmptyLegView = z.infer<typeof emptyLegSchema>;
export type AvailabilityView = z.infer<typeof availabilitySchema>;

/** The operator's best third-party audit, as a one-line rating for lists. */
export function safetyRating(operator: Operator | undefined): string {
  if (!operator) return 'unrated';
  const { argus, wyvern, isBao } = operator.safety;
  if (argus) return `ARGUS ${argus}`;
  if (wyvern) return `Wyvern ${wyvern}`;
  if (isBao) return `IS-BAO ${isBao}`;
  return 'unrated';
}

function priceView(
  price: PriceBreakdown,
): Omit<QuoteView, 'id' | 'aircraftId' | 'operatorId' | 'route' | 'dates' | 'passengers' | 'createdAt' | 'validUntil'> {
  return {
    tripType: price.tripType,
    domestic: price.domestic,
    legs: price.legs.map(({ tenths: _tenths, ...l }) => l),
    flightHours: price.flightHours,
    positioningHours: price.positioningHours,
    billableHours: price.billableHours,
    nightsAway: price.nightsAway,
    lineItems: price.lineItems.map((i) => ({ ...i })),
    subtotal: price.subtotal,
    taxableBase: price.taxableBase,
    taxes: price.taxes,
    total: price.total,
    currency: price.currency,
  };
}

export function quoteView(quote: StoredQuote): QuoteView {
  return {
    id: quote.id,
    aircraftId: quote.aircraftId,
    operatorId: quote.operatorId,
    route: { departureAirport: quote.departureAirport, arrivalAirport: quote.arrivalAirport },
    dates: { departureDate: quote.departureDate, returnDate: quote.returnDate },
    passengers: quote.passengers,
    ...priceView(quote.price),
    createdAt: quote.createdAt,
    validUntil: quote.validUntil,
  };
}

export function searchResultView(state: AvinodeState, hit: SearchHit): SearchResultView {
  const { aircraft: a, price } = hit;
  const operator = state.operators.get(a.operatorId);
  const passengerLeg = price.legs.find((l) => l.kind === 'passenger');
  return {
    aircraftId: a.id,
    tailNumber: a.tailNumber,
    manufacturer: a.manufacturer,
    model: a.model,
    typeCode: a.typeCode,
    category: a.category,
    seats: a.seats,
    rangeNm: a.rangeNm,
    cruiseSpeedKts: a.cruiseSpeedKts,
    yearOfManufacture: a.yearOfManufacture,
    hourlyRate: a.hourlyRate,
    homeBase: a.homeBase,
    operator: { id: a.operatorId, name: operator?.name ?? a.operatorId, safetyRating: safetyRating(operator) },
    distanceNm: passengerLeg?.distanceNm ?? 0,
    estimatedFlightHours: price.flightHours,
    positioningHours: price.positioningHours,
    estimatedTotal: price.total,
    currency: 'USD',
  };
}

function aircraftRef(a: Aircraft | undefined, id: string): BookingView['aircraft'] {
  return {
    id,
    tailNumber: a?.tailNumber ?? '',
    model: a?.model ?? '',
    category: a?.category ?? 'light_jet',
    seats: a?.seats ?? 0,
  };
}

export function bookingView(state: AvinodeState, b: Booking): BookingView {
  return {
    id: b.id,
    requestId: b.requestId,
    bookingId: b.bookingId,
    status: b.status,
    aircraft: aircraftRef(state.aircraft.get(b.aircraftId), b.aircraftId),
    operator: { id: b.operatorId, name: state.operators.get(b.operatorId)?.name ?? b.operatorId },
    route: { departureAirport: b.departureAirport, arrivalAirport: b.arrivalAirport },
    departureDate: b.departureDate,
    departureTime: b.departureTime,
    departureAt: departureInstant(b).toISOString(),
    returnDate: b.returnDate,
    passengers: b.passengers,
    contact: { ...b.contact },
    specialRequests: b.specialRequests,
    quoteId: b.quoteId,
    pricing: priceView(b.price),
    payment: b.payment === null ? null : { ...b.payment },
    cancellation: b.cancellation === null ? null : { ...b.cancellation },
    history: b.history.map((h) => ({ ...h })),
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
    deletedAt: b.deletedAt,
  };
}

export function operatorView(
  state: AvinodeState,
  operator: Operator,
  options: { includeFleetDetails: boolean; includeSafetyRecords: boolean; today: string },
): OperatorView {
  const fleet = [...state.aircraft.values()].filter((a) => a.operatorId === operator.id && a.deletedAt === null);
  const view: OperatorView = {
    id: operator.id,
    name: operator.name,
    country: operator.country,
    certificate: { ...operator.certificate },
    headquarters: operator.headquarters,
    bases: [...operator.bases],
    foundedYear: operator.foundedYear,
    fleetSize: fleet.length,
    categories: [...new Set(fleet.map((a) => a.category))],
    safetyRating: safetyRating(operator),
    safety: { ...operator.safety },
    insurance: { ...operator.insurance },
  };
  if (options.includeFleetDetails) {
    view.fleet = fleet.map((a) => {
      let availableDaysNext30 = 0;
      for (let i = 0; i < 30; i += 1) {
        const record = state.availability.get(availabilityId(a.id, addDays(options.today, i)));
        if (record && record.deletedAt === null && record.status === 'available') availableDaysNext30 += 1;
      }
      return {
        id: a.id,
        tailNumber: a.tailNumber,
        manufacturer: a.manufacturer,
        model: a.model,
        category: a.category,
        seats: a.seats,
        rangeNm: a.rangeNm,
        cruiseSpeedKts: a.cruiseSpeedKts,
        hourlyRate: a.hourlyRate,
        yearOfManufacture: a.yearOfManufacture,
        homeBase: a.homeBase,
        status: a.status,
        availableDaysNext30,
      };
    });
  }
  if (options.includeSafetyRecords) {
    view.safetyRecords = {
      incidentCount: operator.incidents.filter((i) => i.severity !== 'accident').length,
      accidentCount: operator.incidents.filter((i) => i.severity === 'accident').length,
      incidents: operator.incidents.map((i) => ({ ...i })),
    };
  }
  return view;
}

export function emptyLegView(state: AvinodeState, leg: EmptyLeg): EmptyLegView {
  const operator = state.operators.get(leg.operatorId);
  return {
    id: leg.id,
    aircraft: aircraftRef(state.aircraft.get(leg.aircraftId), leg.aircraftId),
    operator: { id: leg.operatorId, name: operator?.name ?? leg.operatorId, safetyRating: safetyRating(operator) },
    departureAirport: leg.departureAirport,
    arrivalAirport: leg.arrivalAirport,
    departureDate: leg.departureDate,
    earliestDepartureTime: leg.earliestDepartureTime,
    latestDepartureTime: leg.latestDepartureTime,
    distanceNm: leg.distanceNm,
    flightHours: leg.flightHours,
    originalPrice: leg.originalPrice,
    discountPercent: leg.discountPercent,
    price: leg.price,
    currency: 'USD',
  };
}

export function availabilityView(state: AvinodeState, r: AvailabilityRecord): AvailabilityView {
  return {
    id: r.id,
    aircraftId: r.aircraftId,
    tailNumber: state.aircraft.get(r.aircraftId)?.tailNumber ?? '',
    date: r.date,
    status: r.status,
    bookingId: r.bookingId,
    updatedAt: r.updatedAt,
    deletedAt: r.deletedAt,
  };
}

/** Money for the text renderings: USD with thousands separators. */
export function usd(cents: number): string {
  return `USD ${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
