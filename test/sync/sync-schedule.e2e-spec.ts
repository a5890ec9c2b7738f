import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SyncRunner } from '../../src/modules/sync/sync.runner.js';
import { JobQueueService } from '../../src/common/jobs/job-queue.service.js';
import { SyncScheduler, syncTickQueue } from '../../src/modules/sync/sync.scheduler.js';
import { availableDatabaseKinds } from '../support/test-database.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { dataSourceOf, startUpstreams, type Upstreams } from './sync-test-kit.js';

interface RunRow {
  id: string;
  streams: string[];
  trigger: string;
  outcome: string;
  started_at: Date;
  finished_at: Date | null;
}

const runsOf = (app: TestApp): Promise<RunRow[]> =>
  dataSourceOf(app).query(
    `SELECT "id", "streams", "trigger", "outcome", "started_at", "finished_at" FROM "sync_run" ORDER BY "started_at"`,
  );

/** No two runs of one stream overlapped in time. */
function expectNoOverlap(runs: RunRow[]): void {
  for (const stream of ['apollo_contacts', 'avinode_availability', 'avinode_bookings', 'n8n_executions']) {
    const mine = runs.filter((run) => run.streams.includes(stream));
    for (let i = 1; i < mine.length; i++) {
      expect(new Date(mine[i]!.started_at).getTime()).toBeGreaterThanOrEqual(
        new Date(mine[i - 1]!.finished_at!).getTime(),
      );
    }
  }
}

/** A time in a future slot of every stream (default intervals), as if the cron fired then. */
const slotTime = (hoursAhead: number): Date => new Date(Math.ceil(Date.now() / 3_600_000 + hoursAhead) * 3_600_000);

describe('scheduled sync on one instance', () => {
  let upstreams: Upstreams;
  let app: TestApp;

  beforeAll(async () => {
    upstreams = await startUpstreams({ apolloSize: 500 });
    app = await startTestApp({ env: upstreams.env });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await upstreams?.close();
  });

  it('starts the due streams once per slot, never while they are still running', async () => {
    const scheduler = app.app.get(SyncScheduler);
    const at = slotTime(1);
    const run = await scheduler.tick(at);
    expect(run).toMatchObject({ trigger: 'cron', kind: 'incremental' });
    expect(run?.streams).toHaveLength(4);
    // Fired again while the run is in progress, and again in the same slot after it: nothing starts.
    expect(await scheduler.tick(new Date(at.getTime() + 5_000))).toBeNull();
    await app.app.get(SyncRunner).idle();
    expect(await scheduler.tick(new Date(at.getTime() + 10_000))).toBeNull();
    const runs = await runsOf(app);
    expect(runs.filter((r) => r.trigger === 'cron')).toHaveLength(1);
    expect(runs[0]?.outcome).toBe('success');
    // The next slot runs again (n8n executions every 7.5 minutes: its next slot comes first).
    const n8nOnly = await scheduler.tick(new Date(at.getTime() + 450_000));
    expect(n8nOnly?.streams).toEqual(['n8n_executions']);
    await app.app.get(SyncRunner).idle();
  });
});

describe('the sync schedule is one cluster-wide job', () => {
  let upstreams: Upstreams;
  let app: TestApp;

  beforeAll(async () => {
    upstreams = await startUpstreams({ apolloSize: 50 });
    // Ten-second slots: a tick is due soon after boot (a stream is due once per slot after its schedule starts).
    app = await startTestApp({
      env: {
        ...upstreams.env,
        SYNC_ENABLED: 'true',
        SYNC_INTERVAL_SECONDS: '10',
        SYNC_N8N_EXECUTIONS_INTERVAL_SECONDS: '10',
      },
    });
  }, 120_000);

  afterAll(async () => {
    await app?.app.get(SyncRunner).idle();
    await app?.close();
    await upstreams?.close();
  });

  it('is registered once for the cluster, and a tick job starts the due streams', async () => {
    const jobs = app.app.get(JobQueueService);
    expect((await jobs.schedules()).filter((s) => s.name === syncTickQueue.name)).toEqual([
      { name: 'sync.tick', cron: '* * * * *' },
    ]);
    // What pg-boss sends every minute; whichever instance works the queue takes it. Sent until the first slot after
    // boot has begun.
    await eventually(
      async () => {
        if ((await runsOf(app)).some((run) => run.trigger === 'cron')) return true;
        await jobs.send(syncTickQueue, {});
        jobs.wake(syncTickQueue);
        return false;
      },
      60_000,
      500,
    );
    await app.app.get(SyncRunner).idle();
    const runs = (await runsOf(app)).filter((run) => run.trigger === 'cron');
    expect(runs.flatMap((run) => run.streams).sort()).toEqual([
      'apollo_contacts',
      'avinode_availability',
      'avinode_bookings',
      'n8n_executions',
    ]);
  });
});

// Several instances need a shared PostgreSQL; the embedded database belongs to exactly one process.
for (const kind of availableDatabaseKinds().filter((k) => k === 'postgres')) {
  describe(`scheduled sync on two instances (${kind})`, () => {
    let upstreams: Upstreams;
    let first: TestApp;
    let second: TestApp;

    beforeAll(async () => {
      upstreams = await startUpstreams({ apolloSize: 2000 });
      upstreams.apollo.setFaults({ latencyMs: 30 });
      first = await startTestApp({ env: { ...upstreams.env, SYNC_PAGE_SIZE: '200' } });
      second = await startTestApp({ env: { ...upstreams.env, SYNC_PAGE_SIZE: '200' }, database: first.database });
    }, 120_000);

    afterAll(async () => {
      await second?.close();
      await first?.close();
      await upstreams?.close();
    });

    it('runs each stream once when both fire the cron together, many times', async () => {
      const schedulers = [first, second].map((app) => app.app.get(SyncScheduler));
      const at = slotTime(2);
      const started = await Promise.all(
        Array.from({ length: 6 }, (_, i) => schedulers[i % 2]!.tick(new Date(at.getTime() + i))),
      );
      // While the run is in progress, both fire again in the same slot.
      const during = await Promise.all(schedulers.map((s) => s.tick(new Date(at.getTime() + 1000))));
      await Promise.all([first, second].map((app) => app.app.get(SyncRunner).idle()));
      const after = await Promise.all(schedulers.map((s) => s.tick(new Date(at.getTime() + 2000))));

      const runs = (await runsOf(first)).filter((run) => run.trigger === 'cron');
      const perStream = new Map<string, number>();
      for (const run of runs) for (const stream of run.streams) perStream.set(stream, (perStream.get(stream) ?? 0) + 1);
      expect([...perStream.values()]).toEqual([1, 1, 1, 1]);
      expect(started.filter((run) => run !== null).length).toBeGreaterThanOrEqual(1);
      expect([...during, ...after].every((run) => run === null)).toBe(true);
      expect(runs.every((run) => run.outcome === 'success')).toBe(true);
      expectNoOverlap(await runsOf(first));
    });
  });
}
