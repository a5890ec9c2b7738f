import type { AuditableEvent, AuditEntryInput } from '../events/domain-event.js';
import type { ClientAddress } from '../http/client-address.js';

/** An address sent too many refused API keys and is locked out for a while (one entry per lockout, not per guess). */
export class AuthLockoutStarted implements AuditableEvent {
  static readonly eventName = 'auth.locked_out';

  constructor(
    readonly address: ClientAddress,
    readonly lockoutSeconds: number,
    readonly lockouts: number,
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'auth',
      type: AuthLockoutStarted.eventName,
      subject: this.address.client,
      outcome: 'failure',
      details: { ...this.address, lockoutSeconds: this.lockoutSeconds, lockouts: this.lockouts },
    };
  }
}
