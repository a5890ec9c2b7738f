import { DomainError } from '../../common/errors/domain-error.js';

const NOT_FOUND_TEXT = /\bnot found\b/i;

export function mapNotFound(error: unknown, resource: string, id: string): never {
  if (
    error instanceof DomainError &&
    error.code === 'upstream_error' &&
    error.extensions.reason === 'tool_error' &&
    error.cause instanceof Error &&
    NOT_FOUND_TEXT.test(error.cause.message)
  ) {
    throw new DomainError('not_found', `${resource} ${id} was not found in n8n`, {
      extensions: { resource, id, server: 'n8n', tool: error.extensions.tool },
    });
  }
  throw error;
}
