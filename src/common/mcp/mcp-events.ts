import type { AuditEntryInput, AuditableEvent } from '../events/domain-event.js';
import type { ConnectionState } from './mcp-connection.js';
import type { BreakerState } from './mcp-policies.js';
import type { McpServerName } from './tool-contract.js';

/** A server's connection state changed (e.g. `up` → `down` after its process stopped). */
export class McpServerStateChanged implements AuditableEvent {
  static readonly eventName = 'mcp.server.state_changed';

  constructor(
    readonly server: McpServerName,
    readonly from: ConnectionState,
    readonly to: ConnectionState,
    readonly reason: string | null,
    readonly occurredAt: Date = new Date(),
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'mcp',
      type: McpServerStateChanged.eventName,
      subject: this.server,
      outcome: this.to === 'up' ? 'success' : this.to === 'connecting' ? 'info' : 'failure',
      details: { from: this.from, to: this.to, reason: this.reason },
      occurredAt: this.occurredAt,
    };
  }
}

/** A server's circuit breaker opened, half-opened or closed. */
export class McpBreakerStateChanged implements AuditableEvent {
  static readonly eventName = 'mcp.breaker.state_changed';

  constructor(
    readonly server: McpServerName,
    readonly from: BreakerState,
    readonly to: BreakerState,
    readonly reason: string | null,
    readonly occurredAt: Date = new Date(),
  ) {}

  toAuditEntry(): AuditEntryInput {
    return {
      source: 'mcp',
      type: McpBreakerStateChanged.eventName,
      subject: this.server,
      outcome: this.to === 'closed' ? 'success' : this.to === 'half_open' ? 'info' : 'failure',
      details: { from: this.from, to: this.to, reason: this.reason },
      occurredAt: this.occurredAt,
    };
  }
}

/** Where the client publishes its events; in Nest this is `EventEmitter2.emit`. */
export type McpEventSink = (eventName: string, event: McpServerStateChanged | McpBreakerStateChanged) => void;

/** An operator dropped every MCP session and reconnected (`POST /api/integration/status`); the actor is audited. */
export class McpReconnectRequested implements AuditableEvent {
  static readonly eventName = 'mcp.reconnect_requested';

  constructor(readonly states: Record<string, string>) {}

  toAuditEntry(): AuditEntryInput {
    return { source: 'mcp', type: McpReconnectRequested.eventName, outcome: 'info', details: { after: this.states } };
  }
}
