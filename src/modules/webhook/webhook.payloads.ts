import { z } from 'zod';

/**
 * Schemas of the `data` of every event type the intake accepts. Upstream payloads are loose objects (unknown fields are
 * kept: upstreams add fields without notice) with the fields this system relies on required and typed; JetVision's own
 * `lead` payload is strict, since we define it.
 */

const isoTimestamp = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();
const nonEmpty = z.string().min(1).max(200);

// ---- Apollo -------------------------------------------------------------------------------------------------------
export const apolloLeadSchema = z.looseObject({
  id: nonEmpty,
  updatedAt: isoTimestamp,
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  name: z.string().nullish(),
  title: z.string().nullish(),
  email: z.string().nullish(),
  deleted: z.boolean().optional(),
});

export const apolloLeadCreatedSchema = z.looseObject({ lead: apolloLeadSchema, source: z.string().optional() });
export const apolloLeadUpdatedSchema = z.looseObject({
  lead: apolloLeadSchema,
  changedFields: z.array(z.string()).optional(),
  source: z.string().optional(),
});
export const apolloSequenceCompletedSchema = z.looseObject({
  sequence: z.looseObject({
    id: nonEmpty,
    name: z.string().optional(),
    status: z.string().optional(),
    contactIds: z.array(z.string()).optional(),
    updatedAt: isoTimestamp,
    completedAt: isoTimestamp.nullish(),
  }),
  engagement: z.looseObject({}).optional(),
});

export type ApolloLeadCreatedPayload = z.infer<typeof apolloLeadCreatedSchema>;
export type ApolloLeadUpdatedPayload = z.infer<typeof apolloLeadUpdatedSchema>;
export type ApolloSequenceCompletedPayload = z.infer<typeof apolloSequenceCompletedSchema>;

// ---- Avinode ------------------------------------------------------------------------------------------------------
/** Avinode's real notifications are thin: which resource changed and where to fetch it. Consumers re-fetch `href`. */
export const avinodeThinSchema = z.strictObject({ id: nonEmpty, href: z.url({ protocol: /^https?$/ }) });
export type AvinodeThinPayload = z.infer<typeof avinodeThinSchema>;

const avinodeBookingSchema = z.looseObject({
  requestId: nonEmpty,
  bookingId: nonEmpty.nullable(),
  status: z.string(),
  aircraftId: z.string().optional(),
  operatorId: z.string().optional(),
  departureAirport: z.string().optional(),
  arrivalAirport: z.string().optional(),
  departureDate: isoDate.optional(),
  /** Cents. */
  total: z.number().int().optional(),
  currency: z.string().length(3).optional(),
  updatedAt: isoTimestamp,
});
export const avinodeBookingConfirmedSchema = z.union([avinodeBookingSchema, avinodeThinSchema]);
export const avinodeBookingCancelledSchema = z.union([
  avinodeBookingSchema.extend({
    cancellationFee: z.number().int().optional(),
    reason: z.string().optional(),
  }),
  avinodeThinSchema,
]);
export const avinodeAvailabilityUpdatedSchema = z.union([
  z.looseObject({
    aircraftId: nonEmpty,
    dates: z.array(isoDate),
    status: z.string(),
    availabilityIds: z.array(z.string()),
    reason: z.string().optional(),
    bookingId: z.string().nullish(),
  }),
  avinodeThinSchema,
]);

export type AvinodeBookingConfirmedPayload = z.infer<typeof avinodeBookingConfirmedSchema>;
export type AvinodeBookingCancelledPayload = z.infer<typeof avinodeBookingCancelledSchema>;
export type AvinodeAvailabilityUpdatedPayload = z.infer<typeof avinodeAvailabilityUpdatedSchema>;

/**
 * Avinode's own notification types, as its webhook settings name them (reference-link/createsettings; docs/avinode-webhooks).
 * All are thin `{id, href, type}` bodies sent with HTTP Basic.
 */
export const AVINODE_NATIVE_EVENT_TYPES = [
  'TripRequest',
  'TripRequestSellerResponse',
  'TripRequestMine',
  'TripRequestSellerResponseMine',
  'TripChatFromBuyer',
  'TripChatFromSeller',
  'TripChatMine',
  'EmptyLegs',
  'ClientLeads',
] as const;
export type AvinodeNativeEventType = (typeof AVINODE_NATIVE_EVENT_TYPES)[number];

export function isAvinodeThin(payload: object): payload is AvinodeThinPayload {
  return 'href' in payload;
}

// ---- n8n ----------------------------------------------------------------------------------------------------------
const n8nExecutionSchema = z.looseObject({
  executionId: nonEmpty,
  workflowId: nonEmpty,
  workflowName: z.string().optional(),
  status: z.string(),
  mode: z.string().optional(),
  startedAt: isoTimestamp.nullish(),
  stoppedAt: isoTimestamp.nullish(),
});
export const n8nWorkflowCompletedSchema = n8nExecutionSchema.extend({
  durationMs: z.number().nonnegative().optional(),
  lastNodeExecuted: z.string().nullish(),
});
export const n8nWorkflowFailedSchema = n8nWorkflowCompletedSchema.extend({
  error: z.looseObject({ message: z.string(), node: z.string().nullish() }),
});
export const n8nExecutionStatusSchema = n8nExecutionSchema.extend({ previousStatus: z.string().nullish() });

export type N8nWorkflowCompletedPayload = z.infer<typeof n8nWorkflowCompletedSchema>;
export type N8nWorkflowFailedPayload = z.infer<typeof n8nWorkflowFailedSchema>;
export type N8nExecutionStatusPayload = z.infer<typeof n8nExecutionStatusSchema>;

// ---- lead (JetVision's own tools) ---------------------------------------------------------------------------------
const icao = z.string().regex(/^[A-Z]{4}$/, 'an ICAO airport code: four capital letters, e.g. KTEB');

export const flightRequirementsSchema = z
  .strictObject({
    departureAirport: icao,
    arrivalAirport: icao,
    departureDate: isoDate,
    departureTime: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time HH:MM')
      .optional(),
    returnDate: isoDate.optional(),
    passengers: z.number().int().min(1).max(100),
    aircraftCategory: z.string().min(1).max(60).optional(),
    specialRequests: z.string().max(2000).optional(),
  })
  .refine((trip) => trip.returnDate === undefined || trip.returnDate >= trip.departureDate, {
    message: 'returnDate must not be before departureDate',
    path: ['returnDate'],
  })
  .refine((trip) => trip.arrivalAirport !== trip.departureAirport, {
    message: 'arrivalAirport must differ from departureAirport',
    path: ['arrivalAirport'],
  });

export const leadReceivedSchema = z.strictObject({
  lead: z.strictObject({
    email: z.email().max(254),
    firstName: z.string().min(1).max(100).optional(),
    lastName: z.string().min(1).max(100).optional(),
    company: z.string().min(1).max(200).optional(),
    title: z.string().min(1).max(200).optional(),
    phone: z.string().min(3).max(40).optional(),
    /** The Apollo contact this lead came from, when known. */
    apolloContactId: z.string().min(1).max(64).optional(),
    /** The sender's own id for the lead (a CRM id, a form submission id). */
    externalId: z.string().min(1).max(200).optional(),
  }),
  flightRequirements: flightRequirementsSchema.optional(),
  notes: z.string().max(5000).optional(),
});
export type LeadReceivedPayload = z.infer<typeof leadReceivedSchema>;

// ---- every source ---------------------------------------------------------------------------------------------------
/** `POST /api/integration/webhook/test` sends this through the whole path; no business consumer listens to it. */
export const testEventSchema = z.looseObject({ message: z.string().max(500).optional() });
export type TestEventPayload = z.infer<typeof testEventSchema>;
