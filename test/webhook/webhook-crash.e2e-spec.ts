import { afterAll, describe, expect, it } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import { startChildApp, type ChildApp } from '../support/child-app.js';
import { eventually, startTestApp } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { apolloLead, signed, testSecret } from './support/webhook-client.js';

const SECRET = testSecret();
const EVENTS = 1_000;

interface Counts {
  processed: number;
  total: number;
}

/** The built app as a child process, returned at once (startChildApp waits until it is ready). */
function spawnApp(env: Record<string, string>): {
  process: ChildProcess;
  output: () => string;
  exited: Promise<unknown>;
} {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../../dist/src/main.js', import.meta.url))], {
    // NODE_ENV=test: production refuses the crash hook this process is started with.
    env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  // A child that fails to die on its own must not outlive the test.
  setTimeout(() => child.kill('SIGKILL'), 120_000).unref();
  return { process: child, output: () => output, exited };
}

async function counts(child: ChildApp): Promise<Counts> {
  const response = await fetch(`${child.baseUrl}/api/integration/webhook`, {
    headers: { authorization: `Bearer ${child.apiKey}` },
  });
  const body = (await response.json()) as { counts: Counts };
  return body.counts;
}

/**
 * Check 4: accept 1,000 events and kill -9 the process before it processed them; restart and kill -9 again while it is
 * working through them in batches (after an event's listeners ran, before its batch's status committed, so earlier
 * events of that batch are unmarked too); restart: every event ends processed exactly once. Runs the built app (`npm run build` first
 * when running jest directly).
 */
describe('crash between accept and process', () => {
  let database: TestDatabase | undefined;
  let child: ChildApp | undefined;

  afterAll(async () => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) await child.kill();
    await database?.drop();
  });

  it(`kill -9 after accepting ${EVENTS} events and again mid-batch: each processed exactly once`, async () => {
    database = await createTestDatabase('webhook-crash');
    const env = {
      ...database.env,
      WEBHOOK_APOLLO_SECRETS: SECRET,
      // This test is about crashes, not flood limits: 1,000 deliveries from one address stay under the limit.
      WEBHOOK_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '100000',
      // A short job timeout, so the attempt a crash interrupted is retried soon after the restart.
      WEBHOOK_JOB_TIMEOUT_SECONDS: '5',
      SYNC_ENABLED: 'false',
    };
    // 1. An accept-only instance acknowledges everything, then dies before any processing.
    child = await startChildApp({ ...env, WEBHOOK_CONCURRENCY: '0' });
    const runId = randomUUID();
    let next = 0;
    let accepted = 0;
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        while (next < EVENTS) {
          const n = next++;
          const delivery = signed(SECRET, {
            type: 'lead_created',
            data: apolloLead(`crash-${runId}-${n}`, new Date().toISOString()),
          });
          const response = await fetch(`${child!.baseUrl}/api/integration/webhook/apollo`, {
            method: 'POST',
            headers: delivery.headers,
            body: delivery.body,
          });
          await response.arrayBuffer();
          if (response.status === 202) accepted++;
        }
      }),
    );
    expect(accepted).toBe(EVENTS);
    expect(await counts(child)).toMatchObject({ total: EVENTS, processed: 0 });
    await child.kill();

    // 2. A processing instance kills itself (SIGKILL) mid-way: right after the listeners of its 310th event ran, in the
    // middle of a batch of 25 whose status had not committed, the worst moment (WEBHOOK_CRASH_AFTER_EVENTS, a test aid).
    const second = spawnApp({
      ...env,
      WEBHOOK_CONCURRENCY: '2',
      WEBHOOK_PROCESS_BATCH_SIZE: '25',
      WEBHOOK_CRASH_AFTER_EVENTS: '310',
    });
    expect(await second.exited).toBe('SIGKILL');
    // What the kill left, read by an accept-only instance: some processed, not all.
    child = await startChildApp({ ...env, WEBHOOK_CONCURRENCY: '0' });
    const atKill = await counts(child);
    await child.kill();
    expect(atKill.total).toBe(EVENTS);
    expect(atKill.processed).toBeGreaterThan(0);
    expect(atKill.processed).toBeLessThan(EVENTS);

    // 3. After the restart everything is processed, nothing twice.
    child = await startChildApp({ ...env, WEBHOOK_CONCURRENCY: '4' });
    const third = child;
    await eventually(async () => (await counts(third)).processed === EVENTS, 120_000, 250);
    third.process.kill('SIGTERM');
    await third.exited;

    const after = await startTestApp({ database, env: { SYNC_ENABLED: 'false' } });
    try {
      const rows = await after.app
        .get(DataSource)
        .query<Array<{ status: string; processed_count: number; n: string }>>(
          `SELECT status, processed_count, count(*) AS n FROM webhook_events GROUP BY status, processed_count`,
        );
      expect(rows).toEqual([{ status: 'processed', processed_count: 1, n: String(EVENTS) }]);
    } finally {
      await after.close();
    }
  }, 300_000);
});
