import { describe, expect, it } from '@jest/globals';
import { canonicalJson, requestFingerprint } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: undefined, x: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"x":2,"z":1}]},"b":1}',
    );
  });

  it('keeps array order and scalar values', () => {
    expect(canonicalJson([3, 'a', true, null])).toBe('[3,"a",true,null]');
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe('requestFingerprint', () => {
  it('is the same for the same request whatever the key order', () => {
    expect(requestFingerprint('post', '/x', { a: 1, b: 2 })).toBe(requestFingerprint('POST', '/x', { b: 2, a: 1 }));
  });

  it('differs by method, path and body', () => {
    const base = requestFingerprint('POST', '/x', { a: 1 });
    expect(requestFingerprint('PUT', '/x', { a: 1 })).not.toBe(base);
    expect(requestFingerprint('POST', '/y', { a: 1 })).not.toBe(base);
    expect(requestFingerprint('POST', '/x', { a: 2 })).not.toBe(base);
  });
});
