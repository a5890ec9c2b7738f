/**
 * MCP client benchmark: calls/s and latency percentiles against one sandbox server, in one run, for
 * (a) the raw SDK client (one session, `callTool`), (b) our managed client, (c) a client that connects per call.
 * Run: `npm run build && node --expose-gc dist/bench/mcp-client.bench.js [--write]` (`--write` updates docs/benchmarks.md).
 */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { AppConfig } from '../src/common/config/app-config.js';
import { McpClient } from '../src/common/mcp/mcp-client.js';
import { defineTool } from '../src/common/mcp/tool-contract.js';
import { machine, writeBenchmarkSection } from './bench-report.js';
import { startSandboxProcess } from './sandbox-process.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const TOOL = 'search-leads';
const ARGS = { jobTitle: 'CEO', perPage: 5 };
const searchLeads = defineTool({
  server: 'apollo',
  name: TOOL,
  mode: 'read',
  result: z.looseObject({ leads: z.array(z.looseObject({ id: z.string() })), pagination: z.looseObject({}) }),
});

interface Result {
  client: string;
  concurrency: number;
  calls: number;
  callsPerSecond: number;
  p50: number;
  p99: number;
  /** This process's CPU time per call (user + system); the sandbox server runs in a process of its own. */
  cpuMs: number;
}

async function measure(
  client: string,
  concurrency: number,
  calls: number,
  call: () => Promise<unknown>,
): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        next++;
        const t = performance.now();
        await call();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const at = (p: number): number => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)] ?? 0;
  const cpuMs = (used.user + used.system) / 1000 / calls;
  return { client, concurrency, calls, callsPerSecond: calls / seconds, p50: at(0.5), p99: at(0.99), cpuMs };
}

async function rawSdk(url: string): Promise<{ call: () => Promise<unknown>; close: () => Promise<void> }> {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  // The same version negotiation as ours: each speaks the newest protocol the server offers, so they are compared alike.
  const client = new Client({ name: 'bench-raw', version: '1' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(transport);
  return {
    call: () => client.callTool({ name: TOOL, arguments: ARGS }),
    close: async () => {
      await transport.terminateSession().catch(() => undefined);
      await client.close();
    },
  };
}

async function connectPerCall(url: string): Promise<unknown> {
  const transport = new StreamableHTTPClientTransport(new URL(url));
  const client = new Client({ name: 'bench-per-call', version: '1' });
  await client.connect(transport);
  try {
    return await client.callTool({ name: TOOL, arguments: ARGS });
  } finally {
    await transport.terminateSession().catch(() => undefined);
    await client.close();
  }
}

function table(results: Result[]): string {
  const raw = new Map(results.filter((r) => r.client === 'raw SDK').map((r) => [r.concurrency, r.callsPerSecond]));
  const perCall = new Map(
    results.filter((r) => r.client === 'connect per call').map((r) => [r.concurrency, r.callsPerSecond]),
  );
  const lines = [
    '| client | concurrency | calls | calls/s | p50 ms | p99 ms | CPU ms per call | vs raw SDK | vs connect-per-call |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const vsRaw = raw.get(r.concurrency);
    const vsPerCall = perCall.get(r.concurrency);
    lines.push(
      `| ${r.client} | ${r.concurrency} | ${r.calls} | ${r.callsPerSecond.toFixed(0)} | ${r.p50.toFixed(2)} | ` +
        `${r.p99.toFixed(2)} | ${r.cpuMs.toFixed(2)} | ${vsRaw ? `${((r.callsPerSecond / vsRaw) * 100).toFixed(0)} %` : ''} | ` +
        `${vsPerCall ? `${(r.callsPerSecond / vsPerCall).toFixed(1)}×` : ''} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const calls = Number(process.env.BENCH_CALLS ?? 3000);
  const perCallCalls = Number(process.env.BENCH_PER_CALL_CALLS ?? 300);
  // Count warnings instead of printing them: the raw SDK client prints one per call after ~1,500 calls, and writing
  // thousands of lines to stderr would slow the very client being measured.
  const warnings: string[] = [];
  process.removeAllListeners('warning');
  process.on('warning', (w) => warnings.push(w.name));

  const sandbox = await startSandboxProcess();
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'production',
    // Only what the benchmark calls is real; production would otherwise refuse to start without every URL.
    MCP_EMBEDDED_SANDBOXES: 'true',
    APOLLO_MCP_SERVER_URL: sandbox.url,
    APOLLO_RATE_LIMIT_PER_MINUTE: '100000000',
    MCP_MAX_CONCURRENT_CALLS: '32',
  });
  const ours = new McpClient(config);
  await ours.start();
  const raw = await rawSdk(sandbox.url);

  const results: Result[] = [];
  try {
    // Warm-up: JIT, sockets, the server's query caches.
    await measure('warm-up', 8, 500, raw.call);
    await measure('warm-up', 8, 500, () => ours.call(searchLeads, ARGS));
    for (const concurrency of [1, 8]) {
      // Interleave rounds so drift (GC, other load on the machine) hits every client alike; keep each one's best round.
      const best = new Map<string, Result>();
      for (let round = 0; round < ROUNDS; round++) {
        const clients: [string, number, () => Promise<unknown>][] = [
          ['raw SDK', calls, raw.call],
          ['ours', calls, () => ours.call(searchLeads, ARGS)],
          ['connect per call', perCallCalls, () => connectPerCall(sandbox.url)],
        ];
        for (const [name, count, call] of clients) {
          const r = await measure(name, concurrency, count, call);
          const prev = best.get(name);
          if (!prev || r.callsPerSecond > prev.callsPerSecond) best.set(name, r);
        }
      }
      results.push(best.get('raw SDK')!, best.get('ours')!, best.get('connect per call')!);
    }
  } finally {
    await raw.close();
    await ours.close();
    await sandbox.stop();
  }

  const leak = warnings.filter((w) => w === 'MaxListenersExceededWarning').length;
  const targets = [1, 8].map((concurrency) => {
    const of = (name: string): number =>
      results.find((r) => r.client === name && r.concurrency === concurrency)!.callsPerSecond;
    const vsRaw = of('ours') / of('raw SDK');
    const vsPerCall = of('ours') / of('connect per call');
    const cpu = (name: string): string =>
      results.find((r) => r.client === name && r.concurrency === concurrency)!.cpuMs.toFixed(2);
    return (
      `- concurrency ${concurrency}: ours/raw SDK ${(vsRaw * 100).toFixed(0)} % (target ≥ 90 %: ` +
      `${vsRaw >= 0.9 ? 'met' : 'not met'}); ours/connect-per-call ${vsPerCall.toFixed(1)}× (target ≥ 10×: ` +
      `${vsPerCall >= 10 ? 'met' : 'not met'}); CPU per call, ours / raw SDK: ${cpu('ours')} / ${cpu('raw SDK')} ms`
    );
  });
  const markdown = [
    '## MCP client',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}.`,
    `Apollo sandbox in its own process on loopback, tool \`${TOOL}\` (\`${JSON.stringify(ARGS)}\`), ${calls} calls per run ` +
      `(${perCallCalls} for connect-per-call), best of ${ROUNDS} interleaved rounds. Command: \`npm run build && node --expose-gc ` +
      'dist/bench/mcp-client.bench.js --write`.',
    '',
    table(results),
    '',
    'Targets:',
    ...targets,
    '',
    'Connect-per-call pays four HTTP exchanges per call (initialize, initialized, the call, DELETE; the SDK also opens ' +
      'a GET stream) plus a fresh server-side session. Against the sandbox on loopback, where a session costs a few ' +
      'milliseconds, that bounds the ratio to roughly 4–9× (it varies with machine load); against a remote server (TLS handshake, network round ' +
      'trips) the gap widens with every round trip.',
    '',
    '"ours" includes everything a real call does: bulkhead, token bucket, circuit breaker, retry policy, per-call ' +
      'timeout signal, result extraction and zod validation, metrics and latency window. The raw SDK `callTool` validates ' +
      'the result against the tool’s JSON output schema instead; ours uses the contract’s zod schema. Both negotiate ' +
      'the protocol version the same way, so both speak the newest era the sandbox serves (`SANDBOX_MCP_PROTOCOL`, ' +
      'default 2026-07-28). Until 2026-12-06 the raw client spoke the session era while ours spoke 2026-07-28, whose ' +
      'stateless requests cost the sandbox more: that, not our layers, put ours at 56–73 % of it (like for like, ' +
      'ours is at 94–103 % in either era, and costs the same CPU per call).',
    `MaxListenersExceededWarning during the run: ${leak > 0 ? `${leak} (from the raw SDK client, which reuses one abort signal)` : 'none'}.`,
    '',
  ].join('\n');
  console.log(markdown);
  if (write) writeBenchmarkSection('## MCP client', markdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
