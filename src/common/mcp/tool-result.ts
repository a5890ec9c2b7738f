import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { McpFailure, toolErrorIsInputValidation } from './mcp-errors.js';
import type { McpServerName } from './tool-contract.js';

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

function toolError(message: string, context: ResultContext): McpFailure {
  const kind = toolErrorIsInputValidation(message) ? 'invalid_params' : 'tool_error';
  return new McpFailure(kind, message || 'the tool reported an error without a message', context);
}

/** n8n-mcp answers `{success: true, data}` or `{success: false, error}`; anything else is taken as it is. */
function unwrapEnvelope(payload: unknown, context: ResultContext): unknown {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload;
  const record = payload as Record<string, unknown>;
  if (typeof record.success !== 'boolean' || !('data' in record || 'error' in record)) return payload;
  if (!record.success) throw toolError(errorText(record.error ?? record.message ?? 'unknown error'), context);
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
): z.infer<S> {
  if (result.isError === true) {
    const structured = result.structuredContent;
    const message = textOf(result) || (structured ? errorText(structured.error ?? structured) : '');
    throw toolError(message, context);
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
  const value = unwrapEnvelope(payload, context);
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(result)';
  throw new McpFailure('contract_violation', `field ${field}: ${issue?.message ?? 'invalid'}`, { ...context, field });
}
