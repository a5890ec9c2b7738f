import { Registry } from 'prom-client';
import type { z } from 'zod';
import type { AppConfig } from '../config/app-config.js';
import { DomainError } from '../errors/domain-error.js';
import { type ConnectionState, McpConnection, type McpEndpoint, type McpLogger } from './mcp-connection.js';
import {
  CallCounter,
  type CallOutcome,
  LatencyWindow,
  McpMetrics,
  type McpServerDiagnostics,
} from './mcp-diagnostics.js';
import { CallTimeoutError, ClientClosingError, McpFailure, classifyFailure, toDomainError } from './mcp-errors.js';
import { redactUrl, SecretScrubber } from './url-secrets.js';
import { McpBreakerStateChanged, type McpEventSink, McpServerStateChanged } from './mcp-events.js';
import {
  type BreakerState,
  ServerPolicies,
  breakerStateName,
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

interface ManagedServer {
  readonly name: McpServerName;
  readonly endpoint: McpEndpointSpec;
  readonly connection: McpConnection;
  readonly policies: ServerPolicies;
  readonly latency: LatencyWindow;
  readonly counts: CallCounter;
  readonly inFlight: Set<AbortController>;
  breakerState: BreakerState;
  lastCallError: { kind: string; message: string; at: Date } | undefined;
}

/** URLs and tokens from configuration; servers without a URL are left out (the Nest service fills them in). */
export function endpointsFromConfig(config: AppConfig): Partial<Record<McpServerName, McpEndpointSpec>> {
  const endpoints: Partial<Record<McpServerName, McpEndpointSpec>> = {};
  for (const name of MCP_SERVER_NAMES) {
    const server = config.mcp.servers[name];
    if (server.url) endpoints[name] = { url: server.url, bearerToken: server.bearerToken };
  }
  return endpoints;
}

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
    endpoints: Partial<Record<McpServerName, McpEndpointSpec>> = endpointsFromConfig(this.config),
  ): Promise<void> {
    for (const [name, endpoint] of Object.entries(endpoints) as [McpServerName, McpEndpointSpec][]) {
      if (this.servers.has(name)) throw new Error(`MCP server ${name} is already started`);
      this.scrubber.add(endpoint.url, endpoint.bearerToken);
      this.servers.set(name, this.createServer(name, endpoint));
    }
    await Promise.all([...this.servers.values()].map((server) => server.connection.start()));
  }

  /**
   * Calls a tool and returns its result, validated by the contract. Failures are `DomainError`s:
   * `upstream_unavailable` (503), `upstream_timeout` (504), `upstream_error` (502, upstream message),
   * `upstream_contract_violation` (502, naming the field); a caller's abort rejects with the signal's reason.
   */
  async call<R extends z.ZodType, A extends object>(
    contract: ToolContract<R, A>,
    args: A,
    options: CallOptions = {},
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
      if (server.connection.lacksTool(contract.name)) {
        throw new McpFailure('contract_violation', `the server does not offer tool ${contract.name}`, {
          server: server.name,
          tool: contract.name,
        });
      }
      const retryPolicy = createRetryPolicy({
        maxRetries: this.config.mcp.maxRetries,
        baseDelayMs: this.config.mcp.retryBaseDelayMs,
        maxDelayMs: this.config.mcp.retryMaxDelayMs,
        deadline,
        safeToRepeat,
      });
      const attempt = (): Promise<z.infer<R>> =>
        server.policies.breaker.execute(() => this.attempt(server, contract, toolArgs, signal, deadline, safeToRepeat));
      const run = server.policies.bulkhead.execute(() => retryPolicy.execute(attempt, signal), signal);
      return await raceAbort(run, signal);
    } catch (error) {
      if (callerSignal?.aborted && signal.reason === callerSignal.reason) {
        outcome = 'cancelled';
        throw callerSignal.reason;
      }
      const failure = this.explain(error, signal, server.name, contract.name);
      // The message reaches the 502/503/504 detail, the status page and the audit: no credential may ride along.
      failure.message = this.scrubber.scrub(failure.message);
      outcome = failure.kind;
      server.lastCallError = { kind: failure.kind, message: failure.message, at: new Date() };
      throw toDomainError(failure);
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
      server.inFlight.delete(controller);
      const elapsed = performance.now() - started;
      server.latency.record(elapsed);
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

  serverState(name: McpServerName): ConnectionState | undefined {
    return this.servers.get(name)?.connection.state;
  }

  /** Drops every session and connects again now (in parallel). Resolves with the new diagnostics. */
  async reconnectAll(): Promise<McpServerDiagnostics[]> {
    await Promise.all([...this.servers.values()].map((server) => server.connection.reconnect()));
    return this.diagnostics();
  }

  /** Cancels in-flight calls, ends every session on its server and closes the socket pools. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const server of this.servers.values()) {
      for (const controller of server.inFlight) controller.abort(new ClientClosingError());
    }
    await Promise.all([...this.servers.values()].map((server) => server.connection.close()));
  }

  private async attempt<R extends z.ZodType>(
    server: ManagedServer,
    contract: ToolContract<R, object>,
    args: Record<string, unknown>,
    signal: AbortSignal,
    deadline: number,
    safeToRepeat: boolean,
  ): Promise<z.infer<R>> {
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
      const result = await server.connection.callTool(contract.name, args, {
        signal,
        timeoutMs: Math.max(1, deadline - Date.now()),
        safeToRepeat,
      });
      return readToolResult(result, contract.result, { server: server.name, tool: contract.name });
    } catch (error) {
      throw this.explain(error, signal, server.name, contract.name);
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

  private createServer(name: McpServerName, endpoint: McpEndpointSpec): ManagedServer {
    const mcp = this.config.mcp;
    const connection = new McpConnection({
      server: name,
      endpoint,
      registry: this.registry,
      connectTimeoutMs: mcp.connectTimeoutMs,
      reconnectMinDelayMs: mcp.reconnectMinDelayMs,
      reconnectMaxDelayMs: mcp.reconnectMaxDelayMs,
      healthCheckIntervalMs: mcp.healthCheckIntervalMs,
      maxSockets: mcp.maxConcurrentCalls,
      clientVersion: this.version,
      logger: this.logger,
      onStateChange: (change) => {
        this.metrics.setState(change.server, change.to);
        this.events?.(
          McpServerStateChanged.eventName,
          new McpServerStateChanged(
            change.server,
            change.from,
            change.to,
            change.reason === null ? null : this.scrubber.scrub(change.reason),
          ),
        );
      },
    });
    const policies = new ServerPolicies({
      breakerThreshold: mcp.breakerThreshold,
      breakerCooldownMs: mcp.breakerCooldownMs,
      maxConcurrentCalls: mcp.maxConcurrentCalls,
      maxQueuedCalls: mcp.maxQueuedCalls,
      ratePerMinute: this.config.mcp.servers[name].ratePerMinute,
    });
    const server: ManagedServer = {
      name,
      endpoint,
      connection,
      policies,
      latency: new LatencyWindow(),
      counts: new CallCounter(),
      inFlight: new Set(),
      breakerState: 'closed',
      lastCallError: undefined,
    };
    this.metrics.setBreaker(name, 'closed');
    this.metrics.setState(name, 'connecting');
    policies.breaker.onStateChange((state) => {
      const from = server.breakerState;
      const to = breakerStateName(state);
      server.breakerState = to;
      this.metrics.setBreaker(name, to);
      const last = policies.breaker.lastFailure;
      const reason =
        to === 'open' && last && 'error' in last && last.error instanceof Error
          ? this.scrubber.scrub(last.error.message)
          : null;
      if (to === 'open') this.logger?.warn(`mcp ${name}: circuit breaker open (${reason ?? ''})`);
      this.events?.(McpBreakerStateChanged.eventName, new McpBreakerStateChanged(name, from, to, reason));
    });
    return server;
  }

  private describe(server: ManagedServer): McpServerDiagnostics {
    const connection = server.connection;
    const startedAt = connection.sessionStartedAt;
    const candidates = [connection.lastError, server.lastCallError].filter((e) => e !== undefined);
    const lastError = candidates.sort((a, b) => b.at.getTime() - a.at.getTime())[0];
    return {
      server: server.name,
      url: redactUrl(server.endpoint.url),
      embedded: server.endpoint.embedded ?? false,
      state: connection.state,
      breaker: server.breakerState,
      sessionAgeMs: startedAt === undefined ? null : Date.now() - startedAt,
      connectedAt: startedAt === undefined ? null : new Date(startedAt).toISOString(),
      lastError: lastError
        ? { kind: lastError.kind, message: this.scrubber.scrub(lastError.message), at: lastError.at.toISOString() }
        : null,
      reconnectAttempts: connection.attempts,
      tools: connection.tools,
      missingTools: connection.missingTools,
      inFlight: server.inFlight.size,
      calls: server.counts.snapshot(),
      latencyMs: server.latency.percentiles(),
    };
  }
}
