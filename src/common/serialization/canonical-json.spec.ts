import { describe, expect, it } from '@jest/globals';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('sorts by code unit, not by locale', () => {
    expect(canonicalJson({ b: 1, B: 2, á: 3, a: 4 })).toBe('{"B":2,"a":4,"b":1,"á":3}');
  });

  it('drops undefined members like JSON.stringify, and writes undefined in arrays as null', () => {
    expect(canonicalJson({ a: undefined, b: 'x' })).toBe('{"b":"x"}');
    expect(canonicalJson([undefined])).toBe('[null]');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('writes a date as its ISO text, not as {}', () => {
    expect(canonicalJson({ at: new Date('2026-12-05T10:00:00.000Z') })).toBe('{"at":"2026-12-05T10:00:00.000Z"}');
  });

  it('drops null members only when asked, and keeps nulls inside arrays', () => {
    expect(canonicalJson({ a: null, b: [null, 1] }, { dropNulls: true })).toBe('{"b":[null,1]}');
    expect(canonicalJson({ a: null }, {})).toBe('{"a":null}');
  });

  it('refuses a cycle instead of writing a placeholder', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
  });
});
