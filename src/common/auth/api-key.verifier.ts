import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKeyScope, ConfiguredApiKey } from './api-key-scope.js';

export interface VerifiedApiKey {
  name: string;
  scope: ApiKeyScope;
  /** Short, non-secret fingerprint of the key (rate limiting, idempotency principal). */
  fingerprint: string;
}

/**
 * Holds the active API keys as SHA-256 digests and checks a presented key against every one of them in constant time:
 * hashing first makes the comparison length-independent, and checking all keys (no early exit) hides which one matched.
 */
export class ApiKeyVerifier {
  private readonly known: ReadonlyArray<{ digest: Buffer; key: VerifiedApiKey }>;

  constructor(keys: readonly ConfiguredApiKey[]) {
    this.known = keys.map(({ name, scope, key }) => ({
      digest: digest(key),
      key: { name, scope, fingerprint: keyFingerprint(key) },
    }));
  }

  verify(presented: string | undefined): VerifiedApiKey | null {
    if (!presented) return null;
    const candidate = digest(presented);
    let match: VerifiedApiKey | null = null;
    for (const known of this.known) {
      if (timingSafeEqual(candidate, known.digest)) match = known.key;
    }
    return match;
  }
}

/** The first 12 hex digits of the key's SHA-256: identifies a key in logs without revealing it. */
export function keyFingerprint(key: string): string {
  return digest(key).subarray(0, 6).toString('hex');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Reads `Authorization: Bearer <key>` or `X-API-Key: <key>`. */
export function presentedApiKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = first(headers['authorization']);
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1]) return match[1].trim();
  }
  return first(headers['x-api-key'])?.trim() || undefined;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
