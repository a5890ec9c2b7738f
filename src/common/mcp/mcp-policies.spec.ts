import { describe, expect, it } from '@jest/globals';
import { TokenBucket, raceAbort } from './mcp-policies.js';

describe('TokenBucket', () => {
  it('allows a burst up to capacity, then asks callers to wait at the configured rate', () => {
    const bucket = new TokenBucket(600, 3); // 10 per second
    expect([bucket.reserve(0), bucket.reserve(0), bucket.reserve(0)]).toEqual([0, 0, 0]);
    const wait = bucket.reserve(1_000);
    expect(wait).toBeGreaterThanOrEqual(90);
    expect(wait).toBeLessThanOrEqual(100);
    const second = bucket.reserve(1_000);
    expect(second).toBeGreaterThanOrEqual(190);
  });

  it('refuses a reservation that cannot be met in time, without consuming a token', () => {
    const bucket = new TokenBucket(60, 1); // 1 per second
    expect(bucket.reserve(0)).toBe(0);
    expect(bucket.reserve(100)).toBeUndefined();
    expect(bucket.reserve(1_000)).toBeGreaterThan(900);
  });

  it('takes back a reservation that was given up', () => {
    const bucket = new TokenBucket(60, 1);
    expect(bucket.reserve(0)).toBe(0);
    expect(bucket.reserve(2_000)).toBeGreaterThan(0);
    bucket.refund();
    bucket.refund();
    expect(bucket.available).toBe(1);
  });
});

describe('raceAbort', () => {
  it('rejects with the abort reason as soon as the signal fires', async () => {
    const controller = new AbortController();
    const never = new Promise<never>(() => undefined);
    const raced = raceAbort(never, controller.signal);
    const reason = new Error('deadline');
    controller.abort(reason);
    await expect(raced).rejects.toBe(reason);
  });

  it('settles like the promise otherwise', async () => {
    await expect(raceAbort(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
  });
});
