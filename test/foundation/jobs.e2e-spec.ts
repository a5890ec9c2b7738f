import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { JobQueueService } from '../../src/common/jobs/job-queue.service.js';
import { defineQueue } from '../../src/common/jobs/queue-definition.js';
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
});
