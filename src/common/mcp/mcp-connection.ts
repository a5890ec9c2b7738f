import {
  CLIENT_CAPABILITIES_META_KEY,
  type CallToolResult,
  Client,
  type FetchLike,
  isInputRequiredResult,
  MAX_CACHE_TTL_MS,
  type McpSubscription,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import type { Agent } from 'undici';
import { CallTimeoutError, ClientClosingError, McpFailure, classifyFailure, needsInputFailure } from './mcp-errors.js';
import { callScope, createMcpAgent, createMcpFetch } from './mcp-fetch.js';
import { raceAbort } from './mcp-policies.js';
import { currentTraceContext } from '../tracing/tracing.js';
import type { McpServerName, McpToolRegistry } from './tool-contract.js';
import { withMcpAuth } from './oauth/mcp-auth-fetch.js';
import type { McpRequestAuth } from './oauth/mcp-oauth-session.js';

/** `unauthorized`: OAuth tokens could not be renewed; no reconnects until the authorization is fixed. */
export type ConnectionState = 'connecting' | 'up' | 'degraded' | 'down' | 'unauthorized';

/**
 * The protocol era a connection negotiated: `2026-07-28` (no session; `server/discover`, per-request `_meta`) or
 * `session` (the session-based versions, 2025-11-25 / 2025-06-18, after `initialize`).
 */
export type ProtocolEra = '2026-07-28' | 'session';

export interface McpEndpoint {
  url: string;
  bearerToken?: string | undefined;
  /** OAuth 2.1 (instead of `bearerToken`): every request carries this source's current access token. */
  auth?: McpRequestAuth | undefined;
}

export interface McpLogger {
  log(message: string): void;
  warn(message: string): void;
  debug?(message: string): void;
}

export interface ConnectionStateChange {
  server: McpServerName;
  from: ConnectionState;
  to: ConnectionState;
  reason: string | null;
}

export interface McpConnectionOptions {
  server: McpServerName;
  /** How log lines name this connection (`avinode`, or `avinode[2]` when the server has several endpoints). */
  label?: string;
  endpoint: McpEndpoint;
  registry: McpToolRegistry;
  connectTimeoutMs: number;
  reconnectMinDelayMs: number;
  reconnectMaxDelayMs: number;
  /** An idle session is pinged this often. */
  healthCheckIntervalMs: number;
  /** Sockets in this server's pool. */
  maxSockets: number;
  clientVersion: string;
  logger?: McpLogger | undefined;
  onStateChange?: ((change: ConnectionStateChange) => void) | undefined;
}

export interface SendOptions {
  signal: AbortSignal;
  /** Upper bound for the SDK's own request timer; our signal normally fires first. */
  timeoutMs: number;
  /** Whether the call may be replayed once on a fresh session after the session was lost. */
  safeToRepeat: boolean;
}

/** When the tool list was last fetched, and until when its `ttlMs` hint (2026-07-28) says it is fresh. */
export interface ToolListFreshness {
  listedAt: Date;
  /** The server's hint as sent; absent or 0: no timed re-list (changes come by notification). */
  ttlMs: number | undefined;
  /** When the background re-list is due; absent without a positive `ttlMs`. */
  refreshAt: Date | undefined;
}

/**
 * A server's `ttlMs` below this is raised to it, so a server cannot make us re-list on every call; above the SDK's own
 * cap (24 h) it is lowered to that.
 */
export const MIN_TOOL_LIST_TTL_MS = 1_000;
/** A burst of list-change notifications is one re-list. */
const LIST_CHANGE_DEBOUNCE_MS = 100;

interface Session {
  readonly client: Client;
  readonly transport: StreamableHTTPClientTransport;
  readonly era: ProtocolEra;
  /** The exact protocol version negotiated (e.g. `2026-07-28`, `2025-11-25`). */
  readonly version: string | undefined;
  readonly startedAt: number;
  inFlight: number;
  retired: boolean;
  /** 2026-07-28: the open `subscriptions/listen` stream for tool-list changes. */
  subscription: McpSubscription | undefined;
  /** Re-opens the listen stream after it dropped (the connection's backoff). */
  relistenTimer: NodeJS.Timeout | undefined;
  relistenAttempts: number;
  /** The background re-list when the list's `ttlMs` runs out. */
  ttlTimer: NodeJS.Timeout | undefined;
}

/**
 * One long-lived MCP session to one server, shared by all concurrent calls, with its own bounded keep-alive socket pool.
 * Never throws at start: an unreachable server is `down` and retried in the background (capped exponential backoff).
 * A lost session (404 / 400 "no valid session" / stale socket / stream closed) is replaced by a fresh one, and a call
 * that is safe to repeat is replayed once on it.
 */
export class McpConnection {
  readonly server: McpServerName;
  private readonly label: string;
  private stateValue: ConnectionState = 'connecting';
  private session: Session | undefined;
  private connecting: Promise<Session> | undefined;
  private connectAbort: AbortController | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempts = 0;
  private lastAttemptAt = 0;
  private closed = false;
  private readonly agent: Agent;
  private readonly fetch;
  private readonly unsubscribe: () => void;
  private toolNames = new Set<string>();
  private missing: string[] = [];
  private lastFailure: { kind: string; message: string; at: Date } | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private lastSuccessAt = 0;
  private checking = false;
  /** Why the server is `unauthorized`; calls fail with it at once until `reconnect()`. */
  private unauthorized: McpFailure | undefined;
  /** Long-lived streams (listen, standalone GET) pin a socket each; they get their own pool, not the calls'. */
  private readonly streamAgent: Agent;
  private freshness: ToolListFreshness | undefined;
  /** The re-list in progress; a change noticed meanwhile sets `relistAgain` instead of starting a second one. */
  private relisting: Promise<void> | undefined;
  private relistAgain = false;

  constructor(private readonly options: McpConnectionOptions) {
    this.server = options.server;
    this.label = options.label ?? options.server;
    this.agent = createMcpAgent({ connections: options.maxSockets, connectTimeoutMs: options.connectTimeoutMs });
    this.streamAgent = createMcpAgent({ connections: 4, connectTimeoutMs: options.connectTimeoutMs });
    const fetch = createMcpFetch(this.agent, this.streamAgent);
    this.fetch = options.endpoint.auth ? withMcpAuth(fetch, options.endpoint.auth) : fetch;
    this.unsubscribe = options.registry.onChange((server) => {
      if (server === this.server && this.session) this.evaluateTools();
    });
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  get tools(): string[] {
    return [...this.toolNames].sort();
  }

  get missingTools(): string[] {
    return [...this.missing];
  }

  /** The tool list's age and expiry; undefined while not connected. */
  get toolList(): ToolListFreshness | undefined {
    return this.session ? this.freshness : undefined;
  }

  /** Whether a `subscriptions/listen` stream (2026-07-28) is open for tool-list changes. */
  get listening(): boolean {
    return this.session?.subscription !== undefined;
  }

  get lastError(): { kind: string; message: string; at: Date } | undefined {
    return this.lastFailure;
  }

  get sessionStartedAt(): number | undefined {
    return this.session?.startedAt;
  }

  /** The era of the current connection; undefined while not connected. */
  get protocolEra(): ProtocolEra | undefined {
    return this.session?.era;
  }

  get protocolVersion(): string | undefined {
    return this.session?.version;
  }

  get attempts(): number {
    return this.reconnectAttempts;
  }

  /** True when the tool list is known and lacks this tool. */
  lacksTool(name: string): boolean {
    return this.session !== undefined && !this.toolNames.has(name);
  }

  /** First connection attempt; resolves either way (state tells the outcome). */
  async start(): Promise<void> {
    this.healthTimer ??= setInterval(() => void this.healthCheck(), this.options.healthCheckIntervalMs);
    this.healthTimer.unref();
    await this.connectNow().catch(() => undefined);
  }

  /** Drops the current session (if any) and connects again now. Resolves with the resulting state. */
  async reconnect(): Promise<ConnectionState> {
    if (this.closed) return this.stateValue;
    this.unauthorized = undefined;
    if (this.session && !this.connecting) this.retire(this.session);
    await this.connectNow().catch(() => undefined);
    return this.stateValue;
  }

  /** Sends `tools/call` on the current session, replacing a lost session and replaying once when safe. */
  async callTool(name: string, args: Record<string, unknown>, options: SendOptions): Promise<CallToolResult> {
    const session = await this.acquire(options.signal);
    try {
      return await this.send(session, name, args, options);
    } catch (error) {
      const failure = classifyFailure(error, this.server, name);
      if (options.signal.aborted) throw failure;
      if (failure.kind === 'unauthorized') this.markUnauthorized(failure, session);
      if (failure.kind === 'unreachable') this.markLost(session, failure);
      if (failure.kind !== 'session_lost') throw failure;
      this.markLost(session, failure);
      if (!options.safeToRepeat) throw failure;
      const fresh = await this.acquire(options.signal);
      return await this.send(fresh, name, args, options);
    }
  }

  /** Ends the session on the server (`DELETE`), closes the SDK client and the socket pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    clearTimeout(this.reconnectTimer);
    clearInterval(this.healthTimer);
    this.connectAbort?.abort(new ClientClosingError());
    await this.connecting?.catch(() => undefined);
    const session = this.session;
    this.session = undefined;
    if (session) await this.dispose(session);
    await this.relisting?.catch(() => undefined);
    await this.agent.destroy().catch(() => undefined);
    await this.streamAgent.destroy().catch(() => undefined);
  }

  private async acquire(signal: AbortSignal): Promise<Session> {
    if (this.closed) throw new ClientClosingError();
    if (this.unauthorized) throw this.unauthorized;
    if (this.session) return this.session;
    if (this.connecting) return raceAbort(this.connecting, signal);
    // Down: a call may trigger an early attempt, at most once per minimum delay, so recovery is noticed promptly
    // without every call hammering a dead server.
    if (Date.now() - this.lastAttemptAt >= this.options.reconnectMinDelayMs)
      return raceAbort(this.connectNow(), signal);
    throw new McpFailure('unreachable', `server is down: ${this.lastFailure?.message ?? 'not connected'}`, {
      server: this.server,
    });
  }

  private async send(
    session: Session,
    name: string,
    args: Record<string, unknown>,
    options: SendOptions,
  ): Promise<CallToolResult> {
    session.inFlight++;
    // The SDK adds an abort listener to the signal it is given and never removes it; that listener's closure holds the
    // request's promise, and so the whole result. Given the call's own signal — which undici's fetch also keeps (in a
    // FinalizationRegistry) until its request is collected — every result stayed reachable for several collections
    // (a heap snapshot after a 100k-contact sync found 82,521 contacts held that way). The SDK gets a signal of its own
    // instead, tied to the call's by a listener removed when the call ends, so nothing long-lived points at it.
    const sdkAbort = new AbortController();
    const forward = (): void => sdkAbort.abort(options.signal.reason);
    if (options.signal.aborted) forward();
    else options.signal.addEventListener('abort', forward, { once: true });
    try {
      const result: unknown = await callScope.run(options.signal, () =>
        session.client.request(
          { method: 'tools/call', params: callParams(name, args, session.era) },
          // Handed back rather than fulfilled: see `inputRequired` where the client is made.
          { signal: sdkAbort.signal, timeout: options.timeoutMs + 1_000, allowInputRequired: true },
        ),
      );
      this.lastSuccessAt = Date.now();
      if (isInputRequiredResult(result)) throw needsInputFailure(result.inputRequests, this.server, name);
      return result as CallToolResult;
    } finally {
      options.signal.removeEventListener('abort', forward);
      session.inFlight--;
      if (session.retired && session.inFlight === 0) void this.dispose(session);
    }
  }

  private connectNow(): Promise<Session> {
    if (this.connecting) return this.connecting;
    if (this.closed) return Promise.reject(new ClientClosingError());
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.lastAttemptAt = Date.now();
    this.setState('connecting', null);
    // A socket the server closed while idle fails the first request on it; one immediate second try tells that apart
    // from a server that is really gone.
    const opened = this.openSession().catch((error: unknown) => {
      if (this.closed || classifyFailure(error, this.server, undefined).kind !== 'session_lost') throw error;
      return this.openSession();
    });
    const attempt = opened.then(
      (session) => {
        this.connecting = undefined;
        if (this.closed) {
          void this.dispose(session);
          throw new ClientClosingError();
        }
        this.session = session;
        this.reconnectAttempts = 0;
        this.lastSuccessAt = Date.now();
        this.evaluateTools();
        this.scheduleTtlRelist(session);
        this.watchSubscription(session);
        return session;
      },
      (error: unknown) => {
        this.connecting = undefined;
        const failure = classifyFailure(error, this.server, undefined);
        if (this.closed) {
          // closing: nothing to report
        } else if (failure.kind === 'unauthorized') {
          this.markUnauthorized(failure, undefined);
        } else {
          this.lastFailure = { kind: failure.kind, message: failure.message, at: new Date() };
          this.setState('down', failure.message);
          this.scheduleReconnect();
        }
        throw failure;
      },
    );
    this.connecting = attempt;
    attempt.catch(() => undefined);
    return attempt;
  }

  private async openSession(): Promise<Session> {
    const { endpoint, connectTimeoutMs } = this.options;
    // Session era: the standalone GET stream is where a server's `notifications/tools/list_changed` arrives. Opened only
    // when the server says it sends them (n8n-mcp 2.87 declares `tools: {}` and never gets one); it ends with the
    // session (closing the client aborts it) and is never re-opened by the SDK (`maxRetries: 0`): a new session opens
    // its own.
    const sessionFetch: FetchLike = (url, init) =>
      (init?.method ?? 'GET').toUpperCase() === 'GET' && client.getServerCapabilities()?.tools?.listChanged !== true
        ? Promise.resolve(new Response(null, { status: 405, statusText: 'Method Not Allowed' }))
        : this.fetch(url, init);
    const transport = new StreamableHTTPClientTransport(new URL(endpoint.url), {
      fetch: sessionFetch,
      requestInit: endpoint.bearerToken ? { headers: { authorization: `Bearer ${endpoint.bearerToken}` } } : undefined,
      reconnectionOptions: {
        maxRetries: 0,
        initialReconnectionDelay: 1_000,
        maxReconnectionDelay: 1_000,
        reconnectionDelayGrowFactor: 1,
      },
    });
    const client = new Client(
      { name: 'jetvision-integration', version: this.options.clientVersion },
      {
        capabilities: {},
        // Each connect probes with `server/discover`: a 2026-07-28 server is spoken to without a session, anything
        // else (n8n-mcp 2.87 answers the probe 400 "no valid session") gets the session-based `initialize`. Probing
        // on every connect, not once, lets an endpoint that was upgraded or rolled back be followed on reconnect.
        versionNegotiation: { mode: 'auto' },
        // The backend has nobody to answer a server's question mid-call: an `input_required` result is not fulfilled
        // but surfaces (as a typed SDK error) and becomes a "needs input" outcome for the caller.
        inputRequired: { autoFulfill: false },
        // 2026-07-28: the SDK opens a `subscriptions/listen` stream at connect when the server advertises
        // `tools.listChanged`; session era: the notification arrives on the standalone GET stream. Either way we only
        // hear that the list changed and re-list ourselves (one at a time, under our own deadline).
        listChanged: {
          tools: {
            autoRefresh: false,
            debounceMs: LIST_CHANGE_DEBOUNCE_MS,
            onChanged: () => {
              if (this.session?.client === client) this.relist('list changed');
            },
          },
        },
      },
    );
    // The SDK reports transport trouble here as well as through the failing request; the request path handles it.
    client.onerror = (error) => this.options.logger?.debug?.(`mcp ${this.label}: ${error.message}`);
    const abort = new AbortController();
    this.connectAbort = abort;
    const timer = setTimeout(() => abort.abort(new CallTimeoutError(connectTimeoutMs)), connectTimeoutMs);
    timer.unref();
    try {
      await callScope.run(abort.signal, async () => {
        await client.connect(transport, { signal: abort.signal, timeout: connectTimeoutMs + 1_000 });
        await this.listTools(client, abort.signal);
      });
      const era: ProtocolEra = client.getProtocolEra() === 'modern' ? '2026-07-28' : 'session';
      const version = client.getNegotiatedProtocolVersion();
      return {
        client,
        transport,
        era,
        version,
        startedAt: Date.now(),
        inFlight: 0,
        retired: false,
        subscription: client.autoOpenedSubscription,
        relistenTimer: undefined,
        relistenAttempts: 0,
        ttlTimer: undefined,
      };
    } catch (error) {
      await client.close().catch(() => undefined);
      throw abort.signal.aborted ? (abort.signal.reason as Error) : error;
    } finally {
      clearTimeout(timer);
      if (this.connectAbort === abort) this.connectAbort = undefined;
    }
  }

  /**
   * Pings an idle session. Without it a server that went away while nobody called it would still look `up`; a failed
   * ping is handled like a failed call (new session, or `down` and background reconnects).
   */
  private async healthCheck(): Promise<void> {
    const session = this.session;
    if (!session || this.closed || this.checking || this.connecting) return;
    // Half the interval, not all of it: the timer has the same period, so a full-interval threshold would often skip a
    // tick by a few milliseconds and a stopped server would look up for almost two intervals.
    if (Date.now() - this.lastSuccessAt < this.options.healthCheckIntervalMs / 2) return;
    this.checking = true;
    const signal = AbortSignal.timeout(this.options.connectTimeoutMs);
    try {
      // 2026-07-28 has no `ping`; `server/discover` is the cheap request every such server answers.
      const options = { signal, timeout: this.options.connectTimeoutMs + 1_000 };
      await callScope.run(signal, () =>
        session.era === '2026-07-28' ? session.client.discover(options) : session.client.ping(options),
      );
      this.lastSuccessAt = Date.now();
    } catch (error) {
      const failure = classifyFailure(
        signal.aborted ? new CallTimeoutError(this.options.connectTimeoutMs) : error,
        this.server,
        undefined,
      );
      if (failure.kind === 'unauthorized') this.markUnauthorized(failure, session);
      else if (failure.countsForBreaker) this.markLost(session, failure);
    } finally {
      this.checking = false;
    }
  }

  /**
   * Fetches the whole tool list (the SDK walks the pages) past the SDK's response cache, so `toolNames` is what the
   * server lists now, and notes its `ttlMs` hint.
   */
  private async listTools(client: Client, signal: AbortSignal): Promise<void> {
    const { connectTimeoutMs } = this.options;
    const names = new Set<string>();
    let cursor: string | undefined;
    let ttlMs: number | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : {}, {
        signal,
        timeout: connectTimeoutMs,
        cacheMode: 'refresh',
      });
      for (const tool of page.tools) names.add(tool.name);
      const hint = (page as { ttlMs?: unknown }).ttlMs;
      if (cursor === undefined && typeof hint === 'number' && Number.isFinite(hint)) ttlMs = hint;
      cursor = page.nextCursor;
    } while (cursor);
    this.toolNames = names;
    const listedAt = Date.now();
    const refreshIn = ttlMs !== undefined && ttlMs > 0 ? clampTtl(ttlMs) : undefined;
    this.freshness = {
      listedAt: new Date(listedAt),
      ttlMs,
      refreshAt: refreshIn === undefined ? undefined : new Date(listedAt + refreshIn),
    };
  }

  /**
   * Re-lists the tools on the current session and re-checks the contract (`up` ↔ `degraded`), in the background: calls
   * never wait for it, and there is never more than one at a time (a change noticed meanwhile re-lists once more after).
   */
  private relist(why: string): void {
    if (this.closed) return;
    if (this.relisting) {
      this.relistAgain = true;
      return;
    }
    const run = async (): Promise<void> => {
      do {
        this.relistAgain = false;
        const session = this.session;
        if (!session || this.closed) return;
        const before = this.tools;
        const signal = AbortSignal.timeout(this.options.connectTimeoutMs);
        try {
          await callScope.run(signal, () => this.listTools(session.client, signal));
        } catch (error) {
          const failure = classifyFailure(error, this.server, undefined);
          this.options.logger?.warn(`mcp ${this.label}: re-listing tools (${why}) failed: ${failure.message}`);
          this.retryTtlRelist(session);
          return;
        }
        if (this.session !== session) return;
        const after = this.tools;
        const added = after.filter((name) => !before.includes(name));
        const removed = before.filter((name) => !after.includes(name));
        if (added.length > 0 || removed.length > 0) {
          const change = [...added.map((n) => `+${n}`), ...removed.map((n) => `-${n}`)].join(' ');
          this.options.logger?.log(`mcp ${this.label}: tool list changed (${why}): ${change}`);
        }
        this.evaluateTools();
        this.scheduleTtlRelist(session);
      } while (this.relistAgain);
    };
    const running = run().finally(() => {
      this.relisting = undefined;
    });
    this.relisting = running;
  }

  /** Arms the timed re-list when the last list carried a positive `ttlMs`; a missing or 0 ttl arms nothing. */
  private scheduleTtlRelist(session: Session): void {
    clearTimeout(session.ttlTimer);
    session.ttlTimer = undefined;
    const refreshAt = this.freshness?.refreshAt;
    if (refreshAt === undefined || session.retired) return;
    session.ttlTimer = setTimeout(() => {
      session.ttlTimer = undefined;
      if (this.session === session) this.relist('ttl expired');
    }, refreshAt.getTime() - Date.now());
    session.ttlTimer.unref();
  }

  /**
   * A timed re-list that failed is tried again one ttl later (a server in real trouble is found by the health check and
   * reconnected, which lists anew); without this, one failure would end the timed re-lists for the session's life.
   */
  private retryTtlRelist(session: Session): void {
    const ttlMs = this.freshness?.ttlMs;
    if (this.session !== session || !this.freshness || ttlMs === undefined || ttlMs <= 0) return;
    this.freshness = { ...this.freshness, refreshAt: new Date(Date.now() + clampTtl(ttlMs)) };
    this.scheduleTtlRelist(session);
  }

  /**
   * 2026-07-28: when the listen stream ends without us closing it (server restart, dropped socket), it is opened again
   * with the connection's backoff, and the tools are re-listed once it is back (changes may have been missed). The SDK
   * does not re-listen by itself. A server that advertises list changes but whose listen failed at connect is retried
   * the same way.
   */
  private watchSubscription(session: Session): void {
    if (session.era !== '2026-07-28') return;
    if (session.client.getServerCapabilities()?.tools?.listChanged !== true) return;
    const subscription = session.subscription;
    if (!subscription) {
      this.scheduleRelisten(session);
      return;
    }
    void subscription.closed.then((cause) => {
      if (session.subscription === subscription) session.subscription = undefined;
      if (cause === 'local' || session.retired || this.closed) return;
      this.options.logger?.warn(`mcp ${this.label}: tool-list subscription ended (${cause}); re-opening it`);
      this.scheduleRelisten(session);
    });
  }

  private scheduleRelisten(session: Session): void {
    if (session.relistenTimer || session.retired || this.closed) return;
    const delay = this.backoffDelay(session.relistenAttempts);
    session.relistenAttempts++;
    session.relistenTimer = setTimeout(() => {
      session.relistenTimer = undefined;
      void this.relisten(session);
    }, delay);
    session.relistenTimer.unref();
  }

  private async relisten(session: Session): Promise<void> {
    if (session.retired || this.closed || this.session !== session) return;
    try {
      const timeout = this.options.connectTimeoutMs;
      session.subscription = await session.client.listen({ toolsListChanged: true }, { timeout });
    } catch (error) {
      const failure = classifyFailure(error, this.server, undefined);
      this.options.logger?.debug?.(
        `mcp ${this.label}: re-opening the tool-list subscription failed: ${failure.message}`,
      );
      this.scheduleRelisten(session);
      return;
    }
    if (session.retired || this.closed) {
      await session.subscription.close().catch(() => undefined);
      return;
    }
    session.relistenAttempts = 0;
    this.options.logger?.log(`mcp ${this.label}: tool-list subscription re-opened`);
    this.watchSubscription(session);
    this.relist('subscription re-opened');
  }

  private evaluateTools(): void {
    const required = this.options.registry.requiredTools(this.server, this.toolNames);
    this.missing = required.filter((name) => !this.toolNames.has(name));
    if (this.missing.length > 0) {
      this.setState('degraded', `missing tools: ${this.missing.join(', ')}`);
    } else {
      this.setState('up', null);
    }
  }

  private markLost(session: Session, failure: McpFailure): void {
    this.lastFailure = { kind: failure.kind, message: failure.message, at: new Date() };
    if (this.session !== session) return;
    this.options.logger?.warn(`mcp ${this.label}: session lost (${failure.message}); opening a new one`);
    this.retire(session);
    this.connectNow().catch(() => undefined);
  }

  /**
   * The authorization failed for good (see McpOAuthSession): no background reconnects — each would only fail the same
   * way — until an operator signs in again or asks for a reconnect.
   */
  private markUnauthorized(failure: McpFailure, session: Session | undefined): void {
    this.unauthorized = failure;
    this.lastFailure = { kind: failure.kind, message: failure.message, at: new Date() };
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (session) this.retire(session);
    this.setState('unauthorized', failure.message);
  }

  private retire(session: Session): void {
    if (this.session === session) this.session = undefined;
    session.retired = true;
    clearTimeout(session.ttlTimer);
    clearTimeout(session.relistenTimer);
    if (session.inFlight === 0) void this.dispose(session);
  }

  /** Best-effort `DELETE` of the server-side session (bounded; none in 2026-07-28), then close the SDK client. */
  private async dispose(session: Session): Promise<void> {
    clearTimeout(session.ttlTimer);
    clearTimeout(session.relistenTimer);
    session.retired = true;
    const signal = AbortSignal.timeout(Math.min(2_000, this.options.connectTimeoutMs));
    // Closing a subscription also tells the server (`notifications/cancelled`): bounded like the DELETE.
    const subscription = session.subscription;
    if (subscription) await callScope.run(signal, () => subscription.close()).catch(() => undefined);
    if (session.era === 'session') {
      await callScope.run(signal, () => session.transport.terminateSession()).catch(() => undefined);
    }
    await session.client.close().catch(() => undefined);
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.backoffDelay(this.reconnectAttempts);
    this.reconnectAttempts++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connectNow().catch(() => undefined);
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Capped exponential backoff with jitter (half fixed, half random). */
  private backoffDelay(attempt: number): number {
    const { reconnectMinDelayMs, reconnectMaxDelayMs } = this.options;
    const exponential = Math.min(reconnectMaxDelayMs, reconnectMinDelayMs * 2 ** attempt);
    return Math.round(exponential / 2 + Math.random() * (exponential / 2));
  }

  private setState(to: ConnectionState, reason: string | null): void {
    const from = this.stateValue;
    if (from === to) return;
    this.stateValue = to;
    if (to === 'down' || to === 'degraded')
      this.options.logger?.warn(`mcp ${this.label}: ${from} -> ${to} (${reason ?? ''})`);
    else this.options.logger?.log(`mcp ${this.label}: ${from} -> ${to}`);
    this.options.onStateChange?.({ server: this.server, from, to, reason });
  }
}

/**
 * In 2026-07-28 a server may ask for input (`input_required`) only when the request declares it can be asked; the
 * backend declares elicitation there so a server that needs a person's answer says what it needs (surfaced as "needs
 * input") instead of refusing the call. Not in the session era: there the question would be a server-to-client request
 * inside the reply stream, which the backend does not answer, and the call would wait for its deadline.
 */
const MODERN_CALL_CAPABILITIES = { elicitation: { form: {}, url: {} } };

/** `tools/call` params; the active span's trace context rides in `_meta` (`traceparent`, `tracestate`) when tracing. */
function callParams(name: string, args: Record<string, unknown>, era: ProtocolEra): Record<string, unknown> {
  const meta: Record<string, unknown> = { ...currentTraceContext() };
  if (era === '2026-07-28') meta[CLIENT_CAPABILITIES_META_KEY] = MODERN_CALL_CAPABILITIES;
  return Object.keys(meta).length > 0 ? { name, arguments: args, _meta: meta } : { name, arguments: args };
}

function clampTtl(ttlMs: number): number {
  return Math.min(MAX_CACHE_TTL_MS, Math.max(MIN_TOOL_LIST_TTL_MS, ttlMs));
}
