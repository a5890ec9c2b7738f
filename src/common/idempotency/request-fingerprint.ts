import { createHash } from 'node:crypto';
import { canonicalJson } from '../serialization/canonical-json.js';

/** Fingerprint of a request: method, path (no query) and canonical JSON body. */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${path}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}
