import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../../common/errors/domain-error.js';
import { classifyStepError } from './pipeline-steps.service.js';

describe('classifyStepError', () => {
  it.each([
    ['upstream_unavailable', {}, true, 'upstream_failed'],
    ['upstream_timeout', {}, true, 'upstream_failed'],
    ['rate_limited', {}, true, 'upstream_failed'],
    ['idempotency_request_in_progress', {}, true, 'upstream_failed'],
    ['upstream_error', { reason: 'server_error' }, true, 'upstream_failed'],
    ['upstream_error', { reason: 'invalid_params' }, false, 'upstream_rejected'],
    ['upstream_contract_violation', {}, false, 'upstream_failed'],
    ['not_found', { server: 'avinode' }, false, 'upstream_rejected'],
    ['validation_failed', {}, false, 'invalid_request'],
    ['idempotency_key_reused', {}, false, 'invalid_request'],
  ] as const)('%s %j → retryable %s (%s)', (code, extensions, retryable, reason) => {
    expect(classifyStepError(new DomainError(code, 'x', { extensions }))).toMatchObject({ retryable, reason });
  });

  it('retries what is not a domain error (our database, a bug), bounded by the retry budget', () => {
    expect(classifyStepError(new Error('connection reset'))).toMatchObject({
      retryable: true,
      code: 'internal_error',
    });
  });
});
