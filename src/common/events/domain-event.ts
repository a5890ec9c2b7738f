/**
 * Event convention: one class per event with a static `eventName` constant, emitted as
 * `publish(eventEmitter, new SomethingHappened(...))` (publish.ts: the name comes from the class) and received with
 * `@OnDomainEvent(SomethingHappened)` (on-domain-event.ts: typed, no string to misspell). Events that implement
 * `AuditableEvent` are persisted by the audit listener.
 */
export type AuditOutcome = 'success' | 'failure' | 'info';

export interface AuditEntryInput {
  source: string;
  type: string;
  subject?: string | null;
  correlationId?: string | null;
  outcome: AuditOutcome;
  details?: Record<string, unknown>;
  occurredAt?: Date;
}

export interface AuditableEvent {
  toAuditEntry(): AuditEntryInput;
}

export function isAuditableEvent(value: unknown): value is AuditableEvent {
  return typeof value === 'object' && value !== null && typeof (value as AuditableEvent).toAuditEntry === 'function';
}
