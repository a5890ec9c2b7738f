import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

import {
  createMcpHandler,
  isLegacyRequest,
  type McpHttpHandler,
  McpServer,
  type RegisteredTool,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { z } from 'zod';

import { formatZodError, HttpError, jsonRpcError, readBody, readJson, sendJson } from './http-io.js';
import {
  SandboxDataChangeError,
  type SandboxDataChange,
  type SandboxDefinition,
  type SandboxName,
  type SandboxServingEra,
  type SandboxToolContext,
} from './sandbox-definition.js';
import { FaultInjector, sandboxFaultsSchema, type FaultDecision, type SandboxFaults } from './sandbox-faults.js';
import { SandboxStateFile } from './sandbox-state-file.js';
import { mulberry32, type RandomSource } from './seeded-random.js';
import {
  WebhookDispatcher,
  webhookConfigSchema,
  type SandboxWebhookConfig,
  type WebhookStats,
} from './webhook-dispatcher.js';
import { sendWebResponse, toWebRequest } from './web-bridge.js';
import type { SandboxTokenVerifier } from './sandbox-oauth.js';

/**
 * Which MCP protocol era a sandbox serves: `2026-07-28` answers `server/discover` and per-request (session-less)
 * traffic and still serves session-based clients, as an upgraded server does; `session` serves only the session-based
 * versions (2025-11-25, 2025-06-18), as n8n-mcp 2.87 does, so a negotiating client falls back.
 */
export const SANDBOX_MCP_PROTOCOLS = ['2026-07-28', 'session'] as const;
export type SandboxMcpProtocol = (typeof SANDBOX_MCP_PROTOCOLS)[number];

/** `SANDBOX_MCP_PROTOCOL` (default `2026-07-28`); throws naming the variable when it holds anything else. */
export function sandboxProtocolFromEnv(env: Record<string, string | undefined> = process.env): SandboxMcpProtocol {
  const value = env.SANDBOX_MCP_PROTOCOL?.trim();
  if (value === undefined || value === '') return '2026-07-28';
  const known = SANDBOX_MCP_PROTOCOLS.find((protocol) => protocol === value);
  if (!known)
    throw new Error(`SANDBOX_MCP_PROTOCOL must be one of ${SANDBOX_MCP_PROTOCOLS.join(', ')} (got "${value}")`);
  return known;
}

export interface SandboxHostOptions {
  /** The protocol era served (see `SANDBOX_MCP_PROTOCOLS`); default `SANDBOX_MCP_PROTOCOL`, else `2026-07-28`. */
  protocol?: SandboxMcpProtocol;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port; a restart (`stop()` then `start()`) reuses the port first bound. */
  port?: number;
  /** Seed of the data, the tools' random source and (unless faults name their own) the fault dice. Default 42. */
  seed?: number;
  /** "Today" for generated data; the tools' clock starts there and runs in real time. Default: the real time. */
  now?: Date;
  size?: number;
  /** When set, `/mcp` and `/admin/*` require `Authorization: Bearer <authToken>`. */
  authToken?: string;
  /** When set, `/mcp` is an OAuth protected resource: tokens are checked with the authorization server. */
  oauth?: SandboxTokenVerifier;
  /** Serve `/admin/*` (otherwise those paths answer 404). */
  admin?: boolean;
  /** Idle time after which a session is forgotten (its id then gets 404). Default 30 minutes. */
  sessionIdleMs?: number;
  webhook?: SandboxWebhookConfig | null;
  /**
   * Keep the data in this file: loaded at construction when it exists (instead of building it from the seed), saved
   * within half a second of a change and when the server stops.
   */
  stateFile?: string;
  /** Avinode: the simulated broker flow (see SandboxStateOptions.avinodeTripFlow). */
  avinodeTripFlow?: { minuteMs: number } | undefined;
}

export interface SandboxStats {
  name: SandboxName;
  protocol: SandboxMcpProtocol;
  sessions: number;
  /**
   * POSTed MCP messages per era: `modern` carried the 2026-07-28 per-request envelope (no session), `session` were
   * session-based (`initialize`, a message on a session, or a probe a `session` server refuses); `discover` counts
   * `server/discover` probes among them.
   */
  requests: { modern: number; session: number; discover: number };
  /** tools/call requests received per tool name (faulted ones included). */
  calls: Record<string, number>;
  /** tools/list requests received (both eras). */
  toolLists: number;
  faultsInjected: number;
  /** Trace ids carried by the last (up to 100) tools/call requests that had a `traceparent` in `_meta`. */
  traceIds: string[];
  webhooks: WebhookStats;
  /** Where the data is kept, and the last save error while saving fails; absent when nothing is kept. */
  persistence?: { path: string; lastError?: string };
}

/**
 * The tool list the server publishes (admin `PUT /admin/tools`): tools hidden from it (a hidden tool is unknown to
 * `tools/call` as well), and the `ttlMs` hint its 2026-07-28 `tools/list` results carry (absent: the SDK's 0).
 */
export interface SandboxToolList {
  hidden: string[];
  listTtlMs?: number | undefined;
}

export const sandboxToolListSchema = z
  .object({
    hidden: z.array(z.string().min(1)).max(100),
    listTtlMs: z.number().int().min(0).max(86_400_000).optional(),
  })
  .strict();

interface Session {
  id: string;
  server: McpServer;
  tools: Map<string, RegisteredTool>;
  transport: WebStandardStreamableHTTPServerTransport;
  idleTimer: NodeJS.Timeout;
}

const DEFAULT_IDLE_MS = 30 * 60 * 1000;
const SERVER_VERSION = '1.0.0';

const dataChangeSchema = z
  .object({
    action: z.enum(['update', 'delete']),
    collection: z.string().min(1),
    id: z.string().min(1),
    patch: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const resetSchema = z.object({ seed: z.number().int().optional() }).strict();

type JsonRpcId = string | number | null;

/** What the host needs to know about a POSTed JSON-RPC message before the MCP transport sees it. */
interface RpcPeek {
  traceparent?: string | undefined;
  id: JsonRpcId;
  method: string | undefined;
  toolName: string | undefined;
}

function peek(body: unknown): RpcPeek {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { id: null, method: undefined, toolName: undefined };
  }
  const message = body as { id?: unknown; method?: unknown; params?: unknown };
  const id = typeof message.id === 'string' || typeof message.id === 'number' ? message.id : null;
  const method = typeof message.method === 'string' ? message.method : undefined;
  let toolName: string | undefined;
  let traceparent: string | undefined;
  if (method === 'tools/call' && typeof message.params === 'object' && message.params !== null) {
    const params = message.params as { name?: unknown; _meta?: { traceparent?: unknown } };
    toolName = typeof params.name === 'string' ? params.name : undefined;
    traceparent = typeof params._meta?.traceparent === 'string' ? params._meta.traceparent : undefined;
  }
  return { id, method, toolName, traceparent };
}

function isInitialize(body: unknown): boolean {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return messages.some(
    (m) => typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'initialize',
  );
}

function originOf(req: IncomingMessage): string {
  return `http://${req.headers.host ?? '127.0.0.1'}`;
}

function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice('Bearer '.length).trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Serves one sandbox definition over MCP Streamable HTTP (stateful sessions) on plain node:http, with health,
 * optional bearer auth, fault injection, an admin endpoint and signed outgoing webhooks.
 * State lives in the host, so `stop()` + `start()` behaves like an upstream restart that kept its database.
 */
export class SandboxHost<State> {
  readonly name: SandboxName;
  private readonly host: string;
  private readonly seed: number;
  private readonly dataNow: Date;
  private readonly clockOrigin = performance.now();
  private readonly useRealClock: boolean;
  private readonly sessionIdleMs: number;
  private readonly sizeOption: number | undefined;
  private readonly tripFlowOption: { minuteMs: number } | undefined;
  private readonly authToken: string | undefined;
  private readonly tokenVerifier: SandboxTokenVerifier | undefined;
  private readonly adminEnabled: boolean;
  private state: State;
  private random: RandomSource;
  private readonly context: SandboxToolContext;
  private readonly faults: FaultInjector;
  private readonly webhooks: WebhookDispatcher;
  private readonly sessions = new Map<string, Session>();
  private readonly hung = new Set<(proceed: boolean) => void>();
  private calls: Record<string, number> = {};
  private readonly listener: SandboxListener;
  private readonly replicas = new Set<SandboxListener>();
  private readonly traceIds = new Set<string>();
  private readonly stateFile: SandboxStateFile | undefined;
  readonly protocol: SandboxMcpProtocol;
  private modern: McpHttpHandler | undefined;
  private requests = { modern: 0, session: 0, discover: 0 };
  private toolLists = 0;
  private toolList: SandboxToolList = { hidden: [] };

  constructor(
    private readonly definition: SandboxDefinition<State>,
    options: SandboxHostOptions = {},
  ) {
    this.name = definition.name;
    this.protocol = options.protocol ?? sandboxProtocolFromEnv();
    this.host = options.host ?? '127.0.0.1';
    this.listener = this.createListener(options.port ?? 0);
    this.seed = options.seed ?? 42;
    this.useRealClock = options.now === undefined;
    this.dataNow = options.now ?? new Date();
    this.sessionIdleMs = options.sessionIdleMs ?? DEFAULT_IDLE_MS;
    this.authToken = options.authToken || undefined;
    this.tokenVerifier = options.oauth;
    this.adminEnabled = options.admin ?? false;
    this.faults = new FaultInjector(this.seed);
    this.webhooks = new WebhookDispatcher(options.webhook ?? null);
    this.context = {
      now: () => this.now(),
      random: () => this.random(),
      emit: (type, data) => {
        // Tools emit whenever their data changes, timers included (an n8n run finishing), so this sees every change.
        this.stateFile?.changed();
        if (this.faults.dropsWebhook(type)) this.webhooks.drop(type);
        else this.webhooks.emit(type, data, this.now());
      },
    };
    this.sizeOption = options.size;
    this.tripFlowOption = options.avinodeTripFlow;
    const stateOptions = {
      seed: this.seed,
      now: this.dataNow,
      size: options.size,
      avinodeTripFlow: options.avinodeTripFlow,
    };
    this.stateFile = options.stateFile
      ? new SandboxStateFile(options.stateFile, () => ({
          name: this.name,
          random: this.random.position(),
          state: definition.saveState ? definition.saveState(this.state) : this.state,
        }))
      : undefined;
    const saved = this.stateFile?.read(this.name);
    if (saved) {
      this.random = mulberry32(saved.random);
      this.state = definition.loadState ? definition.loadState(saved.state, stateOptions) : (saved.state as State);
    } else {
      this.random = mulberry32(this.seed);
      this.state = definition.createState(stateOptions);
      // A new world is written at once, so the seed's data is what a restart finds even before the first change.
      this.stateFile?.changed();
    }
  }

  get port(): number {
    return this.listener.port;
  }

  /** Loopback URL of the server (a wildcard listen address is reached through 127.0.0.1). */
  get baseUrl(): string {
    return this.listener.baseUrl;
  }

  get listening(): boolean {
    return this.listener.listening;
  }

  /** The tools' clock: the real time, or `now` advancing in real time when the data was built for a fixed day. */
  now(): Date {
    if (this.useRealClock) return new Date();
    return new Date(this.dataNow.getTime() + Math.floor(performance.now() - this.clockOrigin));
  }

  async start(): Promise<void> {
    await this.listener.start();
  }

  /**
   * Closes the listener, every session and every open socket; state, faults and webhook settings are kept (and the
   * state saved, when it is kept in a file).
   */
  async stop(): Promise<void> {
    if (!this.listener.listening) return;
    this.releaseHung(false);
    await this.dropSessions();
    // Ends open `subscriptions/listen` streams and in-flight exchanges; a restart gets a fresh handler.
    const modern = this.modern;
    this.modern = undefined;
    await modern?.close().catch(() => undefined);
    await this.listener.stop();
    await this.stateFile?.flush();
  }

  /**
   * Another listener serving the same data (a new free port unless given): a second replica of this upstream behind
   * the same database, as a fleet of MCP servers is. Sessions are shared, as with a shared session store; stopping
   * the replica closes only its own listener and sockets.
   */
  createReplica(port = 0): SandboxListener {
    const replica = this.createListener(port);
    this.replicas.add(replica);
    return replica;
  }

  private createListener(port: number): SandboxListener {
    return new SandboxListener(this.host, port, (req, res) => {
      this.route(req, res).catch((error: unknown) => this.fail(res, error));
    });
  }

  /** `stop()` plus cancelling pending webhook deliveries: nothing of this host stays alive. */
  async close(): Promise<void> {
    await Promise.all([...this.replicas].map((replica) => replica.stop()));
    await this.stop();
    this.definition.disposeState?.(this.state);
    this.webhooks.close();
    await this.stateFile?.close();
  }

  /** Keeps the trace ids of the last traced calls (W3C `traceparent` in `_meta`): what a tracing backend would join. */
  private rememberTrace(traceparent: string): void {
    const traceId = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(traceparent)?.[1];
    if (!traceId) return;
    this.traceIds.delete(traceId);
    this.traceIds.add(traceId);
    if (this.traceIds.size > 100) this.traceIds.delete(this.traceIds.values().next().value!);
  }

  setFaults(faults: SandboxFaults): void {
    this.faults.set(sandboxFaultsSchema.parse(faults));
    if (!faults.hang) this.releaseHung(true);
  }

  clearFaults(): void {
    this.faults.clear();
    this.releaseHung(true);
  }

  getFaults(): SandboxFaults {
    return this.faults.current;
  }

  async dropSessions(): Promise<number> {
    const sessions = [...this.sessions.values()];
    await Promise.all(sessions.map((s) => this.endSession(s)));
    return sessions.length;
  }

  getToolList(): SandboxToolList {
    return { ...this.toolList, hidden: [...this.toolList.hidden] };
  }

  /**
   * Hides or restores tools and sets the list's `ttlMs` hint, as an upstream that deploys a new version would. A change
   * of the hidden tools is announced: on open `subscriptions/listen` streams (2026-07-28) and as
   * `notifications/tools/list_changed` on each live session (its standalone GET stream, when the client opened one).
   */
  setToolList(list: SandboxToolList): void {
    const next = sandboxToolListSchema.parse(list);
    const before = new Set(this.toolList.hidden);
    const hidden = new Set(next.hidden);
    this.toolList = { hidden: [...hidden], ...(next.listTtlMs !== undefined ? { listTtlMs: next.listTtlMs } : {}) };
    if (before.size === hidden.size && [...hidden].every((name) => before.has(name))) return;
    for (const session of this.sessions.values()) {
      // Each enable/disable announces itself on that session (the SDK's McpServer does so when connected).
      for (const [name, tool] of session.tools) {
        if (hidden.has(name) && tool.enabled) tool.disable();
        else if (!hidden.has(name) && !tool.enabled) tool.enable();
      }
    }
    this.modern?.notify.toolsChanged();
  }

  setWebhook(webhook: SandboxWebhookConfig | null): void {
    this.webhooks.configure(webhook);
  }

  stats(): SandboxStats {
    return {
      name: this.name,
      protocol: this.protocol,
      sessions: this.sessions.size,
      requests: { ...this.requests },
      calls: { ...this.calls },
      toolLists: this.toolLists,
      faultsInjected: this.faults.injectedCount,
      traceIds: [...this.traceIds],
      webhooks: this.webhooks.snapshot(),
      ...(this.stateFile
        ? {
            persistence: {
              path: this.stateFile.path,
              ...(this.stateFile.error ? { lastError: this.stateFile.error.message } : {}),
            },
          }
        : {}),
    };
  }

  /** Rebuilds the data from the seed; open sessions are dropped because their tools hold the old state. */
  async reset(seed: number = this.seed): Promise<void> {
    await this.dropSessions();
    this.definition.disposeState?.(this.state);
    this.random = mulberry32(seed);
    this.state = this.definition.createState({
      seed,
      now: this.dataNow,
      size: this.sizeOption,
      avinodeTripFlow: this.tripFlowOption,
    });
    this.calls = {};
    this.toolLists = 0;
    this.requests = { modern: 0, session: 0, discover: 0 };
    this.stateFile?.changed();
  }

  applyDataChange(change: SandboxDataChange): unknown {
    const result = this.definition.applyDataChange(this.state, change, this.context);
    this.stateFile?.changed();
    return result;
  }

  // ---- routing -------------------------------------------------------------------------------------------

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    if (path === '/health' && req.method === 'GET') {
      sendJson(res, 200, { status: 'ok', name: this.name });
    } else if (this.tokenVerifier?.serveMetadata(req, res, path, originOf(req))) {
      // protected-resource metadata served
    } else if (path === '/mcp') {
      if (this.tokenVerifier && !(await this.tokenVerifier.authorize(req, res, originOf(req)))) return;
      await this.handleMcp(req, res);
    } else if (path.startsWith('/admin/') && this.adminEnabled) {
      if (!this.authorized(req, res)) return;
      await this.handleAdmin(req, res, path);
    } else {
      sendJson(res, 404, { error: `no route for ${req.method ?? 'GET'} ${path}` });
    }
  }

  private fail(res: ServerResponse, error: unknown): void {
    if (error instanceof HttpError) {
      sendJson(res, error.status, { error: error.message });
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    if (!res.headersSent) sendJson(res, 500, jsonRpcError(-32603, `Internal error: ${message}`));
    else res.destroy();
  }

  private authorized(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.authToken === undefined || bearerMatches(req.headers.authorization, this.authToken)) return true;
    sendJson(res, 401, jsonRpcError(-32001, 'Unauthorized: missing or invalid bearer token'), {
      'www-authenticate': 'Bearer',
    });
    return false;
  }

  // ---- MCP -----------------------------------------------------------------------------------------------

  private async handleMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.authorized(req, res)) return;
    const method = req.method ?? 'GET';
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
      sendJson(res, 405, jsonRpcError(-32000, 'Method not allowed'), { allow: 'GET, POST, DELETE' });
      return;
    }
    let body: unknown;
    let text: string | undefined;
    if (method === 'POST') {
      text = await readBody(req);
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        sendJson(res, 400, jsonRpcError(-32700, 'Parse error: body is not valid JSON'));
        return;
      }
    }

    // Counted in both eras: in `session` a probe is answered "no valid session", which is what makes a client fall back.
    if (method === 'POST' && peek(body).method === 'server/discover') this.requests.discover++;
    if (method === 'POST' && peek(body).method === 'tools/list') this.toolLists++;
    const sessionId = req.headers['mcp-session-id'];
    if (
      this.protocol === '2026-07-28' &&
      method === 'POST' &&
      typeof sessionId !== 'string' &&
      !(await isLegacyRequest(toWebRequest(req, res, text), body))
    ) {
      await this.handleModern(req, res, text, body);
      return;
    }
    if (method === 'POST') this.requests.session++;
    if (typeof sessionId === 'string') {
      const session = this.sessions.get(sessionId);
      if (!session) {
        // What a restarted upstream answers; clients must reconnect with a fresh session.
        sendJson(res, 404, jsonRpcError(-32001, 'Session not found'));
        return;
      }
      session.idleTimer.refresh();
      const rpc = peek(body);
      if (!(await this.applyFault(this.admit(rpc, res), rpc, res, sessionId, false))) return;
      await this.serve(session.transport, req, res, text, body);
      return;
    }

    if (method === 'POST' && isInitialize(body)) {
      if (!(await this.applyFault(this.faults.decideForOther(), peek(body), res, undefined, false))) return;
      const transport = await this.openSession();
      await this.serve(transport, req, res, text, body);
      return;
    }
    sendJson(res, 400, jsonRpcError(-32000, 'Bad Request: No valid session ID provided'));
  }

  /** Counts a tool call (and its trace) and decides the fault it meets, the same in both protocol eras. */
  private admit(rpc: ReturnType<typeof peek>, res: ServerResponse): FaultDecision {
    if (rpc.toolName === undefined) return this.faults.decideForOther();
    this.calls[rpc.toolName] = (this.calls[rpc.toolName] ?? 0) + 1;
    if (rpc.traceparent) this.rememberTrace(rpc.traceparent);
    // Not every change emits an event (a stored quote does not), so a kept state is saved after any tool call.
    if (this.stateFile) res.once('finish', () => this.stateFile?.changed());
    return this.faults.decideForTool(rpc.toolName);
  }

  /**
   * A 2026-07-28 request: no session; each is served by a fresh server instance over the SDK's per-request handler
   * (which also answers `server/discover` and holds `subscriptions/listen` streams). Faults apply as in a session.
   */
  private async handleModern(
    req: IncomingMessage,
    res: ServerResponse,
    text: string | undefined,
    body: unknown,
  ): Promise<void> {
    this.requests.modern++;
    const rpc = peek(body);
    if (!(await this.applyFault(this.admit(rpc, res), rpc, res, undefined, true))) return;
    this.modern ??= createMcpHandler(() => this.createServer('2026-07-28').server, {
      legacy: 'reject',
      onerror: () => undefined,
    });
    const response = await this.modern.fetch(toWebRequest(req, res, text), { parsedBody: body });
    await sendWebResponse(res, response);
  }

  private async serve(
    transport: WebStandardStreamableHTTPServerTransport,
    req: IncomingMessage,
    res: ServerResponse,
    text: string | undefined,
    body: unknown,
  ): Promise<void> {
    const request = toWebRequest(req, res, text);
    const response = await transport.handleRequest(request, text === undefined ? {} : { parsedBody: body });
    await sendWebResponse(res, response);
  }

  /** Plays a fault decision; resolves true when the request should then be handled normally. */
  private async applyFault(
    decision: FaultDecision,
    rpc: RpcPeek,
    res: ServerResponse,
    sessionId: string | undefined,
    modern: boolean,
  ): Promise<boolean> {
    if (decision.delayMs > 0) await delay(decision.delayMs);
    if (res.destroyed) return false;
    const sessionHeader: Record<string, string> = sessionId ? { 'mcp-session-id': sessionId } : {};
    switch (decision.kind) {
      case 'none':
        return true;
      case 'hang': {
        const proceed = await new Promise<boolean>((resolve) => this.hung.add(resolve));
        return proceed && !res.destroyed;
      }
      case 'rateLimit':
        sendJson(res, 429, jsonRpcError(-32000, 'Rate limit exceeded', rpc.id), {
          'retry-after': String(decision.retryAfterSeconds),
          ...sessionHeader,
        });
        return false;
      case 'httpError':
        sendJson(res, 500, jsonRpcError(-32603, 'Internal error (injected fault)', rpc.id), sessionHeader);
        return false;
      case 'cutStream': {
        const notification = {
          jsonrpc: '2.0',
          method: 'notifications/message',
          params: { level: 'error', data: { error: 'worker crashed (injected fault)' } },
        };
        res.writeHead(200, { 'content-type': 'text/event-stream', ...sessionHeader });
        res.end(`event: message\ndata: ${JSON.stringify(notification)}\n\n`);
        return false;
      }
      case 'malformed': {
        const text = `{"jsonrpc":"2.0","id":${JSON.stringify(rpc.id)},"result":{"content":[{"type":"text","te`;
        res.writeHead(200, { 'content-type': 'application/json', ...sessionHeader });
        res.end(text);
        return false;
      }
      case 'toolError':
        sendJson(
          res,
          200,
          {
            jsonrpc: '2.0',
            id: rpc.id,
            result: {
              content: [{ type: 'text', text: `Tool ${rpc.toolName ?? ''} failed: upstream error (injected fault)` }],
              isError: true,
              // 2026-07-28 results name their kind; a session-era client would strip the foreign field anyway.
              ...(modern ? { resultType: 'complete' } : {}),
            },
          },
          sessionHeader,
        );
        return false;
    }
  }

  private releaseHung(proceed: boolean): void {
    const waiting = [...this.hung];
    this.hung.clear();
    for (const resume of waiting) resume(proceed);
  }

  /**
   * A server instance with the definition's tools on the current state (one per session, or per modern request), the
   * hidden ones disabled, and the tool list's `ttlMs` hint. The tools are collected as they are registered so that a
   * live session's can be hidden later.
   */
  private createServer(era: SandboxServingEra): { server: McpServer; tools: Map<string, RegisteredTool> } {
    const { listTtlMs } = this.toolList;
    const server = new McpServer(
      { name: `jetvision-sandbox-${this.name}`, version: SERVER_VERSION },
      {
        capabilities: { tools: this.definition.toolListChanged === false ? { listChanged: false } : {} },
        ...(listTtlMs !== undefined ? { cacheHints: { 'tools/list': { ttlMs: listTtlMs } } } : {}),
      },
    );
    const tools = new Map<string, RegisteredTool>();
    const register = server.registerTool.bind(server);
    server.registerTool = (...args: Parameters<typeof register>) => {
      const tool = register(...args);
      tools.set(args[0], tool);
      return tool;
    };
    this.definition.registerTools(server, this.state, this.context, era);
    for (const name of this.toolList.hidden) tools.get(name)?.disable();
    return { server, tools };
  }

  private async openSession(): Promise<WebStandardStreamableHTTPServerTransport> {
    const { server, tools } = this.createServer('session');
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        const idleTimer = setTimeout(() => {
          const session = this.sessions.get(id);
          if (session) void this.endSession(session);
        }, this.sessionIdleMs);
        idleTimer.unref();
        this.sessions.set(id, { id, server, tools, transport, idleTimer });
      },
      onsessionclosed: (id) => {
        const session = this.sessions.get(id);
        if (session) void this.endSession(session);
      },
    });
    await server.connect(transport);
    return transport;
  }

  private async endSession(session: Session): Promise<void> {
    if (this.sessions.get(session.id) !== session) return;
    this.sessions.delete(session.id);
    clearTimeout(session.idleTimer);
    await session.server.close().catch(() => undefined);
  }

  // ---- admin ---------------------------------------------------------------------------------------------

  private async handleAdmin(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const route = `${req.method ?? 'GET'} ${path.replace(/\/+$/, '')}`;
    switch (route) {
      case 'GET /admin/faults':
        sendJson(res, 200, this.getFaults());
        return;
      case 'PUT /admin/faults': {
        const faults = parseBody(sandboxFaultsSchema, await readJson(req));
        // Answer before a hang takes effect so the admin call itself is never caught by it.
        this.setFaults(faults);
        sendJson(res, 200, this.getFaults());
        return;
      }
      case 'DELETE /admin/faults':
        this.clearFaults();
        sendJson(res, 200, this.getFaults());
        return;
      case 'GET /admin/tools':
        sendJson(res, 200, this.getToolList());
        return;
      case 'PUT /admin/tools':
        this.setToolList(parseBody(sandboxToolListSchema, await readJson(req)));
        sendJson(res, 200, this.getToolList());
        return;
      case 'POST /admin/sessions/drop':
        sendJson(res, 200, { dropped: await this.dropSessions() });
        return;
      case 'POST /admin/data': {
        const change = parseBody(dataChangeSchema, await readJson(req));
        try {
          sendJson(res, 200, this.applyDataChange(change));
        } catch (error) {
          const status = error instanceof SandboxDataChangeError ? error.status : 404;
          sendJson(res, status, { error: error instanceof Error ? error.message : String(error) });
        }
        return;
      }
      case 'PUT /admin/webhook': {
        const webhook = parseBody(webhookConfigSchema, await readJson(req));
        this.setWebhook(webhook);
        sendJson(res, 200, this.webhooks.current);
        return;
      }
      case 'DELETE /admin/webhook':
        this.setWebhook(null);
        sendJson(res, 200, { webhook: null });
        return;
      case 'GET /admin/stats':
        sendJson(res, 200, this.stats());
        return;
      case 'POST /admin/reset': {
        const { seed } = parseBody(resetSchema, await readJson(req));
        await this.reset(seed);
        sendJson(res, 200, { reset: true, seed: seed ?? this.seed });
        return;
      }
      default:
        sendJson(res, 404, { error: `no admin route for ${route}` });
    }
  }
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new HttpError(400, formatZodError(parsed.error));
  return parsed.data;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** An HTTP listener of a `SandboxHost`: its own, or a replica's (see `SandboxHost.createReplica`). */
export class SandboxListener {
  private server: Server | null = null;

  constructor(
    private readonly host: string,
    private boundPort: number,
    private readonly handler: (req: IncomingMessage, res: ServerResponse) => void,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  /** Loopback URL (a wildcard listen address is reached through 127.0.0.1). */
  get baseUrl(): string {
    const host = this.host === '0.0.0.0' || this.host === '::' ? '127.0.0.1' : this.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.boundPort}`;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** Listens (again, on the port first bound; 0 picks a free one the first time). */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer(this.handler);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.boundPort, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.boundPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Closes the listener and every socket it holds (a replica that dies). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
}
