/**
 * The Avinode MCP tools this backend depends on, with the result shapes it relies on (camelCase, money in USD cents).
 * Results are validated against these schemas; unknown extra fields are dropped, a missing or mistyped one is an
 * `upstream_contract_violation` naming the field.
 */
import { z } from 'zod';
import { type AnyToolContract, defineTool } from '../../common/mcp/tool-contract.js';

export const AIRCRAFT_CATEGORIES = [
  'turboprop',
  'very_light_jet',
  'light_jet',
  'midsize_jet',
  'super_midsize_jet',
  'heavy_jet',
  'ultra_long_range',
] as const;
export type AircraftCategory = (typeof AIRCRAFT_CATEGORIES)[number];

/** pending → confirmed → flown → completed; cancelled from pending or confirmed. */
export const BOOKING_STATUSES = ['pending', 'confirmed', 'flown', 'completed', 'cancelled'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export const BOOKING_ACTIONS = ['confirm', 'cancel', 'modify', 'get_details'] as const;
export type BookingAction = (typeof BOOKING_ACTIONS)[number];

const cents = z.number().int().min(0);
const timestamp = z.string();
const category = z.enum(AIRCRAFT_CATEGORIES);
const route = z.object({ departureAirport: z.string(), arrivalAirport: z.string() });

// ---------- results ----------

export const lineItemSchema = z.object({
  code: z.string(),
  description: z.string(),
  kind: z.enum(['charge', 'tax']),
  taxable: z.boolean(),
  quantity: z.number().optional(),
  unitAmount: cents.optional(),
  amount: cents,
});

export const legSchema = z.object({
  kind: z.enum(['positioning', 'passenger']),
  from: z.string(),
  to: z.string(),
  date: z.string(),
  passengers: z.number().int(),
  distanceNm: z.number().int(),
  flightHours: z.number(),
});

export const pricingSchema = z.object({
  tripType: z.enum(['one_way', 'round_trip']),
  domestic: z.boolean(),
  legs: z.array(legSchema),
  flightHours: z.number(),
  positioningHours: z.number(),
  billableHours: z.number(),
  nightsAway: z.number().int(),
  lineItems: z.array(lineItemSchema),
  subtotal: cents,
  taxableBase: cents,
  taxes: cents,
  total: cents,
  currency: z.literal('USD'),
});
export type Pricing = z.infer<typeof pricingSchema>;

export const quoteSchema = pricingSchema.extend({
  id: z.string(),
  aircraftId: z.string(),
  operatorId: z.string(),
  route,
  dates: z.object({ departureDate: z.string(), returnDate: z.string().nullable() }),
  passengers: z.number().int(),
  createdAt: timestamp,
  validUntil: timestamp,
});
export type Quote = z.infer<typeof quoteSchema>;

const operatorRef = z.object({ id: z.string(), name: z.string(), safetyRating: z.string() });
const aircraftRef = z.object({
  id: z.string(),
  tailNumber: z.string(),
  model: z.string(),
  category,
  seats: z.number().int(),
});

export const aircraftOptionSchema = z.object({
  aircraftId: z.string(),
  tailNumber: z.string(),
  manufacturer: z.string(),
  model: z.string(),
  typeCode: z.string(),
  category,
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
export type AircraftOption = z.infer<typeof aircraftOptionSchema>;

export const searchAircraftResult = z.object({
  search: z.object({
    departureAirport: z.string(),
    arrivalAirport: z.string(),
    departureDate: z.string(),
    returnDate: z.string().nullable(),
    passengers: z.number().int(),
    distanceNm: z.number().int(),
  }),
  count: z.number().int(),
  aircraft: z.array(aircraftOptionSchema),
});
export type AircraftSearchResult = z.infer<typeof searchAircraftResult>;

export const paymentSchema = z.object({
  method: z.string(),
  currency: z.literal('USD'),
  depositPercent: z.number(),
  depositAmount: cents,
  depositDueAt: timestamp,
  depositPaidAt: timestamp,
  balanceAmount: cents,
  balanceDueAt: timestamp,
});

export const cancellationSchema = z.object({
  reason: z.string(),
  cancelledAt: timestamp,
  noticeHours: z.number().int(),
  feePercent: z.number(),
  feeAmount: cents,
  refundAmount: cents,
  amountOwed: cents,
});

export const contactSchema = z.object({
  name: z.string(),
  email: z.string(),
  phone: z.string().nullable(),
  company: z.string().nullable(),
});
export type Contact = z.infer<typeof contactSchema>;

export const historyEntrySchema = z.object({
  at: timestamp,
  action: z.string(),
  from: z.enum(BOOKING_STATUSES).nullable(),
  to: z.enum(BOOKING_STATUSES),
});
export type BookingHistoryEntry = z.infer<typeof historyEntrySchema>;

/** A charter request; once confirmed it is also a booking (it gains `bookingId`; `requestId` stays). */
export const upstreamBookingSchema = z.object({
  id: z.string(),
  requestId: z.string(),
  bookingId: z.string().nullable(),
  status: z.enum(BOOKING_STATUSES),
  aircraft: aircraftRef,
  operator: z.object({ id: z.string(), name: z.string() }),
  route,
  departureDate: z.string(),
  departureTime: z.string(),
  departureAt: timestamp,
  returnDate: z.string().nullable(),
  passengers: z.number().int(),
  contact: contactSchema,
  specialRequests: z.string().nullable(),
  quoteId: z.string(),
  pricing: pricingSchema,
  payment: paymentSchema.nullable(),
  cancellation: cancellationSchema.nullable(),
  history: z.array(historyEntrySchema),
  createdAt: timestamp,
  updatedAt: timestamp,
  deletedAt: timestamp.nullable(),
});
export type UpstreamBooking = z.infer<typeof upstreamBookingSchema>;

export const fleetAircraftSchema = z.object({
  id: z.string(),
  tailNumber: z.string(),
  manufacturer: z.string(),
  model: z.string(),
  category,
  seats: z.number().int(),
  rangeNm: z.number().int(),
  cruiseSpeedKts: z.number().int(),
  hourlyRate: cents,
  yearOfManufacture: z.number().int(),
  homeBase: z.string(),
  status: z.enum(['active', 'inactive']),
  availableDaysNext30: z.number().int(),
});

export const incidentSchema = z.object({
  date: z.string(),
  severity: z.enum(['occurrence', 'incident', 'accident']),
  aircraftModel: z.string(),
  description: z.string(),
  injuries: z.number().int(),
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
  categories: z.array(category),
  safetyRating: z.string(),
  safety: z.object({
    argus: z.string().nullable(),
    wyvern: z.string().nullable(),
    isBao: z.string().nullable(),
    lastAuditDate: z.string(),
  }),
  insurance: z.object({ liabilityCoverage: cents, insurer: z.string(), currency: z.literal('USD') }),
  fleet: z.array(fleetAircraftSchema).optional(),
  safetyRecords: z
    .object({
      incidentCount: z.number().int(),
      accidentCount: z.number().int(),
      incidents: z.array(incidentSchema),
    })
    .optional(),
});
export type OperatorProfile = z.infer<typeof operatorSchema>;

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
export type EmptyLeg = z.infer<typeof emptyLegSchema>;

export const availabilitySchema = z.object({
  id: z.string(),
  aircraftId: z.string(),
  tailNumber: z.string(),
  date: z.string(),
  status: z.enum(['available', 'booked', 'maintenance', 'unavailable']),
  bookingId: z.string().nullable(),
  updatedAt: timestamp,
  deletedAt: timestamp.nullable(),
});
export type AvailabilityRecord = z.infer<typeof availabilitySchema>;

const changePage = { nextCursor: z.string().nullable(), hasMore: z.boolean() };

// ---------- arguments (typing only: the server validates) ----------

const tripArgs = {
  departureAirport: z.string(),
  arrivalAirport: z.string(),
  departureDate: z.string(),
  returnDate: z.string().optional(),
  passengers: z.number().int(),
};

export const searchAircraftArgs = z.object({
  ...tripArgs,
  aircraftCategory: category.optional(),
  maxHourlyRate: z.number().int().optional(),
});
export const getPricingArgs = z.object({
  aircraftId: z.string(),
  route: z.object({ departureAirport: z.string(), arrivalAirport: z.string() }),
  dates: z.object({ departureDate: z.string(), returnDate: z.string().optional() }),
  passengers: z.number().int(),
});
export const createCharterRequestArgs = z.object({
  aircraftId: z.string(),
  route: z.object({ departureAirport: z.string(), arrivalAirport: z.string() }),
  departureDate: z.string(),
  departureTime: z.string(),
  returnDate: z.string().optional(),
  passengers: z.number().int(),
  contact: z.object({
    name: z.string(),
    email: z.string(),
    phone: z.string().optional(),
    company: z.string().optional(),
  }),
  quoteId: z.string().optional(),
  specialRequests: z.string().optional(),
});
export type CreateCharterRequestArgs = z.infer<typeof createCharterRequestArgs>;
export const manageBookingArgs = z.object({
  bookingId: z.string().optional(),
  requestId: z.string().optional(),
  action: z.enum(BOOKING_ACTIONS),
  paymentMethod: z.string().optional(),
  signerName: z.string().optional(),
  cancellationReason: z.string().optional(),
  modifications: z
    .object({
      departureTime: z.string().optional(),
      passengers: z.number().int().optional(),
      specialRequests: z.string().optional(),
    })
    .optional(),
});
export const getOperatorInfoArgs = z.object({
  operatorId: z.string(),
  includeFleetDetails: z.boolean().optional(),
  includeSafetyRecords: z.boolean().optional(),
});
export const getEmptyLegsArgs = z.object({
  departureAirport: z.string().optional(),
  arrivalAirport: z.string().optional(),
  startDate: z.string().optional(),
  endDate: z.string().optional(),
  maxPrice: z.number().int().optional(),
  passengers: z.number().int().optional(),
});
export const listChangesArgs = z.object({
  updatedSince: z.string().optional(),
  cursor: z.string().optional(),
  limit: z.number().int().optional(),
});

// ---------- contracts ----------

export const searchAircraftTool = defineTool({
  server: 'avinode',
  name: 'search-aircraft',
  mode: 'read',
  input: searchAircraftArgs,
  result: searchAircraftResult,
});

/** Creates a stored quote upstream, but a repeat only creates another harmless quote: safe to retry. */
export const getPricingTool = defineTool({
  server: 'avinode',
  name: 'get-pricing',
  mode: 'read',
  input: getPricingArgs,
  result: z.object({ quote: quoteSchema }),
});

/** The upstream deduplicates by `idempotencyKey` (same key → same request), so the client may retry it. */
export const createCharterRequestTool = defineTool({
  server: 'avinode',
  name: 'create-charter-request',
  mode: 'write',
  idempotencyKeyArgument: 'idempotencyKey',
  input: createCharterRequestArgs,
  result: z.object({ request: upstreamBookingSchema, idempotentReplay: z.boolean() }),
});

/**
 * confirm / cancel / modify are not idempotent upstream and the tool takes no idempotency key: declared `write`
 * without a key argument, so the client never repeats such a call on its own. `get_details` is a read: callers pass
 * `readOnlyCall` options (see AvainodeService) to let the client retry it.
 */
export const manageBookingTool = defineTool({
  server: 'avinode',
  name: 'manage-booking',
  mode: 'write',
  input: manageBookingArgs,
  result: z.object({ booking: upstreamBookingSchema }),
});

export const getOperatorInfoTool = defineTool({
  server: 'avinode',
  name: 'get-operator-info',
  mode: 'read',
  input: getOperatorInfoArgs,
  result: z.object({ operator: operatorSchema }),
});

export const getEmptyLegsTool = defineTool({
  server: 'avinode',
  name: 'get-empty-legs',
  mode: 'read',
  input: getEmptyLegsArgs,
  result: z.object({ count: z.number().int(), emptyLegs: z.array(emptyLegSchema) }),
});

/*
 * Change feeds for the sync: records changed since a time, in stable (updatedAt, id) order. Their records are loose:
 * a field the upstream adds later is kept in the stored record (and its hash), and a new status value does not stop
 * the stream. The sync keeps what it needs to compare and index; the full shapes above serve the API.
 */
export const syncedBookingSchema = z.looseObject({
  id: z.string().min(1),
  requestId: z.string(),
  bookingId: z.string().nullable(),
  status: z.string(),
  aircraft: z.looseObject({ id: z.string() }),
  operator: z.looseObject({ id: z.string(), name: z.string() }),
  route: z.looseObject({ departureAirport: z.string(), arrivalAirport: z.string() }),
  departureDate: z.string(),
  departureTime: z.string(),
  passengers: z.number().int(),
  contact: z.looseObject({ name: z.string(), email: z.string() }),
  createdAt: timestamp,
  updatedAt: timestamp,
  deletedAt: timestamp.nullable(),
});

export const syncedAvailabilitySchema = z.looseObject({
  id: z.string().min(1),
  aircraftId: z.string(),
  tailNumber: z.string(),
  date: z.string(),
  status: z.string(),
  bookingId: z.string().nullable(),
  updatedAt: timestamp,
  deletedAt: timestamp.nullable(),
});

export const listBookingsTool = defineTool({
  server: 'avinode',
  name: 'list-bookings',
  mode: 'read',
  input: listChangesArgs,
  result: z.object({ bookings: z.array(syncedBookingSchema), ...changePage }),
});

export const listAvailabilityTool = defineTool({
  server: 'avinode',
  name: 'list-availability',
  mode: 'read',
  input: listChangesArgs,
  result: z.object({ availability: z.array(syncedAvailabilitySchema), ...changePage }),
});

export const AVAINODE_TOOLS: readonly AnyToolContract[] = [
  searchAircraftTool,
  getPricingTool,
  createCharterRequestTool,
  manageBookingTool,
  getOperatorInfoTool,
  getEmptyLegsTool,
  listBookingsTool,
  listAvailabilityTool,
];
