import { assertUnreachable } from './assert-unreachable.js';
import type { DomainErrorCode } from './domain-error.js';

export interface ErrorCatalogEntry {
  status: number;
  title: string;
}

/** The one place a domain error code becomes an HTTP status. Exhaustive: a new code fails to compile until mapped. */
export function describeErrorCode(code: DomainErrorCode): ErrorCatalogEntry {
  switch (code) {
    case 'validation_failed':
      return { status: 400, title: 'Validation failed' };
    case 'unauthorized':
      return { status: 401, title: 'Unauthorized' };
    case 'forbidden':
      return { status: 403, title: 'Forbidden' };
    case 'not_found':
      return { status: 404, title: 'Not found' };
    case 'conflict':
      return { status: 409, title: 'Conflict' };
    case 'invalid_state_transition':
      return { status: 409, title: 'Invalid state transition' };
    case 'idempotency_request_in_progress':
      return { status: 409, title: 'A request with this idempotency key is still in progress' };
    case 'upstream_needs_input':
      // The upstream asked a question (2026-07-28 `input_required`) nobody can answer mid-call: the request conflicts
      // with what the upstream needs first; `inputRequests` in the problem says what.
      return { status: 409, title: 'Upstream needs input' };
    case 'request_timeout':
      return { status: 408, title: 'Request timeout' };
    case 'payload_too_large':
      return { status: 413, title: 'Payload too large' };
    case 'idempotency_key_reused':
      return { status: 422, title: 'Idempotency key reused with a different request' };
    case 'precondition_failed':
      return { status: 422, title: 'Precondition failed' };
    case 'not_supported':
      return { status: 422, title: 'Not supported by this upstream server' };
    case 'unsupported_event_type':
      return { status: 422, title: 'Unsupported event type' };
    case 'rate_limited':
      return { status: 429, title: 'Too many requests' };
    case 'upstream_error':
      return { status: 502, title: 'Upstream error' };
    case 'upstream_contract_violation':
      return { status: 502, title: 'Upstream result does not match the contract' };
    case 'upstream_unavailable':
      return { status: 503, title: 'Upstream unavailable' };
    case 'service_unavailable':
      return { status: 503, title: 'Service unavailable' };
    case 'upstream_timeout':
      return { status: 504, title: 'Upstream timeout' };
    default:
      return assertUnreachable(code);
  }
}

/** Problem type URIs are stable identifiers, not links that must resolve. */
export function problemTypeFor(code: string): string {
  return `https://jetvision.dev/problems/${code.replace(/_/g, '-')}`;
}
