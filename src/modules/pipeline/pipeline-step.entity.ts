import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { PipelineRun } from './pipeline-run.entity.js';

export type StepRecordStatus = 'running' | 'retrying' | 'succeeded' | 'failed' | 'dead_lettered' | 'skipped';

export interface StepAttemptError {
  attempt: number;
  at: string;
  code: string;
  message: string;
  retryable: boolean;
}

/** One step of a run (one row per step; attempts counted, the last errors kept). */
@Entity({ name: 'pipeline_steps' })
@Index('uq_pipeline_steps_run_step', ['runId', 'step'], { unique: true })
export class PipelineStepRecord {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId: string;

  /** Declared for the schema's foreign key; the code reads and writes `runId`. */
  @ManyToOne(() => PipelineRun, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'fk_pipeline_steps_run' })
  run?: PipelineRun;

  /** enrich, search, price, request, notify, or confirmation (the upstream's answer). */
  @Column({ type: 'varchar', length: 16 })
  step: string;

  @Column({ type: 'varchar', length: 16 })
  status: StepRecordStatus;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ type: 'jsonb', nullable: true })
  input: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  output: Record<string, unknown> | null;

  @Column({ type: 'jsonb', default: [] })
  errors: StepAttemptError[];

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  /** The instance (host/pid) that ran the latest attempt. */
  @Column({ type: 'varchar', length: 128, nullable: true })
  instance: string | null;

  /** Time of the successful (or last) attempt, upstream calls included. */
  @Column({ name: 'duration_ms', type: 'int', nullable: true })
  durationMs: number | null;
}
