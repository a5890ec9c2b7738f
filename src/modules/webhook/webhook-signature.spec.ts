import { describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import { generateSecret, parseSecret, safeEqual, sign, verify } from './webhook-signature.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NOW = 1_767_261_600; // 2026-01-01T10:00:00Z
const body = Buffer.from('{"type":"lead_created","data":{"lead":{"id":"1"}}}');

describe('Standard Webhooks verification', () => {
  const keys = [parseSecret(SECRET)];
  const headers = (signature: string, timestamp = NOW, id = 'msg_1') => ({
    id,
    timestamp: String(timestamp),
    signature,
  });

  it('produces the same signature as the standardwebhooks package', () => {
    const reference = new Webhook(SECRET).sign('msg_1', new Date(NOW * 1000), body.toString());
    expect(sign(SECRET, 'msg_1', NOW, body)).toBe(reference);
  });

  it('accepts a valid signature, also among several (rotation on the sender side)', () => {
    const valid = sign(SECRET, 'msg_1', NOW, body);
    expect(verify(keys, headers(valid), body, NOW)).toEqual({ ok: true });
    const other = sign(generateSecret(), 'msg_1', NOW, body);
    expect(verify(keys, headers(`${other} ${valid}`), body, NOW)).toEqual({ ok: true });
  });

  it('accepts any of several configured secrets (rotation on the receiver side)', () => {
    const next = generateSecret();
    const both = [parseSecret(next), parseSecret(SECRET)];
    expect(verify(both, headers(sign(SECRET, 'msg_1', NOW, body)), body, NOW).ok).toBe(true);
    expect(verify(both, headers(sign(next, 'msg_1', NOW, body)), body, NOW).ok).toBe(true);
  });

  it('refuses a changed body, id or timestamp', () => {
    const valid = sign(SECRET, 'msg_1', NOW, body);
    const changed = Buffer.from(body);
    changed[10] = changed[10]! ^ 1;
    expect(verify(keys, headers(valid), changed, NOW)).toMatchObject({ ok: false, failure: 'no_matching_signature' });
    expect(verify(keys, headers(valid, NOW, 'msg_2'), body, NOW)).toMatchObject({ ok: false });
    expect(verify(keys, headers(valid, NOW - 1), body, NOW)).toMatchObject({ ok: false });
  });

  it('enforces the 5-minute window in both directions', () => {
    const at = (timestamp: number) => headers(sign(SECRET, 'msg_1', timestamp, body), timestamp);
    expect(verify(keys, at(NOW - 300), body, NOW).ok).toBe(true);
    expect(verify(keys, at(NOW + 300), body, NOW).ok).toBe(true);
    expect(verify(keys, at(NOW - 301), body, NOW)).toMatchObject({ ok: false, failure: 'timestamp_too_old' });
    expect(verify(keys, at(NOW + 301), body, NOW)).toMatchObject({ ok: false, failure: 'timestamp_too_new' });
  });

  it('refuses missing headers, malformed timestamps and signatures of other versions', () => {
    expect(verify(keys, { id: 'msg_1', timestamp: String(NOW), signature: undefined }, body, NOW)).toMatchObject({
      failure: 'missing_headers',
    });
    expect(verify(keys, headers('v1,AAAA', Number.NaN), body, NOW)).toMatchObject({ failure: 'invalid_timestamp' });
    const v2 = sign(SECRET, 'msg_1', NOW, body).replace('v1,', 'v2,');
    expect(verify(keys, headers(v2), body, NOW)).toMatchObject({ failure: 'no_matching_signature' });
  });
});

describe('safeEqual', () => {
  it('compares strings of any length', () => {
    expect(safeEqual('secret', 'secret')).toBe(true);
    expect(safeEqual('secret', 'secret2')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});
