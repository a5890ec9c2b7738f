import { describe, expect, it } from '@jest/globals';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { CacheService } from './cache.service.js';

interface Harness {
  cache: CacheService;
  metrics: MetricsService;
  advance(ms: number): void;
}

function harness(env: Record<string, string> = {}): Harness {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const metrics = new MetricsService();
  const cache = new CacheService(AppConfig.fromEnvironment(env), metrics, () => now);
  return { cache, metrics, advance: (ms) => (now += ms) };
}

async function counterValue(metrics: MetricsService, name: string, namespace: string): Promise<number> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => v.labels.namespace === namespace)?.value ?? 0;
}

/** A loader whose result the test releases, counting its calls. */
function gate<T>(value: T): { loader: () => Promise<T>; calls: () => number; release: () => void } {
  let calls = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    loader: async () => {
      calls++;
      await released;
      return value;
    },
    calls: () => calls,
    release: () => release(),
  };
}

describe('CacheService', () => {
  it('loads on a miss, answers from memory on a hit, and counts both per namespace', async () => {
    const { cache, metrics } = harness();
    let calls = 0;
    const loader = async (): Promise<string> => `value-${++calls}`;
    expect(await cache.getOrLoad('apollo.account', 'acme.com', loader)).toBe('value-1');
    expect(await cache.getOrLoad('apollo.account', 'acme.com', loader)).toBe('value-1');
    expect(await cache.getOrLoad('apollo.account', 'other.com', loader)).toBe('value-2');
    expect(calls).toBe(2);
    expect(await counterValue(metrics, 'cache_hits_total', 'apollo.account')).toBe(1);
    expect(await counterValue(metrics, 'cache_misses_total', 'apollo.account')).toBe(2);
  });

  it('expires entries after the namespace TTL, with per-namespace overrides', async () => {
    const { cache, advance } = harness({ CACHE_TTL_SECONDS: '60', CACHE_NAMESPACE_TTLS: 'slow=600, off=0' });
    expect(cache.ttlSeconds('any')).toBe(60);
    expect(cache.ttlSeconds('slow')).toBe(600);
    let calls = 0;
    const loader = async (): Promise<number> => ++calls;
    await cache.getOrLoad('any', 'k', loader);
    await cache.getOrLoad('slow', 'k', loader);
    await cache.getOrLoad('off', 'k', loader);
    expect(calls).toBe(3);
    advance(59_000);
    await cache.getOrLoad('any', 'k', loader);
    await cache.getOrLoad('off', 'k', loader);
    expect(calls).toBe(4);
    // Stale once more than the TTL has passed (at exactly 60 s it still answers, as lru-cache counts).
    advance(1_001);
    expect(await cache.getOrLoad('any', 'k', loader)).toBe(5);
    expect(await cache.getOrLoad('slow', 'k', loader)).toBe(2);
  });

  it('calls the loader once for concurrent misses of one key', async () => {
    const { cache } = harness();
    const load = gate({ name: 'Acme' });
    const pending = Array.from({ length: 10 }, () => cache.getOrLoad('ns', 'key', load.loader));
    load.release();
    const results = await Promise.all(pending);
    expect(load.calls()).toBe(1);
    expect(new Set(results).size).toBe(1);
  });

  it('does not cache failures; every waiter of the failed load sees the error', async () => {
    const { cache } = harness();
    let calls = 0;
    const failing = async (): Promise<string> => {
      calls++;
      throw new Error('upstream down');
    };
    const outcomes = await Promise.allSettled([
      cache.getOrLoad('ns', 'k', failing),
      cache.getOrLoad('ns', 'k', failing),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect(await cache.getOrLoad('ns', 'k', async () => 'ok')).toBe('ok');
  });

  it('invalidates one key or a whole namespace', async () => {
    const { cache } = harness();
    await cache.getOrLoad('a', '1', async () => 'a1');
    await cache.getOrLoad('a', '2', async () => 'a2');
    await cache.getOrLoad('b', '1', async () => 'b1');
    expect(cache.invalidate('a', '1')).toBe(1);
    expect(cache.get('a', '1')).toBeUndefined();
    expect(cache.get('a', '2')).toBe('a2');
    expect(cache.invalidate('a')).toBe(1);
    expect(cache.size('a')).toBe(0);
    expect(cache.size('b')).toBe(1);
  });

  it('does not store a load that was in flight when its key was invalidated', async () => {
    const { cache } = harness();
    const before = gate('old');
    const first = cache.getOrLoad('ns', 'k', before.loader);
    cache.invalidate('ns', 'k');
    // A lookup after the invalidation must not join the load that started before it.
    const second = cache.getOrLoad('ns', 'k', async () => 'new');
    before.release();
    expect(await first).toBe('old');
    expect(await second).toBe('new');
    expect(cache.get('ns', 'k')).toBe('new');
  });

  it('evicts the least recently used entry beyond CACHE_MAX_ENTRIES', async () => {
    const { cache, metrics } = harness({ CACHE_MAX_ENTRIES: '2' });
    await cache.getOrLoad('ns', 'a', async () => 'A');
    await cache.getOrLoad('ns', 'b', async () => 'B');
    expect(cache.get('ns', 'a')).toBe('A'); // a is now more recently used than b
    await cache.getOrLoad('ns', 'c', async () => 'C');
    expect(cache.size()).toBe(2);
    expect(cache.get('ns', 'b')).toBeUndefined();
    expect(cache.get('ns', 'a')).toBe('A');
    expect(cache.get('ns', 'c')).toBe('C');
    expect(await counterValue(metrics, 'cache_evictions_total', 'ns')).toBe(1);
  });

  it('rejects a malformed CACHE_NAMESPACE_TTLS naming the variable', () => {
    expect(() => AppConfig.fromEnvironment({ CACHE_NAMESPACE_TTLS: 'apollo.account:600' })).toThrow(
      /CACHE_NAMESPACE_TTLS must be a comma-separated list/,
    );
  });
});
