import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { PipelineBatch } from './pipeline-batch.entity.js';
import type { LeadProfile } from './lead-merge.js';
import type { AircraftChoiceRecord, FlightRequirements, RunSource } from './pipeline.types.js';
import type { PricedCandidate } from './aircraft-choice.js';
import type { BookingOutcome, FailureReason, PipelineStep, RunStatus } from './run-state-machine.js';

export type NotificationStatus = 'sent' | 'succeeded' | 'failed';

/** One lead on one trip, on its way to a booking. Status changes only through run-state-machine.ts. */
@Entity({ name: 'pipeline_runs' })
@Index('idx_pipeline_runs_created', ['createdAt', 'id'])
// One open run per lead and trip: concurrent identical submissions find the same run instead of creating another.
@Index('uq_pipeline_runs_open_dedupe', ['dedupeKey'], {
  unique: true,
  where: `"status" NOT IN ('cancelled', 'failed', 'dead_lettered')`,
})
@Index('uq_pipeline_runs_idempotency_key', ['idempotencyKey'], { unique: true, where: '"idempotency_key" IS NOT NULL' })
@Index('uq_pipeline_runs_charter_request', ['charterRequestId'], {
  unique: true,
  where: '"charter_request_id" IS NOT NULL',
})
@Index('uq_pipeline_runs_avinode_trip', ['avinodeTripId'], { unique: true, where: '"avinode_trip_id" IS NOT NULL' })
@Index('uq_pipeline_runs_batch_index', ['batchId', 'batchIndex'], { unique: true, where: '"batch_id" IS NOT NULL' })
@Index('idx_pipeline_runs_status_created', ['status', 'createdAt', 'id'])
@Index('idx_pipeline_runs_booking', ['bookingId'], { where: '"booking_id" IS NOT NULL' })
// n8n's execution webhooks find the run by its notification's execution.
@Index('idx_pipeline_runs_n8n_execution', ['n8nExecutionId'], { where: '"n8n_execution_id" IS NOT NULL' })
// The sweep that ends runs waiting past their due time reads only waiting runs.
@Index('idx_pipeline_runs_awaiting_due', ['confirmationDueAt'], { where: `"status" = 'awaiting_confirmation'` })
@Check(
  'ck_pipeline_runs_status',
  `"status" IN ('queued', 'enriching', 'searching', 'pricing', 'requesting', 'notifying', 'awaiting_quotes', 'awaiting_confirmation', 'booked', 'cancelled', 'failed', 'dead_lettered')`,
)
@Check('ck_pipeline_runs_notification_status', `"notification_status" IN ('sent', 'succeeded', 'failed')`)
export class PipelineRun {
  /** Chosen by the application before insert: it is also the charter request's idempotency key. */
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 32 })
  status: RunStatus;

  /** Bumped by every retry, so a late job or dead letter of an earlier attempt is recognised and ignored. */
  @Column({ type: 'int', default: 1 })
  generation: number;

  @Column({ name: 'failed_step', type: 'varchar', length: 16, nullable: true })
  failedStep: PipelineStep | null;

  @Column({ name: 'failure_reason', type: 'varchar', length: 32, nullable: true })
  failureReason: FailureReason | null;

  @Column({ name: 'failure_message', type: 'text', nullable: true })
  failureMessage: string | null;

  @Column({ name: 'request_created', type: 'boolean', default: false })
  requestCreated: boolean;

  @Column({ name: 'pending_outcome', type: 'varchar', length: 16, nullable: true })
  pendingOutcome: BookingOutcome | null;

  @Column({ type: 'varchar', length: 16 })
  source: RunSource;

  @Column({ name: 'batch_id', type: 'uuid', nullable: true })
  batchId: string | null;

  /** Declared for the schema's foreign key; the code reads and writes `batchId`. */
  @ManyToOne(() => PipelineBatch, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'batch_id', foreignKeyConstraintName: 'fk_pipeline_runs_batch' })
  batch?: PipelineBatch | null;

  @Column({ name: 'batch_index', type: 'int', nullable: true })
  batchIndex: number | null;

  /** The lead as submitted. */
  @Column({ name: 'lead_input', type: 'jsonb' })
  leadInput: LeadProfile;

  /** The lead as the pipeline knows it now (submitted data plus enrichment). */
  @Column({ type: 'jsonb' })
  lead: LeadProfile;

  @Column({ type: 'jsonb' })
  flight: FlightRequirements;

  /** Lead + trip: one open run per key (partial unique index in the migration). */
  @Column({ name: 'dedupe_key', type: 'varchar', length: 128 })
  dedupeKey: string;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, nullable: true })
  idempotencyKey: string | null;

  /** Hash of the submitted body; an Idempotency-Key reused with another body is refused. */
  @Column({ name: 'request_hash', type: 'varchar', length: 64 })
  requestHash: string;

  @Column({ type: 'jsonb', nullable: true })
  candidates: PricedCandidate[] | null;

  @Column({ type: 'jsonb', nullable: true })
  choice: AircraftChoiceRecord | null;

  @Column({ name: 'charter_request_id', type: 'varchar', length: 64, nullable: true })
  charterRequestId: string | null;

  @Column({ name: 'booking_id', type: 'varchar', length: 64, nullable: true })
  bookingId: string | null;

  @Column({ name: 'n8n_execution_id', type: 'varchar', length: 64, nullable: true })
  n8nExecutionId: string | null;

  /** The notification's identity, recorded before the n8n workflow is first triggered (see notification-workflow). */
  @Column({ name: 'notification_key', type: 'varchar', length: 128, nullable: true })
  notificationKey: string | null;

  @Column({ name: 'notification_recorded_at', type: 'timestamptz', nullable: true })
  notificationRecordedAt: Date | null;

  /**
   * `sent` once n8n accepted the notification (the run goes on without waiting for the workflow to finish), then
   * `succeeded` or `failed` when n8n reports the execution's end. A failed notification does not fail the run.
   */
  @Column({ name: 'notification_status', type: 'varchar', length: 16, nullable: true })
  notificationStatus: NotificationStatus | null;

  /** Why the notification workflow failed (n8n's error message and node), when it did. */
  @Column({ name: 'notification_error', type: 'text', nullable: true })
  notificationError: string | null;

  /** While awaiting confirmation: when the run gives up (the quote's validity, bounded by the configured timeout). */
  @Column({ name: 'confirmation_due_at', type: 'timestamptz', nullable: true })
  confirmationDueAt: Date | null;

  /** How the run got its quotes: `instant` (search and price at once) or `trip` (Avinode's broker flow). */
  @Column({ name: 'quote_path', type: 'varchar', length: 16, nullable: true })
  quotePath: 'instant' | 'trip' | null;

  @Column({ name: 'avinode_trip_id', type: 'varchar', length: 64, nullable: true })
  avinodeTripId: string | null;

  /** The broker's `searchInAvinode` deep link of the trip. */
  @Column({ name: 'avinode_deep_link', type: 'text', nullable: true })
  avinodeDeepLink: string | null;

  /** While awaiting quotes: the quote deadline (a delayed job ends the wait then). */
  @Column({ name: 'quotes_due_at', type: 'timestamptz', nullable: true })
  quotesDueAt: Date | null;

  /** When the trip's outcome (CONVERTED) or its cancellation was reported upstream. */
  @Column({ name: 'trip_closed_at', type: 'timestamptz', nullable: true })
  tripClosedAt: Date | null;

  @Column({ name: 'cancel_reason', type: 'text', nullable: true })
  cancelReason: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
