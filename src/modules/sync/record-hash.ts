import { createHash } from 'node:crypto';
import { canonicalJson } from '../../common/serialization/canonical-json.js';

/** SHA-256 (hex) of the canonical JSON: the change detector of every synced table. */
export function dataHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** Top-level fields whose canonical JSON differs between two records (for consistency reports). */
export function differingFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((key) => canonicalJson(a[key]) !== canonicalJson(b[key])).sort();
}
