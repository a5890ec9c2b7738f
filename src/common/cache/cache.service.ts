import { Inject, Injectable, Optional } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { Counter, Gauge, type Registry } from 'prom-client';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';

/** Injection token of the clock the cache measures TTLs with (milliseconds since the epoch); `Date.now` by default. */
export const CACHE_CLOCK = Symbol('CACHE_CLOCK');
export type CacheClock = () => number;

export interface CacheLoadOptions {
  /** Overrides the namespace's configured TTL for this entry; 0 means "do not store". */
  ttlSeconds?: number;
}

/** What is stored: wrapped, so a loader may return any value (undefined and null included). */
interface Entry {
  value: unknown;
}

interface Flight {
  promise: Promise<unknown>;
  /** Set by an invalidation while the load runs: its result may predate the change, so it is not stored. */
  stale: boolean;
}

function counter(registry: Registry, name: string, help: string): Counter<'namespace'> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'namespace'>;
  return new Counter({ name, help, labelNames: ['namespace'] as const, registers: [registry] });
}

/**
 * In-memory read-through cache for read-mostly upstream results (Apollo account data, Avinode operator profiles …),
 * one per application instance. Entries live for the namespace's TTL (`CACHE_TTL_SECONDS`, overridden per namespace by
 * `CACHE_NAMESPACE_TTLS`), the whole cache holds at most `CACHE_MAX_ENTRIES` (least recently used evicted first), and
 * concurrent misses for one key share a single load. Modules drop entries with `invalidate` when a related event says
 * the upstream data changed. Loader failures are never cached.
 *
 * Storage, TTL and LRU eviction are lru-cache's. The single flight stays ours: lru-cache's `fetch` either aborts a load
 * whose key is deleted (its callers would see an abort instead of the answer) or stores it anyway, while an invalidation
 * here must let the running load answer its callers without storing a value that may predate the change.
 */
@Injectable()
export class CacheService {
  private readonly entries: LRUCache<string, Entry>;
  private readonly flights = new Map<string, Flight>();
  private readonly hits: Counter<'namespace'>;
  private readonly misses: Counter<'namespace'>;
  private readonly evictions: Counter<'namespace'>;
  private readonly clock: CacheClock;

  constructor(
    private readonly config: AppConfig,
    metrics: MetricsService,
    @Optional() @Inject(CACHE_CLOCK) clock?: CacheClock,
  ) {
    this.clock = clock ?? Date.now;
    const now = this.clock;
    const evictions = (this.evictions = counter(
      metrics.registry,
      'cache_evictions_total',
      'Entries evicted to stay within CACHE_MAX_ENTRIES',
    ));
    this.entries = new LRUCache<string, Entry>({
      max: config.cache.maxEntries,
      perf: { now },
      // Expiry is checked against the clock on every read: no cached "now", no timers.
      ttlResolution: 0,
      dispose: (_entry, fullKey, reason) => {
        if (reason === 'evict') evictions.inc({ namespace: fullKey.slice(0, fullKey.indexOf('\u0000')) });
      },
    });
    const registry = metrics.registry;
    this.hits = counter(registry, 'cache_hits_total', 'Cache lookups answered from memory, by namespace');
    this.misses = counter(registry, 'cache_misses_total', 'Cache lookups that had to load, by namespace');
    if (!registry.getSingleMetric('cache_entries')) {
      const entries = this.entries;
      new Gauge({
        name: 'cache_entries',
        help: 'Entries currently held by the cache',
        registers: [registry],
        collect() {
          this.set(entries.size);
        },
      });
    }
  }

  /** The TTL of a namespace in seconds (0: the namespace is not cached). */
  ttlSeconds(namespace: string): number {
    return this.config.cache.namespaceTtlSeconds[namespace] ?? this.config.cache.defaultTtlSeconds;
  }

  /**
   * The cached value for `(namespace, key)`, or the loader's result (stored for the namespace's TTL). Concurrent calls
   * for a key that is not cached call `loader` once and all receive its result (or its error).
   */
  async getOrLoad<T>(
    namespace: string,
    key: string,
    loader: () => Promise<T>,
    options: CacheLoadOptions = {},
  ): Promise<T> {
    const fullKey = this.fullKey(namespace, key);
    const cached = this.lookup(fullKey);
    if (cached) {
      this.hits.inc({ namespace });
      return cached.value as T;
    }
    this.misses.inc({ namespace });
    const running = this.flights.get(fullKey);
    if (running) return running.promise as Promise<T>;

    const flight: Flight = { promise: Promise.resolve(), stale: false };
    const promise = (async (): Promise<T> => {
      try {
        const value = await loader();
        if (!flight.stale) this.store(fullKey, value, options.ttlSeconds ?? this.ttlSeconds(namespace));
        return value;
      } finally {
        if (this.flights.get(fullKey) === flight) this.flights.delete(fullKey);
      }
    })();
    flight.promise = promise;
    this.flights.set(fullKey, flight);
    return promise;
  }

  /** The cached value without loading (counted as a hit or miss), or undefined. */
  get<T>(namespace: string, key: string): T | undefined {
    const entry = this.lookup(this.fullKey(namespace, key));
    (entry ? this.hits : this.misses).inc({ namespace });
    return entry?.value as T | undefined;
  }

  /** Stores a value directly (e.g. one a write returned). */
  set(namespace: string, key: string, value: unknown, options: CacheLoadOptions = {}): void {
    this.store(this.fullKey(namespace, key), value, options.ttlSeconds ?? this.ttlSeconds(namespace));
  }

  /**
   * Drops one key, or the whole namespace when `key` is omitted. Loads in flight for what was dropped still answer
   * their callers but are not stored; the next lookup loads afresh. Returns how many stored entries were dropped.
   */
  invalidate(namespace: string, key?: string): number {
    if (key !== undefined) {
      const fullKey = this.fullKey(namespace, key);
      this.abandonFlight(fullKey);
      return this.entries.delete(fullKey) ? 1 : 0;
    }
    const prefix = `${namespace}\u0000`;
    for (const fullKey of [...this.flights.keys()]) if (fullKey.startsWith(prefix)) this.abandonFlight(fullKey);
    let dropped = 0;
    for (const fullKey of [...this.entries.keys()]) {
      if (fullKey.startsWith(prefix)) {
        this.entries.delete(fullKey);
        dropped++;
      }
    }
    return dropped;
  }

  /** Entries currently stored (expired ones not yet swept included), overall or for one namespace. */
  size(namespace?: string): number {
    if (namespace === undefined) return this.entries.size;
    const prefix = `${namespace}\u0000`;
    let count = 0;
    for (const fullKey of this.entries.keys()) if (fullKey.startsWith(prefix)) count++;
    return count;
  }

  private fullKey(namespace: string, key: string): string {
    return `${namespace}\u0000${key}`;
  }

  /** The load keeps answering its own callers; later lookups start a fresh one. */
  private abandonFlight(fullKey: string): void {
    const flight = this.flights.get(fullKey);
    if (!flight) return;
    flight.stale = true;
    this.flights.delete(fullKey);
  }

  private lookup(fullKey: string): Entry | undefined {
    return this.entries.get(fullKey);
  }

  private store(fullKey: string, value: unknown, ttlSeconds: number): void {
    if (ttlSeconds <= 0) return;
    this.entries.set(fullKey, { value }, { ttl: ttlSeconds * 1000 });
  }
}
