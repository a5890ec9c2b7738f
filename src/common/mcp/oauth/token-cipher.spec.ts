import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { TokenCipher } from './token-cipher.js';

describe('TokenCipher', () => {
  const cipher = new TokenCipher(randomBytes(32));

  it('round-trips a value without leaving the plaintext in the sealed form', () => {
    const sealed = cipher.seal('at-secret-123', 'avinode:access');
    expect(sealed).not.toContain('at-secret-123');
    expect(sealed.startsWith('v1.')).toBe(true);
    expect(cipher.open(sealed, 'avinode:access')).toBe('at-secret-123');
  });

  it('uses a fresh IV per value, so equal tokens do not look equal at rest', () => {
    expect(cipher.seal('same', 'ctx')).not.toBe(cipher.seal('same', 'ctx'));
  });

  it('refuses a value under another context, another key, or with a flipped byte', () => {
    const sealed = cipher.seal('token', 'n8n:refresh');
    expect(cipher.open(sealed, 'n8n:access')).toBeUndefined();
    expect(new TokenCipher(randomBytes(32)).open(sealed, 'n8n:refresh')).toBeUndefined();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(cipher.open(parts.join('.'), 'n8n:refresh')).toBeUndefined();
    expect(cipher.open('not sealed', 'n8n:refresh')).toBeUndefined();
  });

  it('needs a 32-byte key', () => {
    expect(() => new TokenCipher(randomBytes(16))).toThrow(/32-byte key/);
  });
});
