import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../../common/errors/domain-error.js';
import { McpFailure, toDomainError } from '../../common/mcp/mcp-errors.js';
import { translateAvinodeError } from './avainode.errors.js';

const toolError = (message: string, upstreamCode: string, upstreamField: string): DomainError =>
  toDomainError(
    new McpFailure('tool_error', message, { server: 'avinode', tool: 'confirm', upstreamCode, upstreamField }),
  );

describe('translateAvinodeError', () => {
  it('passes an id at the start of a conflict message on as sent, not capitalised', () => {
    const error = translateAvinodeError(
      toolError('bookingId: ac-n965pz is no longer available on 2026-05-01', 'unavailable', 'bookingId'),
    );
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe('conflict');
    expect((error as DomainError).message).toBe('ac-n965pz is no longer available on 2026-05-01');
    expect((error as DomainError).extensions).toMatchObject({ field: 'id', upstreamField: 'bookingId' });
  });

  it('passes an id at the start of a not-found message on as sent', () => {
    const error = translateAvinodeError(toolError('aircraftId: aircraft ac-nope not found', 'not_found', 'aircraftId'));
    expect((error as DomainError).message).toBe('aircraft ac-nope not found');
    expect((error as DomainError).extensions).toMatchObject({ resource: 'aircraft', id: 'ac-nope' });
  });

  it('names our field for a rejected argument', () => {
    const error = translateAvinodeError(
      toolError('cancellationReason: required to cancel a booking', 'validation', 'cancellationReason'),
    ) as DomainError;
    expect(error.code).toBe('validation_failed');
    expect(error.errors).toEqual([expect.objectContaining({ field: 'reason' })]);
  });
});
