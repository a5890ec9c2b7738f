import { addressKey } from '../http/client-address.js';
import { FixedWindowCounter } from './fixed-window-counter.js';

export interface LockoutPolicy {
  failuresBeforeLockout: number;
  lockoutSeconds: number;
  lockoutMaxSeconds: number;
}

interface Strikes {
  /** Lockouts so far; the next one lasts lockoutSeconds × 2^count (capped). */
  count: number;
  lockedUntil: number;
  lastFailureAt: number;
}

const FAILURE_WINDOW_MS = 60_000;

/**
 * Refused API keys counted per client address (IPv6 by /64): after `failuresBeforeLockout` in a minute the address is
 * locked out, and every further lockout lasts twice as long, up to the maximum. Only a quiet period as long as the
 * maximum lockout forgives an address: a valid key from it does not, or an attacker sharing an address with a real
 * client would be forgiven by the client's traffic. In-memory per instance, like the rate limit.
 */
export class AuthLockout {
  private readonly failures = new FixedWindowCounter(FAILURE_WINDOW_MS);
  private readonly strikes = new Map<string, Strikes>();

  constructor(private readonly policy: LockoutPolicy) {}

  /** Seconds the address remains locked out, or 0. */
  lockedFor(address: string, now = Date.now()): number {
    const strikes = this.strikes.get(addressKey(address));
    return strikes && strikes.lockedUntil > now ? (strikes.lockedUntil - now) / 1000 : 0;
  }

  /** Counts a refused key; returns the lockout it started (seconds), if this failure started one. */
  recordFailure(address: string, now = Date.now()): { lockoutSeconds: number; lockouts: number } | undefined {
    const key = addressKey(address);
    const window = this.failures.hit(key, now);
    let strikes = this.strikes.get(key);
    if (strikes && now - strikes.lastFailureAt > this.policy.lockoutMaxSeconds * 1000) strikes = undefined;
    strikes ??= { count: 0, lockedUntil: 0, lastFailureAt: now };
    strikes.lastFailureAt = now;
    this.strikes.set(key, strikes);
    if (window.count < this.policy.failuresBeforeLockout) return undefined;
    const lockoutSeconds = Math.min(
      this.policy.lockoutSeconds * 2 ** Math.min(strikes.count, 30),
      this.policy.lockoutMaxSeconds,
    );
    strikes.count++;
    strikes.lockedUntil = now + lockoutSeconds * 1000;
    // The next lockout needs a full set of fresh failures after this one ends.
    window.count = 0;
    window.resetAt = strikes.lockedUntil;
    return { lockoutSeconds, lockouts: strikes.count };
  }

  sweep(now = Date.now()): void {
    this.failures.sweep(now);
    const forgetAfter = this.policy.lockoutMaxSeconds * 1000;
    for (const [key, strikes] of this.strikes) {
      if (strikes.lockedUntil <= now && now - strikes.lastFailureAt > forgetAfter) this.strikes.delete(key);
    }
  }
}
