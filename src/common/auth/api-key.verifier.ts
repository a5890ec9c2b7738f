import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Holds the active API keys as SHA-256 digests and checks a presented key against every one of them in constant time:
 * hashing first makes the comparison length-independent, and checking all keys (no early exit) hides which one matched.
 */
export class ApiKeyVerifier {
  private readonly digests: readonly Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map((key) => digest(key));
  }

  /** Returns a short, non-secret fingerprint of the matching key (for logs and rate limiting), or null. */
  verify(presented: string | undefined): string | null {
    if (!presented) return null;
    const candidate = digest(presented);
    let match: Buffer | null = null;
    for (const known of this.digests) {
      if (timingSafeEqual(candidate, known)) match = known;
    }
    return match ? match.subarray(0, 6).toString('hex') : null;
  }
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
