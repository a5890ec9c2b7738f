import { Registry } from 'prom-client';
import type { z } from 'zod';
import type { AppConfig } from '../config/app-config.js';
import { DomainError } from '../errors/domain-error.js';
import { type ConnectionState, McpConnection, type McpEndpoint, type McpLogger } from './mcp-connection.js';
import {
  CallCounter,
  type CallOutcome,
  type LatencyPercentiles,
  type McpEndpointDiagnostics,
  McpMetrics,
  type McpServerDiagnostics,
} from './mcp-diagnostics.js';
import { CallTimeoutError, ClientClosingError, McpFailure, classifyFailure, toDomainError } from './mcp-errors.js';
import { redactUrl, SecretScrubber } from './url-secrets.js';
import { type Span, trace } from '@opentelemetry/api';
import { SpanKind, markFailed, tracer } from '../tracing/tracing.js';
import { McpBreakerStateChanged, type McpEventSink, McpServerStateChanged } from './mcp-events.js';
import { type CircuitBreakerPolicy, CircuitState } from 'cockatiel';
import {
  type BreakerState,
  ServerPolicies,
  breakerStateName,
  createEndpointBreaker,
  createRetryPolicy,
  raceAbort,
  sleep,
} from './mcp-policies.js';
import { readToolResult } from './tool-result.js';
import { MCP_SERVER_NAMES, type McpServerName, McpToolRegistry, type ToolContract } from './tool-contract.js';

export interface CallOptions {
  /** Makes a write safe to retry; also passed to the tool when its contract names an idempotency argument. */
  idempotencyKey?: string;
  /** Aborts the call (the caller went away). The call then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Overrides the contract's and the server's timeout. Bounds the whole call: queueing, rate wait, retries. */
  timeoutMs?: number;
}

export interface McpClientDependencies {
  registry?: McpToolRegistry;
  /** Prometheus registry to register the client's metrics on; a private one when absent. */
  metricsRegistry?: Registry;
  events?: McpEventSink;
  logger?: McpLogger;
  version?: string;
}

export interface McpEndpointSpec extends McpEndpoint {
  /** Started by this process (shown in diagnostics). */
  embedded?: boolean;
}

type CallError = { kind: string; message: string; at: Date };

/** One endpoint (replica) of a server: its own session, breaker, health check and reconnect loop. */
interface ManagedEndpoint {
  readonly spec: McpEndpointSpec;
  /** Without credentials: what status, metrics and logs show. */
  readonly url: string;
  readonly address: string;
  readonly port: number;
  readonly connection: McpConnection;
  /** Replaced by a closed one when the endpoint reconnects after a loss (see `createEndpoint`). */
  breaker: CircuitBreakerPolicy;
  readonly attempts: CallCounter;
  breakerState: BreakerState;
  /** When the breaker last opened: after the cool-down the endpoint gets a trial call again. */
  breakerOpenedAt: number;
  inFlight: number;
  lastCallError: CallError | undefined;
}

interface ManagedServer {
  readonly name: McpServerName;
  readonly endpoints: readonly ManagedEndpoint[];
  readonly policies: ServerPolicies;
  readonly counts: CallCounter;
  readonly inFlight: Set<AbortController>;
  /** Of the server as a whole (see `aggregateState`); events fire when these change. */
  state: ConnectionState;
  breakerState: BreakerState;
  lastCallError: CallError | undefined;
  /** Rotates ties between equally loaded endpoints. */
  turn: number;
}

/** URLs and tokens from configuration; servers without a URL are left out (the Nest service fills them in). */
export function endpointsFromConfig(config: AppConfig): Partial<Record<McpServerName, McpEndpointSpec[]>> {
  const endpoints: Partial<Record<McpServerName, McpEndpointSpec[]>> = {};
  for (const name of MCP_SERVER_NAMES) {
    const server = config.mcp.servers[name];
    if (server.urls.length > 0) endpoints[name] = server.urls.map((url) => ({ url, bearerToken: server.bearerToken }));
  }
  return endpoints;
}

/** `up` when every endpoint is, `degraded` when some can serve, else the most hopeful of the rest. */
export function aggregateState(states: readonly ConnectionState[]): ConnectionState {
  const serving = states.filter((state) => state === 'up' || state === 'degraded').length;
  if (serving > 0) return serving === states.length && states.every((state) => state === 'up') ? 'up' : 'degraded';
  if (states.includes('connecting')) return 'connecting';
  return states.includes('unauthorized') ? 'unauthorized' : 'down';
}

/** The server's breaker is as good as its best endpoint's: `closed` while any endpoint still takes calls. */
export function aggregateBreaker(states: readonly BreakerState[]): BreakerState {
  for (const state of ['closed', 'half_open', 'open'] as const) if (states.includes(state)) return state;
  return 'isolated';
}

const SERVING: ReadonlySet<ConnectionState> = new Set(['up', 'degraded']);
/** Failures that mean the endpoint never got the request: moving the call to another endpoint cannot repeat it. */
const NOT_REACHED: ReadonlySet<string> = new Set(['unreachable', 'breaker_open', 'session_lost']);

/**
 * The application's MCP client: one managed connection and one set of policies (rate limit, bulkhead, circuit
 * breaker, retry) per server, typed tool contracts, diagnostics and metrics. Framework-free; `McpClientService` is its
 * Nest face.
 */
export class McpClient {
  readonly registry: McpToolRegistry;
  private readonly servers = new Map<McpServerName, ManagedServer>();
  private readonly metrics: McpMetrics;
  private readonly events: McpEventSink | undefined;
  private readonly logger: McpLogger | undefined;
  private readonly scrubber = new SecretScrubber();
  private readonly version: string;
  private closing = false;

  constructor(
    protected readonly config: AppConfig,
    dependencies: McpClientDependencies = {},
  ) {
    this.registry = dependencies.registry ?? new McpToolRegistry();
    this.metrics = new McpMetrics(dependencies.metricsRegistry ?? new Registry());
    this.events = dependencies.events;
    const logger = dependencies.logger;
    // Every line the client and its connections log passes through the scrubber: no URL credential or token in logs.
    this.logger = logger && {
      log: (message) => logger.log(this.scrubber.scrub(message)),
      warn: (message) => logger.warn(this.scrubber.scrub(message)),
      debug: (message) => logger.debug?.(this.scrubber.scrub(message)),
    };
    this.version = dependencies.version ?? '0.0.0';
  }

  /**
   * Creates the connections and makes the first connection attempt to each (in parallel). Never throws because a
   * server is down: that server is reported `down` and retried in the background.
   */
  async start(
    endpoints: Partial<Record<McpServerName, McpEndpointSpec | readonly McpEndpointSpec[]>> = endpointsFromConfig(
      this.config,
    ),
  ): Promise<void> {
    for (const [name, given] of Object.entries(endpoints) as [McpServerName, McpEndpointSpec | McpEndpointSpec[]][]) {
      if (this.servers.has(name)) throw new Error(`MCP server ${name} is already started`);
      const specs = Array.isArray(given) ? given : [given];
      if (specs.length === 0) continue;
      for (const spec of specs) this.scrubber.add(spec.url, spec.bearerToken);
      this.servers.set(name, this.createServer(name, specs));
    }
    await Promise.all(
      [...this.servers.values()].flatMap((server) => server.endpoints.map((endpoint) => endpoint.connection.start())),
    );
  }

  /**
   * Calls a tool and returns its result, validated by the contract. Failures are `DomainError`s:
   * `upstream_unavailable` (503), `upstream_timeout` (504), `upstream_error` (502, upstream message),
   * `upstream_contract_violation` (502, naming the field), `upstream_needs_input` (409, what a 2026-07-28 server asks
   * for before it answers); a caller's abort rejects with the signal's reason.
   */
  call<R extends z.ZodType, A extends object>(
    contract: ToolContract<R, A>,
    args: A,
    options: CallOptions = {},
  ): Promise<z.infer<R>> {
    // A client span as the OpenTelemetry MCP conventions name it; a no-op while tracing is off.
    return tracer().startActiveSpan(
      `tools/call ${contract.name}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'mcp.method.name': 'tools/call',
          'gen_ai.operation.name': 'execute_tool',
          'gen_ai.tool.name': contract.name,
          'jetvision.mcp.server': contract.server,
        },
      },
      async (span) => {
        try {
          return await this.callInSpan(contract, args, options, span);
        } finally {
          span.end();
        }
      },
    );
  }

  private async callInSpan<R extends z.ZodType, A extends object>(
    contract: ToolContract<R, A>,
    args: A,
    options: CallOptions,
    span: Span,
  ): Promise<z.infer<R>> {
    const started = performance.now();
    const server = this.servers.get(contract.server);
    if (!server) {
      throw new DomainError('upstream_unavailable', `MCP server ${contract.server} is not configured`, {
        extensions: { server: contract.server, tool: contract.name, reason: 'not_configured' },
      });
    }
    const timeoutMs = options.timeoutMs ?? contract.timeoutMs ?? this.config.mcp.callTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new CallTimeoutError(timeoutMs)), timeoutMs);
    timer.unref();
    const callerSignal = options.signal;
    const onCallerAbort = (): void => controller.abort(callerSignal?.reason);
    if (callerSignal?.aborted) controller.abort(callerSignal.reason);
    else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    if (this.closing) controller.abort(new ClientClosingError());
    server.inFlight.add(controller);

    const toolArgs: Record<string, unknown> = { ...(args as Record<string, unknown>) };
    if (options.idempotencyKey !== undefined && contract.idempotencyKeyArgument !== undefined) {
      toolArgs[contract.idempotencyKeyArgument] = options.idempotencyKey;
    }
    const safeToRepeat = contract.mode === 'read' || options.idempotencyKey !== undefined;
    const signal = controller.signal;

    let outcome: CallOutcome = 'success';
    try {
      const retryPolicy = createRetryPolicy({
        maxRetries: this.config.mcp.maxRetries,
        baseDelayMs: this.config.mcp.retryBaseDelayMs,
        maxDelayMs: this.config.mcp.retryMaxDelayMs,
        deadline,
        safeToRepeat,
      });
      // The endpoint that failed last is avoided by the next attempt, so a retry also moves the call.
      let failedLast: ManagedEndpoint | undefined;
      const attempt = async (): Promise<z.infer<R>> => {
        const tried = new Set<ManagedEndpoint>();
        for (;;) {
          const endpoint = this.pick(server, contract.name, failedLast, tried);
          tried.add(endpoint);
          try {
            return await this.attemptOn(server, endpoint, contract, toolArgs, signal, deadline, safeToRepeat);
          } catch (error) {
            failedLast = endpoint;
            // Not reached at all: another endpoint that can serve takes the call at once, without a backoff.
            const moveNow =
              safeToRepeat &&
              !signal.aborted &&
              error instanceof McpFailure &&
              NOT_REACHED.has(error.kind) &&
              server.endpoints.some((other) => !tried.has(other) && this.canServe(other, contract.name));
            if (!moveNow) throw error;
          }
        }
      };
      const run = server.policies.bulkhead.execute(() => retryPolicy.execute(attempt, signal), signal);
      return await raceAbort(run, signal);
    } catch (error) {
      if (callerSignal?.aborted && signal.reason === callerSignal.reason) {
        outcome = 'cancelled';
        markFailed(span, callerSignal.reason, 'cancelled');
        throw callerSignal.reason;
      }
      const failure = this.explain(error, signal, server.name, contract.name);
      // The message reaches the 502/503/504 detail, the status page and the audit: no credential may ride along.
      failure.message = this.scrubber.scrub(failure.message);
      outcome = failure.kind;
      // An `isError` result is a failure too (`tool_error`), as the conventions ask.
      markFailed(span, failure, failure.kind);
      server.lastCallError = { kind: failure.kind, message: failure.message, at: new Date() };
      throw toDomainError(failure);
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
      server.inFlight.delete(controller);
      const elapsed = performance.now() - started;
      server.counts.record(outcome);
      this.metrics.recordCall(server.name, contract.name, outcome, elapsed / 1000);
    }
  }

  /** Diagnostics of every started server, in a stable order. */
  diagnostics(): McpServerDiagnostics[] {
    return MCP_SERVER_NAMES.flatMap((name) => {
      const server = this.servers.get(name);
      return server ? [this.describe(server)] : [];
    });
  }

  /** Each server's call latency percentiles, from the `mcp_call_duration_seconds` histogram. */
  latency(): Promise<Partial<Record<McpServerName, LatencyPercentiles>>> {
    return this.metrics.latency();
  }

  serverState(name: McpServerName): ConnectionState | undefined {
    return this.servers.get(name)?.state;
  }

  /** Drops one server's sessions and connects again now (e.g. after an OAuth sign-in). */
  async reconnectServer(name: McpServerName): Promise<ConnectionState | undefined> {
    const server = this.servers.get(name);
    if (!server) return undefined;
    await Promise.all(server.endpoints.map((endpoint) => endpoint.connection.reconnect()));
    return server.state;
  }

  /** Drops every session on every endpoint and connects again now (in parallel). Resolves with the new diagnostics. */
  async reconnectAll(): Promise<McpServerDiagnostics[]> {
    await Promise.all(this.allEndpoints().map((endpoint) => endpoint.connection.reconnect()));
    return this.diagnostics();
  }

  /** Cancels in-flight calls, ends every session on its server and closes the socket pools. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const server of this.servers.values()) {
      for (const controller of server.inFlight) controller.abort(new ClientClosingError());
    }
    await Promise.all(this.allEndpoints().map((endpoint) => endpoint.connection.close()));
  }

  private allEndpoints(): ManagedEndpoint[] {
    return [...this.servers.values()].flatMap((server) => server.endpoints);
  }

  /**
   * Serving, taking calls, and not known to lack the tool. An open breaker whose cool-down has passed takes calls
   * again: the breaker half-opens only when a call reaches it, so an endpoint never picked would stay open for ever.
   */
  private canServe(endpoint: ManagedEndpoint, tool: string): boolean {
    return (
      SERVING.has(endpoint.connection.state) && this.breakerAdmits(endpoint) && !endpoint.connection.lacksTool(tool)
    );
  }

  private breakerAdmits(endpoint: ManagedEndpoint): boolean {
    switch (endpoint.breakerState) {
      case 'closed':
      case 'half_open':
        return true;
      case 'open':
        return Date.now() - endpoint.breakerOpenedAt >= this.config.mcp.breakerCooldownMs;
      case 'isolated':
        return false;
    }
  }

  /**
   * The endpoint for the next attempt: one that can serve, with the fewest attempts in flight (ties taken in turn),
   * avoiding the one that failed last and those this attempt already tried. When none can serve, the least bad one
   * is still tried — its connection attempts a reconnect, or its breaker answers at once, as with a single endpoint.
   */
  private pick(
    server: ManagedServer,
    tool: string,
    failedLast: ManagedEndpoint | undefined,
    tried: ReadonlySet<ManagedEndpoint>,
  ): ManagedEndpoint {
    const endpoints = server.endpoints;
    if (endpoints.length === 1) return endpoints[0]!;
    const fresh = endpoints.filter((endpoint) => !tried.has(endpoint));
    const pool = fresh.length > 0 ? fresh : endpoints;
    const serving = pool.filter((endpoint) => this.canServe(endpoint, tool));
    const preferred = serving.filter((endpoint) => endpoint !== failedLast);
    const candidates =
      preferred.length > 0
        ? preferred
        : serving.length > 0
          ? serving
          : pool.filter((endpoint) => this.breakerAdmits(endpoint) && endpoint !== failedLast).length > 0
            ? pool.filter((endpoint) => this.breakerAdmits(endpoint) && endpoint !== failedLast)
            : pool;
    const least = Math.min(...candidates.map((endpoint) => endpoint.inFlight));
    const tied = candidates.filter((endpoint) => endpoint.inFlight === least);
    server.turn = (server.turn + 1) % Number.MAX_SAFE_INTEGER;
    return tied[server.turn % tied.length]!;
  }

  private async attemptOn<R extends z.ZodType>(
    server: ManagedServer,
    endpoint: ManagedEndpoint,
    contract: ToolContract<R, object>,
    args: Record<string, unknown>,
    signal: AbortSignal,
    deadline: number,
    safeToRepeat: boolean,
  ): Promise<z.infer<R>> {
    endpoint.inFlight++;
    trace.getActiveSpan()?.setAttributes({ 'server.address': endpoint.address, 'server.port': endpoint.port });
    let outcome: CallOutcome = 'success';
    try {
      if (endpoint.connection.lacksTool(contract.name)) {
        throw new McpFailure('contract_violation', `the server does not offer tool ${contract.name}`, {
          server: server.name,
          tool: contract.name,
        });
      }
      // The breaker counts classified failures only (see `countsForBreaker`), so it sees them after `explain`.
      return await endpoint.breaker.execute(async () => {
        try {
          const wait = server.policies.rateLimit.reserve(Math.max(0, deadline - Date.now()));
          if (wait === undefined) {
            throw new McpFailure(
              'overloaded',
              `local rate limit of ${server.policies.rateLimit.ratePerMinute}/min reached`,
              {
                server: server.name,
                tool: contract.name,
                retryAfterMs: Math.ceil(60_000 / server.policies.rateLimit.ratePerMinute),
              },
            );
          }
          if (wait > 0) {
            try {
              await sleep(wait, signal);
            } catch (error) {
              server.policies.rateLimit.refund();
              throw error;
            }
          }
          const result = await endpoint.connection.callTool(contract.name, args, {
            signal,
            timeoutMs: Math.max(1, deadline - Date.now()),
            safeToRepeat,
          });
          return readToolResult(
            result,
            contract.result,
            { server: server.name, tool: contract.name },
            contract.envelope,
          );
        } catch (error) {
          throw this.explain(error, signal, server.name, contract.name);
        }
      });
    } catch (error) {
      const failure = this.explain(error, signal, server.name, contract.name);
      outcome = failure.kind;
      if (server.endpoints.length > 1) {
        endpoint.lastCallError = { kind: failure.kind, message: this.scrubber.scrub(failure.message), at: new Date() };
      }
      throw failure;
    } finally {
      endpoint.inFlight--;
      endpoint.attempts.record(outcome);
      this.metrics.recordAttempt(server.name, endpoint.url, outcome);
    }
  }

  /** Classifies a failure; when our own signal fired, its reason (timeout, shutdown) is the real cause. */
  private explain(error: unknown, signal: AbortSignal, server: McpServerName, tool: string): McpFailure {
    const failure = classifyFailure(error, server, tool);
    if (!signal.aborted) return failure;
    const settled =
      failure.kind === 'tool_error' || failure.kind === 'invalid_params' || failure.kind === 'contract_violation';
    return settled ? failure : classifyFailure(signal.reason, server, tool);
  }

  private createServer(name: McpServerName, specs: readonly McpEndpointSpec[]): ManagedServer {
    const mcp = this.config.mcp;
    const server: ManagedServer = {
      name,
      endpoints: [],
      policies: new ServerPolicies({
        maxConcurrentCalls: mcp.maxConcurrentCalls,
        maxQueuedCalls: mcp.maxQueuedCalls,
        ratePerMinute: mcp.servers[name].ratePerMinute,
      }),
      counts: new CallCounter(),
      inFlight: new Set(),
      state: 'connecting',
      breakerState: 'closed',
      lastCallError: undefined,
      turn: 0,
    };
    const several = specs.length > 1;
    const endpoints = specs.map((spec, index) => this.createEndpoint(server, spec, several ? index + 1 : undefined));
    (server as { endpoints: readonly ManagedEndpoint[] }).endpoints = endpoints;
    this.metrics.setBreaker(name, 'closed');
    this.metrics.setState(name, 'connecting');
    return server;
  }

  private createEndpoint(server: ManagedServer, spec: McpEndpointSpec, position: number | undefined): ManagedEndpoint {
    const mcp = this.config.mcp;
    const name = server.name;
    const url = redactUrl(spec.url);
    const label = position === undefined ? name : `${name}[${position}]`;
    const where = (reason: string | null): string | null =>
      reason === null || position === undefined ? reason : `${url}: ${reason}`;
    let resetBreaker = (): void => undefined;
    const connection = new McpConnection({
      server: name,
      label,
      endpoint: spec,
      registry: this.registry,
      connectTimeoutMs: mcp.connectTimeoutMs,
      reconnectMinDelayMs: mcp.reconnectMinDelayMs,
      reconnectMaxDelayMs: mcp.reconnectMaxDelayMs,
      healthCheckIntervalMs: mcp.healthCheckIntervalMs,
      maxSockets: mcp.maxConcurrentCalls,
      clientVersion: this.version,
      logger: this.logger,
      onStateChange: (change) => {
        this.metrics.setEndpointState(name, url, change.to);
        if (change.to === 'up' && change.from !== 'up' && change.from !== 'degraded') resetBreaker();
        const from = server.state;
        const to = aggregateState(server.endpoints.map((endpoint) => endpoint.connection.state));
        if (from === to) return;
        server.state = to;
        this.metrics.setState(name, to);
        const reason = where(change.reason === null ? null : this.scrubber.scrub(change.reason));
        this.events?.(McpServerStateChanged.eventName, new McpServerStateChanged(name, from, to, reason));
      },
    });
    const newBreaker = (): CircuitBreakerPolicy => {
      const breaker = createEndpointBreaker({
        breakerThreshold: mcp.breakerThreshold,
        breakerCooldownMs: mcp.breakerCooldownMs,
      });
      breaker.onStateChange((state) => {
        if (endpoint.breaker !== breaker) return;
        const last = breaker.lastFailure;
        const reason =
          state === CircuitState.Open && last && 'error' in last && last.error instanceof Error
            ? this.scrubber.scrub(last.error.message)
            : null;
        setBreaker(breakerStateName(state), reason);
      });
      return breaker;
    };
    const setBreaker = (state: BreakerState, reason: string | null): void => {
      endpoint.breakerState = state;
      if (state === 'open') {
        endpoint.breakerOpenedAt = Date.now();
        this.logger?.warn(`mcp ${label}: circuit breaker open (${reason ?? ''})`);
      }
      this.metrics.setEndpointBreaker(name, url, state);
      const from = server.breakerState;
      const to = aggregateBreaker(server.endpoints.map((each) => each.breakerState));
      if (from === to) return;
      server.breakerState = to;
      this.metrics.setBreaker(name, to);
      this.events?.(McpBreakerStateChanged.eventName, new McpBreakerStateChanged(name, from, to, where(reason)));
    };
    const parsed = new URL(spec.url);
    const endpoint: ManagedEndpoint = {
      spec,
      url,
      address: parsed.hostname,
      port: Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80)),
      connection,
      breaker: undefined as unknown as CircuitBreakerPolicy,
      attempts: new CallCounter(),
      breakerState: 'closed',
      breakerOpenedAt: 0,
      inFlight: 0,
      lastCallError: undefined,
    };
    endpoint.breaker = newBreaker();
    // A new session after a loss proves the endpoint answers again: its breaker closes now rather than after the
    // cool-down, so traffic comes back as soon as the endpoint does.
    resetBreaker = (): void => {
      if (endpoint.breakerState !== 'open' && endpoint.breakerState !== 'half_open') return;
      endpoint.breaker = newBreaker();
      setBreaker('closed', null);
    };
    this.metrics.setEndpointBreaker(name, url, 'closed');
    this.metrics.setEndpointState(name, url, 'connecting');
    return endpoint;
  }

  private describe(server: ManagedServer): McpServerDiagnostics {
    const endpoints = server.endpoints.map((endpoint) => this.describeEndpoint(endpoint));
    const serving = server.endpoints.find((endpoint) => SERVING.has(endpoint.connection.state));
    const reference = serving ?? server.endpoints[0]!;
    const startedAt = reference.connection.sessionStartedAt;
    const candidates = [...server.endpoints.map((endpoint) => endpoint.connection.lastError), server.lastCallError];
    const lastError = latest(candidates);
    return {
      server: server.name,
      url: endpoints.map((endpoint) => endpoint.url).join(', '),
      embedded: server.endpoints.every((endpoint) => endpoint.spec.embedded ?? false),
      state: server.state,
      breaker: server.breakerState,
      protocolEra: reference.connection.protocolEra ?? null,
      protocolVersion: reference.connection.protocolVersion ?? null,
      sessionAgeMs: startedAt === undefined ? null : Date.now() - startedAt,
      connectedAt: startedAt === undefined ? null : new Date(startedAt).toISOString(),
      lastError: this.renderError(lastError),
      reconnectAttempts: server.endpoints.reduce((sum, endpoint) => sum + endpoint.connection.attempts, 0),
      tools: reference.connection.tools,
      missingTools: [...new Set(server.endpoints.flatMap((endpoint) => endpoint.connection.missingTools))].sort(),
      toolList: describeToolList(reference.connection),
      inFlight: server.inFlight.size,
      ...(server.endpoints[0]?.spec.auth?.diagnostics ? { auth: server.endpoints[0].spec.auth.diagnostics() } : {}),
      calls: server.counts.snapshot(),
      endpoints,
    };
  }

  private renderError(error: CallError | undefined): McpServerDiagnostics['lastError'] {
    return error ? { kind: error.kind, message: this.scrubber.scrub(error.message), at: error.at.toISOString() } : null;
  }

  private describeEndpoint(endpoint: ManagedEndpoint): McpEndpointDiagnostics {
    const connection = endpoint.connection;
    const startedAt = connection.sessionStartedAt;
    const lastError = latest([connection.lastError, endpoint.lastCallError]);
    return {
      url: endpoint.url,
      state: connection.state,
      breaker: endpoint.breakerState,
      protocolEra: connection.protocolEra ?? null,
      protocolVersion: connection.protocolVersion ?? null,
      sessionAgeMs: startedAt === undefined ? null : Date.now() - startedAt,
      connectedAt: startedAt === undefined ? null : new Date(startedAt).toISOString(),
      lastError: this.renderError(lastError),
      reconnectAttempts: connection.attempts,
      missingTools: connection.missingTools,
      toolList: describeToolList(connection),
      inFlight: endpoint.inFlight,
      attempts: endpoint.attempts.snapshot(),
    };
  }
}

function latest(errors: readonly (CallError | undefined)[]): CallError | undefined {
  return errors.filter((error) => error !== undefined).sort((a, b) => b.at.getTime() - a.at.getTime())[0];
}

function describeToolList(connection: McpConnection): McpServerDiagnostics['toolList'] {
  const list = connection.toolList;
  if (!list) return null;
  return {
    listedAt: list.listedAt.toISOString(),
    ttlMs: list.ttlMs ?? null,
    refreshAt: list.refreshAt?.toISOString() ?? null,
    listening: connection.listening,
  };
}
