import type { SandboxStateOptions } from '../core/sandbox-definition.js';
import { AIRCRAFT_TYPES_BY_CODE, CATEGORY_PROFILES } from './aircraft-types.data.js';
import { AIRPORTS, AIRPORTS_BY_ICAO } from './airports.data.js';
import { addDays } from './calendar.js';
import { flightTenths, greatCircleNm, tenthsToHours } from './geo.js';
import { OPERATORS } from './operators.data.js';
import { seededRandom, type SeededRandom } from './random.js';
import { seedBookings } from './seed-bookings.js';
import { createTripFlowState } from './trip-flow.js';
import { availabilityId } from './stamps.js';
import type {
  Aircraft,
  AvailabilityRecord,
  AvailabilityStatus,
  AvinodeState,
  EmptyLeg,
  Operator,
} from './avinode.types.js';

const DAY_MS = 86_400_000;
/** Availability is published for this many days from today (issue 4: "the next 90 days"). */
export const AVAILABILITY_WINDOW_DAYS = 90;
/** Seed data was "last changed" some time within this many days before `now`. */
const SEED_HISTORY_DAYS = 30;

const LETTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ';

function tailNumber(prefix: string, rng: SeededRandom): string {
  const letters = (n: number): string => Array.from({ length: n }, () => rng.pick([...LETTERS])).join('');
  switch (prefix) {
    case 'N':
      return `N${rng.int(100, 999)}${letters(2)}`;
    case 'G-':
      return `G-${letters(4)}`;
    case 'HB-':
      return `HB-J${letters(2)}`;
    default:
      return `${prefix}${letters(3)}`;
  }
}

function seedStamp(rng: SeededRandom, now: Date): { updatedAt: string; updatedAtMs: number } {
  const ms = now.getTime() - Math.floor(rng.next() * SEED_HISTORY_DAYS * DAY_MS);
  return { updatedAt: new Date(ms).toISOString(), updatedAtMs: ms };
}

function buildFleet(
  rng: SeededRandom,
  now: Date,
): { aircraft: Map<string, Aircraft>; operators: Map<string, Operator> } {
  const aircraft = new Map<string, Aircraft>();
  const operators = new Map<string, Operator>();
  const tails = new Set<string>();
  const thisYear = now.getUTCFullYear();
  for (const seed of OPERATORS) {
    const auditDaysAgo = rng.int(20, 700);
    operators.set(seed.id, {
      id: seed.id,
      name: seed.name,
      country: seed.country,
      certificate: { ...seed.certificate },
      headquarters: seed.bases[0] ?? '',
      bases: [...seed.bases],
      foundedYear: seed.foundedYear,
      safety: {
        argus: seed.argus,
        wyvern: seed.wyvern,
        isBao: seed.isBao,
        lastAuditDate: new Date(now.getTime() - auditDaysAgo * DAY_MS).toISOString().slice(0, 10),
      },
      insurance: { liabilityCoverage: seed.liabilityCoverage, insurer: seed.insurer, currency: 'USD' },
      incidents: seed.incidents.map((i) => ({ ...i })),
    });
    for (const [typeCode, count] of seed.fleet) {
      const type = AIRCRAFT_TYPES_BY_CODE.get(typeCode);
      if (!type) throw new Error(`operators.data: unknown aircraft type ${typeCode} for ${seed.id}`);
      const profile = CATEGORY_PROFILES[type.category];
      for (let i = 0; i < count; i += 1) {
        let tail = tailNumber(seed.registrationPrefix, rng);
        while (tails.has(tail)) tail = tailNumber(seed.registrationPrefix, rng);
        tails.add(tail);
        // ±8 % around the type's typical rate, whole USD 50 steps, inside the category's published range.
        const varied = type.baseHourlyRate * (0.92 + rng.next() * 0.16);
        const hourlyRate = Math.min(
          profile.maxHourlyRate,
          Math.max(profile.minHourlyRate, Math.round(varied / 5_000) * 5_000),
        );
        const id = `ac-${tail.toLowerCase().replace(/-/g, '')}`;
        aircraft.set(id, {
          id,
          tailNumber: tail,
          typeCode: type.code,
          manufacturer: type.manufacturer,
          model: type.model,
          category: type.category,
          seats: type.seats,
          rangeNm: type.rangeNm,
          cruiseSpeedKts: type.cruiseSpeedKts,
          hourlyRate,
          yearOfManufacture: rng.int(type.introducedYear, Math.max(type.introducedYear, thisYear - 1)),
          homeBase: rng.pick(seed.bases),
          operatorId: seed.id,
          status: 'active',
          updatedAt: seedStamp(rng, now).updatedAt,
          deletedAt: null,
        });
      }
    }
  }
  return { aircraft, operators };
}

/**
 * One record per aircraft per day. Days are mostly available, with booked runs of 1–3 days, an occasional maintenance
 * block of 3–7 days and scattered unavailable days (crew rest, owner use).
 */
function buildAvailability(
  rng: SeededRandom,
  aircraft: Iterable<Aircraft>,
  windowStart: string,
  now: Date,
): Map<string, AvailabilityRecord> {
  const records = new Map<string, AvailabilityRecord>();
  for (const a of aircraft) {
    let runStatus: AvailabilityStatus = 'available';
    let runLeft = 0;
    for (let day = 0; day < AVAILABILITY_WINDOW_DAYS; day += 1) {
      let status: AvailabilityStatus = 'available';
      if (runLeft > 0) {
        status = runStatus;
        runLeft -= 1;
      } else {
        const roll = rng.next();
        if (roll < 0.012) {
          runStatus = 'maintenance';
          runLeft = rng.int(3, 7) - 1;
          status = runStatus;
        } else if (roll < 0.09) {
          runStatus = 'booked';
          runLeft = rng.int(1, 3) - 1;
          status = runStatus;
        } else if (roll < 0.11) {
          status = 'unavailable';
        }
      }
      const date = addDays(windowStart, day);
      const id = availabilityId(a.id, date);
      records.set(id, { id, aircraftId: a.id, date, status, bookingId: null, ...seedStamp(rng, now), deletedAt: null });
    }
  }
  return records;
}

/**
 * Empty legs: an aircraft that dropped passengers somewhere flies home empty and sells the seat-less leg at a discount.
 * The day is marked booked in availability because the aircraft is on that trip.
 */
function buildEmptyLegs(
  rng: SeededRandom,
  aircraft: readonly Aircraft[],
  availability: Map<string, AvailabilityRecord>,
  windowStart: string,
): EmptyLeg[] {
  const legs: EmptyLeg[] = [];
  const chosen = aircraft.filter(() => rng.chance(0.4));
  for (const a of chosen) {
    const home = AIRPORTS_BY_ICAO.get(a.homeBase);
    if (!home) continue;
    const candidates = AIRPORTS.filter((p) => {
      const d = greatCircleNm(p, home);
      return p.icao !== home.icao && d >= 150 && d <= a.rangeNm * 0.9;
    });
    if (candidates.length === 0) continue;
    const origin = rng.pick(candidates);
    const offset = rng.int(1, 45);
    const date = addDays(windowStart, offset);
    const distanceNm = greatCircleNm(origin, home);
    const tenths = flightTenths(distanceNm, a.cruiseSpeedKts);
    const profile = CATEGORY_PROFILES[a.category];
    const originalPrice = Math.round(((a.hourlyRate + profile.fuelSurchargePerHour) * tenths) / 10);
    const discountPercent = rng.int(6, 15) * 5;
    const startHour = rng.int(7, 15);
    legs.push({
      id: `el-${a.id.slice(3)}-${date}`,
      aircraftId: a.id,
      operatorId: a.operatorId,
      departureAirport: origin.icao,
      arrivalAirport: home.icao,
      departureDate: date,
      earliestDepartureTime: `${String(startHour).padStart(2, '0')}:00`,
      latestDepartureTime: `${String(startHour + rng.int(2, 6)).padStart(2, '0')}:00`,
      distanceNm,
      flightHours: tenthsToHours(tenths),
      seats: a.seats,
      originalPrice,
      discountPercent,
      // Discount subtracted, rounded to whole cents; price stays positive because discounts are at most 75 %.
      price: originalPrice - Math.round((originalPrice * discountPercent) / 100),
    });
    const record = availability.get(availabilityId(a.id, date));
    if (record) record.status = 'booked';
  }
  return legs.sort((x, y) => x.departureDate.localeCompare(y.departureDate) || x.id.localeCompare(y.id));
}

export function createAvinodeState(options: SandboxStateOptions): AvinodeState {
  const rng = seededRandom(options.seed);
  const now = options.now;
  const windowStart = now.toISOString().slice(0, 10);
  const { aircraft, operators } = buildFleet(rng, now);
  const availability = buildAvailability(rng, aircraft.values(), windowStart, now);
  const emptyLegs = buildEmptyLegs(rng, [...aircraft.values()], availability, windowStart);
  const state: AvinodeState = {
    windowStart,
    windowDays: AVAILABILITY_WINDOW_DAYS,
    aircraft,
    operators,
    availability,
    emptyLegs,
    quotes: new Map(),
    bookings: new Map(),
    bookingIds: new Map(),
    idempotency: new Map(),
    lastChangeMs: 0,
    sequence: 0,
    seed: options.seed,
    tripFlow: options.avinodeTripFlow ? createTripFlowState(options.avinodeTripFlow) : null,
  };
  seedBookings(state, rng, now);
  for (const r of [...availability.values(), ...state.bookings.values()]) {
    state.lastChangeMs = Math.max(state.lastChangeMs, r.updatedAtMs);
  }
  return state;
}
