/**
 * Webhook intake benchmark: autocannon with Standard-Webhooks-signed events (a fresh id and signature per request) at
 * 50 connections against POST /api/integration/webhook/apollo and, in the same run and app, against a bare baseline
 * route that only inserts one row; then the intake at a fixed 1,000 requests/s for its latency. Zero lost events:
 * rows stored == 2xx answers.
 * Run: `npm run build && node dist/bench/webhook-intake.bench.js [--write]` (`--write` updates docs/benchmarks.md).
 * The database is PostgreSQL when DATABASE_URL is set (a scratch database is created and dropped), else embedded.
 * BENCH_REQUESTS (default 10,000) sets the requests per run.
 */
import { Controller, HttpCode, Module, type OnModuleInit, Post, Req } from '@nestjs/common';
import autocannon from 'autocannon';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { Public } from '../src/common/auth/public.decorator.js';
import { SkipRateLimit } from '../src/common/auth/rate-limit.guard.js';
import { sign } from '../src/modules/webhook/webhook-signature.js';
import { machine, writeBenchmarkSection } from './bench-report.js';
import { scratchDatabase } from './scratch-database.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const API_KEY = 'bench-key-0123456789abcdef';
const CONNECTIONS = 50;

// ---- the app under test (child process) --------------------------------------------------------------------------

/** The baseline: the same HTTP stack and database, and one INSERT of the body; no auth, validation, dedupe or queue. */
@Controller('bench')
class BaselineController {
  constructor(private readonly dataSource: DataSource) {}

  @Post('baseline')
  @Public()
  @SkipRateLimit()
  @HttpCode(202)
  async insert(@Req() request: FastifyRequest): Promise<{ id: string }> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `INSERT INTO bench_baseline (payload) VALUES ($1) RETURNING id`,
      [JSON.stringify(request.body)],
    );
    return { id: rows[0]?.id ?? '' };
  }
}

@Module({ controllers: [BaselineController] })
class BaselineModule implements OnModuleInit {
  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    await this.dataSource.query(
      `CREATE TABLE IF NOT EXISTS bench_baseline (
         id uuid PRIMARY KEY DEFAULT gen_random_uuid(), payload jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())`,
    );
  }
}

async function serve(): Promise<void> {
  const { createApp } = await import('../src/bootstrap.js');
  const { AppConfig } = await import('../src/common/config/app-config.js');
  const config = AppConfig.fromEnvironment({ ...process.env });
  const app = await createApp(config, { imports: [BaselineModule] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`BENCH_READY http://127.0.0.1:${port}\n`);
  process.once('SIGTERM', () => {
    void app.close().then(() => process.exit(0));
  });
}

// ---- the load generator (this process) ---------------------------------------------------------------------------

interface Run {
  target: string;
  connections: number;
  rate: number | null;
  requests: number;
  non2xx: number;
  errors: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
}

function body(n: number): string {
  const now = new Date().toISOString();
  return JSON.stringify({
    type: 'lead_updated',
    timestamp: now,
    data: {
      lead: { id: `bench-${n}`, updatedAt: now, firstName: 'Ada', lastName: 'Byron', title: 'Chief of Staff' },
      changedFields: ['title'],
      source: 'enrichment',
    },
  });
}

/** Sends exactly `amount` requests (so none is in flight at the end and rows can be compared with answers). */
async function load(url: string, path: string, amount: number, rate: number | null, signed: boolean): Promise<Run> {
  let n = 0;
  const started = performance.now();
  const result = await autocannon({
    url: `${url}${path}`,
    connections: CONNECTIONS,
    amount,
    ...(rate ? { overallRate: rate } : {}),
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const payload = body(n++);
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (signed) {
            const id = `msg_${randomUUID()}`;
            const timestamp = Math.floor(Date.now() / 1000);
            headers['webhook-id'] = id;
            headers['webhook-timestamp'] = String(timestamp);
            headers['webhook-signature'] = sign(SECRET, id, timestamp, payload);
          }
          return { ...request, headers, body: payload };
        },
      },
    ],
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    target: path,
    connections: CONNECTIONS,
    rate,
    requests: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    requestsPerSecond: result['2xx'] / seconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

async function count(url: string, database: Record<string, string>): Promise<{ events: number; baseline: number }> {
  if (database['DATABASE_URL']) {
    const client = new pg.Client({ connectionString: database['DATABASE_URL'] });
    await client.connect();
    try {
      const events = await client.query<{ n: string }>(`SELECT count(*) AS n FROM webhook_events`);
      const baseline = await client.query<{ n: string }>(`SELECT count(*) AS n FROM bench_baseline`);
      return { events: Number(events.rows[0]?.n), baseline: Number(baseline.rows[0]?.n) };
    } finally {
      await client.end();
    }
  }
  // The embedded database belongs to the app process: ask its API.
  const response = await fetch(`${url}/api/integration/webhook`, { headers: { authorization: `Bearer ${API_KEY}` } });
  const described = (await response.json()) as { counts: { total: number } };
  return { events: described.counts.total, baseline: Number.NaN };
}

/** Waits until every stored event is processed; returns the seconds it took from now. */
async function drained(url: string, expectedTotal: number): Promise<number> {
  const started = performance.now();
  if (process.env['WEBHOOK_CONCURRENCY'] === '0') return 0; // accept-only: nothing processes here
  for (;;) {
    const response = await fetch(`${url}/api/integration/webhook`, { headers: { authorization: `Bearer ${API_KEY}` } });
    const { counts } = (await response.json()) as { counts: { total: number; processed: number } };
    if (counts.total >= expectedTotal && counts.processed === counts.total) return (performance.now() - started) / 1000;
    if (performance.now() - started > 300_000) throw new Error(`processing did not finish: ${JSON.stringify(counts)}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
  }
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const requests = Number(process.env['BENCH_REQUESTS'] ?? 10_000);
  const database = await scratchDatabase('webhook');
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve'], {
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'production',
      // Only what the benchmark calls is real; production would otherwise refuse to start without every URL.
      MCP_EMBEDDED_SANDBOXES: 'true',
      LOG_LEVEL: 'warn',
      API_KEYS: API_KEY,
      WEBHOOK_APOLLO_SECRETS: SECRET,
      SYNC_ENABLED: 'false',
      // Throughput of the intake itself; the flood limits would refuse a benchmark from one address.
      WEBHOOK_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000000',
      WEBHOOK_RATE_LIMIT_PER_SOURCE_PER_MINUTE: '1000000000',
      ...(process.env['WEBHOOK_CONCURRENCY'] ? { WEBHOOK_CONCURRENCY: process.env['WEBHOOK_CONCURRENCY'] } : {}),
      ...(process.env['WEBHOOK_INTAKE_BATCH_MAX']
        ? { WEBHOOK_INTAKE_BATCH_MAX: process.env['WEBHOOK_INTAKE_BATCH_MAX'] }
        : {}),
      ...database.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolveUrl, reject) => {
      let output = '';
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        output += chunk;
        const match = /BENCH_READY (\S+)/.exec(output);
        if (match?.[1]) resolveUrl(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`app exited with ${code}: ${output}`)));
    });
    // Warm-up (JIT, pool, pg-boss queue), not measured.
    await load(url, '/bench/baseline', 2000, null, false);
    await load(url, '/api/integration/webhook/apollo', 2000, null, true);
    const before = await count(url, database.env);

    const baseline = await load(url, '/bench/baseline', requests, null, false);
    const intake = await load(url, '/api/integration/webhook/apollo', requests, null, true);
    // The burst left a processing backlog; the paced run measures the steady state, so it starts once that is done.
    const drain = await drained(url, before.events + requests);
    const paced = await load(url, '/api/integration/webhook/apollo', requests, 1000, true);
    const pacedDrain = await drained(url, before.events + 2 * requests);
    const after = await count(url, database.env);

    const accepted = intake.requests + paced.requests;
    const stored = after.events - before.events;
    const ratio = intake.requestsPerSecond / baseline.requestsPerSecond;
    const runs = [baseline, intake, paced];
    const rows = runs.map(
      (r) =>
        `| ${r.target === '/bench/baseline' ? 'baseline (one INSERT)' : 'webhook intake'} | ${r.connections} | ` +
        `${r.rate ? `${r.rate} req/s` : 'max'} | ${r.requests} | ${r.non2xx + r.errors} | ` +
        `${r.requestsPerSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`,
    );
    const markdown = [
      '## Webhook intake',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; ${database.kind}.`,
      `autocannon in its own process, ${CONNECTIONS} connections, ${requests} requests per run after 2,000 of warm-up per ` +
        'route; every intake request carries a fresh `webhook-id` and a Standard Webhooks signature of an Apollo ' +
        '`lead_updated` event (~300 bytes). The baseline is a route of the same app (registered only in the benchmark) ' +
        'that inserts the body as one row: same HTTP stack, no authentication, validation, dedupe or job. Processing ' +
        "workers (WEBHOOK_CONCURRENCY=4) run during the measurement; the paced run starts after the burst's backlog is " +
        'processed. Command: `npm run build && node dist/bench/webhook-intake.bench.js --write` ' +
        '(with DATABASE_URL for PostgreSQL).',
      '',
      '| route | connections | offered rate | 2xx | non-2xx/errors | req/s | p50 ms | p99 ms |',
      '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      'Targets:',
      '',
      `- throughput: intake/baseline ${(ratio * 100).toFixed(0)} % (target ≥ 50 %: ${ratio >= 0.5 ? 'met' : 'not met'})`,
      `- p99 at 1,000 req/s: ${paced.p99.toFixed(1)} ms (target ≤ 50 ms: ${paced.p99 <= 50 ? 'met' : 'not met'}; ` +
        `achieved rate ${paced.requestsPerSecond.toFixed(0)} req/s)`,
      `- processing (not a target): the ${requests}-event burst was fully processed ${drain.toFixed(1)} s after its ` +
        `last answer, the paced run's events ${pacedDrain.toFixed(1)} s after its last answer`,
      `- lost events: ${accepted - stored} (2xx answers ${accepted}, rows stored ${stored}; target 0: ` +
        `${accepted === stored ? 'met' : 'not met'})`,
      '',
      'Per accepted event the intake does: HMAC-SHA256 verification over the raw body, JSON schema validation (zod), ' +
        'then one statement (`INSERT … ON CONFLICT DO NOTHING RETURNING` of the event and, in the same statement, its ' +
        'pg-boss job), committed before the 202. The baseline does one autocommit INSERT. Processing costs about ' +
        'as much database work again per event (claim, version check, status update, job fetch and completion).',
    ].join('\n');
    console.log(markdown);
    if (write) writeBenchmarkSection('## Webhook intake', markdown);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolveExit) => (child.exitCode !== null ? resolveExit(null) : child.once('exit', resolveExit)));
    await database.drop();
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();
