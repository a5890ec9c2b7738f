import { describe, expect, it } from '@jest/globals';
import { AvinodeError } from './avinode.errors.js';
import type { Stamped } from './avinode.types.js';
import { decodeCursor, encodeCursor, pageOf } from './change-feed.js';

interface Row extends Stamped {
  id: string;
  version: number;
}

function rows(n: number): Map<string, Row> {
  const map = new Map<string, Row>();
  for (let i = 0; i < n; i += 1) {
    // Pairs share a stamp so the id tiebreak matters.
    const ms = 1_000 + Math.floor(i / 2);
    const id = `r-${String(i).padStart(3, '0')}`;
    map.set(id, { id, version: 0, updatedAtMs: ms, updatedAt: new Date(ms).toISOString(), deletedAt: null });
  }
  return map;
}

describe('change feed paging', () => {
  it('pages through every record once, in (updatedAt, id) order', () => {
    const data = rows(25);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let guard = 0; guard < 10; guard += 1) {
      const page = pageOf(data.values(), { cursor, limit: 7 });
      seen.push(...page.items.map((r) => r.id));
      if (!page.hasMore) {
        expect(page.nextCursor).toBeNull();
        break;
      }
      cursor = page.nextCursor ?? undefined;
    }
    expect(seen).toEqual([...data.keys()]);
  });

  it('loses nothing when records change between pages; a record repeats only after it changed', () => {
    const data = rows(30);
    let clock = 5_000;
    const delivered = new Map<string, number[]>();
    let cursor: string | undefined;
    for (let guard = 0; guard < 20; guard += 1) {
      const page = pageOf(data.values(), { cursor, limit: 4 });
      for (const r of page.items) delivered.set(r.id, [...(delivered.get(r.id) ?? []), r.version]);
      // Between pages, change one record already delivered and one not yet delivered.
      for (const id of [`r-${String(guard).padStart(3, '0')}`, `r-${String(29 - guard).padStart(3, '0')}`]) {
        const r = data.get(id);
        if (r && guard < 6) {
          clock += 1;
          r.version += 1;
          r.updatedAtMs = clock;
          r.updatedAt = new Date(clock).toISOString();
        }
      }
      if (!page.hasMore) break;
      cursor = page.nextCursor ?? undefined;
    }
    for (const r of data.values()) {
      const versions = delivered.get(r.id) ?? [];
      expect(versions.at(-1)).toBe(r.version); // the latest version was delivered
      expect(new Set(versions).size).toBe(versions.length); // no version delivered twice
    }
  });

  it('filters by updatedSince (inclusive)', () => {
    const data = rows(10);
    const page = pageOf(data.values(), { updatedSince: new Date(1_003).toISOString() });
    expect(page.items.map((r) => r.id)).toEqual(['r-006', 'r-007', 'r-008', 'r-009']);
  });

  it('round-trips cursors and rejects foreign ones, naming the field', () => {
    expect(decodeCursor(encodeCursor({ ms: 12, id: 'a' }))).toEqual({ ms: 12, id: 'a' });
    for (const bad of ['nope', Buffer.from('{"x":1}').toString('base64url')]) {
      try {
        decodeCursor(bad);
        throw new Error('decoded a bad cursor');
      } catch (error) {
        expect(error).toBeInstanceOf(AvinodeError);
        expect((error as AvinodeError).message).toMatch(/^cursor: /);
      }
    }
  });
});
