import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Standard Webhooks: timestamps further than this from now, either way, are refused (replay window). */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export type VerificationFailure =
  'missing_headers' | 'invalid_timestamp' | 'timestamp_too_old' | 'timestamp_too_new' | 'no_matching_signature';

export type VerificationResult = { ok: true } | { ok: false; failure: VerificationFailure; message: string };

/** A parsed `whsec_` secret: the HMAC key is the base64-decoded part after the prefix. */
export interface SigningKey {
  key: Buffer;
}

export function parseSecret(secret: string): SigningKey {
  const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new Error('A webhook secret must be whsec_ followed by base64');
  return { key };
}

export function generateSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

function signatureBytes(key: Buffer, id: string, timestamp: string, body: Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

/** The `webhook-signature` header value for a message (`v1,<base64>`). */
export function sign(secret: string, id: string, timestampSeconds: number, body: Buffer | string): string {
  const bytes = signatureBytes(parseSecret(secret).key, id, String(timestampSeconds), Buffer.from(body));
  return `v1,${bytes.toString('base64')}`;
}

/**
 * Verifies a Standard Webhooks delivery against the exact received bytes. Every configured key is tried against
 * every `v1` signature in the header (rotation: old and new are both valid during the overlap); comparisons are
 * constant-time on equal-length digests.
 */
export function verify(
  keys: readonly SigningKey[],
  headers: { id: string | undefined; timestamp: string | undefined; signature: string | undefined },
  body: Buffer,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): VerificationResult {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) {
    return {
      ok: false,
      failure: 'missing_headers',
      message: 'Standard Webhooks headers webhook-id, webhook-timestamp and webhook-signature are required',
    };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, failure: 'invalid_timestamp', message: 'webhook-timestamp must be Unix seconds' };
  }
  const skew = nowSeconds - Number(timestamp);
  if (skew > SIGNATURE_TOLERANCE_SECONDS) {
    return { ok: false, failure: 'timestamp_too_old', message: 'webhook-timestamp is more than 5 minutes old' };
  }
  if (skew < -SIGNATURE_TOLERANCE_SECONDS) {
    return {
      ok: false,
      failure: 'timestamp_too_new',
      message: 'webhook-timestamp is more than 5 minutes in the future',
    };
  }
  const presented = signature
    .split(' ')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1,'))
    .map((part) => Buffer.from(part.slice(3), 'base64'));
  let matched = false;
  for (const { key } of keys) {
    const expected = signatureBytes(key, id, timestamp, body);
    for (const candidate of presented) {
      // No early exit: the time taken does not depend on which key or signature matched.
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
  }
  return matched
    ? { ok: true }
    : { ok: false, failure: 'no_matching_signature', message: 'No webhook-signature matches the body' };
}

/** Constant-time equality of two strings of any length (compares their SHA-256 digests). */
export function safeEqual(a: string, b: string): boolean {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
}
