import type { z } from 'zod';
import type { WebhookSourceName } from '../../common/config/app-config.js';
import { ApolloLeadCreated, ApolloLeadUpdated, ApolloSequenceCompleted } from '../apollo/apollo.events.js';
import {
  AvinodeAvailabilityUpdated,
  AvinodeBookingCancelled,
  AvinodeBookingConfirmed,
  AvinodeNotificationReceived,
} from '../avainode/avainode.events.js';
import { N8nExecutionStatusChanged, N8nWorkflowCompleted, N8nWorkflowFailed } from '../n8n/n8n.events.js';
import { LeadReceived, type WebhookDomainEvent, type WebhookEventMeta, WebhookTestReceived } from './events/index.js';
import {
  apolloLeadCreatedSchema,
  apolloLeadUpdatedSchema,
  apolloSequenceCompletedSchema,
  avinodeAvailabilityUpdatedSchema,
  avinodeBookingCancelledSchema,
  AVINODE_NATIVE_EVENT_TYPES,
  avinodeBookingConfirmedSchema,
  avinodeThinSchema,
  isAvinodeThin,
  leadReceivedSchema,
  n8nExecutionStatusSchema,
  n8nWorkflowCompletedSchema,
  n8nWorkflowFailedSchema,
  testEventSchema,
} from './webhook.payloads.js';

export const WEBHOOK_SOURCES: readonly WebhookSourceName[] = ['apollo', 'avainode', 'n8n', 'lead'];

/** Other spellings accepted in URLs (Avinode is the vendor's name; `avainode` is this project's). */
const SOURCE_ALIASES: Record<string, WebhookSourceName> = { avinode: 'avainode' };

export function resolveSource(name: string): WebhookSourceName | undefined {
  const lower = name.toLowerCase();
  return (WEBHOOK_SOURCES as readonly string[]).includes(lower) ? (lower as WebhookSourceName) : SOURCE_ALIASES[lower];
}

/**
 * The newest applied version of one upstream entity, for out-of-order protection: an event whose version is not newer
 * than what was applied for its entity is stale. Events without a version (thin Avinode notifications, leads) are
 * always applied; their consumers read current state instead.
 */
export interface EntityVersion {
  type: string;
  id: string;
  version: number;
}

interface EventClass<TPayload> {
  readonly eventName: string;
  new (meta: WebhookEventMeta, payload: TPayload): WebhookDomainEvent<TPayload>;
}

export interface WebhookEventType<TPayload = unknown> {
  /** The type as senders name it (`type` in the body or `?type=`). */
  type: string;
  aliases: readonly string[];
  description: string;
  schema: z.ZodType<TPayload>;
  event: EventClass<TPayload>;
  entity(payload: TPayload, occurredAt: Date | null): EntityVersion | null;
  /**
   * The dedupe key when the delivery carries no message id header, or undefined for none (each delivery is then its
   * own event, and consumers must be idempotent by reading current state).
   */
  messageId?(payload: TPayload): string | undefined;
}

function define<TPayload>(definition: {
  type: string;
  aliases?: readonly string[];
  description: string;
  schema: z.ZodType<TPayload>;
  event: EventClass<TPayload>;
  entity?: (payload: TPayload, occurredAt: Date | null) => EntityVersion | null;
  messageId?: (payload: TPayload) => string | undefined;
}): WebhookEventType {
  return {
    aliases: [],
    entity: () => null,
    ...definition,
  } as unknown as WebhookEventType;
}

const millis = (iso: string | null | undefined): number | undefined => {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
};

/** n8n sends no version: the change's time (the envelope's timestamp) orders events, the status rank breaks ties. */
const EXECUTION_STATUS_RANK: Record<string, number> = { new: 0, waiting: 1, running: 2 };
const executionVersion = (status: string, occurredAt: Date | null): number | undefined =>
  occurredAt ? occurredAt.getTime() * 8 + (EXECUTION_STATUS_RANK[status] ?? 3) : undefined;

const versioned = (type: string, id: string, version: number | undefined): EntityVersion | null =>
  version === undefined ? null : { type, id, version };

/**
 * Avinode's native notifications. Avinode sends no message id and retries until it gets a 200 (docs/avinode-webhooks).
 * A trip message (`/tripmsgs/{id}`: a quote, a decline, a chat line) never changes, so `<type>:<id>` identifies one
 * notification and its retries are duplicates; an RFQ or trip notification repeats its id for every update, so each
 * delivery is kept and its consumer reads the resource's current state (no version: never stale).
 */
const avinodeNativeTypes = AVINODE_NATIVE_EVENT_TYPES.map((type) =>
  define({
    type,
    description: `Avinode ${type} notification, thin {id, href}; processing reads href`,
    schema: avinodeThinSchema,
    event: AvinodeNotificationReceived,
    messageId: (p) => (/\/tripmsgs\/[^/]+$/.test(new URL(p.href).pathname) ? `${type}:${p.id}` : undefined),
  }),
);

const testType = define({
  type: 'test',
  description: 'A test event from POST /api/integration/webhook/test; no business effect',
  schema: testEventSchema,
  event: WebhookTestReceived,
});

export const WEBHOOK_EVENT_TYPES: Record<WebhookSourceName, readonly WebhookEventType[]> = {
  apollo: [
    define({
      type: 'lead_created',
      description: 'A contact was created',
      schema: apolloLeadCreatedSchema,
      event: ApolloLeadCreated,
      entity: (p) => versioned('lead', p.lead.id, millis(p.lead.updatedAt)),
    }),
    define({
      type: 'lead_updated',
      description: 'A contact changed or was deleted',
      schema: apolloLeadUpdatedSchema,
      event: ApolloLeadUpdated,
      entity: (p) => versioned('lead', p.lead.id, millis(p.lead.updatedAt)),
    }),
    define({
      type: 'sequence_completed',
      description: 'An email sequence sent its last step',
      schema: apolloSequenceCompletedSchema,
      event: ApolloSequenceCompleted,
      entity: (p) => versioned('sequence', p.sequence.id, millis(p.sequence.updatedAt)),
    }),
    testType,
  ],
  avainode: [
    define({
      type: 'booking_confirmed',
      description: 'A charter booking was confirmed (full data or thin {id, href})',
      schema: avinodeBookingConfirmedSchema,
      event: AvinodeBookingConfirmed,
      entity: (p) => (isAvinodeThin(p) ? null : versioned('booking', p.requestId, millis(p.updatedAt))),
    }),
    define({
      type: 'booking_cancelled',
      description: 'A charter booking was cancelled (full data or thin {id, href})',
      schema: avinodeBookingCancelledSchema,
      event: AvinodeBookingCancelled,
      entity: (p) => (isAvinodeThin(p) ? null : versioned('booking', p.requestId, millis(p.updatedAt))),
    }),
    define({
      type: 'aircraft_availability_updated',
      aliases: ['availability_updated'],
      description: "An aircraft's published availability changed (full data or thin {id, href})",
      schema: avinodeAvailabilityUpdatedSchema,
      event: AvinodeAvailabilityUpdated,
    }),
    ...avinodeNativeTypes,
    testType,
  ],
  n8n: [
    define({
      type: 'workflow_completed',
      description: 'A workflow execution succeeded',
      schema: n8nWorkflowCompletedSchema,
      event: N8nWorkflowCompleted,
      entity: (p, at) => versioned('execution_result', p.executionId, at?.getTime()),
    }),
    define({
      type: 'workflow_failed',
      description: 'A workflow execution failed',
      schema: n8nWorkflowFailedSchema,
      event: N8nWorkflowFailed,
      entity: (p, at) => versioned('execution_result', p.executionId, at?.getTime()),
    }),
    define({
      type: 'execution_status',
      description: "An execution's status changed",
      schema: n8nExecutionStatusSchema,
      event: N8nExecutionStatusChanged,
      entity: (p, at) => versioned('execution', p.executionId, executionVersion(p.status, at)),
    }),
    testType,
  ],
  lead: [
    define({
      type: 'lead_received',
      aliases: ['lead'],
      description: 'A lead, optionally with flight requirements: starts a lead-to-booking pipeline run',
      schema: leadReceivedSchema,
      event: LeadReceived,
    }),
    testType,
  ],
};

/**
 * The event types the backend asks a sender for, where it needs fewer than the sender has (a source not listed gets
 * every type). n8n: the ends of executions, which the pipeline applies to its runs and which also start the executions
 * sync; an `execution_status` change adds nothing the backend acts on (the cron sync sees running executions), and
 * taking it in would cost two deliveries per notification.
 */
export const SUBSCRIBED_EVENT_TYPES: Partial<Record<WebhookSourceName, readonly string[]>> = {
  n8n: ['workflow_completed', 'workflow_failed'],
};

export function findEventType(source: WebhookSourceName, type: string): WebhookEventType | undefined {
  const wanted = type.trim().toLowerCase();
  // Case-insensitive: Avinode spells its types in PascalCase (`TripRequestSellerResponse`).
  return WEBHOOK_EVENT_TYPES[source].find((t) => t.type.toLowerCase() === wanted || t.aliases.includes(wanted));
}

/** Default type when a body names none: only sources with a single business type have one. */
export function defaultEventType(source: WebhookSourceName): string | undefined {
  return source === 'lead' ? 'lead_received' : undefined;
}
