import { AsyncLocalStorage } from 'node:async_hooks';
import type { FetchLike } from '@modelcontextprotocol/client';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import { McpHttpError, McpMalformedReplyError, McpStreamClosedError, parseRetryAfter } from './mcp-errors.js';

/**
 * The abort signal of the call currently being sent. The SDK gives every HTTP request the transport's one long-lived
 * signal (a listener per request accumulates on it); we substitute the signal of the call that caused the request, which
 * also lets a timed-out call free its socket instead of waiting on it.
 */
export const callScope = new AsyncLocalStorage<AbortSignal>();

export interface McpAgentOptions {
  /** Sockets per origin. Bounded so that a flood of calls queues here instead of opening unbounded connections. */
  connections: number;
  connectTimeoutMs: number;
}

export function createMcpAgent(options: McpAgentOptions): Agent {
  return new Agent({
    connections: options.connections,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 300_000,
    connect: { timeout: options.connectTimeoutMs },
  });
}

/**
 * The `fetch` our MCP transports use:
 * - requests go through our keep-alive agent;
 * - a POST answered with a non-2xx status throws `McpHttpError` carrying status and `Retry-After` (the SDK would keep
 *   only the status);
 * - an SSE reply to a POST is read to its end here and handed to the SDK as a JSON batch, so a stream that closes before
 *   the response, or carries malformed JSON-RPC, fails the call at once instead of leaving it to time out;
 * - a long-lived stream — a 2026-07-28 `subscriptions/listen` POST, or the session era's standalone GET — is handed on
 *   unread (see `streamThrough`).
 */
export function createMcpFetch(agent: Agent, streamAgent: Agent): FetchLike {
  const mcpFetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const method = (init?.method ?? 'GET').toUpperCase();
    if (method === 'GET' || (method === 'POST' && isListenRequest(init?.body))) {
      return streamThrough(url, init, streamAgent);
    }
    const callSignal = callScope.getStore();
    // undici's fetch leaves its abort listener on the signal it is given until the request object is collected (a
    // FinalizationRegistry removes it), which on Node 24 can take many collections; on the caller's long-lived signal
    // those listeners piled up. Each request gets a signal of its own, tied to the call's by a listener removed as soon
    // as the reply has been read.
    const request = new AbortController();
    const forward = (): void => request.abort(callSignal?.reason);
    const live = callSignal !== undefined && !callSignal.aborted;
    if (live) callSignal.addEventListener('abort', forward, { once: true });
    try {
      const undiciInit = {
        ...(init as UndiciRequestInit),
        signal: live ? request.signal : undefined,
        dispatcher: agent,
      } satisfies UndiciRequestInit;
      const response = (await undiciFetch(url, undiciInit)) as unknown as Response;
      if (method !== 'POST') return response;
      if (!response.ok) {
        const body = await response.text().catch(() => '');
        // The SDK tells a session-based server by how it refuses the `server/discover` probe (n8n-mcp: 400 "no valid
        // session"), so that refusal goes back to it as an answer rather than a failure.
        if (isDiscoverProbe(init?.body)) {
          return new Response(body, {
            status: response.status,
            statusText: response.statusText,
            headers: response.headers,
          });
        }
        throw new McpHttpError(response.status, body, parseRetryAfter(response.headers.get('retry-after')));
      }
      const contentType = response.headers.get('content-type') ?? '';
      if (!contentType.toLowerCase().startsWith('text/event-stream')) {
        // Read here, while the call's deadline can still cancel it: a reply that stalls after its headers frees its
        // socket when the call times out instead of holding it until the SDK's own timer.
        const body = await response.arrayBuffer();
        return new Response(body.byteLength === 0 ? null : body, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        });
      }
      const payloads = ssePayloads(await response.text());
      if (!payloads.some(isJsonRpcResponse)) throw new McpStreamClosedError();
      const headers = new Headers(response.headers);
      headers.set('content-type', 'application/json');
      headers.delete('content-length');
      // The payloads are JSON texts already: join them into a batch instead of parsing and re-serialising them (the SDK
      // parses the batch, and a malformed payload fails the call there).
      return new Response(`[${payloads.join(',')}]`, { status: 200, headers });
    } finally {
      if (live) callSignal.removeEventListener('abort', forward);
    }
  };
  return mcpFetch;
}

/**
 * A stream that stays open for as long as the connection lives: its events (list changes) are the SDK's to read as they
 * come, so the reply is handed on unread — reading it to its end, as a call's reply is, would never hand it on. It is
 * tied to the SDK's own signal for it (the listen's, which `McpSubscription.close()` aborts, or the transport's, which
 * `Client.close()` aborts), not to the call scope: the listen is opened during connect, and the connect's deadline must
 * not end it. It runs on its own agent so that the one socket it pins for its lifetime is never taken from the bounded
 * pool the calls share. A refusal still fails as `McpHttpError`.
 */
async function streamThrough(url: string | URL, init: RequestInit | undefined, streamAgent: Agent): Promise<Response> {
  const response = (await undiciFetch(url, {
    ...(init as UndiciRequestInit),
    dispatcher: streamAgent,
  } satisfies UndiciRequestInit)) as unknown as Response;
  if (response.ok || response.status === 405) return response;
  const body = await response.text().catch(() => '');
  throw new McpHttpError(response.status, body, parseRetryAfter(response.headers.get('retry-after')));
}

/** Whether a POST body is a `subscriptions/listen` request. */
export function isListenRequest(body: unknown): boolean {
  return isRequestFor(body, 'subscriptions/listen');
}

function isDiscoverProbe(body: unknown): boolean {
  return isRequestFor(body, 'server/discover');
}

function isRequestFor(body: unknown, method: string): boolean {
  if (typeof body !== 'string' || !body.includes(method)) return false;
  try {
    return (JSON.parse(body) as { method?: unknown }).method === method;
  } catch {
    return false;
  }
}

/**
 * Whether a payload is (or, as a batch, contains) a JSON-RPC response: an object with an `id` and a `result` or an
 * `error`, and no `method`. Parsed rather than searched for `"result"`/`"error"`: a server notification whose text
 * merely mentions an error would otherwise pass for the response and leave the call waiting for its deadline. A payload
 * that is not JSON is not a response; the SDK reports it as malformed when a response does arrive.
 */
export function isJsonRpcResponse(payload: string): boolean {
  let message: unknown;
  try {
    message = JSON.parse(payload);
  } catch {
    return false;
  }
  const messages: unknown[] = Array.isArray(message) ? message : [message];
  return messages.some(isResponseObject);
}

function isResponseObject(message: unknown): boolean {
  if (typeof message !== 'object' || message === null) return false;
  const fields = message as Record<string, unknown>;
  if ('method' in fields || !('id' in fields)) return false;
  return 'result' in fields || 'error' in fields;
}

/** The raw `data` of each `message` event of a complete `text/event-stream` body. */
export function ssePayloads(text: string): string[] {
  const payloads: string[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
      else if (line.startsWith('event:')) event = line.slice(6).trim();
    }
    if (data.length > 0 && event === 'message') payloads.push(data.join('\n'));
  }
  return payloads;
}

/** Parses a complete `text/event-stream` body into the JSON payloads of its `message` events. */
export function parseSseMessages(text: string): unknown[] {
  return ssePayloads(text).map((payload) => {
    try {
      return JSON.parse(payload) as unknown;
    } catch {
      throw new McpMalformedReplyError(`SSE event is not JSON: ${payload.slice(0, 200)}`);
    }
  });
}
