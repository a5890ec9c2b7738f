import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/common/config/app-config.js';
import { JobQueueService, transactionDb } from '../../src/common/jobs/job-queue.service.js';
import { jobInsert } from '../../src/common/jobs/job-insert.js';
import { defineQueue } from '../../src/common/jobs/queue-definition.js';
import { auditRetentionQueue } from '../../src/modules/audit/audit-retention.job.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { availableDatabaseKinds, createTestDatabase } from '../support/test-database.js';

// The same behaviour is required of both databases; PostgreSQL runs when the suite has a server (CI always does).
describe.each(availableDatabaseKinds())('durable jobs on %s', (kind) => {
  let t: TestApp;
  let jobs: JobQueueService;

  beforeAll(async () => {
    t = await startTestApp({ database: await createTestDatabase(`jobs-${kind}`, { kind }) });
    jobs = t.app.get(JobQueueService);
  });

  afterAll(async () => {
    const database = t?.database;
    await t?.close();
    await database?.drop();
  });

  it('delivers a job to its worker with the typed payload', async () => {
    const queue = defineQueue<{ greeting: string }>({ name: `test.deliver`, pollingIntervalSeconds: 0.5 });
    const received: string[] = [];
    await jobs.work(queue, async (payload) => {
      received.push(payload.greeting);
    });
    await jobs.send(queue, { greeting: 'hello' });
    await eventually(() => received.length === 1);
    expect(received).toEqual(['hello']);
  });

  it('retries a failing job the configured number of times, then dead-letters it', async () => {
    const queue = defineQueue<{ n: number }>({
      name: 'test.poison',
      retryLimit: 2,
      retryDelaySeconds: 0,
      retryBackoff: false,
      pollingIntervalSeconds: 0.5,
    });
    const attempts: number[] = [];
    await jobs.work(queue, async (_payload, context) => {
      attempts.push(context.retryCount);
      throw new Error('always fails');
    });
    const deadLetters: number[] = [];
    await jobs.work(
      defineQueue<{ n: number }>({ name: queue.deadLetter!, deadLetter: false, pollingIntervalSeconds: 0.5 }),
      async (payload) => {
        deadLetters.push(payload.n);
      },
    );
    await jobs.send(queue, { n: 7 });
    await eventually(() => deadLetters.length === 1, 20_000);
    expect(attempts).toEqual([0, 1, 2]);
    expect(deadLetters).toEqual([7]);
  });

  it('enqueues inside a transaction: nothing on rollback, the job on commit', async () => {
    const queue = defineQueue<{ tag: string }>({ name: 'test.outbox', pollingIntervalSeconds: 0.5 });
    const received: string[] = [];
    await jobs.work(queue, async (payload) => {
      received.push(payload.tag);
    });
    const dataSource = t.app.get(DataSource);
    await expect(
      dataSource.transaction(async (manager) => {
        await jobs.send(queue, { tag: 'rolled-back' }, { within: manager });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await dataSource.transaction(async (manager) => {
      await jobs.send(queue, { tag: 'committed' }, { within: manager });
    });
    await eventually(() => received.includes('committed'));
    // The committed job was delivered after the rolled-back one would have been, so its absence is meaningful.
    expect(received).toEqual(['committed']);
  });

  it('inserts a job inside a statement exactly as send() does, and nothing for a queue that does not exist', async () => {
    const queue = defineQueue<{ tag: string }>({
      name: 'test.insert-in-statement',
      retryLimit: 4,
      retryDelaySeconds: 3,
      retryBackoff: true,
      expireInSeconds: 90,
    });
    const schema = t.config.database.jobsSchema;
    const dataSource = t.app.get(DataSource);
    const sentId = await jobs.send(queue, { tag: 'sent' }, { priority: 2 });
    const insert = await jobs.insertFor(queue, { tag: 'inserted' }, { priority: 2 });
    const [row] = await dataSource.query<Array<{ id: string }>>(
      `WITH "job" AS (${insert.sql(0)}) SELECT id FROM "job"`,
      [...insert.params],
    );
    const columns = `name, data->>'tag' AS tag, priority, state, expire_in, retry_limit, retry_delay, retry_backoff,
                     dead_letter, policy, keep_until - start_after AS kept, start_after <= now() AS startable`;
    const [sent, inserted] = await Promise.all(
      [sentId, row?.id].map(async (id) => {
        const [job] = await dataSource.query<Array<Record<string, unknown>>>(
          `SELECT ${columns} FROM ${schema}.job WHERE id = $1`,
          [id],
        );
        return job;
      }),
    );
    expect(sent).toMatchObject({ tag: 'sent', priority: 2, retry_limit: 4, retry_backoff: true, startable: true });
    expect({ ...inserted, tag: 'sent' }).toEqual(sent);

    const missing = jobInsert(schema, { ...queue, name: 'test.no-such-queue' }, { tag: 'lost' });
    const none = await dataSource.query<unknown[]>(`WITH "job" AS (${missing.sql(0)}) SELECT id FROM "job"`, [
      ...missing.params,
    ]);
    expect(none).toEqual([]);
  });

  it("completes a job inside the handler's transaction: with its commit, not after a rollback", async () => {
    const queue = defineQueue<{ n: number }>({
      name: 'test.complete-within',
      retryLimit: 1,
      retryDelaySeconds: 0,
      retryBackoff: false,
      pollingIntervalSeconds: 0.2,
    });
    const dataSource = t.app.get(DataSource);
    const attempts: number[] = [];
    await jobs.work(queue, async (_payload, context) => {
      attempts.push(context.retryCount);
      await dataSource.transaction(async (manager) => {
        await context.completeWithin(transactionDb(manager));
        if (context.retryCount === 0) throw new Error('the first attempt rolls back');
      });
    });
    const id = await jobs.send(queue, { n: 1 });
    const state = async (): Promise<string | undefined> => {
      const rows = await dataSource.query<Array<{ state: string }>>(
        `SELECT state FROM "${t.app.get(AppConfig).database.jobsSchema}".job WHERE id = $1`,
        [id],
      );
      return rows[0]?.state;
    };
    await eventually(async () => (await state()) === 'completed', 20_000);
    // The rolled-back completion did not count: the job ran again, and its second completion committed with it.
    expect(attempts).toEqual([0, 1]);
  });

  it('returns the ids of the workers it started, and wake() makes an idle worker fetch before its poll', async () => {
    // A polling interval far beyond the test's bound: only a wake can deliver the job in time.
    const queue = defineQueue<{ n: number }>({ name: 'test.wake', concurrency: 2, pollingIntervalSeconds: 600 });
    const received: number[] = [];
    const ids = await jobs.work(queue, async (payload) => {
      received.push(payload.n);
    });
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(2);
    const idle = (): number => jobs.workerStates().filter((w) => ids.includes(w.id) && w.idle).length;
    // Both workers have made their first (empty) fetch and sleep.
    await eventually(() => idle() === 2);
    await jobs.send(queue, { n: 1 });
    jobs.wake(queue);
    await eventually(() => received.length === 1, 5_000);
    await eventually(() => idle() === 2);
    await jobs.send(queue, { n: 2 });
    jobs.wake(ids[1]!);
    await eventually(() => received.length === 2, 5_000);
    expect(received).toEqual([1, 2]);
  });

  it('hands out higher-priority jobs first', async () => {
    const queue = defineQueue<{ tag: string }>({ name: 'test.priority', pollingIntervalSeconds: 0.2 });
    for (const tag of ['low-1', 'low-2']) await jobs.send(queue, { tag });
    await jobs.send(queue, { tag: 'high' }, { priority: 5 });
    const received: string[] = [];
    await jobs.work(queue, async (payload) => {
      received.push(payload.tag);
    });
    await eventually(() => received.length === 3);
    expect(received).toEqual(['high', 'low-1', 'low-2']);
  });

  it('registers each maintenance schedule once, however many instances register it', async () => {
    // Every instance registers the same schedules at boot; here the second registration stands for a second instance.
    await jobs.schedule(auditRetentionQueue, '0 * * * *', async () => undefined);
    const names = (await jobs.schedules()).map((s) => s.name);
    expect(names.filter((n) => n === 'audit.retention')).toHaveLength(1);
    expect(names.filter((n) => n === 'idempotency.cleanup')).toHaveLength(1);
  });

  it('runs audit retention when its scheduled job arrives', async () => {
    const dataSource = t.app.get(DataSource);
    await dataSource.query(
      `INSERT INTO audit_log (source, type, outcome, occurred_at) VALUES ('test', 'test.ancient', 'info', now() - interval '400 days')`,
    );
    await jobs.send(auditRetentionQueue, {});
    jobs.wake(auditRetentionQueue);
    await eventually(async () => {
      const rows = await dataSource.query<unknown[]>(`SELECT 1 FROM audit_log WHERE type = 'test.ancient'`);
      return rows.length === 0;
    }, 60_000);
  });

  // Last: a drained instance takes no more jobs.
  it('drains: stops fetching, finishes the jobs in hand, hands back what outlives the bound', async () => {
    const quick = defineQueue<{ n: number }>({ name: 'test.drain-quick', pollingIntervalSeconds: 0.2 });
    const stuck = defineQueue<{ n: number }>({ name: 'test.drain-stuck', pollingIntervalSeconds: 0.2 });
    let releaseQuick: () => void = () => undefined;
    let releaseStuck: () => void = () => undefined;
    const quickGate = new Promise<void>((resolve) => (releaseQuick = resolve));
    const stuckGate = new Promise<void>((resolve) => (releaseStuck = resolve));
    const started: string[] = [];
    const finished: string[] = [];
    await jobs.work(quick, async (payload) => {
      started.push(`quick-${payload.n}`);
      await quickGate;
      finished.push(`quick-${payload.n}`);
    });
    await jobs.work(stuck, async (payload) => {
      started.push(`stuck-${payload.n}`);
      await stuckGate;
      finished.push(`stuck-${payload.n}`);
    });
    await jobs.send(quick, { n: 1 });
    await jobs.send(quick, { n: 2 });
    await jobs.send(stuck, { n: 1 });
    await eventually(() => started.includes('quick-1') && started.includes('stuck-1'));
    const draining = jobs.drain(3_000);
    releaseQuick();
    await expect(draining).resolves.toEqual({ drained: false, abandoned: 1 });
    releaseStuck();
    // The quick job in hand finished; its second job was never fetched; the stuck one went back to its queue.
    expect(finished).toEqual(['quick-1']);
    expect(await jobs.queueSize(quick)).toBe(1);
    expect(await jobs.queueSize(stuck)).toBe(1);
    await expect(jobs.drain(1)).resolves.toEqual({ drained: false, abandoned: 1 });
  });
});
