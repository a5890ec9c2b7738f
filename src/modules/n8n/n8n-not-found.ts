import { DomainError } from '../../common/errors/domain-error.js';

/** n8n answers a bare "Not Found": the upstream error taxonomy names the resource, this names the id asked for. */
export function mapNotFound(error: unknown, resource: string, id: string): never {
  if (error instanceof DomainError && error.code === 'not_found' && error.extensions.server === 'n8n') {
    throw new DomainError('not_found', `${resource} ${id} was not found in n8n`, {
      extensions: { ...error.extensions, resource, id },
      cause: error,
    });
  }
  throw error;
}
