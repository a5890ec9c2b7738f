import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { AIRCRAFT_TYPES, CATEGORY_PROFILES } from './aircraft-types.data.js';
import { AIRPORTS, AIRPORTS_BY_ICAO, type Airport } from './airports.data.js';
import { addDays } from './calendar.js';
import { greatCircleNm, flightTenths } from './geo.js';
import { FET_PER_MILLE, priceTrip, SEGMENT_FEE_CENTS, type PricedAircraft, type TripRequest } from './pricing.js';

const airport = (icao: string): Airport => AIRPORTS_BY_ICAO.get(icao)!;
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

const aircraftArb = fc.constantFrom(...AIRCRAFT_TYPES).chain((type) => {
  const profile = CATEGORY_PROFILES[type.category];
  return fc.record({
    category: fc.constant(type.category),
    cruiseSpeedKts: fc.constant(type.cruiseSpeedKts),
    // Any integer rate in the category's range, not only the generated multiples of USD 50, to exercise rounding.
    hourlyRate: fc.integer({ min: profile.minHourlyRate, max: profile.maxHourlyRate }),
  });
});

const tripArb = fc
  .record({
    departure: fc.constantFrom(...AIRPORTS),
    arrival: fc.constantFrom(...AIRPORTS),
    homeBase: fc.constantFrom(...AIRPORTS),
    dayOffset: fc.integer({ min: 0, max: 80 }),
    stay: fc.option(fc.integer({ min: 0, max: 9 }), { nil: null }),
    passengers: fc.integer({ min: 1, max: 19 }),
  })
  .filter((t) => t.departure.icao !== t.arrival.icao)
  .map((t): TripRequest => ({
    departure: t.departure,
    arrival: t.arrival,
    homeBase: t.homeBase,
    departureDate: addDays('2030-03-01', t.dayOffset),
    returnDate: t.stay === null ? null : addDays('2030-03-01', t.dayOffset + t.stay),
    passengers: t.passengers,
  }));

describe('priceTrip properties', () => {
  it('total is exactly the sum of the charge lines plus the tax lines, all in whole non-negative cents', () => {
    fc.assert(
      fc.property(aircraftArb, tripArb, (aircraft, trip) => {
        const q = priceTrip(aircraft, trip, AIRPORTS_BY_ICAO);
        for (const line of q.lineItems) {
          expect(Number.isInteger(line.amount)).toBe(true);
          expect(line.amount).toBeGreaterThan(0);
          if (line.unitAmount !== undefined) expect(line.unitAmount).toBeGreaterThanOrEqual(0);
        }
        const charges = q.lineItems.filter((l) => l.kind === 'charge');
        const taxes = q.lineItems.filter((l) => l.kind === 'tax');
        expect(q.subtotal).toBe(sum(charges.map((l) => l.amount)));
        expect(q.taxes).toBe(sum(taxes.map((l) => l.amount)));
        expect(q.total).toBe(q.subtotal + q.taxes);
        expect(q.total).toBe(sum(q.lineItems.map((l) => l.amount)));
      }),
      { numRuns: 500 },
    );
  });

  it('FET is 7.5 % of the taxable base (within half a cent); the taxable base is the charges of a US domestic trip', () => {
    fc.assert(
      fc.property(aircraftArb, tripArb, (aircraft, trip) => {
        const q = priceTrip(aircraft, trip, AIRPORTS_BY_ICAO);
        const taxable = q.lineItems.filter((l) => l.taxable);
        expect(q.taxableBase).toBe(sum(taxable.map((l) => l.amount)));
        expect(taxable.every((l) => l.kind === 'charge')).toBe(true);
        const fet = q.lineItems.find((l) => l.code === 'FET')?.amount ?? 0;
        if (q.domestic) {
          expect(q.taxableBase).toBe(q.subtotal);
          expect(Math.abs(fet - (q.taxableBase * FET_PER_MILLE) / 1000)).toBeLessThanOrEqual(0.5);
        } else {
          expect(q.taxableBase).toBe(0);
          expect(fet).toBe(0);
          expect(q.lineItems.some((l) => l.code === 'SEGMENT_FEE')).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('more passengers never lower the segment fees, the taxes or the total', () => {
    fc.assert(
      fc.property(aircraftArb, tripArb, fc.integer({ min: 1, max: 18 }), (aircraft, trip, extra) => {
        const fewer = priceTrip(aircraft, trip, AIRPORTS_BY_ICAO);
        const more = priceTrip(
          aircraft,
          { ...trip, passengers: Math.min(19, trip.passengers + extra) },
          AIRPORTS_BY_ICAO,
        );
        const segment = (q: typeof fewer): number => q.lineItems.find((l) => l.code === 'SEGMENT_FEE')?.amount ?? 0;
        expect(segment(more)).toBeGreaterThanOrEqual(segment(fewer));
        expect(more.taxes).toBeGreaterThanOrEqual(fewer.taxes);
        expect(more.total).toBeGreaterThanOrEqual(fewer.total);
        expect(more.subtotal).toBe(fewer.subtotal);
      }),
      { numRuns: 300 },
    );
  });

  it('positioning legs carry no passengers and no segment fee; the daily minimum is met on every day flown', () => {
    fc.assert(
      fc.property(aircraftArb, tripArb, (aircraft, trip) => {
        const q = priceTrip(aircraft, trip, AIRPORTS_BY_ICAO);
        for (const leg of q.legs.filter((l) => l.kind === 'positioning')) expect(leg.passengers).toBe(0);
        const passengerLegs = q.legs.filter((l) => l.kind === 'passenger').length;
        const segment = q.lineItems.find((l) => l.code === 'SEGMENT_FEE');
        if (segment) expect(segment.amount).toBe(SEGMENT_FEE_CENTS * trip.passengers * passengerLegs);
        const days = new Set(q.legs.map((l) => l.date)).size;
        expect(q.billableHours).toBeGreaterThanOrEqual(days * 2 - 1e-9);
      }),
      { numRuns: 300 },
    );
  });
});

describe('a worked example: KTEB → KPBI one way, light jet based at KTEB, 4 passengers', () => {
  const jet: PricedAircraft = { category: 'light_jet', cruiseSpeedKts: 450, hourlyRate: 500_000 };
  const q = priceTrip(
    jet,
    {
      departure: airport('KTEB'),
      arrival: airport('KPBI'),
      homeBase: airport('KTEB'),
      departureDate: '2030-03-01',
      returnDate: null,
      passengers: 4,
    },
    AIRPORTS_BY_ICAO,
  );
  const line = (code: string): number => q.lineItems.find((l) => l.code === code)?.amount ?? 0;

  it('flies out with passengers and positions home empty', () => {
    const d = greatCircleNm(airport('KTEB'), airport('KPBI'));
    const tenths = flightTenths(d, 450);
    expect(tenths).toBe(23); // 902 nm / 450 kts + 0.3 h = 2.30 h
    expect(q.legs.map((l) => `${l.kind}:${l.from}-${l.to}`)).toEqual(['passenger:KTEB-KPBI', 'positioning:KPBI-KTEB']);
    expect(q.flightHours).toBe(2.3);
    expect(q.positioningHours).toBe(2.3);
  });

  it('prices every line as documented', () => {
    expect(line('FLIGHT_TIME')).toBe(1_150_000); // 2.3 h × USD 5,000
    expect(line('POSITIONING')).toBe(1_150_000);
    expect(line('DAILY_MINIMUM')).toBe(0); // 4.6 h flown ≥ 2 h
    expect(line('FUEL_SURCHARGE')).toBe(138_000); // 4.6 h × USD 300
    expect(line('LANDING_FEE')).toBe(40_000); // KPBI only: no fee at home base
    expect(line('HANDLING_FEE')).toBe(80_000);
    expect(line('CREW_OVERNIGHT')).toBe(0);
    expect(q.subtotal).toBe(2_558_000);
    expect(line('FET')).toBe(191_850); // 7.5 % of 2,558,000
    expect(line('SEGMENT_FEE')).toBe(2_080); // 4 × USD 5.20
    expect(q.total).toBe(2_558_000 + 191_850 + 2_080);
  });

  it('tops a short hop up to the daily minimum', () => {
    const hop = priceTrip(
      jet,
      {
        departure: airport('KASE'),
        arrival: airport('KEGE'),
        homeBase: airport('KASE'),
        departureDate: '2030-03-01',
        returnDate: null,
        passengers: 2,
      },
      AIRPORTS_BY_ICAO,
    );
    // 2 × 0.4 h flown (23 nm / 450 kts + 0.3 h) → 1.2 h top-up to 2.0 h.
    expect(hop.lineItems.find((l) => l.code === 'DAILY_MINIMUM')?.amount).toBe(600_000);
    expect(hop.billableHours).toBe(2);
  });

  it('charges crew overnights and head taxes on an international round trip', () => {
    const trip = priceTrip(
      jet,
      {
        departure: airport('KOPF'),
        arrival: airport('MYNN'),
        homeBase: airport('KOPF'),
        departureDate: '2030-03-01',
        returnDate: '2030-03-04',
        passengers: 3,
      },
      AIRPORTS_BY_ICAO,
    );
    expect(trip.domestic).toBe(false);
    expect(trip.lineItems.find((l) => l.code === 'CREW_OVERNIGHT')?.amount).toBe(3 * 110_000);
    expect(trip.lineItems.filter((l) => l.code === 'US_INTERNATIONAL_TAX').map((l) => l.amount)).toEqual([
      3 * 2290,
      3 * 2290,
    ]);
    expect(trip.lineItems.find((l) => l.code === 'DEPARTURE_HEAD_TAX')?.amount).toBe(3 * 6_500);
    expect(trip.lineItems.some((l) => l.code === 'FET')).toBe(false);
  });
});
