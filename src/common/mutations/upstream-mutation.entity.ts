import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { UpstreamName } from '../config/app-config.js';

/**
 * `pending`: the intent is recorded; the upstream may or may not have answered (see `upstream_answered_at`).
 * `completed`: the upstream answered and the local write succeeded. `failed`: the upstream refused (nothing changed
 * there) or the outcome could not be established. `reconciled`: completed later by the reconcile job or a retry.
 */
export type UpstreamMutationStatus = 'pending' | 'completed' | 'failed' | 'reconciled';

/**
 * One mutation the backend sent (or was about to send) to an upstream, recorded before the call, so a change made
 * upstream is never left without a local trace even when the local write after it fails.
 */
@Entity({ name: 'upstream_mutation' })
@Index('uq_upstream_mutation_key', ['upstream', 'operation', 'idempotencyKey'], { unique: true })
@Index('idx_upstream_mutation_status_updated', ['status', 'updatedAt'])
@Check('ck_upstream_mutation_status', `"status" IN ('pending', 'completed', 'failed', 'reconciled')`)
export class UpstreamMutation {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 16 })
  upstream: UpstreamName;

  /** e.g. `create_charter_request`, `confirm_booking`. */
  @Column({ type: 'varchar', length: 64 })
  operation: string;

  /** Caller-scoped: the key sent upstream (derived from the caller's Idempotency-Key, or the pipeline run id). */
  @Column({ name: 'idempotency_key', type: 'varchar', length: 200 })
  idempotencyKey: string;

  /** What the mutation targets before it runs (e.g. the booking id), when known. */
  @Column({ type: 'varchar', length: 256, nullable: true })
  subject: string | null;

  /** A summary of the request: ids and shape only, never contact details. */
  @Column({ name: 'request_summary', type: 'jsonb', default: {} })
  requestSummary: Record<string, unknown>;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: UpstreamMutationStatus;

  /** The upstream record the mutation produced or changed (e.g. the charter request id), once it answered. */
  @Column({ name: 'result_ref', type: 'varchar', length: 256, nullable: true })
  resultRef: string | null;

  /**
   * The upstream's answer itself, kept only for operations whose record the upstream cannot be asked for again (an
   * Apollo sequence has no read tool): a retry returns it.
   */
  @Column({ type: 'jsonb', nullable: true })
  result: unknown;

  @Column({ name: 'upstream_answered_at', type: 'timestamptz', nullable: true })
  upstreamAnsweredAt: Date | null;

  /** The last failure (upstream refusal, local write error or reconcile problem). */
  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** Calls made with this intent (first call, retries, reconcile attempts). */
  @Column({ type: 'integer', default: 1 })
  attempts: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;
}
