/** Why a tool call failed; carried to the client in the result's `_meta.errorCode`. */
export type AvinodeErrorCode =
  'validation' | 'not_found' | 'unavailable' | 'invalid_transition' | 'idempotency_conflict' | 'quote_mismatch';

/**
 * A domain failure that a tool turns into an `isError` result. The message starts with the input field it concerns
 * (as zod's messages do), so a caller can tell which argument to fix.
 */
export class AvinodeError extends Error {
  constructor(
    readonly code: AvinodeErrorCode,
    readonly field: string | null,
    detail: string,
  ) {
    super(field ? `${field}: ${detail}` : detail);
    this.name = 'AvinodeError';
  }
}
