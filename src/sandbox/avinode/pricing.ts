/**
 * Charter quote maths (charter-domain.md, "How a charter quote is built"). Pure: no state, no clock.
 *
 * Money is integer USD cents. Hours are integer tenths internally. Every amount that needs rounding is rounded once,
 * half up, to a whole cent: `rate × tenths / 10` (exact when the rate is a multiple of 10 cents, which all generated
 * rates are) and `taxableBase × 75 / 1000` for FET. Sums of already-rounded lines are exact, so the total is exactly
 * subtotal + taxes and never drifts from the lines.
 */
import type { Airport } from './airports.data.js';
import { CATEGORY_PROFILES, type AircraftCategory } from './aircraft-types.data.js';
import { daysBetween } from './calendar.js';
import { flightTenths, greatCircleNm, tenthsToHours } from './geo.js';

/** Daily minimum of billable flight time per day flown (charter-domain.md: "often 1–2 h"). */
export const DAILY_MINIMUM_TENTHS = 20;
/** US domestic segment fee per passenger per segment, 2025 (about USD 5.20). */
export const SEGMENT_FEE_CENTS = 520;
/** FET rate in per-mille (7.5 %), IRC 4261(a). */
export const FET_PER_MILLE = 75;
/** US international arrival/departure tax per passenger, IRC 4261(c) (approx. 2025 figure). */
export const US_INTERNATIONAL_HEAD_TAX_CENTS = 2290;

/**
 * Departure head taxes per passenger charged by non-US countries (approx. sandbox figures, not a tariff).
 * Countries not listed get DEFAULT_DEPARTURE_HEAD_TAX_CENTS.
 */
const DEPARTURE_HEAD_TAX_CENTS: Readonly<Record<string, number>> = {
  GB: 10_200,
  FR: 4_500,
  CH: 3_500,
  IT: 2_800,
  ES: 2_000,
  CA: 3_000,
  MX: 5_800,
  BS: 6_500,
  PR: 0,
  VI: 0,
  SX: 3_000,
  TC: 6_000,
  BB: 7_000,
};
const DEFAULT_DEPARTURE_HEAD_TAX_CENTS = 3_000;

export interface PricedAircraft {
  category: AircraftCategory;
  hourlyRate: number;
  cruiseSpeedKts: number;
}

export interface TripRequest {
  departure: Airport;
  arrival: Airport;
  homeBase: Airport;
  departureDate: string;
  returnDate: string | null;
  passengers: number;
}

export type LegKind = 'positioning' | 'passenger';

export interface TripLeg {
  kind: LegKind;
  from: string;
  to: string;
  date: string;
  passengers: number;
  distanceNm: number;
  flightHours: number;
  /** Integer tenths of an hour; `flightHours` is derived from it. */
  tenths: number;
}

export type LineItemCode =
  | 'FLIGHT_TIME'
  | 'POSITIONING'
  | 'DAILY_MINIMUM'
  | 'FUEL_SURCHARGE'
  | 'LANDING_FEE'
  | 'HANDLING_FEE'
  | 'CREW_OVERNIGHT'
  | 'FET'
  | 'SEGMENT_FEE'
  | 'US_INTERNATIONAL_TAX'
  | 'DEPARTURE_HEAD_TAX';

export interface QuoteLineItem {
  code: LineItemCode;
  description: string;
  /** `charge` lines add up to the subtotal, `tax` lines to taxes. */
  kind: 'charge' | 'tax';
  /** Whether the line is part of the FET taxable base (only charges on a US domestic trip). */
  taxable: boolean;
  quantity?: number;
  unitAmount?: number;
  amount: number;
}

export interface PriceBreakdown {
  tripType: 'one_way' | 'round_trip';
  /** Both passenger airports in the US (country `US`): FET and segment fees apply; otherwise head taxes. */
  domestic: boolean;
  legs: TripLeg[];
  /** Hours flown with passengers on board. */
  flightHours: number;
  /** Hours flown empty to and from the home base. */
  positioningHours: number;
  /** Hours charged at the hourly rate: all hours flown, topped up to the daily minimum on each day flown. */
  billableHours: number;
  nightsAway: number;
  lineItems: QuoteLineItem[];
  subtotal: number;
  taxableBase: number;
  taxes: number;
  total: number;
  currency: 'USD';
}

/** `amount × tenths / 10`, rounded half up to a whole cent. */
function perTenths(amountPerHour: number, tenths: number): number {
  return Math.round((amountPerHour * tenths) / 10);
}

function leg(
  kind: LegKind,
  from: Airport,
  to: Airport,
  date: string,
  passengers: number,
  cruiseSpeedKts: number,
): TripLeg {
  const distanceNm = greatCircleNm(from, to);
  const tenths = flightTenths(distanceNm, cruiseSpeedKts);
  return {
    kind,
    from: from.icao,
    to: to.icao,
    date,
    passengers,
    distanceNm,
    tenths,
    flightHours: tenthsToHours(tenths),
  };
}

/**
 * The legs the aircraft flies for a trip: positioning from its home base to the departure airport (if elsewhere), the
 * passenger leg(s), and positioning back home from where the trip ends. On a round trip the aircraft waits at the
 * destination (crew overnight) rather than flying home and back.
 */
export function planLegs(aircraft: PricedAircraft, trip: TripRequest): TripLeg[] {
  const { departure, arrival, homeBase, departureDate, returnDate, passengers } = trip;
  const speed = aircraft.cruiseSpeedKts;
  const legs: TripLeg[] = [];
  if (homeBase.icao !== departure.icao) legs.push(leg('positioning', homeBase, departure, departureDate, 0, speed));
  legs.push(leg('passenger', departure, arrival, departureDate, passengers, speed));
  const endsAt = returnDate === null ? arrival : departure;
  const endDate = returnDate ?? departureDate;
  if (returnDate !== null) legs.push(leg('passenger', arrival, departure, returnDate, passengers, speed));
  if (endsAt.icao !== homeBase.icao) legs.push(leg('positioning', endsAt, homeBase, endDate, 0, speed));
  return legs;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export function priceTrip(
  aircraft: PricedAircraft,
  trip: TripRequest,
  airports: ReadonlyMap<string, Airport>,
): PriceBreakdown {
  const profile = CATEGORY_PROFILES[aircraft.category];
  const rate = aircraft.hourlyRate;
  const legs = planLegs(aircraft, trip);
  const domestic = trip.departure.country === 'US' && trip.arrival.country === 'US';
  const charges: QuoteLineItem[] = [];
  const charge = (item: Omit<QuoteLineItem, 'kind' | 'taxable'>): void => {
    if (item.amount > 0) charges.push({ ...item, kind: 'charge', taxable: domestic });
  };

  const passengerTenths = sum(legs.filter((l) => l.kind === 'passenger').map((l) => l.tenths));
  const positioningTenths = sum(legs.filter((l) => l.kind === 'positioning').map((l) => l.tenths));
  const tenthsByDay = new Map<string, number>();
  for (const l of legs) tenthsByDay.set(l.date, (tenthsByDay.get(l.date) ?? 0) + l.tenths);
  const topUpTenths = sum([...tenthsByDay.values()].map((t) => Math.max(0, DAILY_MINIMUM_TENTHS - t)));

  charge({
    code: 'FLIGHT_TIME',
    description: `Flight time with passengers, ${tenthsToHours(passengerTenths)} h`,
    quantity: tenthsToHours(passengerTenths),
    unitAmount: rate,
    amount: perTenths(rate, passengerTenths),
  });
  charge({
    code: 'POSITIONING',
    description: `Positioning to and from home base ${trip.homeBase.icao}, ${tenthsToHours(positioningTenths)} h`,
    quantity: tenthsToHours(positioningTenths),
    unitAmount: rate,
    amount: perTenths(rate, positioningTenths),
  });
  charge({
    code: 'DAILY_MINIMUM',
    description: `Top-up to the daily minimum of ${tenthsToHours(DAILY_MINIMUM_TENTHS)} h per day flown`,
    quantity: tenthsToHours(topUpTenths),
    unitAmount: rate,
    amount: perTenths(rate, topUpTenths),
  });
  const flownTenths = passengerTenths + positioningTenths;
  charge({
    code: 'FUEL_SURCHARGE',
    description: `Fuel surcharge, ${tenthsToHours(flownTenths)} h flown`,
    quantity: tenthsToHours(flownTenths),
    unitAmount: profile.fuelSurchargePerHour,
    amount: perTenths(profile.fuelSurchargePerHour, flownTenths),
  });

  // A based aircraft pays no landing or handling fee at home; every other arrival is one landing and one FBO visit.
  const visits = new Map<string, number>();
  for (const l of legs) if (l.to !== trip.homeBase.icao) visits.set(l.to, (visits.get(l.to) ?? 0) + 1);
  for (const [icao, count] of visits) {
    const airport = airports.get(icao);
    if (!airport) continue;
    charge({
      code: 'LANDING_FEE',
      description: `Landing fee ${icao}`,
      quantity: count,
      unitAmount: airport.landingFee,
      amount: airport.landingFee * count,
    });
  }
  for (const [icao, count] of visits) {
    const airport = airports.get(icao);
    if (!airport) continue;
    charge({
      code: 'HANDLING_FEE',
      description: `Handling / FBO fee ${icao}`,
      quantity: count,
      unitAmount: airport.handlingFee,
      amount: airport.handlingFee * count,
    });
  }

  const nightsAway = trip.returnDate === null ? 0 : Math.max(0, daysBetween(trip.departureDate, trip.returnDate));
  charge({
    code: 'CREW_OVERNIGHT',
    description: `Crew overnight (RON), ${nightsAway} night(s) away from base`,
    quantity: nightsAway,
    unitAmount: profile.crewOvernightPerNight,
    amount: profile.crewOvernightPerNight * nightsAway,
  });

  const subtotal = sum(charges.map((c) => c.amount));
  const taxableBase = sum(charges.filter((c) => c.taxable).map((c) => c.amount));
  const taxes: QuoteLineItem[] = [];
  const tax = (item: Omit<QuoteLineItem, 'kind' | 'taxable'>): void => {
    if (item.amount > 0) taxes.push({ ...item, kind: 'tax', taxable: false });
  };
  const passengerLegs = legs.filter((l) => l.kind === 'passenger');

  if (domestic) {
    tax({
      code: 'FET',
      description: 'US Federal Excise Tax, 7.5 % of the taxable charges (IRC 4261)',
      amount: Math.round((taxableBase * FET_PER_MILLE) / 1000),
    });
    const segments = passengerLegs.length * trip.passengers;
    tax({
      code: 'SEGMENT_FEE',
      description: `US domestic segment fee, ${trip.passengers} passenger(s) × ${passengerLegs.length} segment(s)`,
      quantity: segments,
      unitAmount: SEGMENT_FEE_CENTS,
      amount: SEGMENT_FEE_CENTS * segments,
    });
  } else {
    for (const l of passengerLegs) {
      const from = airports.get(l.from);
      const to = airports.get(l.to);
      if (!from || !to) continue;
      if (from.country === 'US' || to.country === 'US') {
        const direction = from.country === 'US' ? 'departure from' : 'arrival into';
        tax({
          code: 'US_INTERNATIONAL_TAX',
          description: `US international ${direction} the US, ${l.from}–${l.to}, per passenger`,
          quantity: l.passengers,
          unitAmount: US_INTERNATIONAL_HEAD_TAX_CENTS,
          amount: US_INTERNATIONAL_HEAD_TAX_CENTS * l.passengers,
        });
      }
      if (from.country !== 'US') {
        const unit = DEPARTURE_HEAD_TAX_CENTS[from.country] ?? DEFAULT_DEPARTURE_HEAD_TAX_CENTS;
        tax({
          code: 'DEPARTURE_HEAD_TAX',
          description: `Departure passenger tax ${from.country} (${l.from}), per passenger`,
          quantity: l.passengers,
          unitAmount: unit,
          amount: unit * l.passengers,
        });
      }
    }
  }

  const taxTotal = sum(taxes.map((x) => x.amount));
  return {
    tripType: trip.returnDate === null ? 'one_way' : 'round_trip',
    domestic,
    legs,
    flightHours: tenthsToHours(passengerTenths),
    positioningHours: tenthsToHours(positioningTenths),
    billableHours: tenthsToHours(passengerTenths + positioningTenths + topUpTenths),
    nightsAway,
    lineItems: [...charges, ...taxes],
    subtotal,
    taxableBase,
    taxes: taxTotal,
    total: subtotal + taxTotal,
    currency: 'USD',
  };
}
