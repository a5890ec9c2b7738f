import type { CallToolResult } from '@modelcontextprotocol/client';
import type { z } from 'zod';
import { McpFailure, toolErrorIsInputValidation } from './mcp-errors.js';
import type { McpServerName, ResultEnvelope } from './tool-contract.js';

interface ResultContext {
  server: McpServerName;
  tool: string;
}

function textOf(result: CallToolResult): string {
  return result.content
    .filter((item): item is { type: 'text'; text: string } => item.type === 'text' && typeof item.text === 'string')
    .map((item) => item.text)
    .join('\n')
    .trim();
}

function errorText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && 'message' in value && typeof value.message === 'string') {
    return value.message;
  }
  return JSON.stringify(value);
}

interface StructuredError {
  code?: string;
  field?: string;
}

function toolError(message: string, context: ResultContext, structured: StructuredError = {}): McpFailure {
  const kind = toolErrorIsInputValidation(message) ? 'invalid_params' : 'tool_error';
  return new McpFailure(kind, message || 'the tool reported an error without a message', {
    ...context,
    ...(structured.code === undefined ? {} : { upstreamCode: structured.code }),
    ...(structured.field === undefined ? {} : { upstreamField: structured.field }),
  });
}

/**
 * Tool errors that report the MCP server's own upstream failing rather than a refusal of our input (the live Avinode
 * server's `_meta.errorCode`): the REST API refused its credentials (401/403: not retried, 502 naming the server), rate
 * limited it (429: retried after `retryAfterSeconds`, then 503 with Retry-After), or was unreachable or failing (5xx:
 * retried, counted by the breaker, then 502).
 */
function upstreamFailure(
  code: string | undefined,
  message: string,
  context: ResultContext,
  meta: Record<string, unknown> | undefined,
): McpFailure | undefined {
  if (code === undefined) return undefined;
  const base = { ...context, upstreamCode: code };
  switch (code) {
    case 'unauthorized':
    case 'forbidden':
      return new McpFailure('client_error', message, { ...base, status: code === 'unauthorized' ? 401 : 403 });
    case 'rate_limited': {
      const seconds = meta?.retryAfterSeconds;
      const retryAfterMs = typeof seconds === 'number' && seconds >= 0 ? seconds * 1000 : undefined;
      return new McpFailure('rate_limited', message, {
        ...base,
        status: 429,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    case 'upstream_unavailable':
      return new McpFailure('server_error', message, base);
    default:
      return undefined;
  }
}

/** The `error` member of structured error data when it has one, else the data itself (structured content may be any JSON). */
function structuredError(structured: unknown): unknown {
  if (typeof structured !== 'object' || structured === null || !('error' in structured)) return structured;
  return structured.error ?? structured;
}

function stringMember(record: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * n8n-mcp puts the reason in `details` (the diff engine's per-operation errors, the activation refusal, a validator's
 * list): appended so the caller sees why, and so the refusal table can tell an activation refusal from bad input.
 */
function detailTexts(details: unknown): string[] {
  if (typeof details !== 'object' || details === null) return [];
  const record = details as Record<string, unknown>;
  const texts: string[] = [];
  for (const key of ['activationError', 'reason', 'message']) {
    const text = stringMember(record, key);
    if (text !== undefined) texts.push(text);
  }
  if (Array.isArray(record.errors)) {
    for (const item of record.errors.slice(0, 5)) {
      const text = typeof item === 'string' ? item : errorText(item);
      if (text !== '') texts.push(text);
    }
  }
  return texts;
}

/** n8n-mcp answers `{success: true, data}` or `{success: false, error}`; anything else is taken as it is. */
function unwrapN8nMcpEnvelope(payload: unknown, context: ResultContext): unknown {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload;
  const record = payload as Record<string, unknown>;
  if (typeof record.success !== 'boolean' || !('data' in record || 'error' in record)) return payload;
  if (!record.success) {
    const head = errorText(record.error ?? record.message ?? 'unknown error');
    const extra = detailTexts(record.details).filter((text) => !head.includes(text));
    const code = stringMember(record, 'code');
    throw toolError([head, ...extra].join(': '), context, code === undefined ? {} : { code });
  }
  return 'data' in record ? record.data : payload;
}

/**
 * Turns a `tools/call` result into the contract's typed value: JSON from `structuredContent` or from the first text
 * item, envelope unwrapped, validated by the contract schema. Throws classified `McpFailure`s.
 */
export function readToolResult<S extends z.ZodType>(
  result: CallToolResult,
  schema: S,
  context: ResultContext,
  envelope?: ResultEnvelope,
): z.infer<S> {
  if (result.isError === true) {
    const structured = result.structuredContent;
    const message = textOf(result) || (structured ? errorText(structuredError(structured)) : '');
    // Structured error data where the server sends it (the Avinode server: `_meta.errorCode` and `_meta.field`).
    const meta = result._meta;
    const code = stringMember(meta, 'errorCode');
    const field = stringMember(meta, 'field');
    const upstream = upstreamFailure(code, message, context, meta);
    if (upstream) throw upstream;
    throw toolError(message, context, {
      ...(code === undefined ? {} : { code }),
      ...(field === undefined ? {} : { field }),
    });
  }
  let payload: unknown;
  if (result.structuredContent !== undefined) {
    payload = result.structuredContent;
  } else {
    const first = result.content.find((item) => item.type === 'text');
    if (!first || first.type !== 'text') {
      throw new McpFailure('contract_violation', 'the result has neither structuredContent nor text content', context);
    }
    try {
      payload = JSON.parse(first.text) as unknown;
    } catch {
      throw new McpFailure('contract_violation', `the result text is not JSON: ${first.text.slice(0, 120)}`, context);
    }
  }
  const value = envelope === 'n8n-mcp' ? unwrapN8nMcpEnvelope(payload, context) : payload;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(result)';
  throw new McpFailure('contract_violation', `field ${field}: ${issue?.message ?? 'invalid'}`, { ...context, field });
}
