/** Zod schemas of the trip-flow tools (inputs as raw shapes, outputs as `structuredContent`). */
import { z } from 'zod';
import { AIRCRAFT_CATEGORIES } from './aircraft-types.data.js';
import { isCalendarDate } from './calendar.js';
import { DECLINE_REASONS, TRIP_CANCEL_REASONS, TRIP_OUTCOMES } from './trip-flow.types.js';

const icao = z.string().regex(/^[A-Za-z]{4}$/, 'must be a 4-letter ICAO airport code');
const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date in the form YYYY-MM-DD')
  .refine(isCalendarDate, 'must be a real calendar date');
const cents = z.number().int().min(0);
const avinodeId = z.string().regex(/^[a-z]+-\d+$/, 'must be an Avinode id such as atrip-1000000137');

// POST /trips (docs/search-in-avinode-from-your-system): segments with ICAO airports, passengers, the caller's own id.
export const createTripInput = {
  externalTripId: z
    .string()
    .min(1)
    .max(100)
    .describe("The caller's own id of the trip; the same id returns the same trip"),
  segments: z
    .array(
      z.object({
        departureAirport: icao,
        arrivalAirport: icao,
        departureDate: date,
        departureTime: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a local time HH:MM')
          .optional()
          .describe('Local time; absent means TBD'),
      }),
    )
    .min(1)
    .max(2),
  passengers: z.number().int().min(1).max(19),
  aircraftCategory: z.enum(AIRCRAFT_CATEGORIES).optional(),
};

export const tripIdInput = { tripId: avinodeId };

export const readHrefInput = {
  href: z.url({ protocol: /^https?$/ }).describe('The href of a webhook notification or of a link in a result'),
};

// PUT /trips/{id}/cancel (reference/canceltrip_1).
export const cancelTripInput = {
  tripId: avinodeId,
  reason: z.enum(TRIP_CANCEL_REASONS),
  messageToSeller: z.string().min(1).max(2000).optional(),
};

// Report trip outcome (reference-link/reportoutcome).
export const reportTripOutcomeInput = {
  tripId: avinodeId,
  outcome: z.enum(TRIP_OUTCOMES),
  winningSellerLiftId: z.string().min(1).optional().describe('Only with CONVERTED'),
  winningTenantName: z.string().min(1).optional().describe('Off-platform winner; excludes winningSellerLiftId'),
  tailNumber: z.string().min(1).max(100).optional().describe('Only with winningTenantName'),
};

const lineItem = z.object({
  code: z.string(),
  description: z.string(),
  kind: z.enum(['charge', 'tax']),
  taxable: z.boolean(),
  amount: cents,
});

/** A seller's quote with its breakdown (`quotebreakdown`, `latestquote`, `aviquote` of the RFQ read). */
export const sellerQuoteSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  validUntil: z.string(),
  subtotal: cents,
  taxes: cents,
  total: cents,
  currency: z.literal('USD'),
  flightHours: z.number(),
  aviquote: z.object({ positioningCost: cents, positioningHours: z.number() }),
  lineItems: z.array(lineItem),
});

export const rfqSchema = z.object({
  id: z.string(),
  href: z.string(),
  tripId: z.string(),
  status: z.enum(['sent', 'quoted', 'declined', 'cancelled']),
  sentAt: z.string(),
  answeredAt: z.string().nullable(),
  /** Minutes from sending to the first answer. */
  responseMinutes: z.number().nullable(),
  declineReason: z.enum(DECLINE_REASONS).nullable(),
  sellerCompany: z.object({ id: z.string(), name: z.string() }),
  sellerContact: z.object({ name: z.string(), email: z.string(), phone: z.string() }),
  lift: z.object({
    id: z.string(),
    aircraftId: z.string(),
    tailNumber: z.string(),
    aircraftType: z.string(),
    category: z.enum(AIRCRAFT_CATEGORIES),
    seats: z.number().int(),
    yearOfManufacture: z.number().int(),
  }),
  safety: z.object({
    argus: z.string().nullable(),
    wyvern: z.string().nullable(),
    isBao: z.string().nullable(),
    rating: z.string(),
  }),
  insurance: z.object({ liabilityCoverage: cents, insurer: z.string() }),
  latestQuote: sellerQuoteSchema.nullable(),
  quoteRevisions: z.number().int(),
});

export const tripSchema = z.object({
  id: z.string(),
  href: z.string(),
  externalTripId: z.string(),
  status: z.enum(['open', 'cancelled', 'closed']),
  segments: z.array(
    z.object({
      departureAirport: z.string(),
      arrivalAirport: z.string(),
      departureDate: z.string(),
      departureTime: z.string().nullable(),
    }),
  ),
  passengers: z.number().int(),
  aircraftCategory: z.string().nullable(),
  createdAt: z.string(),
  actions: z.object({
    searchInAvinode: z.object({ href: z.string() }),
    viewInAvinode: z.object({ href: z.string() }),
  }),
  cancellation: z
    .object({ reason: z.enum(TRIP_CANCEL_REASONS), messageToSeller: z.string().nullable(), at: z.string() })
    .nullable(),
  outcome: z
    .object({
      outcome: z.enum(TRIP_OUTCOMES),
      winningSellerLiftId: z.string().nullable(),
      winningTenantName: z.string().nullable(),
      tailNumber: z.string().nullable(),
      at: z.string(),
    })
    .nullable(),
  rfqs: z.array(rfqSchema),
});

export const tripMessageSchema = z.object({
  id: z.string(),
  href: z.string(),
  kind: z.enum(['quote', 'decline', 'chat', 'request', 'cancel']),
  from: z.enum(['seller', 'buyer']),
  tripId: z.string(),
  rfqId: z.string(),
  text: z.string().nullable(),
  createdAt: z.string(),
  quote: sellerQuoteSchema.nullable(),
  rfq: rfqSchema,
});

export const createTripOutput = { trip: tripSchema, searchInAvinode: z.string(), idempotentReplay: z.boolean() };
export const tripOutput = { trip: tripSchema };
export const readHrefOutput = {
  kind: z.enum(['trip', 'rfq', 'tripmsg']),
  trip: tripSchema.optional(),
  rfq: rfqSchema.optional(),
  tripMessage: tripMessageSchema.optional(),
};
