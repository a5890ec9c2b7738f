import {
  BulkheadPolicy,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
  RetryPolicy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
} from 'cockatiel';
import { McpFailure } from './mcp-errors.js';

export type BreakerState = 'closed' | 'open' | 'half_open' | 'isolated';

export function breakerStateName(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.Open:
      return 'open';
    case CircuitState.HalfOpen:
      return 'half_open';
    case CircuitState.Isolated:
      return 'isolated';
  }
}

/** Prometheus encoding of the breaker state (0 closed, 1 open, 2 half-open, 3 isolated). */
export function breakerStateValue(state: BreakerState): number {
  return ['closed', 'open', 'half_open', 'isolated'].indexOf(state);
}

export interface ServerPolicyOptions {
  maxConcurrentCalls: number;
  maxQueuedCalls: number;
  ratePerMinute: number;
}

/**
 * The long-lived, stateful policies of one server, shared by its endpoints: the bulkhead bounds what this process asks
 * of the upstream, and the rate limit is the upstream's budget, whichever replica answers. Each server has its own, so
 * one server's trouble stays its own.
 */
export class ServerPolicies {
  readonly bulkhead: BulkheadPolicy;
  readonly rateLimit: TokenBucket;

  constructor(options: ServerPolicyOptions) {
    this.bulkhead = bulkhead(options.maxConcurrentCalls, options.maxQueuedCalls);
    // A burst of a tenth of the per-minute budget: enough for concurrent page fetches, never a whole minute at once.
    this.rateLimit = new TokenBucket(options.ratePerMinute, Math.max(1, Math.ceil(options.ratePerMinute / 10)));
  }
}

export interface BreakerOptions {
  breakerThreshold: number;
  breakerCooldownMs: number;
}

/** One endpoint's circuit breaker: a dead replica opens its own breaker while the others keep serving. */
export function createEndpointBreaker(options: BreakerOptions): CircuitBreakerPolicy {
  return circuitBreaker(
    handleWhen((error) => error instanceof McpFailure && error.countsForBreaker),
    { halfOpenAfter: options.breakerCooldownMs, breaker: new ConsecutiveBreaker(options.breakerThreshold) },
  );
}

export interface RetryOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Epoch ms after which no attempt may start. */
  deadline: number;
  /** Reads, and writes carrying an idempotency key. Anything else is never retried. */
  safeToRepeat: boolean;
}

/**
 * Exponential backoff with jitter that never waits less than the server's `Retry-After` (longest wait wins) and never
 * past the call's deadline.
 */
function createBackoff(options: RetryOptions): IBackoffFactory<IRetryBackoffContext<unknown>> {
  const factory: IBackoffFactory<IRetryBackoffContext<unknown>> = {
    next(context): IBackoff<IRetryBackoffContext<unknown>> {
      const exponential = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (context.attempt - 1));
      const jittered = exponential / 2 + Math.random() * (exponential / 2);
      const error = 'error' in context.result ? context.result.error : undefined;
      const retryAfter = error instanceof McpFailure ? (error.retryAfterMs ?? 0) : 0;
      const remaining = Math.max(0, options.deadline - Date.now());
      return { duration: Math.min(remaining, Math.max(retryAfter, jittered)), next: (next) => factory.next(next) };
    },
  };
  return factory;
}

/** A retry policy for one call: it closes over that call's deadline and whether the call may be repeated. */
export function createRetryPolicy(options: RetryOptions): RetryPolicy {
  const shouldRetry = (error: unknown): boolean =>
    options.safeToRepeat &&
    error instanceof McpFailure &&
    error.retryable &&
    (error.retryAfterMs ?? 0) < options.deadline - Date.now();
  return retry(handleWhen(shouldRetry), { maxAttempts: options.maxRetries, backoff: createBackoff(options) });
}

/**
 * Token bucket refilled continuously at `ratePerMinute`. Callers reserve a token and wait for it, so the rate holds
 * across concurrent callers; a reservation that could not be met before the caller's deadline is refused up front.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly perMs: number;

  constructor(
    readonly ratePerMinute: number,
    readonly capacity: number,
    /** Milliseconds on a monotonic clock; replaceable so tests control time. */
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = capacity;
    this.perMs = ratePerMinute / 60_000;
    this.updatedAt = now();
  }

  /** Reserves one token. Returns the wait in ms (0 = go now), or undefined (nothing reserved) if it exceeds `maxWaitMs`. */
  reserve(maxWaitMs: number): number | undefined {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    const wait = Math.ceil((1 - this.tokens) / this.perMs);
    if (wait > maxWaitMs) return undefined;
    this.tokens -= 1;
    return wait;
  }

  /** Gives back a reservation that was not used (the caller gave up while waiting). */
  refund(): void {
    this.refill();
    this.tokens = Math.min(this.capacity, this.tokens + 1);
  }

  /** Whole tokens available now. */
  get available(): number {
    this.refill();
    return Math.max(0, Math.floor(this.tokens));
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.updatedAt) * this.perMs);
    this.updatedAt = now;
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settles like `promise`, or rejects with the signal's reason as soon as it aborts. Cockatiel's bulkhead queue and
 * half-open wait do not watch the signal; this keeps the call's deadline binding while it waits there.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: Error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
