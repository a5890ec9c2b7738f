import type {
  ApolloLeadCreatedPayload,
  ApolloLeadUpdatedPayload,
  ApolloSequenceCompletedPayload,
} from '../webhook.payloads.js';
import { WebhookDomainEvent } from './webhook-domain-event.js';

/** Apollo created a contact (e.g. an unknown email added to a sequence). `payload.lead` is the contact. */
export class ApolloLeadCreated extends WebhookDomainEvent<ApolloLeadCreatedPayload> {
  static readonly eventName = 'apollo.lead_created';
}

/** A contact changed (enrichment revealed email/phone, an edit, a deletion: `payload.lead.deleted`). */
export class ApolloLeadUpdated extends WebhookDomainEvent<ApolloLeadUpdatedPayload> {
  static readonly eventName = 'apollo.lead_updated';
}

/** An email sequence sent its last step; `payload.engagement` has the totals. */
export class ApolloSequenceCompleted extends WebhookDomainEvent<ApolloSequenceCompletedPayload> {
  static readonly eventName = 'apollo.sequence_completed';
}
