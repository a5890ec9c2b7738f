import { describe, expect, it } from '@jest/globals';
import { ValidationFailedError } from '../errors/domain-error.js';
import { decodeKeysetCursor, encodeKeysetCursor } from './keyset-cursor.js';

const ID = '0b6f7c3e-2a5d-4c1e-9f00-123456789abc';

describe('keyset cursor', () => {
  it('round-trips a position, keeping microseconds a Date would lose', () => {
    expect(decodeKeysetCursor(encodeKeysetCursor('2026-12-05 10:00:00.123456+00', ID))).toEqual({
      at: '2026-12-05 10:00:00.123456+00',
      id: ID,
    });
    expect(decodeKeysetCursor(encodeKeysetCursor(new Date('2026-12-05T10:00:00.000Z'), ID)).at).toBe(
      '2026-12-05T10:00:00.000Z',
    );
  });

  it.each([
    ['not base64 JSON', 'garbage'],
    ['a non-uuid id', encodeKeysetCursor('2026-12-05T10:00:00Z', 'not-a-uuid')],
    ['a date that is not one', encodeKeysetCursor('yesterday', ID)],
    ['three members', Buffer.from(JSON.stringify(['2026-12-05T10:00:00Z', ID, 1])).toString('base64url')],
  ])('refuses %s with a 400 naming cursor', (_what, cursor) => {
    let error: unknown;
    try {
      decodeKeysetCursor(cursor);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect((error as ValidationFailedError).errors).toMatchObject([{ field: 'cursor', rule: 'isCursor' }]);
  });
});
