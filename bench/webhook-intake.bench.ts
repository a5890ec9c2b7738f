/**
 * Webhook intake benchmark (issue 15's targets): autocannon with Standard-Webhooks-signed events (a fresh id and
 * signature per request, every 20th a repeat of an earlier delivery) at 50 connections against
 * POST /api/integration/webhook/apollo; in the same run two references: PostgreSQL's raw single-row INSERT rate (50
 * clients of plain `pg` in their own process, no HTTP, like pgbench) and a bare route of the same app that inserts one
 * row. Then the intake paced at 2,000 requests/s for its latency. Zero lost events: rows stored == first deliveries
 * answered; every repeat answered `duplicate: true`; the burst fully processed soon after its last answer.
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
/** Every DUPLICATE_EVERY-th request repeats the delivery sent DUPLICATE_LAG requests before it (same id, signature). */
const DUPLICATE_EVERY = 20;
const DUPLICATE_LAG = 25;
const PACED_RATE = 2000;
const TARGET = { eventsPerSecond: 4500, rawShare: 0.5, pacedP99Ms: 50, drainSeconds: 5 };

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

// ---- the raw-insert reference (child process) -------------------------------------------------------------------

/**
 * PostgreSQL's own single-row insert rate, like pgbench with a custom script: `clients` connections, each inserting one
 * row with a unique key per statement (autocommit), no HTTP. Prints the inserts per second.
 */
async function rawInsert(url: string, total: number, clients: number): Promise<void> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(
    `CREATE TABLE IF NOT EXISTS bench_raw_insert (key text PRIMARY KEY, payload jsonb NOT NULL,
       received_at timestamptz NOT NULL DEFAULT now())`,
  );
  await setup.end();
  const connections = await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  const payload = body(0);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    connections.map(async (client) => {
      while (next < total) {
        const key = `raw-${next++}-${randomUUID()}`;
        await client.query(`INSERT INTO bench_raw_insert (key, payload) VALUES ($1, $2)`, [key, payload]);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(connections.map((client) => client.end()));
  process.stdout.write(`BENCH_RAW ${JSON.stringify({ inserts: total, seconds })}\n`);
}

function measureRawInsert(url: string, total: number): Promise<{ insertsPerSecond: number }> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--raw-insert'], {
    env: { PATH: process.env['PATH'] ?? '', BENCH_RAW_URL: url, BENCH_RAW_TOTAL: String(total) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolveRate, reject) => {
    let output = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => (output += chunk));
    child.once('exit', (code) => {
      const match = /BENCH_RAW (\{.*\})/.exec(output);
      if (code !== 0 || !match?.[1]) return reject(new Error(`raw insert exited with ${code}: ${output}`));
      const { inserts, seconds } = JSON.parse(match[1]) as { inserts: number; seconds: number };
      resolveRate({ insertsPerSecond: inserts / seconds });
    });
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
  /** Requests that repeated an earlier delivery, and the answers that said `duplicate: true`. */
  repeats: number;
  duplicateAnswers: number;
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
  let repeats = 0;
  let duplicateAnswers = 0;
  const sent: Array<{ headers: Record<string, string>; payload: string }> = [];
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
          const index = n++;
          const earlier = sent[index - DUPLICATE_LAG];
          if (signed && index % DUPLICATE_EVERY === DUPLICATE_EVERY - 1 && earlier) {
            repeats++;
            return { ...request, headers: earlier.headers, body: earlier.payload };
          }
          const payload = body(index);
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (signed) {
            const id = `msg_${randomUUID()}`;
            const timestamp = Math.floor(Date.now() / 1000);
            headers['webhook-id'] = id;
            headers['webhook-timestamp'] = String(timestamp);
            headers['webhook-signature'] = sign(SECRET, id, timestamp, payload);
          }
          sent[index] = { headers, payload };
          return { ...request, headers, body: payload };
        },
        onResponse: (status, responseBody) => {
          if (status === 200 && responseBody.includes('"duplicate":true')) duplicateAnswers++;
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
    repeats,
    duplicateAnswers,
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

function verdict(met: boolean): string {
  return met ? 'met' : 'not met';
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const requests = Number(process.env['BENCH_REQUESTS'] ?? 10_000);
  const database = await scratchDatabase('webhook');
  const concurrency = process.env['WEBHOOK_CONCURRENCY'];
  const batchSize = process.env['WEBHOOK_PROCESS_BATCH_SIZE'];
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
      ...(concurrency ? { WEBHOOK_CONCURRENCY: concurrency } : {}),
      ...(batchSize ? { WEBHOOK_PROCESS_BATCH_SIZE: batchSize } : {}),
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
    const databaseUrl = database.env['DATABASE_URL'];
    // Warm-up (JIT, pool, pg-boss queue), not measured.
    if (databaseUrl) await measureRawInsert(databaseUrl, 2000);
    await load(url, '/bench/baseline', 2000, null, false);
    await load(url, '/api/integration/webhook/apollo', 2000, null, true);
    await drained(url, 0);
    const before = await count(url, database.env);

    const raw = databaseUrl ? await measureRawInsert(databaseUrl, requests) : null;
    const baseline = await load(url, '/bench/baseline', requests, null, false);
    const intake = await load(url, '/api/integration/webhook/apollo', requests, null, true);
    const stored = (await count(url, database.env)).events - before.events;
    // The burst's backlog is processed while it is sent; what is left after its last answer is the delay measured.
    const drain = await drained(url, before.events + stored);
    const paced = await load(url, '/api/integration/webhook/apollo', requests, PACED_RATE, true);
    const after = await count(url, database.env);
    const pacedDrain = await drained(url, after.events);

    const firstDeliveries = (r: Run): number => r.requests - r.duplicateAnswers;
    const accepted = firstDeliveries(intake) + firstDeliveries(paced);
    const storedAll = after.events - before.events;
    const repeats = intake.repeats + paced.repeats;
    const duplicateAnswers = intake.duplicateAnswers + paced.duplicateAnswers;
    const rawShare = raw ? intake.requestsPerSecond / raw.insertsPerSecond : Number.NaN;
    const routeShare = intake.requestsPerSecond / baseline.requestsPerSecond;
    const label = (r: Run): string =>
      r.target === '/bench/baseline' ? 'app route, one INSERT (reference)' : 'webhook intake';
    const rows = [
      ...(raw
        ? [
            `| raw single-row INSERT, plain \`pg\` (reference) | 50 clients | max | ${requests} | 0 | ${raw.insertsPerSecond.toFixed(0)} | – | – |`,
          ]
        : []),
      ...[baseline, intake, paced].map(
        (r) =>
          `| ${label(r)} | ${r.connections} | ${r.rate ? `${r.rate} req/s` : 'max'} | ${r.requests} | ` +
          `${r.non2xx + r.errors} | ${r.requestsPerSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`,
      ),
    ];
    const markdown = [
      '## Webhook intake',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; ${database.kind}.`,
      `autocannon in its own process, ${CONNECTIONS} connections, ${requests} requests per run after 2,000 of warm-up; ` +
        'every intake request carries a fresh `webhook-id` and a Standard Webhooks signature of an Apollo ' +
        `\`lead_updated\` event (~300 bytes), except every ${DUPLICATE_EVERY}th, which repeats the delivery sent ` +
        `${DUPLICATE_LAG} requests before it. References measured in the same run: PostgreSQL's raw single-row INSERT ` +
        'with a unique key (50 clients of plain `pg` in their own process, autocommit, no HTTP: what pgbench measures) ' +
        'and a route of the same app (registered only in the benchmark) that inserts the body as one row (same HTTP ' +
        'stack, no authentication, validation, dedupe or job). Processing workers ' +
        `(WEBHOOK_CONCURRENCY=${concurrency ?? 'default'}, WEBHOOK_PROCESS_BATCH_SIZE=${batchSize ?? 'default'}) run ` +
        'during the measurement. Command: `npm run build && node dist/bench/webhook-intake.bench.js --write` ' +
        '(with DATABASE_URL for PostgreSQL).',
      '',
      '| route | connections | offered rate | 2xx | non-2xx/errors | req/s | p50 ms | p99 ms |',
      '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      'Targets:',
      '',
      `- intake throughput: ${intake.requestsPerSecond.toFixed(0)} events/s acknowledged after commit (target ` +
        `≥ ${TARGET.eventsPerSecond.toLocaleString('en-US')}: ${verdict(intake.requestsPerSecond >= TARGET.eventsPerSecond)})`,
      `- intake / raw INSERT: ${raw ? `${(rawShare * 100).toFixed(0)} %` : 'no reference (embedded database)'} ` +
        `(target ≥ ${TARGET.rawShare * 100} %: ${verdict(rawShare >= TARGET.rawShare)}); intake / the app's ` +
        `one-INSERT route ${(routeShare * 100).toFixed(0)} % (the HTTP stack's share)`,
      `- p99 at ${PACED_RATE.toLocaleString('en-US')} req/s: ${paced.p99.toFixed(1)} ms (target ≤ ${TARGET.pacedP99Ms} ms: ` +
        `${verdict(paced.p99 <= TARGET.pacedP99Ms && paced.requestsPerSecond >= PACED_RATE * 0.95)}; achieved rate ` +
        `${paced.requestsPerSecond.toFixed(0)} req/s)`,
      `- burst of ${requests.toLocaleString('en-US')} fully processed ${drain.toFixed(1)} s after its last answer ` +
        `(target ≤ ${TARGET.drainSeconds} s for 10,000: ${verdict(drain <= TARGET.drainSeconds)}); the paced run's ` +
        `events ${pacedDrain.toFixed(1)} s after its last answer`,
      `- lost events: ${accepted - storedAll} (first deliveries answered 2xx ${accepted}, rows stored ${storedAll}; ` +
        `target 0: ${verdict(accepted === storedAll)})`,
      `- repeated deliveries answered \`duplicate: true\`: ${duplicateAnswers} of ${repeats} ` +
        `(target all: ${verdict(duplicateAnswers === repeats)})`,
      '',
      'Per accepted event the intake does: HMAC-SHA256 verification over the raw body, JSON schema validation (zod), ' +
        'then its share of one statement (group commit: the deliveries that arrive while a store is in flight are ' +
        'written by one `INSERT … ON CONFLICT DO NOTHING RETURNING` of the events, their pg-boss jobs and audit ' +
        'entries), committed before the 202. Processing takes batches of events: per batch one job fetch, one claim, ' +
        'one version check, one status update with its audit entries, one job completion.',
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
else if (process.argv.includes('--raw-insert')) {
  await rawInsert(process.env['BENCH_RAW_URL'] ?? '', Number(process.env['BENCH_RAW_TOTAL'] ?? 10_000), CONNECTIONS);
} else await main();
