import type { AuditEntryInput, AuditableEvent } from '../../common/events/domain-event.js';
import type {
  ApolloLeadCreatedPayload,
  ApolloLeadUpdatedPayload,
  ApolloSequenceCompletedPayload,
} from '../webhook/webhook.payloads.js';
import { WebhookDomainEvent } from '../webhook/events/webhook-domain-event.js';

/** The backend created an Apollo email sequence. */
export class ApolloSequenceCreated implements AuditableEvent {
  static readonly eventName = 'apollo.sequence_created';
  constructor(
    readonly sequence: { id: string; name: string; contactCount: number; stepCount: number; status: string },
  ) {}
  toAuditEntry(): AuditEntryInput {
    return {
      source: 'apollo',
      type: ApolloSequenceCreated.eventName,
      subject: this.sequence.id,
      outcome: 'success',
      details: { ...this.sequence },
    };
  }
}

/** The backend added contacts to an Apollo sequence. */
export class ApolloContactsAddedToSequence implements AuditableEvent {
  static readonly eventName = 'apollo.sequence_contacts_added';
  constructor(
    readonly sequenceId: string,
    readonly contactIds: readonly string[],
    readonly result: { added: number; alreadyPresent: number; contactCount: number },
  ) {}
  toAuditEntry(): AuditEntryInput {
    return {
      source: 'apollo',
      type: ApolloContactsAddedToSequence.eventName,
      subject: this.sequenceId,
      outcome: 'success',
      details: { contactIds: [...this.contactIds], ...this.result },
    };
  }
}

/** The backend enriched a contact (the first enrichment reveals email and phone upstream). */
export class ApolloContactEnriched implements AuditableEvent {
  static readonly eventName = 'apollo.contact_enriched';
  constructor(
    readonly contactId: string,
    readonly organizationDomain: string | null,
    readonly emailStatus: string,
  ) {}
  toAuditEntry(): AuditEntryInput {
    return {
      source: 'apollo',
      type: ApolloContactEnriched.eventName,
      subject: this.contactId,
      outcome: 'info',
      details: { organizationDomain: this.organizationDomain, emailStatus: this.emailStatus },
    };
  }
}

// ---- Events this upstream sends by webhook (raised by the webhook intake) ----

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
