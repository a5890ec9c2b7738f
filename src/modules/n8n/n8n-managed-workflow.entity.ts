import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A workflow the backend provisions itself (`ManagedWorkflowsService.ensureWorkflow`), one row per workflow name. The primary key
 * on the name is the cross-instance lock: the instance whose INSERT wins (or whose UPDATE takes over a stale claim)
 * is the only one that may create the workflow upstream.
 */
@Entity({ name: 'n8n_managed_workflows' })
export class N8nManagedWorkflow {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  name!: string;

  /** The n8n workflow id once created (or adopted); null while a claim is being worked on. */
  @Column({ name: 'workflow_id', type: 'varchar', length: 64, nullable: true })
  workflowId!: string | null;

  @Column({ type: 'boolean', default: false })
  active!: boolean;

  /** Random token of the claim in progress; only its holder records the result. */
  @Column({ name: 'claim_token', type: 'uuid', nullable: true })
  claimToken!: string | null;

  @Column({ name: 'claimed_at', type: 'timestamptz', nullable: true })
  claimedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
