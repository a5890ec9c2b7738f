/**
 * Burst benchmark: 800 runs started at once by signed lead webhooks, measured from each run's creation to its
 * notification (the notify step committed), with median and p95, for two settings side by side in one run:
 *   - arrival order: every step job at the same priority and no cap on runs in flight (the behaviour before the
 *     fairness settings, `PIPELINE_STEP_PRIORITY=false`, `PIPELINE_MAX_RUNS_IN_FLIGHT` unbounded);
 *   - fair (the defaults): later steps first, at most `PIPELINE_MAX_RUNS_IN_FLIGHT` runs in flight, the rest queued.
 * Each setting gets its own scratch database and app; the sandboxes run in their own process, with BENCH_LATENCY_MS
 * (default 10) added to every call.
 * Run: `npm run build && node dist/bench/pipeline-burst.bench.js [--write]` (`--write` updates docs/benchmarks.md).
 * BENCH_BURST sets the number of runs (default 800). `DATABASE_URL=postgres://…` measures on PostgreSQL.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '../src/common/config/app-config.js';
import { closeHttpThenApp } from '../src/common/lifecycle/graceful-shutdown.js';
import { sign } from '../src/modules/webhook/webhook-signature.js';
import { machine, writeBenchmarkSection } from './bench-report.js';
import { benchTrip, type Sandboxes, startBenchApp, startSandboxes } from './pipeline-fixtures.js';
import { scratchDatabase } from './scratch-database.js';

const BURST = Number(process.env.BENCH_BURST ?? 800);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 10);
const SENDERS = 20;
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;

interface Variant {
  label: string;
  env: Record<string, string>;
}

interface Result {
  label: string;
  notified: number;
  deliveredMs: number;
  totalMs: number;
  medianMs: number;
  p95Ms: number;
  /** Runs notified by the time half of the whole burst's time had passed. */
  byHalfTime: number;
  firstNotifiedMs: number;
  maxInFlight: number;
  maxQueued: number;
}

function leadEvent(variant: string, i: number): unknown {
  return {
    lead: { email: `burst.${variant}.${i}@example.com`, firstName: 'Burst', lastName: `Lead ${i}` },
    flightRequirements: benchTrip(i),
  };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

async function measure(sandboxes: Sandboxes, variant: Variant, index: number): Promise<Result> {
  const database = await scratchDatabase(`burst_${index}`);
  const { app, base } = await startBenchApp(sandboxes, {
    WEBHOOK_RATE_LIMIT_PER_SOURCE_PER_MINUTE: '1000000',
    WEBHOOK_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000',
    WEBHOOK_LEAD_SECRETS: SECRET,
    ...database.env,
    ...variant.env,
  });
  const dataSource = app.get(DataSource);

  async function deliver(i: number): Promise<void> {
    const body = JSON.stringify(leadEvent(variant.label.replace(/\W/g, ''), i));
    const id = `msg_${randomUUID().replaceAll('-', '')}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await fetch(`${base}/api/integration/webhook/lead`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': sign(SECRET, id, timestamp, body),
      },
      body,
    });
    if (response.status >= 300) throw new Error(`delivery ${i}: ${response.status} ${await response.text()}`);
  }

  const count = async (sql: string): Promise<number> =>
    Number((await dataSource.query<Array<{ n: number }>>(sql))[0]?.n ?? 0);
  let maxInFlight = 0;
  let maxQueued = 0;
  const sample = async (): Promise<number> => {
    const load = await dataSource.query<Array<{ in_flight: number; queued: number; notified: number }>>(
      `SELECT count(*) FILTER (WHERE status IN ('enriching', 'searching', 'pricing', 'requesting', 'notifying'))::int
                AS in_flight,
              count(*) FILTER (WHERE status = 'queued')::int AS queued,
              count(*) FILTER (WHERE status = 'awaiting_confirmation')::int AS notified
       FROM pipeline_runs`,
    );
    maxInFlight = Math.max(maxInFlight, Number(load[0]?.in_flight ?? 0));
    maxQueued = Math.max(maxQueued, Number(load[0]?.queued ?? 0));
    return Number(load[0]?.notified ?? 0);
  };

  const started = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < BURST) await deliver(next++);
    }),
  );
  const deliveredMs = Date.now() - started;
  const deadline = Date.now() + 30 * 60_000;
  while ((await sample()) < BURST) {
    const ended = await count(
      `SELECT count(*)::int AS n FROM pipeline_runs WHERE status IN ('failed', 'dead_lettered')`,
    );
    if (ended > 0) throw new Error(`${variant.label}: ${ended} run(s) failed`);
    if (Date.now() > deadline) throw new Error(`${variant.label}: not every run notified within 30 minutes`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const rows = await dataSource.query<Array<{ ms: number; at: number }>>(
    `SELECT extract(epoch FROM (s.finished_at - r.created_at)) * 1000 AS ms,
            extract(epoch FROM s.finished_at) * 1000 AS at
     FROM pipeline_runs r JOIN pipeline_steps s ON s.run_id = r.id AND s.step = 'notify' AND s.status = 'succeeded'`,
  );
  await closeHttpThenApp(app);
  await database.drop();

  const latencies = rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
  const finishedAt = rows.map((r) => Number(r.at)).sort((a, b) => a - b);
  const totalMs = (finishedAt.at(-1) ?? started) - started;
  return {
    label: variant.label,
    notified: rows.length,
    deliveredMs,
    totalMs,
    medianMs: quantile(latencies, 0.5),
    p95Ms: quantile(latencies, 0.95),
    byHalfTime: finishedAt.filter((at) => at - started <= totalMs / 2).length,
    firstNotifiedMs: (finishedAt[0] ?? started) - started,
    maxInFlight,
    maxQueued,
  };
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const sandboxes = await startSandboxes(LATENCY_MS);
  const fair = AppConfig.fromEnvironment({ NODE_ENV: 'test' }).pipeline;
  const variants: Variant[] = [
    {
      label: 'arrival order, no cap (before)',
      env: { PIPELINE_STEP_PRIORITY: 'false', PIPELINE_MAX_RUNS_IN_FLIGHT: '100000' },
    },
    { label: `later steps first, cap ${fair.maxRunsInFlight} (after, defaults)`, env: {} },
  ];
  const results: Result[] = [];
  try {
    for (const [index, variant] of variants.entries()) {
      const result = await measure(sandboxes, variant, index);
      console.log(JSON.stringify(result));
      results.push(result);
    }
  } finally {
    await sandboxes.stop();
  }
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const row = (name: string, cell: (r: Result) => string): string => `| ${name} | ${results.map(cell).join(' | ')} |`;
  const markdown = [
    '## Pipeline burst (webhook-started runs)',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; ${process.env['DATABASE_URL'] ? 'PostgreSQL' : 'embedded PGlite'}.`,
    `${BURST} runs started by signed lead webhooks (${SENDERS} concurrent senders, 5 routes, 1–6 passengers); the ` +
      `sandboxes in their own process with ${LATENCY_MS} ms added to every call; ` +
      `PIPELINE_CONCURRENCY=${fair.concurrency}. Time to notification = run created → notify step committed. ` +
      'Both settings in one run, each on a fresh database and app. ' +
      'Command: `npm run build && node dist/bench/pipeline-burst.bench.js --write`.',
    '',
    `| measure | ${results.map((r) => r.label).join(' | ')} |`,
    `| --- | ${results.map(() => '---:').join(' | ')} |`,
    row('runs notified', (r) => `${r.notified} / ${BURST}`),
    row('webhooks accepted in', (r) => seconds(r.deliveredMs)),
    row('time to notification, median', (r) => seconds(r.medianMs)),
    row('time to notification, p95', (r) => seconds(r.p95Ms)),
    row('first run notified after', (r) => seconds(r.firstNotifiedMs)),
    row('runs notified by half of the total time', (r) => `${r.byHalfTime}`),
    row('whole burst (first delivery → last notification)', (r) => seconds(r.totalMs)),
    row('most runs in flight / queued at once (sampled)', (r) => `${r.maxInFlight} / ${r.maxQueued}`),
    '',
    'How to read it: the step workers set the pace of the whole burst either way; the order decides who waits. In ' +
      'arrival order each run waits behind every other run’s earlier steps; with later steps first, a started run is ' +
      'finished before new ones start, so the median falls, while the last runs still wait for the burst (p95). The ' +
      'cap keeps the rest `queued`, visible and cancellable, instead of half-done.',
  ].join('\n');
  console.log(markdown);
  if (write) writeBenchmarkSection('## Pipeline burst (webhook-started runs)', markdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
