import { describe, expect, it, jest } from '@jest/globals';
import { BadRequestException, type Logger } from '@nestjs/common';
import { DomainError, ValidationFailedError } from '../errors/domain-error.js';
import { problemFor } from './problem-details.filter.js';

function silentLogger(): Logger & { error: jest.Mock; warn: jest.Mock } {
  return { error: jest.fn(), warn: jest.fn(), log: jest.fn() } as unknown as Logger & {
    error: jest.Mock;
    warn: jest.Mock;
  };
}

const request = { url: '/api/integration/aircraft?x=1', id: 'req-1' };

describe('problemFor', () => {
  it('renders a validation failure with a per-field errors list', () => {
    const error = new ValidationFailedError([
      { field: 'passengers', rule: 'max', message: 'passengers must not be greater than 19' },
    ]);
    const { problem } = problemFor(error, request, silentLogger());
    expect(problem).toEqual({
      type: 'https://jetvision.dev/problems/validation-failed',
      title: 'Validation failed',
      status: 400,
      detail: 'The request is not valid',
      instance: '/api/integration/aircraft',
      requestId: 'req-1',
      code: 'validation_failed',
      errors: [{ field: 'passengers', rule: 'max', message: 'passengers must not be greater than 19' }],
      errorCount: 1,
    });
  });

  it('lists at most 50 problems and says how many there were', () => {
    const errors = Array.from({ length: 50_000 }, (_, i) => ({
      field: `k${i}`,
      rule: 'unknownProperty',
      message: 'x',
    }));
    const { problem } = problemFor(new ValidationFailedError(errors), request, silentLogger());
    expect(problem.errors).toHaveLength(50);
    expect(problem['errorCount']).toBe(50_000);
    expect(problem.detail).toBe('The request is not valid (50000 problems; the first 50 are listed)');
  });

  it('challenges a 401 with the scheme the caller should use', () => {
    const api = problemFor(new DomainError('unauthorized', 'no key'), request, silentLogger());
    expect(api.headers['www-authenticate']).toMatch(/^Bearer realm="api"/);
    const webhook = problemFor(
      new DomainError('unauthorized', 'bad', { extensions: { source: 'avainode', authScheme: 'basic' } }),
      request,
      silentLogger(),
    );
    expect(webhook.headers['www-authenticate']).toBe('Basic realm="webhook avainode", charset="UTF-8"');
  });

  it('maps upstream errors to 502/503/504 with the server named and Retry-After when known', () => {
    const unavailable = problemFor(
      new DomainError('upstream_unavailable', 'avinode is unavailable', {
        extensions: { server: 'avinode' },
        retryAfterSeconds: 12.2,
      }),
      request,
      silentLogger(),
    );
    expect(unavailable.problem.status).toBe(503);
    expect(unavailable.problem['server']).toBe('avinode');
    expect(unavailable.headers['retry-after']).toBe('13');
    expect(problemFor(new DomainError('upstream_timeout', 't'), request, silentLogger()).problem.status).toBe(504);
    expect(problemFor(new DomainError('upstream_error', 'e'), request, silentLogger()).problem.status).toBe(502);
  });

  it('cannot let an extension overwrite the standard members', () => {
    const error = new DomainError('conflict', 'busy', { extensions: { status: 200, title: 'fake' } });
    const { problem } = problemFor(error, request, silentLogger());
    expect(problem.status).toBe(409);
    expect(problem.title).toBe('Conflict');
  });

  it('hides unexpected errors behind an error id that is logged', () => {
    const logger = silentLogger();
    const { problem } = problemFor(new TypeError('secret internals at /srv/app.js:12'), request, logger);
    expect(problem.status).toBe(500);
    expect(problem.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(problem)).not.toContain('secret internals');
    expect(JSON.stringify(logger.error.mock.calls)).toContain(problem.errorId);
  });

  it('keeps the status and message of framework HTTP errors', () => {
    const { problem } = problemFor(new BadRequestException('Unexpected token'), request, silentLogger());
    expect(problem.status).toBe(400);
    expect(problem.detail).toBe('Unexpected token');
  });

  it('answers fastify body-size errors as 413', () => {
    const error = Object.assign(new Error('Request body is too large'), {
      statusCode: 413,
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    const { problem } = problemFor(error, request, silentLogger());
    expect(problem.status).toBe(413);
    expect(problem.detail).toBe('The request body exceeds the size limit');
  });
});
