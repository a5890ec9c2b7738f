import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ConnectionState, ProtocolEra } from './mcp-connection.js';
import type { FailureKind } from './mcp-errors.js';
import { type BreakerState, breakerStateValue } from './mcp-policies.js';
import type { McpServerName } from './tool-contract.js';
import type { McpAuthDiagnostics } from './oauth/mcp-oauth-session.js';

export type CallOutcome = 'success' | FailureKind;

/** Call latency percentiles in milliseconds (null before the first call) and how many calls they are drawn from. */
export interface LatencyPercentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  samples: number;
}

/** The upper bounds (seconds) of `mcp_call_duration_seconds`. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Percentiles estimated from a histogram's cumulative bucket counts (`le` in seconds, ascending, `+Inf` last) as
 * PromQL's `histogram_quantile` does: linear within the bucket the rank falls in; a rank in `+Inf` answers the highest
 * finite bound. So the status page and a Prometheus dashboard read the same numbers from the same observations.
 */
export function percentilesFromBuckets(buckets: ReadonlyArray<{ le: number; count: number }>): LatencyPercentiles {
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return { p50: null, p95: null, p99: null, samples: 0 };
  const at = (q: number): number => {
    const rank = q * total;
    let lowerBound = 0;
    let below = 0;
    for (const { le, count } of buckets) {
      if (count >= rank) {
        const seconds = Number.isFinite(le)
          ? lowerBound + (le - lowerBound) * ((rank - below) / (count - below || 1))
          : lowerBound;
        return Math.round(seconds * 1_000_000) / 1000;
      }
      if (Number.isFinite(le)) lowerBound = le;
      below = count;
    }
    return Math.round(lowerBound * 1_000_000) / 1000;
  };
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), samples: total };
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
  /**
   * The protocol era chosen by discovery on the current connection (`2026-07-28`, or `session` for the session-based
   * versions); null while not connected. A server shows its serving endpoint's era.
   */
  protocolEra: ProtocolEra | null;
  /** The exact version negotiated (`2026-07-28`, `2025-11-25`, `2025-06-18`); null while not connected. */
  protocolVersion: string | null;
  sessionAgeMs: number | null;
  connectedAt: string | null;
  lastError: { kind: string; message: string; at: string } | null;
  reconnectAttempts: number;
  missingTools: string[];
  /**
   * The tool list the contract check ran on: when it was fetched, the server's `ttlMs` hint (2026-07-28; null when
   * absent), when it is re-listed because that ran out (null: only on a change notification), and whether a
   * `subscriptions/listen` stream is open for changes. Null while not connected.
   */
  toolList: { listedAt: string; ttlMs: number | null; refreshAt: string | null; listening: boolean } | null;
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
  /**
   * Each endpoint; the server-level `state` is `up` when all are up, `degraded` when some are, and the `breaker` is
   * `closed` while any endpoint's is.
   */
  endpoints: McpEndpointDiagnostics[];
}

/** Cumulative bucket counts of the call duration histogram: server → upper bound (seconds) → calls up to it. */
type BucketCounts = Map<string, Map<number, number>>;

/** The span the status page's latency percentiles cover, like a PromQL `[5m]` range. */
const LATENCY_WINDOW_MS = 5 * 60_000;
const LATENCY_SNAPSHOT_EVERY_MS = 30_000;

/** The client's Prometheus metrics, registered on the application's registry. */
export class McpMetrics {
  /** Earlier readings of the duration histogram, oldest first: the baselines of the latency window. */
  private snapshots: Array<{ at: number; counts: BucketCounts }> = [];
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
      buckets: DURATION_BUCKETS,
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

  /**
   * Each server's call latency over the last five minutes, from `mcp_call_duration_seconds` (its tools together) — what
   * `histogram_quantile(q, sum by (le) (increase(mcp_call_duration_seconds_bucket{server=…}[5m])))` answers in
   * Prometheus: the histogram is the one record of the calls, this subtracts the bucket counts it read five minutes
   * earlier (until this instance has been asked for that long, the window reaches back to its start). A server without
   * calls in the window has null percentiles. `now` is for tests.
   */
  async latency(now = Date.now()): Promise<Partial<Record<McpServerName, LatencyPercentiles>>> {
    const current = await this.bucketCounts();
    let baseline: BucketCounts = new Map();
    for (const snapshot of this.snapshots) if (snapshot.at <= now - LATENCY_WINDOW_MS) baseline = snapshot.counts;
    // Keep the baseline and what comes after it; a new reading every half minute is fine enough for a 5-minute window.
    this.snapshots = this.snapshots.filter(
      (snapshot) => snapshot.at > now - LATENCY_WINDOW_MS || snapshot.counts === baseline,
    );
    const last = this.snapshots.at(-1);
    if (!last || now - last.at >= LATENCY_SNAPSHOT_EVERY_MS) this.snapshots.push({ at: now, counts: current });
    const result: Partial<Record<McpServerName, LatencyPercentiles>> = {};
    for (const [server, counts] of current) {
      const before = baseline.get(server);
      const buckets = [...counts]
        .map(([le, count]) => ({ le, count: count - (before?.get(le) ?? 0) }))
        .sort((a, b) => a.le - b.le);
      result[server as McpServerName] = percentilesFromBuckets(buckets);
    }
    return result;
  }

  /** The histogram's cumulative bucket counts by server (its tools summed) and upper bound. */
  private async bucketCounts(): Promise<BucketCounts> {
    const { values } = await this.duration.get();
    const byServer: BucketCounts = new Map();
    for (const value of values) {
      if (value.metricName !== 'mcp_call_duration_seconds_bucket') continue;
      // Bucket values carry the `le` label besides the histogram's own.
      const labels = value.labels as Record<string, string | number | undefined>;
      const server = String(labels.server);
      const le = labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(labels.le);
      const counts = byServer.get(server) ?? new Map<number, number>();
      counts.set(le, (counts.get(le) ?? 0) + value.value);
      byServer.set(server, counts);
    }
    return byServer;
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
