import type { AuditEntryInput, AuditableEvent } from '../../common/events/domain-event.js';
import type { FailureReason, PipelineStep, RunStatus } from './run-state-machine.js';

/**
 * Pipeline events, emitted after the change they describe is committed (so a listener that reads the database sees
 * it). The event stream (`GET /api/integration/events`) relays them. Creation, every status change, failed step
 * attempts and the end of a run are audited with the run's id as correlation id.
 */
export class PipelineRunCreated implements AuditableEvent {
  static readonly eventName = 'pipeline.run.created';

  constructor(
    readonly runId: string,
    readonly source: string,
    readonly batchId: string | null,
    readonly status: RunStatus,
    readonly occurredAt: Date = new Date(),
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'pipeline',
      type: PipelineRunCreated.eventName,
      subject: this.runId,
      correlationId: this.runId,
      outcome: 'info',
      details: { source: this.source, batchId: this.batchId, status: this.status },
      occurredAt: this.occurredAt,
    };
  }
}

export class PipelineStepStarted {
  static readonly eventName = 'pipeline.step.started';

  constructor(
    readonly runId: string,
    readonly step: PipelineStep,
    readonly attempt: number,
    readonly occurredAt: Date = new Date(),
  ) {}
}

export class PipelineStepSucceeded {
  static readonly eventName = 'pipeline.step.succeeded';

  constructor(
    readonly runId: string,
    readonly step: PipelineStep,
    readonly attempt: number,
    readonly durationMs: number,
    readonly summary: Record<string, unknown>,
    readonly occurredAt: Date = new Date(),
  ) {}
}

export class PipelineStepFailed implements AuditableEvent {
  static readonly eventName = 'pipeline.step.failed';

  constructor(
    readonly runId: string,
    readonly step: PipelineStep,
    readonly attempt: number,
    readonly code: string,
    readonly message: string,
    /** A retry is scheduled (false: the run failed or is about to be dead-lettered). */
    readonly willRetry: boolean,
    readonly occurredAt: Date = new Date(),
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'pipeline',
      type: PipelineStepFailed.eventName,
      subject: this.runId,
      correlationId: this.runId,
      outcome: 'failure',
      details: {
        step: this.step,
        attempt: this.attempt,
        code: this.code,
        message: this.message,
        willRetry: this.willRetry,
      },
      occurredAt: this.occurredAt,
    };
  }
}

export class PipelineRunStatusChanged implements AuditableEvent {
  static readonly eventName = 'pipeline.run.status_changed';

  constructor(
    readonly runId: string,
    readonly batchId: string | null,
    readonly from: RunStatus,
    readonly to: RunStatus,
    readonly note: string,
    readonly occurredAt: Date = new Date(),
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'pipeline',
      type: PipelineRunStatusChanged.eventName,
      subject: this.runId,
      correlationId: this.runId,
      outcome: this.to === 'failed' || this.to === 'dead_lettered' ? 'failure' : 'info',
      details: { from: this.from, to: this.to, note: this.note, batchId: this.batchId },
      occurredAt: this.occurredAt,
    };
  }
}

/** A run reached booked, cancelled, failed or dead-lettered. Audited. */
export class PipelineRunFinished implements AuditableEvent {
  static readonly eventName = 'pipeline.run.finished';

  constructor(
    readonly runId: string,
    readonly batchId: string | null,
    readonly status: RunStatus,
    readonly failureReason: FailureReason | null,
    readonly failedStep: PipelineStep | null,
    readonly message: string | null,
    readonly charterRequestId: string | null,
    readonly occurredAt: Date = new Date(),
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'pipeline',
      type: PipelineRunFinished.eventName,
      subject: this.runId,
      correlationId: this.runId,
      outcome: this.status === 'booked' ? 'success' : this.status === 'cancelled' ? 'info' : 'failure',
      details: {
        status: this.status,
        failureReason: this.failureReason,
        failedStep: this.failedStep,
        message: this.message,
        batchId: this.batchId,
        charterRequestId: this.charterRequestId,
      },
      occurredAt: this.occurredAt,
    };
  }
}

/** n8n reported the end of the run's notification execution. Audited; a failure does not change the run's status. */
export class PipelineNotificationFinished implements AuditableEvent {
  static readonly eventName = 'pipeline.run.notification_finished';

  constructor(
    readonly runId: string,
    readonly executionId: string,
    readonly status: 'succeeded' | 'failed',
    readonly error: string | null,
    readonly occurredAt: Date = new Date(),
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'pipeline',
      type: PipelineNotificationFinished.eventName,
      subject: this.runId,
      correlationId: this.runId,
      outcome: this.status === 'succeeded' ? 'success' : 'failure',
      details: { executionId: this.executionId, status: this.status, error: this.error },
      occurredAt: this.occurredAt,
    };
  }
}

export class PipelineBatchCreated implements AuditableEvent {
  static readonly eventName = 'pipeline.batch.created';

  constructor(
    readonly batchId: string,
    readonly batchSize: number,
    readonly occurredAt: Date = new Date(),
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'pipeline',
      type: PipelineBatchCreated.eventName,
      subject: this.batchId,
      outcome: 'info',
      details: { batchSize: this.batchSize },
      occurredAt: this.occurredAt,
    };
  }
}

/** Leads found, a group started, or the search failed. */
export class PipelineBatchProgress {
  static readonly eventName = 'pipeline.batch.progress';

  constructor(
    readonly batchId: string,
    readonly status: string,
    readonly total: number | null,
    readonly started: number,
    readonly error: string | null,
    readonly occurredAt: Date = new Date(),
  ) {}
}
