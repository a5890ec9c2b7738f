import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { McpMetrics, percentilesFromBuckets } from './mcp-diagnostics.js';

describe('MCP latency percentiles from the call duration histogram', () => {
  it('has none before the first call', () => {
    expect(percentilesFromBuckets([])).toEqual({ p50: null, p95: null, p99: null, samples: 0 });
    expect(percentilesFromBuckets([{ le: Infinity, count: 0 }])).toEqual({
      p50: null,
      p95: null,
      p99: null,
      samples: 0,
    });
  });

  it('interpolates within the bucket the rank falls in, as histogram_quantile does', () => {
    // 100 calls: 50 up to 1 ms, 40 in (1, 2.5] ms, 10 in (2.5, 5] ms.
    const buckets = [
      { le: 0.001, count: 50 },
      { le: 0.0025, count: 90 },
      { le: 0.005, count: 100 },
      { le: Infinity, count: 100 },
    ];
    expect(percentilesFromBuckets(buckets)).toEqual({ p50: 1, p95: 3.75, p99: 4.75, samples: 100 });
  });

  it('answers the highest finite bound for a rank beyond it', () => {
    const buckets = [
      { le: 0.01, count: 1 },
      { le: 30, count: 1 },
      { le: Infinity, count: 100 },
    ];
    expect(percentilesFromBuckets(buckets)).toMatchObject({ p50: 30_000, p99: 30_000, samples: 100 });
  });

  it("reads each server's calls from mcp_call_duration_seconds, its tools together (the whole window at first)", async () => {
    const metrics = new McpMetrics(new Registry());
    for (let i = 0; i < 9; i++) metrics.recordCall('avinode', 'search-aircraft', 'success', 0.004);
    metrics.recordCall('avinode', 'get-quote', 'tool_error', 0.2);
    metrics.recordCall('apollo', 'search-leads', 'success', 0.0005);
    const latency = await metrics.latency();
    expect(latency.avinode?.samples).toBe(10);
    // Nine of ten calls in (2.5, 5] ms: the median lies there, the 99th percentile in the (0.1, 0.25] s bucket.
    expect(latency.avinode?.p50).toBeGreaterThan(2.5);
    expect(latency.avinode?.p50).toBeLessThanOrEqual(5);
    expect(latency.avinode?.p99).toBeGreaterThan(100);
    expect(latency.avinode?.p99).toBeLessThanOrEqual(250);
    expect(latency.apollo).toEqual({ p50: 0.5, p95: 0.95, p99: 0.99, samples: 1 });
    expect(latency.n8n).toBeUndefined();
  });

  it('covers the last five minutes of calls: older ones leave the percentiles, and no calls means none', async () => {
    const metrics = new McpMetrics(new Registry());
    const start = Date.UTC(2026, 0, 1, 9);
    const minutes = (n: number): number => start + n * 60_000;
    for (let i = 0; i < 10; i++) metrics.recordCall('n8n', 'list-workflows', 'success', 2);
    expect((await metrics.latency(minutes(0))).n8n).toMatchObject({ samples: 10 });
    expect((await metrics.latency(minutes(0))).n8n?.p50).toBeGreaterThan(1000);
    for (let i = 0; i < 4; i++) metrics.recordCall('n8n', 'list-workflows', 'success', 0.002);
    // Five minutes after the slow calls were read, only the four fast ones are in the window.
    const later = (await metrics.latency(minutes(5))).n8n;
    expect(later?.samples).toBe(4);
    expect(later?.p99).toBeLessThanOrEqual(2.5);
    expect((await metrics.latency(minutes(6))).n8n?.samples).toBe(4);
    // Five minutes after the fast ones were read, nothing was called since.
    expect((await metrics.latency(minutes(10))).n8n).toEqual({ p50: null, p95: null, p99: null, samples: 0 });
  });
});
