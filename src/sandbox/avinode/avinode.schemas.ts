/**
 * Zod schemas of the Avinode tools: raw shapes for inputs (zod's messages name the field) and for outputs
 * (`structuredContent`). The view types in avinode.views.ts are inferred from the output schemas so both stay in step.
 */
import { z } from 'zod';
import { AIRCRAFT_CATEGORIES } from './aircraft-types.data.js';
import { AVAILABILITY_STATUSES, BOOKING_STATUSES } from './avinode.types.js';
import { isCalendarDate } from './calendar.js';
import { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE } from './change-feed.js';

// ---------- input building blocks ----------

const icao = z
  .string()
  .regex(/^[A-Za-z]{4}$/, 'must be a 4-letter ICAO airport code')
  .describe('ICAO airport code, case-insensitive (e.g. KTEB)');
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date in the form YYYY-MM-DD')
  .refine(isCalendarDate, 'must be a real calendar date');
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM (24-hour)');
const passengers = z.number().int().min(1).max(19).describe('Number of passengers (1–19)');
const cents = z.number().int().min(0);
const timestamp = z.string();

export const routeInput = z.object({ departureAirport: icao, arrivalAirport: icao });

export const searchAircraftInput = {
  departureAirport: icao,
  arrivalAirport: icao,
  departureDate: date.describe('Departure date YYYY-MM-DD (local at the departure airport)'),
  returnDate: date.optional().describe('Return date for a round trip'),
  passengers,
  aircraftCategory: z.enum(AIRCRAFT_CATEGORIES).optional(),
  maxHourlyRate: z.number().int().positive().optional().describe('Highest hourly rate, USD cents'),
};

export const getPricingInput = {
  aircraftId: z.string().min(1),
  route: routeInput,
  dates: z.object({ departureDate: date, returnDate: date.optional() }),
  passengers,
};

export const createCharterRequestInput = {
  aircraftId: z.string().min(1),
  route: routeInput,
  departureDate: date,
  departureTime: time.describe('Local departure time at the departure airport'),
  returnDate: date.optional(),
  passengers,
  contact: z.object({
    name: z.string().trim().min(1),
    email: z.email(),
    phone: z.string().min(3).optional(),
    company: z.string().min(1).optional(),
  }),
  quoteId: z
    .string()
    .min(1)
    .optional()
    .describe('A quote from get-pricing for the same aircraft, route, dates and party'),
  specialRequests: z.string().max(2000).optional(),
  idempotencyKey: z
    .string()
    .min(8)
    .max(200)
    .describe('Client-chosen key: the same key returns the same request instead of creating a second one'),
};

export const manageBookingInput = {
  bookingId: z.string().min(1).optional(),
  requestId: z.string().min(1).optional(),
  action: z.enum(['confirm', 'cancel', 'modify', 'get_details']),
  paymentMethod: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe('Required for confirm, e.g. wire_transfer, card, or on_account (invoiced; needs signerName)'),
  signerName: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Who signs the charter agreement; required to confirm on_account'),
  cancellationReason: z.string().min(1).max(500).optional().describe('Required for cancel'),
  modifications: z
    .object({
      departureTime: time.optional(),
      passengers: passengers.optional(),
      specialRequests: z.string().max(2000).optional(),
    })
    .strict()
    .optional()
    .describe('For modify: departureTime, passengers and/or specialRequests'),
};

export const getOperatorInfoInput = {
  operatorId: z.string().min(1),
  includeFleetDetails: z.boolean().default(false),
  includeSafetyRecords: z.boolean().default(false),
};

export const getEmptyLegsInput = {
  departureAirport: icao.optional(),
  arrivalAirport: icao.optional(),
  startDate: date.optional().describe('Earliest departure date (default today)'),
  endDate: date.optional().describe('Latest departure date'),
  maxPrice: z.number().int().positive().optional().describe('Highest price, USD cents'),
  passengers: passengers.optional(),
};

export const listChangesInput = {
  updatedSince: z.iso.datetime({ offset: true }).optional().describe('Only records changed at or after this time'),
  cursor: z.string().min(1).optional().describe('nextCursor of the previous page'),
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
};

// ---------- outputs ----------

const lineItem = z.object({
  code: z.string(),
  description: z.string(),
  kind: z.enum(['charge', 'tax']),
  taxable: z.boolean(),
  quantity: z.number().optional(),
  unitAmount: cents.optional(),
  amount: cents,
});

const leg = z.object({
  kind: z.enum(['positioning', 'passenger']),
  from: z.string(),
  to: z.string(),
  date: z.string(),
  passengers: z.number().int(),
  distanceNm: z.number().int(),
  flightHours: z.number(),
});

const priceFields = {
  tripType: z.enum(['one_way', 'round_trip']),
  domestic: z.boolean(),
  legs: z.array(leg),
  flightHours: z.number(),
  positioningHours: z.number(),
  billableHours: z.number(),
  nightsAway: z.number().int(),
  lineItems: z.array(lineItem),
  subtotal: cents,
  taxableBase: cents,
  taxes: cents,
  total: cents,
  currency: z.literal('USD'),
};

export const quoteSchema = z.object({
  id: z.string(),
  aircraftId: z.string(),
  operatorId: z.string(),
  route: z.object({ departureAirport: z.string(), arrivalAirport: z.string() }),
  dates: z.object({ departureDate: z.string(), returnDate: z.string().nullable() }),
  passengers: z.number().int(),
  ...priceFields,
  createdAt: timestamp,
  validUntil: timestamp,
});

const operatorRef = z.object({ id: z.string(), name: z.string(), safetyRating: z.string() });
const aircraftRef = z.object({
  id: z.string(),
  tailNumber: z.string(),
  model: z.string(),
  category: z.enum(AIRCRAFT_CATEGORIES),
  seats: z.number().int(),
});

export const searchResultSchema = z.object({
  aircraftId: z.string(),
  tailNumber: z.string(),
  manufacturer: z.string(),
  model: z.string(),
  typeCode: z.string(),
  category: z.enum(AIRCRAFT_CATEGORIES),
  seats: z.number().int(),
  rangeNm: z.number().int(),
  cruiseSpeedKts: z.number().int(),
  yearOfManufacture: z.number().int(),
  hourlyRate: cents,
  homeBase: z.string(),
  operator: operatorRef,
  distanceNm: z.number().int(),
  estimatedFlightHours: z.number(),
  positioningHours: z.number(),
  estimatedTotal: cents,
  currency: z.literal('USD'),
});

export const searchAircraftOutput = {
  search: z.object({
    departureAirport: z.string(),
    arrivalAirport: z.string(),
    departureDate: z.string(),
    returnDate: z.string().nullable(),
    passengers: z.number().int(),
    distanceNm: z.number().int(),
  }),
  count: z.number().int(),
  aircraft: z.array(searchResultSchema),
};

export const getPricingOutput = { quote: quoteSchema };

const payment = z.object({
  method: z.string(),
  currency: z.literal('USD'),
  depositPercent: z.number(),
  depositAmount: cents,
  depositDueAt: timestamp,
  depositPaidAt: timestamp,
  balanceAmount: cents,
  balanceDueAt: timestamp,
});

const cancellation = z.object({
  reason: z.string(),
  cancelledAt: timestamp,
  noticeHours: z.number().int(),
  feePercent: z.number(),
  feeAmount: cents,
  refundAmount: cents,
  amountOwed: cents,
});

export const bookingSchema = z.object({
  id: z.string(),
  requestId: z.string(),
  bookingId: z.string().nullable(),
  status: z.enum(BOOKING_STATUSES),
  aircraft: aircraftRef,
  operator: z.object({ id: z.string(), name: z.string() }),
  route: z.object({ departureAirport: z.string(), arrivalAirport: z.string() }),
  departureDate: z.string(),
  departureTime: z.string(),
  departureAt: timestamp,
  returnDate: z.string().nullable(),
  passengers: z.number().int(),
  contact: z.object({
    name: z.string(),
    email: z.string(),
    phone: z.string().nullable(),
    company: z.string().nullable(),
  }),
  specialRequests: z.string().nullable(),
  quoteId: z.string(),
  pricing: z.object(priceFields),
  payment: payment.nullable(),
  cancellation: cancellation.nullable(),
  history: z.array(
    z.object({
      at: timestamp,
      action: z.string(),
      from: z.enum(BOOKING_STATUSES).nullable(),
      to: z.enum(BOOKING_STATUSES),
    }),
  ),
  createdAt: timestamp,
  updatedAt: timestamp,
  deletedAt: timestamp.nullable(),
});

export const createCharterRequestOutput = {
  request: bookingSchema,
  idempotentReplay: z.boolean().describe('true when this key had already created the request'),
};

export const manageBookingOutput = { booking: bookingSchema };

const fleetAircraft = z.object({
  id: z.string(),
  tailNumber: z.string(),
  manufacturer: z.string(),
  model: z.string(),
  category: z.enum(AIRCRAFT_CATEGORIES),
  seats: z.number().int(),
  rangeNm: z.number().int(),
  cruiseSpeedKts: z.number().int(),
  hourlyRate: cents,
  yearOfManufacture: z.number().int(),
  homeBase: z.string(),
  status: z.enum(['active', 'inactive']),
  availableDaysNext30: z.number().int(),
});

export const operatorSchema = z.object({
  id: z.string(),
  name: z.string(),
  country: z.string(),
  certificate: z.object({ authority: z.string(), type: z.string(), number: z.string() }),
  headquarters: z.string(),
  bases: z.array(z.string()),
  foundedYear: z.number().int(),
  fleetSize: z.number().int(),
  categories: z.array(z.enum(AIRCRAFT_CATEGORIES)),
  safetyRating: z.string(),
  safety: z.object({
    argus: z.string().nullable(),
    wyvern: z.string().nullable(),
    isBao: z.string().nullable(),
    lastAuditDate: z.string(),
  }),
  insurance: z.object({ liabilityCoverage: cents, insurer: z.string(), currency: z.literal('USD') }),
  fleet: z.array(fleetAircraft).optional(),
  safetyRecords: z
    .object({
      incidentCount: z.number().int(),
      accidentCount: z.number().int(),
      incidents: z.array(
        z.object({
          date: z.string(),
          severity: z.enum(['occurrence', 'incident', 'accident']),
          aircraftModel: z.string(),
          description: z.string(),
          injuries: z.number().int(),
        }),
      ),
    })
    .optional(),
});

export const getOperatorInfoOutput = { operator: operatorSchema };

export const emptyLegSchema = z.object({
  id: z.string(),
  aircraft: aircraftRef,
  operator: operatorRef,
  departureAirport: z.string(),
  arrivalAirport: z.string(),
  departureDate: z.string(),
  earliestDepartureTime: z.string(),
  latestDepartureTime: z.string(),
  distanceNm: z.number().int(),
  flightHours: z.number(),
  originalPrice: cents,
  discountPercent: z.number().int(),
  price: cents,
  currency: z.literal('USD'),
});

export const getEmptyLegsOutput = { count: z.number().int(), emptyLegs: z.array(emptyLegSchema) };

export const availabilitySchema = z.object({
  id: z.string(),
  aircraftId: z.string(),
  tailNumber: z.string(),
  date: z.string(),
  status: z.enum(AVAILABILITY_STATUSES),
  bookingId: z.string().nullable(),
  updatedAt: timestamp,
  deletedAt: timestamp.nullable(),
});

const pageFields = { nextCursor: z.string().nullable(), hasMore: z.boolean() };

export const listAvailabilityOutput = { availability: z.array(availabilitySchema), ...pageFields };
export const listBookingsOutput = { bookings: z.array(bookingSchema), ...pageFields };
