import { describe, expect, it } from '@jest/globals';
import { canonicalJson, dataHash, differingFields } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('drops undefined members like JSON.stringify', () => {
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
    expect(canonicalJson([undefined])).toBe('[null]');
  });

  it('hashes equal content equally regardless of key order, and different content differently', () => {
    expect(dataHash({ a: 1, b: [1, 2] })).toBe(dataHash({ b: [1, 2], a: 1 }));
    expect(dataHash({ a: 1, b: [1, 2] })).not.toBe(dataHash({ a: 1, b: [2, 1] }));
    expect(dataHash({ a: 'x' })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('names the top-level fields that differ', () => {
    expect(differingFields({ a: 1, b: { x: 1 }, c: 3 }, { a: 1, b: { x: 2 }, d: 4 })).toEqual(['b', 'c', 'd']);
  });
});
