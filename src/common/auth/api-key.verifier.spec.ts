import { describe, expect, it } from '@jest/globals';
import { ApiKeyVerifier, presentedApiKey } from './api-key.verifier.js';

describe('ApiKeyVerifier', () => {
  const verifier = new ApiKeyVerifier([
    { name: 'current', scope: 'admin', key: 'current-key-0123456789' },
    { name: 'previous', scope: 'read', key: 'previous-key-0123456789' },
  ]);

  it('accepts every active key (rotation) with its name and scope, and fingerprints them differently', () => {
    const current = verifier.verify('current-key-0123456789');
    const previous = verifier.verify('previous-key-0123456789');
    expect(current).toMatchObject({
      name: 'current',
      scope: 'admin',
      fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/),
    });
    expect(previous).toMatchObject({
      name: 'previous',
      scope: 'read',
      fingerprint: expect.stringMatching(/^[0-9a-f]{12}$/),
    });
    expect(current?.fingerprint).not.toBe(previous?.fingerprint);
  });

  it('rejects unknown, empty, prefix and longer keys', () => {
    expect(verifier.verify('wrong-key-0123456789')).toBeNull();
    expect(verifier.verify('')).toBeNull();
    expect(verifier.verify(undefined)).toBeNull();
    expect(verifier.verify('current-key-012345678')).toBeNull();
    expect(verifier.verify('current-key-0123456789x')).toBeNull();
  });

  it('never leaks the key in its fingerprint', () => {
    expect(verifier.verify('current-key-0123456789')?.fingerprint).not.toContain('current');
  });
});

describe('presentedApiKey', () => {
  it('reads a bearer token, case-insensitively', () => {
    expect(presentedApiKey({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedApiKey({ authorization: 'bearer   abc  ' })).toBe('abc');
  });

  it('reads X-API-Key', () => {
    expect(presentedApiKey({ 'x-api-key': ' abc ' })).toBe('abc');
  });

  it('ignores other schemes and empty headers', () => {
    expect(presentedApiKey({ authorization: 'Basic dXNlcjpwYXNz' })).toBeUndefined();
    expect(presentedApiKey({ 'x-api-key': '' })).toBeUndefined();
    expect(presentedApiKey({})).toBeUndefined();
  });
});
