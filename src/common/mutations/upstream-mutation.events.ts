import type { AuditEntryInput, AuditableEvent } from '../events/domain-event.js';
import type { UpstreamMutation } from './upstream-mutation.entity.js';

/** The audit entry of an intent's event: about the upstream record (or the intent's subject), tied by the intent. */
function entry(
  intent: UpstreamMutation,
  type: string,
  outcome: AuditEntryInput['outcome'],
  extra: Record<string, unknown>,
): AuditEntryInput {
  return {
    source: intent.upstream,
    type,
    subject: intent.resultRef ?? intent.subject,
    correlationId: intent.id,
    outcome,
    details: {
      intentId: intent.id,
      upstream: intent.upstream,
      operation: intent.operation,
      subject: intent.subject,
      resultRef: intent.resultRef,
      attempts: intent.attempts,
      request: intent.requestSummary,
      ...extra,
    },
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
    return entry(this.intent, UpstreamMutationLeftOpen.eventName, 'failure', { reason: this.reason });
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
    return entry(this.intent, UpstreamMutationReconciled.eventName, 'success', { by: this.by });
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
    return entry(this.intent, UpstreamMutationAbandoned.eventName, 'failure', { reason: this.reason });
  }
}
