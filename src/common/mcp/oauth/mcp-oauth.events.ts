import type { AuditEntryInput, AuditableEvent } from '../../events/domain-event.js';
import type { McpServerName } from '../tool-contract.js';

/** The authorization server refused to renew a server's tokens: the server is `unauthorized` until someone acts. */
export class McpOAuthUnauthorized implements AuditableEvent {
  static readonly eventName = 'mcp.oauth.unauthorized';

  constructor(
    readonly server: McpServerName,
    readonly reason: string,
    readonly occurredAt: Date = new Date(),
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'mcp',
      type: McpOAuthUnauthorized.eventName,
      subject: this.server,
      outcome: 'failure',
      details: { reason: this.reason },
      occurredAt: this.occurredAt,
    };
  }
}

/** A server got OAuth tokens (client credentials, or an operator's sign-in completed). */
export class McpOAuthAuthorized implements AuditableEvent {
  static readonly eventName = 'mcp.oauth.authorized';

  constructor(
    readonly server: McpServerName,
    readonly grant: string,
    readonly occurredAt: Date = new Date(),
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'mcp',
      type: McpOAuthAuthorized.eventName,
      subject: this.server,
      outcome: 'success',
      details: { grant: this.grant },
      occurredAt: this.occurredAt,
    };
  }
}

/** An operator started a sign-in for a server (the audit records who). */
export class McpOAuthSignInStarted implements AuditableEvent {
  static readonly eventName = 'mcp.oauth.sign_in_started';

  constructor(readonly server: McpServerName) {}

  toAuditEntry(): AuditEntryInput {
    return { source: 'mcp', type: McpOAuthSignInStarted.eventName, subject: this.server, outcome: 'info' };
  }
}
