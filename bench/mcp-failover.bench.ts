/**
 * Failover between two endpoints of one MCP server: the Avinode sandbox and a replica serving the same data, 16 calls
 * at a time from one client with the default settings. The replica is killed (listener and sockets closed) under load,
 * then started again. Measures calls failed, the time until the client stops sending to the dead endpoint, the p99
 * around the kill, and the time until traffic comes back.
 * Run: `npm run bench -- mcp-failover [--write]` (`--write` updates docs/benchmarks.md).
 */
import { AppConfig } from '../src/common/config/app-config.js';
import { McpClient } from '../src/common/mcp/mcp-client.js';
import type { McpEndpointDiagnostics } from '../src/common/mcp/mcp-diagnostics.js';
import { McpToolRegistry } from '../src/common/mcp/tool-contract.js';
import { searchAircraftTool } from '../src/modules/avainode/avainode.contracts.js';
import { startSandboxServer } from '../src/sandbox/index.js';
import { machine, writeBenchmarkSection } from './bench-report.js';

const CONCURRENCY = 16;
const departureDate = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
const trip = { departureAirport: 'KTEB', arrivalAirport: 'KPBI', departureDate, passengers: 4 };

async function until(check: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return performance.now() - started;
}

function p99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length * 0.99) - 1] ?? 0;
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const primary = await startSandboxServer('avinode', { seed: 7 });
  const replica = await primary.startReplica();
  const registry = new McpToolRegistry();
  registry.register([searchAircraftTool]);
  const client = new McpClient(
    AppConfig.fromEnvironment({
      NODE_ENV: 'production',
      MCP_EMBEDDED_SANDBOXES: 'true',
      AVAINODE_MCP_SERVER_URL: `${primary.url},${replica.url}`,
      AVAINODE_RATE_LIMIT_PER_MINUTE: '100000000',
    }),
    { registry },
  );
  await client.start();
  const endpoint = (url: string): McpEndpointDiagnostics =>
    client.diagnostics()[0]!.endpoints.find((each) => each.url === url)!;

  const calls: { at: number; ms: number }[] = [];
  const failures: string[] = [];
  let stop = false;
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    while (!stop) {
      const started = performance.now();
      try {
        await client.call(searchAircraftTool, trip);
        calls.push({ at: started, ms: performance.now() - started });
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  });

  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const before = endpoint(replica.url).attempts.total;
  const killedAt = performance.now();
  await replica.stop();
  const toDown = await until(() => endpoint(replica.url).state === 'down', 30_000);
  const toNoneInFlight = await until(() => endpoint(replica.url).inFlight === 0, 30_000);
  const atMark = endpoint(replica.url).attempts.total;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const sentAfterMark = endpoint(replica.url).attempts.total - atMark;
  const restartedAt = performance.now();
  await replica.start();
  const succeededBefore = endpoint(replica.url).attempts.succeeded;
  const toBack = await until(() => endpoint(replica.url).attempts.succeeded > succeededBefore, 120_000);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const backShare = endpoint(replica.url).attempts.succeeded - succeededBefore;
  stop = true;
  await Promise.all(workers);
  await client.close();
  await primary.close();

  const window = (from: number, to: number): number[] =>
    calls.filter((call) => call.at >= from && call.at < to).map((call) => call.ms);
  const steady = window(killedAt - 1_500, killedAt);
  const around = window(killedAt - 100, killedAt + 1_000);
  const afterBack = window(restartedAt + toBack, restartedAt + toBack + 1_000);
  const markdown = [
    '## MCP failover between two endpoints',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
    `\`npm run bench -- mcp-failover\`: one client, ${CONCURRENCY} searches at a time, against the Avinode sandbox and ` +
      'a replica of it (same data, another port), default MCP settings; the replica is stopped (listener and sockets ' +
      'closed) under load, then started again.',
    '',
    '| measure | value |',
    '|---|---:|',
    `| calls succeeded / failed | ${calls.length} / ${failures.length} |`,
    `| kill → dead endpoint marked down (no new attempts sent to it) | ${toDown.toFixed(0)} ms |`,
    `| kill → its last in-flight attempt moved or finished | ${(toDown + toNoneInFlight).toFixed(0)} ms |`,
    `| attempts sent to it in the 2 s after it was marked down | ${sentAfterMark} (${atMark - before} between the kill and the mark, the in-flight ones included) |`,
    `| p99 latency: 1.5 s before the kill / the second after it | ${p99(steady).toFixed(1)} / ${p99(around).toFixed(1)} ms |`,
    `| restart → first call answered by it again | ${toBack.toFixed(0)} ms |`,
    `| calls it answered in the second after it came back / p99 then | ${backShare} / ${p99(afterBack).toFixed(1)} ms |`,
  ].join('\n');
  console.log(markdown);
  if (failures.length > 0) console.log(`failures: ${[...new Set(failures)].join('; ')}`);
  if (write) writeBenchmarkSection('## MCP failover between two endpoints', markdown);
}

await main();
