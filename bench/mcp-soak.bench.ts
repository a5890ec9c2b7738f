/**
 * MCP client soak (reliability check 12): 10,000 calls on one long-lived managed client against a sandbox server in
 * its own process; heap and RSS growth after full collections, p99 latency per 1,000-call window (it must stay flat),
 * listener-leak warnings and sessions used. Also times building the 100,000-person Apollo sandbox world.
 * The test suite keeps the behavioural half (no leak warnings, one session); the bounds on heap and time live here,
 * where a busy machine cannot turn them into a flaky test.
 * Run: `npm run bench -- mcp-soak [--write]` (`--write` updates docs/benchmarks.md).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { z } from 'zod';
import { AppConfig } from '../src/common/config/app-config.js';
import { McpClient } from '../src/common/mcp/mcp-client.js';
import { defineTool } from '../src/common/mcp/tool-contract.js';
import { startSandboxServer } from '../src/sandbox/index.js';
import { machine, writeBenchmarkSection } from './bench-report.js';
import { startSandboxProcess } from './sandbox-process.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CALLS = Number(process.env.BENCH_SOAK_CALLS ?? 10_000);
const WINDOW = 1_000;
const CONCURRENCY = 16;
const HEAP_BOUND_BYTES = 8 * 1024 * 1024;

const searchLeads = defineTool({
  server: 'apollo',
  name: 'search-leads',
  mode: 'read',
  result: z.looseObject({ leads: z.array(z.looseObject({ id: z.string() })) }),
});

/** Heap after full collections, letting finalization callbacks (undici registers one per request) run in between. */
async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** Runs `total` calls, `CONCURRENCY` at a time; returns the p99 of each window of `WINDOW` calls, in order. */
async function soak(client: McpClient, total: number): Promise<number[]> {
  const latencies: number[] = new Array<number>(total);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const i = next++;
        const started = performance.now();
        await client.call(searchLeads, { jobTitle: 'CEO', perPage: 5, page: 1 + (i % 20) });
        latencies[i] = performance.now() - started;
      }
    }),
  );
  const p99s: number[] = [];
  for (let from = 0; from < total; from += WINDOW) {
    const window = latencies.slice(from, from + WINDOW).sort((a, b) => a - b);
    p99s.push(window[Math.ceil(window.length * 0.99) - 1] ?? 0);
  }
  return p99s;
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const leaks: string[] = [];
  process.on('warning', (w) => {
    if (w.name === 'MaxListenersExceededWarning') leaks.push(w.message);
  });

  const buildStarted = performance.now();
  const world = await startSandboxServer('apollo', { size: 100_000 });
  const buildMs = performance.now() - buildStarted;
  await world.close();

  const sandbox = await startSandboxProcess();
  const client = new McpClient(
    AppConfig.fromEnvironment({
      NODE_ENV: 'production',
      // Only what the benchmark calls is real; production would otherwise refuse to start without every URL.
      MCP_EMBEDDED_SANDBOXES: 'true',
      APOLLO_MCP_SERVER_URL: sandbox.url,
      APOLLO_RATE_LIMIT_PER_MINUTE: '100000000',
      MCP_MAX_CONCURRENT_CALLS: '32',
    }),
  );
  await client.start();
  let p99s: number[];
  let heapBefore: number;
  let heapAfter: number;
  let rssBefore: number;
  let rssAfter: number;
  const started = performance.now();
  try {
    await soak(client, WINDOW); // warm-up: JIT, sockets, the server's caches
    heapBefore = await heapAfterGc();
    rssBefore = process.memoryUsage().rss;
    p99s = await soak(client, CALLS);
    heapAfter = await heapAfterGc();
    rssAfter = process.memoryUsage().rss;
  } finally {
    await client.close();
    await sandbox.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const calls = client.diagnostics()[0]?.calls;
  const heapDelta = heapAfter - heapBefore;
  const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
  const firstP99 = p99s[0] ?? 0;
  const lastP99 = p99s.at(-1) ?? 0;

  const markdown = [
    '## MCP client soak',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
    `\`npm run bench -- mcp-soak\`: ${CALLS.toLocaleString('en-US')} calls (+${WINDOW} warm-up), ${CONCURRENCY} at a ` +
      `time, on one managed client against the Apollo sandbox in its own process; ${seconds.toFixed(1)} s in all.`,
    '',
    '| measure | value | bound |',
    '|---|---:|---|',
    `| calls succeeded / failed | ${calls?.succeeded ?? '?'} / ${calls?.failed ?? '?'} | all succeed |`,
    `| MaxListenersExceeded warnings | ${leaks.length} | 0 |`,
    `| heap growth after GC | ${mb(heapDelta)} MB | < ${mb(HEAP_BOUND_BYTES)} MB: ` +
      `${heapDelta < HEAP_BOUND_BYTES ? 'met' : 'not met'} |`,
    `| RSS growth | ${mb(rssAfter - rssBefore)} MB | bounded |`,
    `| p99 per ${WINDOW} calls, first → last window | ${firstP99.toFixed(1)} → ${lastP99.toFixed(1)} ms ` +
      `(all: ${p99s.map((p) => p.toFixed(1)).join(', ')}) | stable |`,
    `| building the 100,000-person Apollo sandbox world | ${(buildMs / 1000).toFixed(2)} s | < 5 s: ` +
      `${buildMs < 5_000 ? 'met' : 'not met'} |`,
  ].join('\n');
  console.log(markdown);
  if (write) writeBenchmarkSection('## MCP client soak', markdown);
}

await main();
