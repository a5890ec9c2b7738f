import { createHash } from 'node:crypto';

/**
 * Makes a value fit a bounded text column without losing its identity: a longer value keeps its start and ends in a
 * hash of the whole, so two different long values stay different and an insert never fails on length.
 */
export function fitColumn(value: string, maxLength: number): string {
  if (value.length <= maxLength) return value;
  const hash = createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 16);
  return `${value.slice(0, Math.max(0, maxLength - hash.length - 1))}~${hash}`;
}

export function fitNullableColumn(value: string | null | undefined, maxLength: number): string | null {
  return value === null || value === undefined ? null : fitColumn(value, maxLength);
}
