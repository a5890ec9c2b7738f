import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { PipelineBatch } from './pipeline-batch.entity.js';

/** One lead a batch's search found, in search order; run `position` of the batch is for this lead. */
@Entity({ name: 'pipeline_batch_leads' })
@Index('idx_pipeline_batch_leads_run', ['runId'], { where: '"run_id" IS NOT NULL' })
export class PipelineBatchLead {
  @PrimaryColumn({ name: 'batch_id', type: 'uuid' })
  batchId: string;

  @PrimaryColumn({ type: 'int' })
  position: number;

  /** Declared for the schema's foreign key; the code reads and writes `batchId`. */
  @ManyToOne(() => PipelineBatch, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'batch_id', foreignKeyConstraintName: 'fk_pipeline_batch_leads_batch' })
  batch?: PipelineBatch;

  @Column({ name: 'apollo_id', type: 'varchar', length: 64 })
  apolloId: string;

  @Column({ name: 'first_name', type: 'text', nullable: true })
  firstName: string | null;

  @Column({ name: 'last_name', type: 'text', nullable: true })
  lastName: string | null;

  @Column({ type: 'text', nullable: true })
  title: string | null;

  @Column({ name: 'linkedin_url', type: 'text', nullable: true })
  linkedinUrl: string | null;

  @Column({ type: 'text', nullable: true })
  company: string | null;

  @Column({ name: 'company_domain', type: 'text', nullable: true })
  companyDomain: string | null;

  /** The run started for this lead (a lead already on the trip in another open run shares that run). */
  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId: string | null;
}
