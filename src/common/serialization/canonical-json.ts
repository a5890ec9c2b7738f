import { configure } from 'safe-stable-stringify';

const stringify = configure({ deterministic: true, circularValue: TypeError, bigint: true });

export interface CanonicalJsonOptions {
  /**
   * Leave out object members whose value is null, as well as undefined ones. The pipeline's deduplication keys were
   * written that way, and a stored key must keep matching the same lead and trip.
   */
  dropNulls?: boolean;
}

const withoutNulls = (_key: string, value: unknown): unknown => (value === null ? undefined : value);

/**
 * The one canonical JSON of the code base: object keys sorted (by UTF-16 code unit, the same in every locale) at every
 * depth, undefined members left out, `undefined` in arrays as null, dates as their ISO text (toJSON), a cycle an
 * error. Equal data, equal text — what every hash and fingerprint is computed from.
 */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  const text = options.dropNulls ? stringify(value, withoutNulls) : stringify(value);
  return text ?? 'null';
}
