import { describe, expect, it } from '@jest/globals';
import { TokenBucket, raceAbort } from './mcp-policies.js';

describe('TokenBucket', () => {
  // A clock the test moves by hand: the bucket's answers then depend on the rate alone, not on machine speed.
  function manualClock(): { now: () => number; advance: (ms: number) => void } {
    let time = 1_000;
    return { now: () => time, advance: (ms) => (time += ms) };
  }

  it('allows a burst up to capacity, then asks callers to wait at the configured rate', () => {
    const clock = manualClock();
    const bucket = new TokenBucket(600, 3, clock.now); // 10 per second
    expect([bucket.reserve(0), bucket.reserve(0), bucket.reserve(0)]).toEqual([0, 0, 0]);
    expect(bucket.reserve(1_000)).toBe(100);
    expect(bucket.reserve(1_000)).toBe(200);
    clock.advance(200);
    expect(bucket.reserve(1_000)).toBe(100);
  });

  it('refills with time, never beyond capacity', () => {
    const clock = manualClock();
    const bucket = new TokenBucket(600, 3, clock.now);
    for (let i = 0; i < 3; i++) bucket.reserve(0);
    expect(bucket.available).toBe(0);
    clock.advance(150);
    expect(bucket.available).toBe(1);
    clock.advance(60_000);
    expect(bucket.available).toBe(3);
  });

  it('refuses a reservation that cannot be met in time, without consuming a token', () => {
    const clock = manualClock();
    const bucket = new TokenBucket(60, 1, clock.now); // 1 per second
    expect(bucket.reserve(0)).toBe(0);
    expect(bucket.reserve(100)).toBeUndefined();
    expect(bucket.reserve(1_000)).toBe(1_000);
  });

  it('takes back a reservation that was given up', () => {
    const bucket = new TokenBucket(60, 1, manualClock().now);
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
