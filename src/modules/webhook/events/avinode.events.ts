import type {
  AvinodeAvailabilityUpdatedPayload,
  AvinodeBookingCancelledPayload,
  AvinodeBookingConfirmedPayload,
} from '../webhook.payloads.js';
import { WebhookDomainEvent } from './webhook-domain-event.js';

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

/** Published availability of an aircraft changed on `dates` (booked, released, edited or withdrawn). */
export class AvinodeAvailabilityUpdated extends WebhookDomainEvent<AvinodeAvailabilityUpdatedPayload> {
  static readonly eventName = 'avinode.availability_updated';
}
