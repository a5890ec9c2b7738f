import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const WEBHOOK_EVENT_STATUSES = ['received', 'failed', 'processed', 'stale', 'dead_lettered'] as const;
/**
 * received: stored, processing queued · failed: an attempt failed, a retry is scheduled · processed: its domain event
 * was handled · stale: older than what was already applied for its entity, not emitted · dead_lettered: attempts
 * exhausted, waiting for a replay.
 */
export type WebhookEventStatus = (typeof WEBHOOK_EVENT_STATUSES)[number];

/** One accepted delivery. Unique on (source, message_id): a redelivery finds this row instead of creating another. */
@Entity({ name: 'webhook_events' })
@Index('uq_webhook_events_source_message', ['source', 'messageId'], { unique: true })
@Index('idx_webhook_events_received', ['receivedAt', 'id'])
@Index('idx_webhook_events_source_type', ['source', 'type', 'receivedAt'])
@Index('idx_webhook_events_status', ['status', 'receivedAt'])
@Check('ck_webhook_events_status', `"status" IN ('received', 'failed', 'processed', 'stale', 'dead_lettered')`)
export class WebhookEvent {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 32 })
  source: string;

  @Column({ name: 'message_id', type: 'varchar', length: 256 })
  messageId: string;

  /** As the sender named it, e.g. `lead_created`. */
  @Column({ type: 'varchar', length: 64 })
  type: string;

  /** The domain event it becomes, e.g. `apollo.lead_created`. */
  @Column({ name: 'event_name', type: 'varchar', length: 96 })
  eventName: string;

  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column({ name: 'auth_scheme', type: 'varchar', length: 16 })
  authScheme: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', nullable: true })
  occurredAt: Date | null;

  // Millisecond precision, so a cursor built from a JS Date finds the row again.
  @Column({ name: 'received_at', type: 'timestamptz', default: () => "date_trunc('milliseconds', now())" })
  receivedAt: Date;

  @Column({ type: 'varchar', length: 16, default: 'received' })
  status: WebhookEventStatus;

  /** Processing attempts started, over all replays. */
  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** Times processing completed (domain event handled): 1 after normal processing, +1 per replay. */
  @Column({ name: 'processed_count', type: 'integer', default: 0 })
  processedCount: number;

  @Column({ name: 'replay_count', type: 'integer', default: 0 })
  replayCount: number;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
