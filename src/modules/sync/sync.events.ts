import type { AuditEntryInput, AuditableEvent } from '../../common/events/domain-event.js';
import type { StreamRunResult, SyncKind, SyncOutcome, SyncTrigger } from './sync.entities.js';

/** A sync run ended (whatever its outcome). */
export class SyncRunCompleted implements AuditableEvent {
  static readonly eventName = 'sync.run_completed';

  constructor(
    readonly run: {
      id: string;
      trigger: SyncTrigger;
      kind: SyncKind;
      streams: string[];
      outcome: SyncOutcome;
      durationMs: number;
      inserted: number;
      changed: number;
      unchanged: number;
      deleted: number;
      error: string | null;
      streamResults: Record<string, StreamRunResult>;
    },
  ) {}

  toAuditEntry(): AuditEntryInput {
    const { id, outcome, streamResults, ...details } = this.run;
    return {
      source: 'sync',
      type: SyncRunCompleted.eventName,
      subject: id,
      correlationId: id,
      outcome: outcome === 'success' ? 'success' : 'failure',
      details: { ...details, outcome, streams: streamResults },
    };
  }
}

/** Someone changed the sync schedule through the API. */
export class SyncScheduleChanged implements AuditableEvent {
  static readonly eventName = 'sync.schedule_changed';

  constructor(
    readonly change: {
      action: 'start' | 'stop';
      streams: string[];
      intervalSeconds: number | null;
      actor: string | null;
    },
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'admin',
      type: SyncScheduleChanged.eventName,
      subject: this.change.streams.join(','),
      outcome: 'success',
      details: { ...this.change },
    };
  }
}

/** Someone started a sync by hand. */
export class SyncRequested implements AuditableEvent {
  static readonly eventName = 'sync.requested';

  constructor(readonly request: { runId: string; kind: SyncKind; streams: string[]; actor: string | null }) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'admin',
      type: SyncRequested.eventName,
      subject: this.request.runId,
      correlationId: this.request.runId,
      outcome: 'info',
      details: { ...this.request },
    };
  }
}

/** A consistency check finished. */
export class SyncConsistencyChecked implements AuditableEvent {
  static readonly eventName = 'sync.consistency_checked';

  constructor(readonly check: { id: string; score: number; issues: Record<string, number>; actor: string | null }) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'sync',
      type: SyncConsistencyChecked.eventName,
      subject: this.check.id,
      outcome: 'info',
      details: { score: this.check.score, issues: this.check.issues, actor: this.check.actor },
    };
  }
}

/**
 * A synced Avinode booking reached an outcome the pipeline waits for. Emitted after the page that wrote it committed,
 * for bookings inserted or changed by that page; listeners must be idempotent (a later full sync may emit it again).
 */
export class SyncedBookingStatusChanged {
  static readonly eventName = 'sync.booking_status_changed';

  constructor(
    readonly requestId: string,
    readonly bookingId: string | null,
    /** `confirmed` also stands for a booking already flown or completed by the time it was synced. */
    readonly outcome: 'confirmed' | 'cancelled',
    readonly upstreamStatus: string,
  ) {}
}
