import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { BatchSearchCriteria, FlightTemplate } from './pipeline.types.js';

export const BATCH_STATUSES = ['searching', 'starting', 'started', 'failed'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** A lead search whose results (`pipeline_batch_leads`) are started as runs in groups. Progress is counted from its runs. */
@Entity({ name: 'pipeline_batches' })
@Index('idx_pipeline_batches_created', ['createdAt', 'id'])
@Check('ck_pipeline_batches_status', `"status" IN ('searching', 'starting', 'started', 'failed')`)
export class PipelineBatch {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 16 })
  status: BatchStatus;

  @Column({ name: 'search_criteria', type: 'jsonb' })
  searchCriteria: BatchSearchCriteria;

  @Column({ name: 'flight_template', type: 'jsonb' })
  flightTemplate: FlightTemplate;

  @Column({ name: 'batch_size', type: 'int' })
  batchSize: number;

  @Column({ name: 'max_leads', type: 'int' })
  maxLeads: number;

  /** Leads the search found (null until it finished). */
  @Column({ type: 'int', nullable: true })
  total: number | null;

  /** Index of the next lead to start. */
  @Column({ name: 'next_index', type: 'int', default: 0 })
  nextIndex: number;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
