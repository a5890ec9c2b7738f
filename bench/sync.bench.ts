/**
 * Sync benchmark: a full sync of 100,000 Apollo contacts and Avinode's availability records (about 7,000) from the
 * sandbox, then a no-change incremental sync; rows/s, peak RSS and the time of each, and the process's RSS at rest
 * (after start-up, before the first sync), against issue 15's targets.
 * Run: `npm run build && node --expose-gc dist/bench/sync.bench.js [--write]` (`--write` updates `## Sync` in
 * docs/benchmarks.md). With DATABASE_URL set it syncs into a fresh database on that PostgreSQL server; otherwise into
 * the embedded PGlite database in a temporary directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { createApp } from '../src/bootstrap.js';
import { AppConfig } from '../src/common/config/app-config.js';
import { closeHttpThenApp } from '../src/common/lifecycle/graceful-shutdown.js';
import type { SyncRun } from '../src/modules/sync/sync.entities.js';
import { SyncRunner } from '../src/modules/sync/sync.runner.js';
import { scratchDatabase } from './scratch-database.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 100_000);
const STREAMS = ['apollo_contacts', 'avinode_availability'] as const;
const TARGET = { rowsPerSecond: 20_000, peakRssMb: 250, restRssMb: 150 };
const MB = 1024 * 1024;

/** The sandboxes run in their own process, as real upstreams would; this process's RSS is the backend's alone. */
async function startSandboxes(): Promise<{ urls: Record<string, string>; stop: () => Promise<void> }> {
  const entry = resolve(process.cwd(), 'dist/src/sandbox/main.js');
  const child: ChildProcess = spawn(process.execPath, [entry], {
    env: {
      ...process.env,
      SANDBOX_APOLLO_PORT: '0',
      SANDBOX_AVINODE_PORT: '0',
      SANDBOX_N8N_PORT: '0',
      SANDBOX_SEED: '42',
      SANDBOX_APOLLO_SIZE: String(CONTACTS),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const urls = await new Promise<Record<string, string>>((resolveUrls, reject) => {
    let output = '';
    const found: Record<string, string> = {};
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      for (const match of output.matchAll(/(apollo|avinode|n8n) MCP server on (http:\/\/\S+\/mcp)/g)) {
        found[match[1]!] = match[2]!;
      }
      if (found['apollo'] && found['avinode'] && found['n8n']) resolveUrls(found);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}: ${output}`)));
  });
  return {
    urls,
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

interface Measured {
  run: SyncRun;
  seconds: number;
  rows: number;
  peakRssMb: number;
  /** CPU time of this process (the backend) during the sync, user + system. */
  cpuSeconds: number;
}

async function measure(runner: SyncRunner, kind: 'full' | 'incremental'): Promise<Measured> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const begun = await runner.start({ streams: STREAMS, trigger: 'manual', kind });
  if (!begun) throw new Error('the sync could not start');
  const run = await begun.done;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (run.outcome !== 'success') throw new Error(`sync ${kind} ended ${run.outcome}: ${run.error ?? ''}`);
  const rows = run.inserted + run.changed + run.unchanged + run.deleted;
  return { run, seconds, rows, peakRssMb: peak / 1024 / 1024, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const sandboxes = await startSandboxes();
  const database = await scratchDatabase('sync');
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: '0',
    API_KEYS: 'bench-key-0123456789abcdef',
    ...database.env,
    APOLLO_MCP_SERVER_URL: sandboxes.urls['apollo']!,
    AVAINODE_MCP_SERVER_URL: sandboxes.urls['avinode']!,
    N8N_MCP_SERVER_URL: sandboxes.urls['n8n']!,
    APOLLO_RATE_LIMIT_PER_MINUTE: '1000000',
    AVAINODE_RATE_LIMIT_PER_MINUTE: '1000000',
    MCP_CALL_TIMEOUT_MS: '60000',
    SYNC_ENABLED: 'false',
    SYNC_PAGE_SIZE: process.env['BENCH_PAGE_SIZE'] ?? '1000',
  });
  const app = await createApp(config);
  await app.init();
  global.gc?.();
  const atRest = process.memoryUsage();
  const baselineRssMb = atRest.rss / MB;
  try {
    const runner = app.get(SyncRunner);
    const full = await measure(runner, 'full');
    global.gc?.();
    const incremental = await measure(runner, 'incremental');
    const contacts = full.run.streamResults['apollo_contacts']?.inserted ?? 0;
    const availability = full.run.streamResults['avinode_availability']?.inserted ?? 0;
    const rowsPerSecond = full.rows / full.seconds;
    const share = incremental.seconds / full.seconds;
    const peakRssMb = Math.max(full.peakRssMb, incremental.peakRssMb);
    const date = new Date().toISOString().slice(0, 10);
    const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
    const lines = [
      '## Sync',
      '',
      ...(CONTACTS === 100_000
        ? []
        : [
            `(Run at ${CONTACTS.toLocaleString('en-US')} contacts; the targets are stated for the 100,000-contact sync.)`,
            '',
          ]),
      `Measured ${date} on ${cpu}, ${cpus().length} CPU(s), ${process.arch}; Node ${process.version}; database: ${database.kind}.`,
      `Sandboxes (Apollo with ${CONTACTS.toLocaleString('en-US')} contacts, Avinode) in their own process on loopback; the ` +
        'backend in this process, pages of 1,000, both streams concurrently. Command: ' +
        '`npm run build && node --expose-gc dist/bench/sync.bench.js --write` (with `DATABASE_URL=postgres://…` for PostgreSQL).',
      '',
      '| sync | rows | inserted | changed | unchanged | time s | rows/s | backend CPU s | peak RSS MB |',
      '| ---- | ---: | -------: | ------: | --------: | -----: | -----: | ------------: | ----------: |',
      ...[
        ['full', full],
        ['incremental, no changes', incremental],
      ].map(([label, m]) => {
        const r = m as Measured;
        return `| ${label as string} | ${r.rows} | ${r.run.inserted} | ${r.run.changed} | ${r.run.unchanged} | ${r.seconds.toFixed(2)} | ${Math.round(r.rows / r.seconds)} | ${r.cpuSeconds.toFixed(2)} | ${Math.round(r.peakRssMb)} |`;
      }),
      '',
      `Full sync: ${contacts} contacts + ${availability} availability records. At rest (started, after a full ` +
        `collection, before the first sync): RSS ${Math.round(baselineRssMb)} MB = JavaScript heap ` +
        `${Math.round(atRest.heapTotal / MB)} MB (${Math.round(atRest.heapUsed / MB)} MB used) + outside the heap ` +
        `${Math.round((atRest.rss - atRest.heapTotal) / MB)} MB (of which buffers ${Math.round(atRest.arrayBuffers / MB)} MB, other external ` +
        `${Math.round((atRest.external - atRest.arrayBuffers) / MB)} MB; the rest is code, the runtime and native memory).`,
      '',
      'Targets:',
      '',
      `- rows/s of the full sync: ${Math.round(rowsPerSecond)} (target ≥ ${TARGET.rowsPerSecond.toLocaleString('en-US')}: ${rowsPerSecond >= TARGET.rowsPerSecond ? 'met' : 'not met'})`,
      `- peak RSS: ${Math.round(peakRssMb)} MB (target ≤ ${TARGET.peakRssMb} MB: ${peakRssMb <= TARGET.peakRssMb ? 'met' : 'not met'})`,
      `- RSS at rest: ${Math.round(baselineRssMb)} MB (target ≤ ${TARGET.restRssMb} MB: ${baselineRssMb <= TARGET.restRssMb ? 'met' : 'not met'})`,
      `- no-change incremental / full: ${(share * 100).toFixed(2)} % (target < 5 %: ${share < 0.05 ? 'met' : 'not met'})`,
      '',
      `Memory: the process holds ${Math.round(baselineRssMb)} MB before syncing (Nest, TypeORM, the MCP client, OpenAPI` +
        `${database.kind.startsWith('embedded') ? ', and the whole PGlite WebAssembly heap' : ''}); the sync adds ` +
        `${Math.round(peakRssMb - baselineRssMb)} MB at its peak. Pages are streamed (one page per stream in flight, ` +
        'written and dropped); the growth is V8 letting garbage accumulate between major collections. Raw MCP ' +
        'results are no longer kept alive after their call (see "Sync memory: what held MCP results" below).',
      '',
    ];
    const section = lines.join('\n');
    process.stdout.write(`${section}\n`);
    if (write) {
      const path = resolve(process.cwd(), 'docs/benchmarks.md');
      const current = await readFile(path, 'utf8').catch(() => '# Benchmarks\n');
      const start = current.indexOf('\n## Sync\n');
      let next: string;
      if (start < 0) {
        next = `${current.trimEnd()}\n\n${section}`;
      } else {
        const after = current.indexOf('\n## ', start + 1);
        next = `${current.slice(0, start)}\n${section}${after < 0 ? '' : current.slice(after)}`;
      }
      await writeFile(path, next.endsWith('\n') ? next : `${next}\n`);
    }
  } finally {
    await closeHttpThenApp(app);
    await database.drop();
    await sandboxes.stop();
  }
}

await main();
