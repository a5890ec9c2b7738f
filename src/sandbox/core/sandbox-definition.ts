import type { McpServer } from '@modelcontextprotocol/server';

/** The three upstream systems the sandbox imitates. */
export type SandboxName = 'apollo' | 'avinode' | 'n8n';

/** Options every sandbox server's state is built from: the same seed and day always give the same data. */
export interface SandboxStateOptions {
  seed: number;
  /** "Today" for the generated data (availability windows, empty legs, timestamps). */
  now: Date;
  /** Dataset size knob (Apollo: number of people; others may ignore it). */
  size?: number;
  /**
   * Avinode only: run the marketplace's broker flow (trips, RFQs, operators answering over time) with simulated minutes
   * of `minuteMs` real milliseconds; absent: the server answers at once only. Others ignore it.
   */
  avinodeTripFlow?: { minuteMs: number } | undefined;
}

/**
 * What a server's tools receive from the host: the clock, a seeded random source and the outgoing-webhook emitter.
 * Tools call `emit` whenever their data changes; the host signs and delivers the event if a callback URL is configured.
 */
export interface SandboxToolContext {
  now(): Date;
  random(): number;
  emit(eventType: string, data: Record<string, unknown>): void;
}

/** Which protocol era the server instance a tool runs on serves (a 2026-07-28 host also serves session-based clients). */
export type SandboxServingEra = '2026-07-28' | 'session';

/** An edit made through the admin endpoint, imitating a change made upstream by somebody else (for sync tests). */
export interface SandboxDataChange {
  action: 'update' | 'delete';
  /** e.g. `contacts`, `availability`, `bookings`, `workflows`, `executions`. */
  collection: string;
  id: string;
  patch?: Record<string, unknown>;
}

/** One sandbox server: how to build its state, register its tools on a fresh McpServer, and apply admin data changes. */
export interface SandboxDefinition<State> {
  name: SandboxName;
  createState(options: SandboxStateOptions): State;
  /**
   * `era` is the era of this server instance: a tool that would ask the caller for input answers `input_required` in
   * 2026-07-28 and, in the session era (no such result), a tool error naming what is missing.
   */
  registerTools(server: McpServer, state: State, context: SandboxToolContext, era: SandboxServingEra): void;
  /**
   * Whether the server says it announces tool-list changes (`capabilities.tools.listChanged`). Default true, as the
   * SDK's McpServer declares; n8n-mcp 2.87 (a low-level Server with `tools: {}`) does not.
   */
  toolListChanged?: boolean;
  /** Returns the changed record (or `{ deleted: id }`); throws `Error` with a clear message for an unknown collection or id. */
  applyDataChange(state: State, change: SandboxDataChange, context: SandboxToolContext): unknown;
  /**
   * What of the state a saved server keeps (anything `v8.serialize` takes: plain objects, arrays, Map, Set, Date).
   * Default: the state itself. A state holding functions or timers leaves them out here and rebuilds them in `loadState`.
   */
  saveState?(state: State): unknown;
  /** Rebuilds the state from what `saveState` returned. Default: the saved value is the state. */
  loadState?(saved: unknown, options: SandboxStateOptions): State;
  /** Stops whatever the state runs by itself (timers) when it is replaced or the server closes. */
  disposeState?(state: State): void;
}

/**
 * Optional: throw this from `applyDataChange` to choose the admin endpoint's HTTP status
 * (400 for a bad patch, 404 for an unknown collection or id). Any other `Error` is answered 404.
 */
export class SandboxDataChangeError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 = 404,
  ) {
    super(message);
    this.name = 'SandboxDataChangeError';
  }
}
