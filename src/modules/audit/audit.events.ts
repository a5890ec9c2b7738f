import type { AuditEntryInput, AuditableEvent } from '../../common/events/domain-event.js';

/** The audit log was cleared through the API; this entry is written after the deletion, so it survives it. */
export class AuditLogCleared implements AuditableEvent {
  static readonly eventName = 'audit.log_cleared';

  constructor(readonly details: { deleted: number; before: string | null; actor: string | null }) {}

  toAuditEntry(): AuditEntryInput {
    return { source: 'admin', type: AuditLogCleared.eventName, outcome: 'success', details: { ...this.details } };
  }
}

/** The retention job deleted entries older than the retention period. */
export class AuditRetentionApplied implements AuditableEvent {
  static readonly eventName = 'audit.retention_applied';

  constructor(readonly details: { deleted: number; olderThan: string; retentionDays: number }) {}

  toAuditEntry(): AuditEntryInput {
    return { source: 'system', type: AuditRetentionApplied.eventName, outcome: 'info', details: { ...this.details } };
  }
}
