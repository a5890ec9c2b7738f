import { describe, expect, it } from '@jest/globals';
import { ProtocolError, ProtocolErrorCode, SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { BrokenCircuitError } from 'cockatiel';
import { describeErrorCode } from '../errors/error-catalog.js';
import {
  CallTimeoutError,
  McpFailure,
  McpHttpError,
  classifyFailure,
  parseRetryAfter,
  toDomainError,
} from './mcp-errors.js';

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(5000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('classifyFailure', () => {
  const kind = (error: unknown): string => classifyFailure(error, 'avinode', 'search-aircraft').kind;

  it('recognises a lost session (404, 400 "No valid session", connection closed, stale socket)', () => {
    expect(kind(new McpHttpError(404, '{"error":"Session not found"}', undefined))).toBe('session_lost');
    expect(kind(new McpHttpError(400, 'Bad Request: No valid session ID provided', undefined))).toBe('session_lost');
    expect(kind(new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed'))).toBe('session_lost');
    const stale = new TypeError('fetch failed', {
      cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    });
    expect(kind(stale)).toBe('session_lost');
  });

  it('separates unreachable servers, rate limits, server errors and other 4xx', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
    });
    expect(kind(refused)).toBe('unreachable');
    const limited = classifyFailure(new McpHttpError(429, '', 2000), 'apollo', undefined);
    expect(limited).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 2000,
      retryable: true,
      countsForBreaker: false,
    });
    expect(classifyFailure(new McpHttpError(500, '', undefined), 'apollo', undefined)).toMatchObject({
      kind: 'server_error',
      retryable: true,
      countsForBreaker: true,
    });
    expect(classifyFailure(new McpHttpError(403, '', undefined), 'apollo', undefined)).toMatchObject({
      kind: 'client_error',
      retryable: false,
    });
  });

  it('never retries invalid params', () => {
    expect(classifyFailure(new ProtocolError(ProtocolErrorCode.InvalidParams, 'bad'), 'n8n', 'x')).toMatchObject({
      kind: 'invalid_params',
      retryable: false,
      countsForBreaker: false,
    });
  });

  it('maps our own timeouts and the breaker', () => {
    expect(kind(new CallTimeoutError(100))).toBe('timeout');
    expect(kind(new BrokenCircuitError())).toBe('breaker_open');
    expect(kind(new SyntaxError('Unexpected end of JSON input'))).toBe('malformed');
  });
});

describe('toDomainError', () => {
  const statusOf = (failure: McpFailure): number => describeErrorCode(toDomainError(failure).code).status;
  const failure = (kind: McpFailure['kind']): McpFailure => new McpFailure(kind, 'x', { server: 'apollo', tool: 't' });

  it('maps unavailable → 503, timeout → 504, tool error → 502, contract violation → 502 with the field', () => {
    expect(statusOf(failure('unreachable'))).toBe(503);
    expect(statusOf(failure('breaker_open'))).toBe(503);
    expect(statusOf(failure('timeout'))).toBe(504);
    expect(statusOf(failure('tool_error'))).toBe(502);
    const violation = toDomainError(
      new McpFailure('contract_violation', 'field a.b: expected number', { server: 'apollo', tool: 't', field: 'a.b' }),
    );
    expect(violation.code).toBe('upstream_contract_violation');
    expect(violation.extensions).toEqual({ server: 'apollo', tool: 't', field: 'a.b' });
  });

  it('carries Retry-After in whole seconds', () => {
    const error = toDomainError(new McpFailure('rate_limited', 'x', { server: 'apollo', retryAfterMs: 1500 }));
    expect(error.retryAfterSeconds).toBe(2);
  });
});
