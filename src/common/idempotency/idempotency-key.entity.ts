import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type IdempotencyKeyStatus = 'in_progress' | 'completed';

/**
 * One `Idempotency-Key` a client sent to one route scope. `in_progress` while the first request runs (claimed by
 * `claim_token`), `completed` with the response to replay. Failed requests leave no row, so the key can be retried.
 */
@Entity({ name: 'idempotency_key' })
@Index('idx_idempotency_key_expires', ['expiresAt'])
@Check('ck_idempotency_key_status', `"status" IN ('in_progress', 'completed')`)
@Check('ck_idempotency_key_response', `"status" = 'in_progress' OR "response_status" IS NOT NULL`)
export class IdempotencyKey {
  /** The route family, e.g. `charter-request`. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  scope: string;

  /** Who sent the key (API key fingerprint): two clients never share a key. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  principal: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  key: string;

  /** sha256 of method, path and canonical JSON body. */
  @Column({ name: 'request_hash', type: 'char', length: 64 })
  requestHash: string;

  @Column({ type: 'varchar', length: 16 })
  status: IdempotencyKeyStatus;

  /** Changes whenever the row is (re)claimed; only its holder may complete or release it. */
  @Column({ name: 'claim_token', type: 'uuid' })
  claimToken: string;

  @Column({ name: 'locked_at', type: 'timestamptz', default: () => 'now()' })
  lockedAt: Date;

  @Column({ name: 'response_status', type: 'integer', nullable: true })
  responseStatus: number | null;

  /** The response body as JSON text, kept byte for byte (jsonb would reorder the keys). */
  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt: Date | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
