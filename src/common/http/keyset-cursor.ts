import { ValidationFailedError } from '../errors/domain-error.js';

/**
 * The one cursor codec of the list endpoints that page by (timestamp, uuid) keyset. The timestamp stays a string: the
 * audit log's timestamps carry microseconds that a `Date` would round away, and a rounded cursor skips rows.
 */
export interface KeysetPosition {
  at: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeKeysetCursor(at: string | Date, id: string): string {
  return Buffer.from(JSON.stringify([typeof at === 'string' ? at : at.toISOString(), id])).toString('base64url');
}

/** The position a cursor names; a 400 naming `cursor` for anything this API did not hand out. */
export function decodeKeysetCursor(cursor: string): KeysetPosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'string' &&
    !Number.isNaN(Date.parse(value[0])) &&
    typeof value[1] === 'string' &&
    // Compared with a uuid column: anything else would reach PostgreSQL and fail there.
    UUID.test(value[1])
  ) {
    return { at: value[0], id: value[1] };
  }
  throw new ValidationFailedError([
    { field: 'cursor', rule: 'isCursor', message: 'cursor must be a nextCursor value returned by a previous page' },
  ]);
}
