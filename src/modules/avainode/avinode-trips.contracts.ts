/**
 * The tools of Avinode's broker flow (trips, RFQs, seller quotes over time), each the MCP stand-in of one REST operation
 * of developer.avinodegroup.com — see src/sandbox/avinode/trip-flow.tools.ts for the mapping. Required of the Avinode
 * server only when AVINODE_QUOTE_FLOW=trip (registered by AvinodeTripsService), so a server answering at once only is
 * not `degraded` for lacking them. Money in USD cents.
 */
import { z } from 'zod';
import { type AnyToolContract, defineTool } from '../../common/mcp/tool-contract.js';

const cents = z.number().int().min(0);

export const sellerQuoteSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  validUntil: z.string(),
  total: cents,
  currency: z.string(),
  /** Positioning (ferry) cost and hours: Avinode's `aviquote`. */
  aviquote: z.object({ positioningCost: cents, positioningHours: z.number() }),
  lineItems: z.array(z.looseObject({ code: z.string(), description: z.string(), amount: cents })),
});
export type SellerQuote = z.infer<typeof sellerQuoteSchema>;

export const rfqSchema = z.object({
  id: z.string(),
  tripId: z.string(),
  status: z.string(),
  sentAt: z.string(),
  answeredAt: z.string().nullable(),
  responseMinutes: z.number().nullable(),
  declineReason: z.string().nullable(),
  sellerCompany: z.object({ id: z.string(), name: z.string() }),
  sellerContact: z.object({ name: z.string(), email: z.string(), phone: z.string() }),
  lift: z.object({
    id: z.string(),
    aircraftId: z.string(),
    tailNumber: z.string(),
    aircraftType: z.string(),
    category: z.string(),
    seats: z.number().int(),
  }),
  safety: z.object({
    argus: z.string().nullable(),
    wyvern: z.string().nullable(),
    isBao: z.string().nullable(),
    rating: z.string(),
  }),
  latestQuote: sellerQuoteSchema.nullable(),
  quoteRevisions: z.number().int(),
});
export type Rfq = z.infer<typeof rfqSchema>;

export const tripSchema = z.object({
  id: z.string(),
  externalTripId: z.string(),
  status: z.string(),
  actions: z.object({ searchInAvinode: z.object({ href: z.string() }) }),
  rfqs: z.array(rfqSchema),
});
export type AvinodeTrip = z.infer<typeof tripSchema>;

const tripMessageSchema = z.object({
  id: z.string(),
  kind: z.string(),
  tripId: z.string(),
  rfqId: z.string(),
  createdAt: z.string(),
  rfq: rfqSchema,
});

export const createTripTool = defineTool({
  server: 'avinode',
  name: 'create-trip',
  mode: 'write',
  input: z.object({
    externalTripId: z.string(),
    segments: z.array(
      z.object({
        departureAirport: z.string(),
        arrivalAirport: z.string(),
        departureDate: z.string(),
        departureTime: z.string().optional(),
      }),
    ),
    passengers: z.number().int(),
    aircraftCategory: z.string().optional(),
  }),
  result: z.object({ trip: tripSchema, searchInAvinode: z.string(), idempotentReplay: z.boolean() }),
});

export const getTripRfqsTool = defineTool({
  server: 'avinode',
  name: 'get-trip-rfqs',
  mode: 'read',
  input: z.object({ tripId: z.string() }),
  result: z.object({ trip: tripSchema }),
});

export const readHrefTool = defineTool({
  server: 'avinode',
  name: 'read-href',
  mode: 'read',
  input: z.object({ href: z.string() }),
  result: z.object({
    kind: z.enum(['trip', 'rfq', 'tripmsg']),
    trip: tripSchema.optional(),
    rfq: rfqSchema.optional(),
    tripMessage: tripMessageSchema.optional(),
  }),
});

export const cancelTripTool = defineTool({
  server: 'avinode',
  name: 'cancel-trip',
  mode: 'write',
  input: z.object({
    tripId: z.string(),
    reason: z.enum(['BY_CLIENT', 'CHANGED', 'BOOKED', 'OTHER']),
    messageToSeller: z.string().optional(),
  }),
  result: z.object({ trip: tripSchema }),
});

export const reportTripOutcomeTool = defineTool({
  server: 'avinode',
  name: 'report-trip-outcome',
  mode: 'write',
  input: z.object({
    tripId: z.string(),
    outcome: z.enum(['CONVERTED', 'NOT_CONVERTED']),
    winningSellerLiftId: z.string().optional(),
  }),
  result: z.object({ trip: tripSchema }),
});

export const AVINODE_TRIP_TOOLS: readonly AnyToolContract[] = [
  createTripTool,
  getTripRfqsTool,
  readHrefTool,
  cancelTripTool,
  reportTripOutcomeTool,
];
