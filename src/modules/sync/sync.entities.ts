import { Check, Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A synced upstream record: its JSON as the upstream returned it, the SHA-256 of its canonical JSON (only a different
 * hash counts as a change), the upstream `updatedAt`, when a sync last saw it and whether it is gone upstream.
 * The same shape for every stream; one table per stream (see the subclasses).
 */
export abstract class SyncRecordColumns {
  @PrimaryColumn({ name: 'upstream_id', type: 'varchar', length: 128 })
  upstreamId: string;

  @Column({ type: 'jsonb' })
  data: Record<string, unknown>;

  @Column({ name: 'data_hash', type: 'char', length: 64 })
  dataHash: string;

  @Column({ name: 'upstream_updated_at', type: 'timestamptz', nullable: true })
  upstreamUpdatedAt: Date | null;

  @Column({ name: 'first_seen_at', type: 'timestamptz', default: () => 'now()' })
  firstSeenAt: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz', default: () => 'now()' })
  lastSeenAt: Date;

  @Column({ name: 'last_changed_at', type: 'timestamptz', default: () => 'now()' })
  lastChangedAt: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;
}

@Entity({ name: 'sync_apollo_contact' })
export class SyncApolloContact extends SyncRecordColumns {}

@Entity({ name: 'sync_avinode_availability' })
export class SyncAvinodeAvailability extends SyncRecordColumns {}

@Entity({ name: 'sync_avinode_booking' })
export class SyncAvinodeBooking extends SyncRecordColumns {}

@Entity({ name: 'sync_n8n_execution' })
@Index('idx_sync_n8n_execution_unfinished', ['upstreamId'], {
  where: `("data"->>'finished') = 'false' AND "deleted_at" IS NULL`,
})
export class SyncN8nExecution extends SyncRecordColumns {}

export type SyncTrigger = 'cron' | 'manual' | 'webhook';
export type SyncKind = 'incremental' | 'full';
export type SyncOutcome = 'running' | 'success' | 'partial' | 'failure' | 'interrupted';

export interface SyncCounts {
  inserted: number;
  changed: number;
  unchanged: number;
  deleted: number;
}

export interface StreamRunResult extends SyncCounts {
  outcome: 'success' | 'failure' | 'skipped';
  pages: number;
  durationMs: number;
  error?: string;
  /** Up to ten ids this run marked deleted. */
  deletedExamples?: string[];
  /** Records the upstream sent that the database cannot hold (see SyncQuarantinedRecord), and up to ten of their ids. */
  quarantined?: number;
  quarantinedExamples?: string[];
}

/** Per stream: where the next incremental sync resumes, its schedule, and how the last runs went. */
@Entity({ name: 'sync_stream_state' })
@Check('ck_sync_stream_state_interval', '"interval_seconds" IS NULL OR "interval_seconds" >= 10')
export class SyncStreamState {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  stream: string;

  @Column({ type: 'text', nullable: true })
  cursor: string | null;

  @Column({ name: 'updated_since', type: 'timestamptz', nullable: true })
  updatedSince: Date | null;

  @Column({ type: 'jsonb', default: {} })
  extra: Record<string, unknown>;

  @Column({ name: 'schedule_enabled', type: 'boolean', default: true })
  scheduleEnabled: boolean;

  @Column({ name: 'interval_seconds', type: 'integer', nullable: true })
  intervalSeconds: number | null;

  @Column({ name: 'schedule_anchor_at', type: 'timestamptz', default: () => 'now()' })
  scheduleAnchorAt: Date;

  @Column({ name: 'last_run_id', type: 'uuid', nullable: true })
  lastRunId: string | null;

  @Column({ name: 'last_started_at', type: 'timestamptz', nullable: true })
  lastStartedAt: Date | null;

  @Column({ name: 'last_finished_at', type: 'timestamptz', nullable: true })
  lastFinishedAt: Date | null;

  @Column({ name: 'last_success_at', type: 'timestamptz', nullable: true })
  lastSuccessAt: Date | null;

  @Column({ name: 'last_full_sync_at', type: 'timestamptz', nullable: true })
  lastFullSyncAt: Date | null;

  @Column({ name: 'last_error_at', type: 'timestamptz', nullable: true })
  lastErrorAt: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'last_counts', type: 'jsonb', default: {} })
  lastCounts: Partial<SyncCounts>;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/** One sync run over one or more streams. */
@Entity({ name: 'sync_run' })
@Index('idx_sync_run_started', ['startedAt', 'id'])
@Index('idx_sync_run_running', ['outcome'], { where: `"outcome" = 'running'` })
@Check('ck_sync_run_trigger', `"trigger" IN ('cron', 'manual', 'webhook')`)
@Check('ck_sync_run_kind', `"kind" IN ('incremental', 'full')`)
@Check('ck_sync_run_outcome', `"outcome" IN ('running', 'success', 'partial', 'failure', 'interrupted')`)
export class SyncRun {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 64, array: true })
  streams: string[];

  @Column({ type: 'varchar', length: 16 })
  trigger: SyncTrigger;

  @Column({ type: 'varchar', length: 16 })
  kind: SyncKind;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Column({ name: 'duration_ms', type: 'integer', nullable: true })
  durationMs: number | null;

  @Column({ type: 'integer', default: 0 })
  inserted: number;

  @Column({ type: 'integer', default: 0 })
  changed: number;

  @Column({ type: 'integer', default: 0 })
  unchanged: number;

  @Column({ type: 'integer', default: 0 })
  deleted: number;

  @Column({ type: 'varchar', length: 16, default: 'running' })
  outcome: SyncOutcome;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ name: 'stream_results', type: 'jsonb', default: {} })
  streamResults: Record<string, StreamRunResult>;
}

/** One consistency check: the score, per-stream findings, issues with examples, recommendations. */
@Entity({ name: 'sync_consistency_check' })
@Index('idx_sync_consistency_check_time', ['checkedAt', 'id'])
@Check('ck_sync_consistency_check_score', '"score" >= 0 AND "score" <= 100')
export class SyncConsistencyCheck {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'checked_at', type: 'timestamptz', default: () => 'now()' })
  checkedAt: Date;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs: number;

  @Column({ type: 'double precision' })
  score: number;

  @Column({ type: 'varchar', length: 8 })
  mode: 'full' | 'sample';

  @Column({ name: 'sample_size', type: 'integer' })
  sampleSize: number;

  @Column({ type: 'jsonb' })
  streams: unknown[];

  @Column({ type: 'jsonb' })
  issues: unknown[];

  @Column({ type: 'jsonb' })
  recommendations: string[];
}

/**
 * A record a sync could not store (text PostgreSQL refuses, such as U+0000): kept out of the table so the stream goes
 * on, shown in the status and the consistency check, and retried by every later sync that sees it again.
 */
@Entity({ name: 'sync_quarantine' })
export class SyncQuarantinedRecord {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  stream: string;

  @PrimaryColumn({ name: 'upstream_id', type: 'text' })
  upstreamId: string;

  /** Where in the record, e.g. `contact.name`. */
  @Column({ type: 'text' })
  field: string;

  @Column({ type: 'text' })
  reason: string;

  @Column({ name: 'first_seen_at', type: 'timestamptz', default: () => 'now()' })
  firstSeenAt: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz', default: () => 'now()' })
  lastSeenAt: Date;
}

export const SYNC_ENTITIES = [
  SyncQuarantinedRecord,
  SyncApolloContact,
  SyncAvinodeAvailability,
  SyncAvinodeBooking,
  SyncN8nExecution,
  SyncStreamState,
  SyncRun,
  SyncConsistencyCheck,
];
