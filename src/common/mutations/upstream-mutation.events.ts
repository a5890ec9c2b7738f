import type { AuditEntryInput, AuditableEvent } from '../events/domain-event.js';
import type { UpstreamMutation } from './upstream-mutation.entity.js';

function details(intent: UpstreamMutation, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    intentId: intent.id,
    upstream: intent.upstream,
    operation: intent.operation,
    subject: intent.subject,
    resultRef: intent.resultRef,
    attempts: intent.attempts,
    request: intent.requestSummary,
    ...extra,
  };
}

/**
 * An upstream mutation whose outcome is not stored locally: the upstream answered but the local write failed, or the
 * upstream did not answer clearly. The intent stays `pending` until a retry with the same key or the reconcile job
 * completes it.
 */
export class UpstreamMutationLeftOpen implements AuditableEvent {
  static readonly eventName = 'upstream_mutation.left_open';

  constructor(
    readonly intent: UpstreamMutation,
    readonly reason: string,
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: this.intent.upstream,
      type: UpstreamMutationLeftOpen.eventName,
      subject: this.intent.resultRef ?? this.intent.subject,
      correlationId: this.intent.id,
      outcome: 'failure',
      details: details(this.intent, { reason: this.reason }),
    };
  }
}

/** A pending intent was completed later: by a retry with the same key (`by: 'retry'`) or the reconcile job. */
export class UpstreamMutationReconciled implements AuditableEvent {
  static readonly eventName = 'upstream_mutation.reconciled';

  constructor(
    readonly intent: UpstreamMutation,
    readonly by: 'retry' | 'reconcile',
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: this.intent.upstream,
      type: UpstreamMutationReconciled.eventName,
      subject: this.intent.resultRef ?? this.intent.subject,
      correlationId: this.intent.id,
      outcome: 'success',
      details: details(this.intent, { by: this.by }),
    };
  }
}

/** The reconcile job gave up on a pending intent: the upstream has no such record, or it was unknowable too long. */
export class UpstreamMutationAbandoned implements AuditableEvent {
  static readonly eventName = 'upstream_mutation.abandoned';

  constructor(
    readonly intent: UpstreamMutation,
    readonly reason: string,
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: this.intent.upstream,
      type: UpstreamMutationAbandoned.eventName,
      subject: this.intent.resultRef ?? this.intent.subject,
      correlationId: this.intent.id,
      outcome: 'failure',
      details: details(this.intent, { reason: this.reason }),
    };
  }
}
