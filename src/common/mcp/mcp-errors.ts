import { ProtocolError, ProtocolErrorCode, SdkError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import { BrokenCircuitError, BulkheadRejectedError, IsolatedCircuitError, TaskCancelledError } from 'cockatiel';
import { DomainError } from '../errors/domain-error.js';
import type { McpServerName } from './tool-contract.js';
import { classifyRefusal, refusalToDomainError } from './upstream-refusals.js';

/**
 * How a failed attempt is treated. Decides retry (`retryable`), whether the circuit breaker counts it (`breaker`)
 * and which domain error the caller finally sees.
 */
export type FailureKind =
  | 'session_lost' // 404 / 400 "no valid session" / stale socket / stream closed: a fresh session fixes it
  | 'unreachable' // connection refused, DNS, server down
  | 'timeout'
  | 'rate_limited' // HTTP 429
  | 'server_error' // HTTP 5xx
  | 'client_error' // other HTTP 4xx
  | 'unauthorized' // OAuth: the tokens could not be renewed, or the server refused renewed ones
  | 'malformed' // reply is not valid JSON-RPC / MCP
  | 'invalid_params' // the server rejected our arguments: never retried
  | 'tool_error' // isError: true, or n8n-mcp's success:false
  | 'contract_violation'
  | 'breaker_open'
  | 'overloaded' // bulkhead full, or the local rate budget cannot be met before the deadline
  | 'cancelled' // the caller aborted, or the client is shutting down
  | 'needs_input' // 2026-07-28 `input_required`: the server asks for input the backend has no one to give
  | 'protocol_error'; // any other JSON-RPC error

/** One thing an `input_required` result asks for, as the 409 problem shows it. */
export interface NeededInput {
  /** The server's key for the request (what a retry would answer). */
  key: string;
  kind: 'elicitation' | 'sampling' | 'roots' | 'unknown';
  /** The question put to a person (elicitation). */
  message?: string;
  /** The fields a form elicitation asks for. */
  fields?: string[];
  /** Where a URL elicitation sends the person. */
  url?: string;
}

const RETRYABLE: ReadonlySet<FailureKind> = new Set([
  'session_lost',
  'unreachable',
  'rate_limited',
  'server_error',
  'malformed',
]);
const COUNTS_FOR_BREAKER: ReadonlySet<FailureKind> = new Set([
  'session_lost',
  'unreachable',
  'timeout',
  'server_error',
  'malformed',
]);

export interface McpFailureDetails {
  server: McpServerName;
  tool?: string;
  status?: number;
  retryAfterMs?: number;
  field?: string;
  /** The server's own error code, when it sends one (Avinode `_meta.errorCode`, n8n-mcp's envelope `code`). */
  upstreamCode?: string;
  /** The argument the server names as wrong (Avinode `_meta.field`). */
  upstreamField?: string;
  /** What an `input_required` result asks for (`needs_input`). */
  neededInput?: NeededInput[];
  cause?: unknown;
}

/** One failed attempt, classified. Internal: callers of `McpClient.call` receive `DomainError`s. */
export class McpFailure extends Error {
  readonly server: McpServerName;
  readonly tool: string | undefined;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;
  readonly field: string | undefined;
  readonly upstreamCode: string | undefined;
  readonly upstreamField: string | undefined;
  readonly neededInput: NeededInput[] | undefined;

  constructor(
    readonly kind: FailureKind,
    message: string,
    details: McpFailureDetails,
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'McpFailure';
    this.server = details.server;
    this.tool = details.tool;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.field = details.field;
    this.upstreamCode = details.upstreamCode;
    this.upstreamField = details.upstreamField;
    this.neededInput = details.neededInput;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }

  get countsForBreaker(): boolean {
    return COUNTS_FOR_BREAKER.has(this.kind);
  }
}

/** Thrown by our fetch wrapper for a non-2xx reply to a POST, so status and Retry-After survive the SDK. */
export class McpHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}${body ? `: ${body.slice(0, 300)}` : ''}`);
    this.name = 'McpHttpError';
  }
}

/** The reply ended (stream closed, body cut) before the JSON-RPC response arrived. */
export class McpStreamClosedError extends Error {
  constructor(message = 'the response stream closed before the JSON-RPC response arrived') {
    super(message);
    this.name = 'McpStreamClosedError';
  }
}

/** The reply arrived but is not valid JSON-RPC. */
export class McpMalformedReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'McpMalformedReplyError';
  }
}

/** Abort reasons we set ourselves, so a rejection can be traced back to why the call was aborted. */
export class CallTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no reply within ${timeoutMs} ms`);
    this.name = 'CallTimeoutError';
  }
}

export class ClientClosingError extends Error {
  constructor() {
    super('the MCP client is shutting down');
    this.name = 'ClientClosingError';
  }
}

/** Parses `Retry-After` (delta-seconds or HTTP date) into milliseconds; undefined when absent or unparseable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

const SESSION_TEXT = /session/i;
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED']);
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function causeCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

function isInputValidationText(text: string): boolean {
  return /invalid (arguments|params|input)|input validation|validation error|required/i.test(text);
}

/**
 * Classifies whatever an attempt threw: our own transport errors, the SDK's `ProtocolError` / `SdkError` / `SdkHttpError`,
 * undici's `fetch failed`, cockatiel's policy errors, or abort reasons.
 */
export function classifyFailure(error: unknown, server: McpServerName, tool: string | undefined): McpFailure {
  if (error instanceof McpFailure) return error;
  const base = { server, tool, cause: error };
  if (error instanceof CallTimeoutError) return new McpFailure('timeout', error.message, base);
  if (error instanceof ClientClosingError) return new McpFailure('cancelled', error.message, base);
  if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
    return new McpFailure('breaker_open', 'circuit breaker is open', base);
  }
  if (error instanceof BulkheadRejectedError) {
    return new McpFailure('overloaded', 'too many concurrent and queued calls', base);
  }
  if (error instanceof TaskCancelledError) return new McpFailure('cancelled', 'call cancelled', base);
  if (error instanceof McpHttpError) {
    const details = { ...base, status: error.status, retryAfterMs: error.retryAfterMs };
    if (error.status === 404 || (error.status === 400 && SESSION_TEXT.test(error.body))) {
      return new McpFailure('session_lost', `session lost (${error.message})`, details);
    }
    if (error.status === 429) return new McpFailure('rate_limited', 'rate limited by the server', details);
    if (error.status >= 500) return new McpFailure('server_error', error.message, details);
    return new McpFailure('client_error', error.message, details);
  }
  if (error instanceof SdkHttpError) {
    const status = error.status;
    if (status === 404 || (status === 400 && SESSION_TEXT.test(error.message))) {
      return new McpFailure('session_lost', error.message, { ...base, status });
    }
    if (status === 429) return new McpFailure('rate_limited', error.message, { ...base, status });
    if (status >= 500) return new McpFailure('server_error', error.message, { ...base, status });
    return new McpFailure('client_error', error.message, { ...base, status });
  }
  if (error instanceof McpStreamClosedError) return new McpFailure('session_lost', error.message, base);
  // By name as well: a reply body parsed by the platform's own `Response` throws the SyntaxError of another realm when
  // this code runs inside a VM context (as under Jest).
  if (error instanceof McpMalformedReplyError || error instanceof SyntaxError || isNamedError(error, 'SyntaxError')) {
    return new McpFailure('malformed', `malformed reply: ${error.message}`, base);
  }
  if (error instanceof SdkError) {
    // A failed `server/discover` probe wraps what really happened (refused, reset, a bad reply): classify that, so a
    // dead server is `unreachable` and a stale socket `session_lost` in both eras.
    if (error.code === SdkErrorCode.EraNegotiationFailed && error.cause !== undefined && error.cause !== error) {
      // Ours already (an OAuth refusal from our fetch): keep it whole, its kind decides what the connection does.
      if (error.cause instanceof McpFailure) return error.cause;
      const inner = classifyFailure(error.cause, server, tool);
      return new McpFailure(inner.kind, error.message, { ...base, status: inner.status });
    }
    switch (error.code) {
      case SdkErrorCode.ConnectionClosed:
      case SdkErrorCode.NotConnected:
        return new McpFailure('session_lost', error.message, base);
      case SdkErrorCode.RequestTimeout:
        return new McpFailure('timeout', error.message, base);
      case SdkErrorCode.InvalidResult:
      case SdkErrorCode.UnsupportedResultType:
      case SdkErrorCode.ClientHttpUnexpectedContent:
        return new McpFailure('malformed', `malformed reply: ${error.message}`, base);
      case SdkErrorCode.AlreadyConnected:
      case SdkErrorCode.NotInitialized:
      case SdkErrorCode.CapabilityNotSupported:
      case SdkErrorCode.SendFailed:
      case SdkErrorCode.InputRequiredRoundsExceeded:
      case SdkErrorCode.ListPaginationExceeded:
      case SdkErrorCode.MethodNotSupportedByProtocolVersion:
      case SdkErrorCode.EraNegotiationFailed:
      case SdkErrorCode.ClientHttpNotImplemented:
      case SdkErrorCode.ClientHttpAuthentication:
      case SdkErrorCode.ClientHttpForbidden:
      case SdkErrorCode.ClientHttpFailedToOpenStream:
      case SdkErrorCode.ClientHttpFailedToTerminateSession:
      default:
        return new McpFailure('protocol_error', error.message, base);
    }
  }
  if (error instanceof ProtocolError) {
    switch (error.code as ProtocolErrorCode) {
      case ProtocolErrorCode.InvalidParams:
        return new McpFailure('invalid_params', error.message, base);
      case ProtocolErrorCode.ParseError:
      case ProtocolErrorCode.InvalidRequest:
        return new McpFailure(
          SESSION_TEXT.test(error.message) ? 'session_lost' : 'protocol_error',
          error.message,
          base,
        );
      case ProtocolErrorCode.MethodNotFound:
      case ProtocolErrorCode.InternalError:
      case ProtocolErrorCode.ResourceNotFound:
      case ProtocolErrorCode.MissingRequiredClientCapability:
      case ProtocolErrorCode.UnsupportedProtocolVersion:
      case ProtocolErrorCode.UrlElicitationRequired:
      default:
        return new McpFailure('protocol_error', error.message, base);
    }
  }
  if (error instanceof Error && error.name === 'ZodError') {
    return new McpFailure('malformed', `malformed reply: ${error.message}`, base);
  }
  const code = causeCode(error);
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return new McpFailure('unreachable', `server unreachable (${code})`, base);
  }
  if (code !== undefined && STALE_SOCKET_CODES.has(code)) {
    return new McpFailure('session_lost', `connection reset (${code})`, base);
  }
  if (error instanceof TypeError && /fetch failed|terminated|other side closed/i.test(error.message)) {
    return new McpFailure('session_lost', error.message, base);
  }
  if (error instanceof Error && error.name === 'AbortError') return new McpFailure('cancelled', error.message, base);
  const message = error instanceof Error ? error.message : String(error);
  return new McpFailure('protocol_error', message, base);
}

/**
 * The `needs_input` failure for a 2026-07-28 `input_required` result: the server wants a person (elicitation), a model
 * (sampling) or the client's roots before it answers, and the backend has none of them to offer mid-call. The caller is
 * told what was asked instead of the call hanging or failing as an outage.
 */
export function needsInputFailure(
  inputRequests: Record<string, unknown> | undefined,
  server: McpServerName,
  tool: string | undefined,
): McpFailure {
  const needed = Object.entries(inputRequests ?? {}).map(([key, request]) => describeInputRequest(key, request));
  const asked = needed.map((n) => n.message ?? (n.fields ? n.fields.join(', ') : n.kind)).join('; ');
  return new McpFailure('needs_input', asked ? `the server asks: ${asked}` : 'the server asks for more input', {
    server,
    tool,
    neededInput: needed,
  });
}

function describeInputRequest(key: string, request: unknown): NeededInput {
  const { method, params } = (typeof request === 'object' && request !== null ? request : {}) as {
    method?: unknown;
    params?: { message?: unknown; url?: unknown; requestedSchema?: { properties?: unknown } };
  };
  const message = typeof params?.message === 'string' ? params.message : undefined;
  switch (method) {
    case 'elicitation/create': {
      const properties = params?.requestedSchema?.properties;
      const fields = typeof properties === 'object' && properties !== null ? Object.keys(properties) : undefined;
      const url = typeof params?.url === 'string' ? params.url : undefined;
      return {
        key,
        kind: 'elicitation',
        ...(message ? { message } : {}),
        ...(fields ? { fields } : {}),
        ...(url ? { url } : {}),
      };
    }
    case 'sampling/createMessage':
      return { key, kind: 'sampling' };
    case 'roots/list':
      return { key, kind: 'roots' };
    default:
      return { key, kind: 'unknown', ...(message ? { message } : {}) };
  }
}

/** Whether a tool error text says the arguments were rejected (then the call is not retried). */
export function toolErrorIsInputValidation(text: string): boolean {
  return isInputValidationText(text);
}

/** The one mapping from a classified failure to what API callers see (problem+json via the HTTP filter). */
export function toDomainError(failure: McpFailure): DomainError {
  // A tool error that is the caller's fault is an answer (4xx), not an outage: see upstream-refusals.ts.
  const refusal = classifyRefusal(failure);
  if (refusal !== undefined) return refusalToDomainError(failure, refusal);
  const extensions: Record<string, unknown> = { server: failure.server };
  if (failure.tool !== undefined) extensions.tool = failure.tool;
  const retryAfterSeconds = failure.retryAfterMs === undefined ? undefined : Math.ceil(failure.retryAfterMs / 1000);
  const options = { extensions, cause: failure, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
  const where = failure.tool ? `${failure.server} tool ${failure.tool}` : `${failure.server} MCP server`;
  switch (failure.kind) {
    case 'needs_input':
      extensions.reason = failure.kind;
      extensions.inputRequests = failure.neededInput ?? [];
      return new DomainError('upstream_needs_input', `${where} needs input to go on: ${failure.message}`, options);
    case 'timeout':
      return new DomainError('upstream_timeout', `${where} did not answer in time: ${failure.message}`, options);
    case 'tool_error':
    case 'invalid_params':
    case 'client_error':
    case 'protocol_error':
    case 'server_error':
    case 'malformed':
      // An upstream behind the MCP server refusing its credentials is named as such (the live Avinode server).
      extensions.reason = isCredentialRefusal(failure) ? 'unauthorized' : failure.kind;
      if (failure.upstreamCode !== undefined) extensions.upstreamCode = failure.upstreamCode;
      return new DomainError('upstream_error', `${where} failed: ${failure.message}`, options);
    case 'contract_violation':
      if (failure.field !== undefined) extensions.field = failure.field;
      return new DomainError('upstream_contract_violation', `${where} broke its contract: ${failure.message}`, options);
    case 'unauthorized':
    case 'session_lost':
    case 'unreachable':
    case 'rate_limited':
    case 'breaker_open':
    case 'overloaded':
    case 'cancelled':
      extensions.reason = failure.kind;
      return new DomainError('upstream_unavailable', `${where} is unavailable: ${failure.message}`, options);
  }
}

function isCredentialRefusal(failure: McpFailure): boolean {
  return failure.upstreamCode === 'unauthorized' || failure.upstreamCode === 'forbidden';
}

function isNamedError(error: unknown, name: string): error is Error {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}
