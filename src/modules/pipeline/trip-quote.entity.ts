import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { Rfq } from '../avainode/avinode-trips.contracts.js';
import { PipelineRun } from './pipeline-run.entity.js';

/**
 * One RFQ of a run's Avinode trip as last read (a seller's quote, decline or silence), stored as each notification
 * arrives and again when the run chooses: what the run shows, and what it chose from.
 */
@Entity({ name: 'pipeline_trip_quotes' })
export class PipelineTripQuote {
  @PrimaryColumn({ name: 'run_id', type: 'uuid' })
  runId: string;

  @PrimaryColumn({ name: 'rfq_id', type: 'varchar', length: 64 })
  rfqId: string;

  /** Declared for the schema's foreign key; the code reads and writes `runId`. */
  @ManyToOne(() => PipelineRun, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'fk_pipeline_trip_quotes_run' })
  run?: PipelineRun;

  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Column({ name: 'quote_id', type: 'varchar', length: 64, nullable: true })
  quoteId: string | null;

  @Column({ name: 'total_cents', type: 'bigint', nullable: true })
  totalCents: string | null;

  @Column({ type: 'jsonb' })
  rfq: Rfq;

  @Column({ name: 'first_seen_at', type: 'timestamptz', default: () => 'now()' })
  firstSeenAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
