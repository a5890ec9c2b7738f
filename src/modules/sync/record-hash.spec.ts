import { describe, expect, it } from '@jest/globals';
import { dataHash, differingFields } from './record-hash.js';

describe('record hash', () => {
  it('hashes equal content equally regardless of key order, and different content differently', () => {
    expect(dataHash({ a: 1, b: [1, 2] })).toBe(dataHash({ b: [1, 2], a: 1 }));
    expect(dataHash({ a: 1, b: [1, 2] })).not.toBe(dataHash({ a: 1, b: [2, 1] }));
    expect(dataHash({ a: 'x' })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the top-level fields that differ', () => {
    expect(differingFields({ a: 1, b: { x: 1 }, c: 3 }, { a: 1, b: { x: 2 }, d: 4 })).toEqual(['b', 'c', 'd']);
  });
});
