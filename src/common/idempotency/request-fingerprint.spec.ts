import { describe, expect, it } from '@jest/globals';
import { requestFingerprint } from './request-fingerprint.js';

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
