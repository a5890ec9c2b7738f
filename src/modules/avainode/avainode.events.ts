import type { AuditEntryInput, AuditableEvent } from '../../common/events/domain-event.js';
import type { BookingStatus } from './avainode.contracts.js';
import type { CharterRequestOrigin } from './charter-request.entity.js';
import type { Rfq } from './avinode-trips.contracts.js';
import type {
  AvinodeAvailabilityUpdatedPayload,
  AvinodeBookingCancelledPayload,
  AvinodeBookingConfirmedPayload,
  AvinodeThinPayload,
} from '../webhook/webhook.payloads.js';
import { WebhookDomainEvent } from '../webhook/events/webhook-domain-event.js';

/** What every Avainode change event says about the record it concerns. */
export interface CharterRecordRef {
  /** Our `charter_request.id`. */
  recordId: string;
  upstreamRequestId: string;
  upstreamBookingId: string | null;
  operatorId: string;
  aircraftId: string;
  status: BookingStatus;
  totalCents: number;
  /** The pipeline run that created the request, whose history its changes join; null for other origins. */
  runId: string | null;
}

function entry(type: string, ref: CharterRecordRef, details: Record<string, unknown>): AuditEntryInput {
  return {
    source: 'avainode',
    type,
    subject: ref.upstreamRequestId,
    correlationId: ref.runId ?? ref.recordId,
    outcome: 'success',
    details: { ...ref, ...details },
  };
}

/** The backend created a charter request upstream and stored it (not emitted for an idempotent replay). */
export class CharterRequestCreated implements AuditableEvent {
  static readonly eventName = 'avainode.charter_request_created';

  constructor(
    readonly record: CharterRecordRef,
    readonly origin: CharterRequestOrigin,
    readonly departureAirport: string,
    readonly arrivalAirport: string,
    readonly departureDate: string,
  ) {}

  get operatorId(): string {
    return this.record.operatorId;
  }

  toAuditEntry(): AuditEntryInput {
    return entry(CharterRequestCreated.eventName, this.record, {
      origin: this.origin,
      route: `${this.departureAirport}-${this.arrivalAirport}`,
      departureDate: this.departureDate,
    });
  }
}

export class BookingConfirmed implements AuditableEvent {
  static readonly eventName = 'avainode.booking_confirmed';

  constructor(
    readonly record: CharterRecordRef,
    readonly paymentMethod: string,
    readonly depositCents: number | null,
  ) {}

  get operatorId(): string {
    return this.record.operatorId;
  }

  toAuditEntry(): AuditEntryInput {
    return entry(BookingConfirmed.eventName, this.record, {
      paymentMethod: this.paymentMethod,
      depositCents: this.depositCents,
    });
  }
}

export class BookingCancelled implements AuditableEvent {
  static readonly eventName = 'avainode.booking_cancelled';

  constructor(
    readonly record: CharterRecordRef,
    readonly previousStatus: BookingStatus,
    readonly reason: string,
    readonly feeCents: number | null,
  ) {}

  get operatorId(): string {
    return this.record.operatorId;
  }

  toAuditEntry(): AuditEntryInput {
    return entry(BookingCancelled.eventName, this.record, {
      previousStatus: this.previousStatus,
      reason: this.reason,
      feeCents: this.feeCents,
    });
  }
}

export interface BookingChanges {
  departureTime?: string;
  passengers?: number;
  specialRequests?: string;
}

export class BookingModified implements AuditableEvent {
  static readonly eventName = 'avainode.booking_modified';

  constructor(
    readonly record: CharterRecordRef,
    readonly changes: BookingChanges,
  ) {}

  get operatorId(): string {
    return this.record.operatorId;
  }

  toAuditEntry(): AuditEntryInput {
    return entry(BookingModified.eventName, this.record, { changes: this.changes });
  }
}

export type AvainodeChangeEvent = CharterRequestCreated | BookingConfirmed | BookingCancelled | BookingModified;

// ---- Events this upstream sends by webhook (raised by the webhook intake) ----

/**
 * Avinode events carry either the changed data (the sandbox) or, as Avinode really does, a thin `{id, href}`
 * (`isAvinodeThin(payload)`): then the consumer fetches the current state itself, which also makes order irrelevant.
 */
export class AvinodeBookingConfirmed extends WebhookDomainEvent<AvinodeBookingConfirmedPayload> {
  static readonly eventName = 'avinode.booking_confirmed';
}

export class AvinodeBookingCancelled extends WebhookDomainEvent<AvinodeBookingCancelledPayload> {
  static readonly eventName = 'avinode.booking_cancelled';
}

/**
 * One of Avinode's native notifications (`TripRequestSellerResponse`, `TripChatFromSeller`, … — `meta.type` says which):
 * thin `{id, href}`, and the consumer reads `href` for the details (docs/avinode-webhooks).
 */
export class AvinodeNotificationReceived extends WebhookDomainEvent<AvinodeThinPayload> {
  static readonly eventName = 'avinode.notification';
}

/** An RFQ of one of our trips changed upstream (a seller quoted, declined, revised), read after a native notification. */
export class AvinodeRfqUpdated {
  static readonly eventName = 'avinode.rfq_updated';

  constructor(
    readonly rfq: Rfq,
    /** The notification type that announced it, e.g. `TripRequestSellerResponse`. */
    readonly notificationType: string,
    readonly webhookEventId: string | null,
  ) {}
}

/** Published availability of an aircraft changed on `dates` (booked, released, edited or withdrawn). */
export class AvinodeAvailabilityUpdated extends WebhookDomainEvent<AvinodeAvailabilityUpdatedPayload> {
  static readonly eventName = 'avinode.availability_updated';
}
