import type { AuditableEvent, AuditEntryInput } from '../../../common/events/domain-event.js';

/** A delivery was refused (bad signature, no credentials, malformed, oversized, unknown type). Never holds the body. */
export class WebhookRejected implements AuditableEvent {
  static readonly eventName = 'webhook.rejected';

  constructor(
    readonly source: string,
    readonly status: number,
    readonly reason: string,
    readonly messageId: string | null,
    readonly eventType: string | null,
    readonly remoteAddress: string,
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'webhook',
      type: WebhookRejected.eventName,
      subject: this.source,
      correlationId: this.messageId,
      outcome: 'failure',
      details: {
        status: this.status,
        reason: this.reason,
        eventType: this.eventType,
        remoteAddress: this.remoteAddress,
      },
    };
  }
}

/** Every processing attempt failed; the event waits for a replay. */
export class WebhookDeadLettered implements AuditableEvent {
  static readonly eventName = 'webhook.dead_lettered';

  constructor(
    readonly webhookEventId: string,
    readonly source: string,
    readonly eventType: string,
    readonly attempts: number,
    readonly lastError: string | null,
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'webhook',
      type: WebhookDeadLettered.eventName,
      subject: this.webhookEventId,
      outcome: 'failure',
      details: { source: this.source, eventType: this.eventType, attempts: this.attempts, lastError: this.lastError },
    };
  }
}

/** An operator replayed an event through the operations API. */
export class WebhookReplayed implements AuditableEvent {
  static readonly eventName = 'webhook.replayed';

  constructor(
    readonly webhookEventId: string,
    readonly previousStatus: string,
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'webhook',
      type: WebhookReplayed.eventName,
      subject: this.webhookEventId,
      outcome: 'info',
      details: { previousStatus: this.previousStatus },
    };
  }
}
