import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';

/**
 * AES-256-GCM for secrets at rest (OAuth tokens, PKCE verifiers). A value is `v1.<iv>.<tag>.<ciphertext>` (base64url):
 * a fresh 96-bit IV per value, and the authentication tag makes a tampered or wrongly keyed value fail to open
 * instead of decrypting to garbage. `context` (e.g. the server and the column) is bound as additional data, so a value
 * copied into another row or column does not open either.
 */
export class TokenCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('TokenCipher needs a 32-byte key');
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), body]
      .map((part) => (typeof part === 'string' ? part : b64(part)))
      .join('.');
  }

  /** The plaintext, or `undefined` when the value does not open with this key and context (rotated key, tampering). */
  open(sealed: string, context: string): string | undefined {
    const [version, iv, tag, body, extra] = sealed.split('.');
    if (version !== VERSION || iv === undefined || tag === undefined || body === undefined || extra !== undefined) {
      return undefined;
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}

function b64(buffer: Buffer): string {
  return buffer.toString('base64url');
}
