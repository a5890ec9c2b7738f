import type { AuditableEvent, AuditEntryInput } from '../../../common/events/domain-event.js';

/** Refused deliveries of one source in one minute, as counted by the intake (never bodies or credentials). */
export interface WebhookRejectionSummary {
  /** A known source, or `unknown` for names that are not one (the name itself is attacker-chosen). */
  source: string;
  /** Start of the minute (epoch ms). */
  minute: number;
  /** Every refused delivery of that source and minute. */
  count: number;
  byStatus: Record<string, number>;
  /** Reasons (the problem detail), the most frequent first; beyond a few, the rest are summed under `(other)`. */
  byReason: Record<string, number>;
  /** `client` or `client via peer` (when a trusted proxy forwarded it); beyond a few, summed under `(other)`. */
  byAddress: Record<string, number>;
  /** A sample of the refused message ids, each shortened to a bounded length (with a hash when longer). */
  sampleMessageIds: string[];
  firstAt: string;
  lastAt: string;
}

/**
 * Deliveries were refused (bad signature, no credentials, malformed, oversized, unknown type, rate limited): one audit
 * entry per source and minute with the counts, so a flood of refusals costs one row a minute, not one row each.
 */
export class WebhookRejected implements AuditableEvent {
  static readonly eventName = 'webhook.rejected';

  constructor(readonly summary: WebhookRejectionSummary) {}

  toAuditEntry(): AuditEntryInput {
    const { source, minute, ...details } = this.summary;
    return {
      source: 'webhook',
      type: WebhookRejected.eventName,
      subject: source,
      correlationId: null,
      outcome: 'failure',
      occurredAt: new Date(minute),
      details: { minute: new Date(minute).toISOString(), ...details },
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
      correlationId: this.webhookEventId,
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
      correlationId: this.webhookEventId,
      outcome: 'info',
      details: { previousStatus: this.previousStatus },
    };
  }
}
