import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Newest applied version per upstream entity: events not newer than this are stale and not applied. */
@Entity({ name: 'webhook_entity_versions' })
export class WebhookEntityVersion {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  source: string;

  @PrimaryColumn({ name: 'entity_type', type: 'varchar', length: 32 })
  entityType: string;

  @PrimaryColumn({ name: 'entity_id', type: 'varchar', length: 200 })
  entityId: string;

  /** Epoch milliseconds of the source's updatedAt, or another monotonic number the source provides. */
  @Column({ type: 'bigint' })
  version: string;

  /** The webhook event that applied this version (its retries and replays are not stale against themselves). */
  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
