export interface WindowCount {
  count: number;
  /** Epoch ms at which the window resets. */
  resetAt: number;
}

/**
 * Counts hits per key in fixed windows, in this instance's memory. Expired windows are swept by whoever owns the
 * counter (`sweep`), and at most `maxKeys` are kept: when full, expired windows go first, then the oldest, so a flood
 * of distinct keys (spoofed or rotating addresses) cannot grow the map without bound.
 */
export class FixedWindowCounter {
  private readonly windows = new Map<string, WindowCount>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Counts one hit for `key` and returns the window's state after it. */
  hit(key: string, now = Date.now()): WindowCount {
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      if (!window && this.windows.size >= this.maxKeys) this.makeRoom(now);
      window = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    window.count++;
    return window;
  }

  sweep(now = Date.now()): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }

  private makeRoom(now: number): void {
    this.sweep(now);
    // Map iteration is insertion order: the first key is the oldest window.
    const oldest = this.windows.keys().next();
    if (this.windows.size >= this.maxKeys && !oldest.done) this.windows.delete(oldest.value);
  }
}
