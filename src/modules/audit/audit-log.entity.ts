import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { AuditOutcome } from '../../common/events/domain-event.js';

/** One audited fact: something the system did or received. Indexed for an audit page's queries (see the migration). */
@Entity({ name: 'audit_log' })
@Index('idx_audit_log_time', ['occurredAt', 'id'])
@Index('idx_audit_log_source_time', ['source', 'occurredAt'])
@Index('idx_audit_log_type_time', ['type', 'occurredAt'])
// With text_pattern_ops (for `type LIKE 'prefix%'`), which a decorator cannot say: the migration owns its definition.
@Index('idx_audit_log_type_prefix', { synchronize: false })
@Index('idx_audit_log_subject_time', ['subject', 'occurredAt'], { where: '"subject" IS NOT NULL' })
@Index('idx_audit_log_correlation', ['correlationId'], { where: '"correlation_id" IS NOT NULL' })
@Check('ck_audit_log_outcome', `"outcome" IN ('success', 'failure', 'info')`)
export class AuditLogEntry {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt: Date;

  @Column({ type: 'varchar', length: 64 })
  source: string;

  @Column({ type: 'varchar', length: 128 })
  type: string;

  @Column({ type: 'varchar', length: 256, nullable: true })
  subject: string | null;

  @Column({ name: 'correlation_id', type: 'varchar', length: 128, nullable: true })
  correlationId: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome: AuditOutcome;

  @Column({ type: 'jsonb', default: {} })
  details: Record<string, unknown>;
}
