import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { McpFailure } from './mcp-errors.js';
import { readToolResult } from './tool-result.js';

const context = { server: 'n8n' as const, tool: 'n8n_list_workflows' };
const schema = z.object({ workflows: z.array(z.object({ id: z.string(), active: z.boolean() })) });

function failure(fn: () => unknown): McpFailure {
  try {
    fn();
  } catch (error) {
    if (error instanceof McpFailure) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('readToolResult', () => {
  it('prefers structuredContent', () => {
    const value = readToolResult(
      { content: [{ type: 'text', text: 'ignored' }], structuredContent: { workflows: [{ id: '1', active: true }] } },
      schema,
      context,
    );
    expect(value).toEqual({ workflows: [{ id: '1', active: true }] });
  });

  it('reads JSON text and unwraps the n8n-mcp {success, data} envelope', () => {
    const text = JSON.stringify({ success: true, data: { workflows: [{ id: '2', active: false }] } });
    expect(readToolResult({ content: [{ type: 'text', text }] }, schema, context, 'n8n-mcp')).toEqual({
      workflows: [{ id: '2', active: false }],
    });
  });

  it('leaves a {success, data} shape alone when the contract names no envelope', () => {
    const plain = z.object({ success: z.boolean(), data: z.unknown() });
    const text = JSON.stringify({ success: false, data: { reason: 'a field of this server' } });
    expect(readToolResult({ content: [{ type: 'text', text }] }, plain, context)).toEqual({
      success: false,
      data: { reason: 'a field of this server' },
    });
  });

  it('treats {success: false} as a tool error carrying the upstream message', () => {
    const text = JSON.stringify({ success: false, error: 'Workflow not found' });
    const error = failure(() => readToolResult({ content: [{ type: 'text', text }] }, schema, context, 'n8n-mcp'));
    expect(error.kind).toBe('tool_error');
    expect(error.message).toBe('Workflow not found');
  });

  it('treats isError results as tool errors, and input-validation messages as invalid_params', () => {
    const toolError = failure(() =>
      readToolResult({ content: [{ type: 'text', text: 'Booking b1 is cancelled' }], isError: true }, schema, context),
    );
    expect(toolError).toMatchObject({ kind: 'tool_error', message: 'Booking b1 is cancelled', retryable: false });
    const invalid = failure(() =>
      readToolResult(
        { content: [{ type: 'text', text: 'MCP error -32602: Input validation error: bad' }], isError: true },
        schema,
        context,
      ),
    );
    expect(invalid.kind).toBe('invalid_params');
  });

  it('names the offending field path of a contract violation', () => {
    const error = failure(() =>
      readToolResult({ content: [], structuredContent: { workflows: [{ id: 3, active: true }] } }, schema, context),
    );
    expect(error).toMatchObject({ kind: 'contract_violation', field: 'workflows.0.id', tool: 'n8n_list_workflows' });
  });

  it('rejects text that is not JSON', () => {
    const error = failure(() => readToolResult({ content: [{ type: 'text', text: 'hello' }] }, schema, context));
    expect(error.kind).toBe('contract_violation');
  });
});
