/**
 * Paging through records changed since a time, for `list-availability` and `list-bookings`.
 *
 * Records are ordered by (updatedAt, id). The cursor is the position of the last record returned, not an offset, so
 * a record changed while a client pages moves to the end of the order (every change takes a new, strictly larger
 * stamp) and is delivered again there: nothing is skipped, and a record appears twice only if it changed in between.
 */
import { AvinodeError } from './avinode.errors.js';
import type { Stamped } from './avinode.types.js';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

interface Position {
  ms: number;
  id: string;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify({ v: 1, t: position.ms, i: position.id }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (parsed !== null && typeof parsed === 'object' && 't' in parsed && 'i' in parsed) {
      const { t, i } = parsed;
      if (typeof t === 'number' && Number.isFinite(t) && typeof i === 'string') return { ms: t, id: i };
    }
  } catch {
    // fall through to the error below: a cursor that does not decode is the caller's mistake
  }
  throw new AvinodeError('validation', 'cursor', 'not a cursor returned by this server');
}

export interface PageRequest {
  updatedSince?: string | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  hasMore: boolean;
}

function after(record: Stamped & { id: string }, position: Position): boolean {
  return record.updatedAtMs > position.ms || (record.updatedAtMs === position.ms && record.id > position.id);
}

export function pageOf<T extends Stamped & { id: string }>(records: Iterable<T>, request: PageRequest): Page<T> {
  const limit = request.limit ?? DEFAULT_PAGE_SIZE;
  const sinceMs = request.updatedSince === undefined ? Number.NEGATIVE_INFINITY : Date.parse(request.updatedSince);
  const position = request.cursor === undefined ? null : decodeCursor(request.cursor);
  const matching: T[] = [];
  for (const r of records) {
    if (r.updatedAtMs < sinceMs) continue;
    if (position !== null && !after(r, position)) continue;
    matching.push(r);
  }
  matching.sort((a, b) => a.updatedAtMs - b.updatedAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const items = matching.slice(0, limit);
  const hasMore = matching.length > limit;
  const last = items[items.length - 1];
  return {
    items,
    hasMore,
    nextCursor: hasMore && last ? encodeCursor({ ms: last.updatedAtMs, id: last.id }) : null,
  };
}
