import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ConnectionState } from './mcp-connection.js';
import type { FailureKind } from './mcp-errors.js';
import { type BreakerState, breakerStateValue } from './mcp-policies.js';
import type { McpServerName } from './tool-contract.js';
import type { McpAuthDiagnostics } from './oauth/mcp-oauth-session.js';

export type CallOutcome = 'success' | FailureKind;

/** Latency of the last `size` calls, for percentiles that follow the current behaviour rather than all of history. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private count = 0;
  private next = 0;

  constructor(size = 2048) {
    this.samples = new Float64Array(size);
  }

  record(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    if (this.count < this.samples.length) this.count++;
  }

  percentiles(): { p50: number | null; p95: number | null; p99: number | null; samples: number } {
    if (this.count === 0) return { p50: null, p95: null, p99: null, samples: 0 };
    const sorted = this.samples.slice(0, this.count).sort();
    const at = (p: number): number => {
      const value = sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
      return Math.round(value * 1000) / 1000;
    };
    return { p50: at(50), p95: at(95), p99: at(99), samples: this.count };
  }
}

export interface CallCounts {
  total: number;
  succeeded: number;
  failed: number;
  byOutcome: Partial<Record<CallOutcome, number>>;
}

export class CallCounter {
  private readonly counts: CallCounts = { total: 0, succeeded: 0, failed: 0, byOutcome: {} };

  record(outcome: CallOutcome): void {
    this.counts.total++;
    if (outcome === 'success') this.counts.succeeded++;
    else this.counts.failed++;
    this.counts.byOutcome[outcome] = (this.counts.byOutcome[outcome] ?? 0) + 1;
  }

  snapshot(): CallCounts {
    return { ...this.counts, byOutcome: { ...this.counts.byOutcome } };
  }
}

/** What a server and each of its endpoints both show. */
interface McpConnectionDiagnostics {
  state: ConnectionState;
  breaker: BreakerState;
  sessionAgeMs: number | null;
  connectedAt: string | null;
  lastError: { kind: string; message: string; at: string } | null;
  reconnectAttempts: number;
  missingTools: string[];
  /** Calls (server) or attempts (endpoint) in flight now. */
  inFlight: number;
}

/** One endpoint (replica) of a server, as `GET /api/integration/status` shows it. */
export interface McpEndpointDiagnostics extends McpConnectionDiagnostics {
  /** Endpoint without credentials. */
  url: string;
  /** Attempts sent to this endpoint (a call that moved to another endpoint counts once on each). */
  attempts: CallCounts;
}

/** What `GET /api/integration/status` shows for one server. */
export interface McpServerDiagnostics extends McpConnectionDiagnostics {
  /** OAuth servers only: whether the backend holds usable tokens, and why not. */
  auth?: McpAuthDiagnostics;
  server: McpServerName;
  /** Endpoints without credentials, comma-separated when the server has several. */
  url: string;
  /** True when the server is the project's sandbox started in this process (no URL configured). */
  embedded: boolean;
  tools: string[];
  calls: CallCounts;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; samples: number };
  /**
   * Each endpoint; the server-level `state` is `up` when all are up, `degraded` when some are, and the `breaker` is
   * `closed` while any endpoint's is.
   */
  endpoints: McpEndpointDiagnostics[];
}

/** The client's Prometheus metrics, registered on the application's registry. */
export class McpMetrics {
  readonly calls: Counter<'server' | 'tool' | 'outcome'>;
  readonly duration: Histogram<'server' | 'tool'>;
  readonly breaker: Gauge<'server'>;
  readonly up: Gauge<'server'>;
  readonly endpointUp: Gauge<'server' | 'endpoint'>;
  readonly endpointBreaker: Gauge<'server' | 'endpoint'>;
  readonly endpointAttempts: Counter<'server' | 'endpoint' | 'outcome'>;

  constructor(registry: Registry) {
    this.calls = new Counter({
      name: 'mcp_calls_total',
      help: 'MCP tool calls by server, tool and outcome (success or failure kind)',
      labelNames: ['server', 'tool', 'outcome'] as const,
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'mcp_call_duration_seconds',
      help: 'MCP tool call duration in seconds, including retries and waits',
      labelNames: ['server', 'tool'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
    this.breaker = new Gauge({
      name: 'mcp_breaker_state',
      help: 'MCP circuit breaker state per server: 0 closed, 1 open, 2 half-open, 3 isolated',
      labelNames: ['server'] as const,
      registers: [registry],
    });
    this.up = new Gauge({
      name: 'mcp_server_up',
      help: 'Whether an MCP session to the server is established (1) or not (0), on at least one endpoint',
      labelNames: ['server'] as const,
      registers: [registry],
    });
    this.endpointUp = new Gauge({
      name: 'mcp_endpoint_up',
      help: 'Whether an MCP session to this endpoint of the server is established (1) or not (0)',
      labelNames: ['server', 'endpoint'] as const,
      registers: [registry],
    });
    this.endpointBreaker = new Gauge({
      name: 'mcp_endpoint_breaker_state',
      help: 'Circuit breaker state per endpoint: 0 closed, 1 open, 2 half-open, 3 isolated',
      labelNames: ['server', 'endpoint'] as const,
      registers: [registry],
    });
    this.endpointAttempts = new Counter({
      name: 'mcp_endpoint_attempts_total',
      help: 'Attempts sent to each endpoint by outcome (a call that moves to another endpoint counts on each)',
      labelNames: ['server', 'endpoint', 'outcome'] as const,
      registers: [registry],
    });
  }

  recordCall(server: McpServerName, tool: string, outcome: CallOutcome, seconds: number): void {
    this.calls.inc({ server, tool, outcome });
    this.duration.observe({ server, tool }, seconds);
  }

  setBreaker(server: McpServerName, state: BreakerState): void {
    this.breaker.set({ server }, breakerStateValue(state));
  }

  setState(server: McpServerName, state: ConnectionState): void {
    this.up.set({ server }, state === 'up' || state === 'degraded' ? 1 : 0);
  }

  setEndpointState(server: McpServerName, endpoint: string, state: ConnectionState): void {
    this.endpointUp.set({ server, endpoint }, state === 'up' || state === 'degraded' ? 1 : 0);
  }

  setEndpointBreaker(server: McpServerName, endpoint: string, state: BreakerState): void {
    this.endpointBreaker.set({ server, endpoint }, breakerStateValue(state));
  }

  recordAttempt(server: McpServerName, endpoint: string, outcome: CallOutcome): void {
    this.endpointAttempts.inc({ server, endpoint, outcome });
  }
}
