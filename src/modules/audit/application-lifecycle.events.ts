import type { AuditEntryInput, AuditableEvent } from '../../common/events/domain-event.js';

export class ApplicationStarted implements AuditableEvent {
  static readonly eventName = 'application.started';
  constructor(readonly details: { version: string; database: string; pid: number }) {}
  toAuditEntry(): AuditEntryInput {
    return { source: 'system', type: ApplicationStarted.eventName, outcome: 'info', details: this.details };
  }
}

export class ApplicationStopping implements AuditableEvent {
  static readonly eventName = 'application.stopping';
  constructor(readonly details: { signal: string | undefined; uptimeSeconds: number; pid: number }) {}
  toAuditEntry(): AuditEntryInput {
    return { source: 'system', type: ApplicationStopping.eventName, outcome: 'info', details: this.details };
  }
}
