import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../../common/errors/domain-error.js';
import { translateAvinodeError } from './avainode.errors.js';

const toolError = (message: string): DomainError =>
  new DomainError('upstream_error', message, {
    extensions: { server: 'avinode', tool: 'confirm', reason: 'tool_error' },
  });

describe('translateAvinodeError', () => {
  it('passes an id at the start of a conflict message on as sent, not capitalised', () => {
    const error = translateAvinodeError(toolError('bookingId: ac-n965pz is no longer available on 2026-05-01'));
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('conflict');
    expect((error as DomainError).message).toBe('ac-n965pz is no longer available on 2026-05-01');
  });

  it('passes an id at the start of a not-found message on as sent', () => {
    const error = translateAvinodeError(toolError('aircraftId: ac-nope not found'));
    expect((error as DomainError).message).toBe('ac-nope not found');
  });
});
