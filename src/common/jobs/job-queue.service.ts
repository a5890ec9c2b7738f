import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { DataSource, type EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { AppConfig } from '../config/app-config.js';
import { ShutdownDrain } from '../lifecycle/shutdown-drain.js';
import type { QueueDefinition } from './queue-definition.js';
import { type JobInsert, jobInsert } from './job-insert.js';
import { type BatchJobHandler, type JobHandler, QueueWorker } from './queue-worker.js';
import { safeErrorMessage } from '../logging/safe-errors.js';

export type { BatchJob, BatchJobHandler, JobContext, JobHandler } from './queue-worker.js';

export interface SendOptions {
  /** Enqueue inside this transaction: the job exists only if the transaction commits (outbox without an outbox table). */
  within?: EntityManager;
  singletonKey?: string;
  startAfter?: Date | number;
  /** A job id chosen by the caller makes the send idempotent. */
  id?: string;
  /** Workers fetch higher priorities first (default 0); among equals, the oldest first. */
  priority?: number;
}

/** Scheduled jobs carry no payload: the handler decides from the state it reads. */
export type ScheduledJob = Record<string, never>;

export interface DrainResult {
  /** True when every job in hand finished within the bound. */
  drained: boolean;
  /** Jobs still running at the bound: failed back to the queue so another instance retries them. */
  abandoned: number;
}

interface PgResult {
  rows: unknown[];
}

/** pg-boss statements inside the caller's TypeORM transaction (a job sent or completed together with its changes). */
export function transactionDb(manager: EntityManager): PgBoss.Db {
  const runner = manager.queryRunner;
  if (!runner) throw new Error('JobQueueService: `within` must be a transactional EntityManager');
  return {
    executeSql: async (text, values) => {
      const result = await runner.query(text, values, true);
      return { rows: result.records };
    },
  };
}

/** How often the one expiry sweeper runs: a quarter of the shortest expiry among the queues worked, within bounds. */
const MIN_SWEEP_MS = 1_000;
const MAX_SWEEP_MS = 15_000;

/**
 * The one way to run jobs: pg-boss on the application's own database, started and stopped with the application.
 * Queues are declared with `defineQueue`, worked with `work()` (our own fetch loop, see queue-worker.ts), sent with
 * `send()` (optionally inside the caller's transaction, with a priority), scheduled once per cluster with
 * `schedule()`, and drained on shutdown with `drain()`. One sweeper retries the jobs of a crashed process once they
 * expire, for every queue.
 *
 * On PostgreSQL pg-boss has its own small pool; on the embedded database it must share TypeORM's single PGlite session
 * (a second "connection" to the same PGlite silently mixes transactions), so it is given an adapter over TypeORM's pool.
 */
@Injectable()
export class JobQueueService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly boss: PgBoss;
  private starting: Promise<void> | undefined;
  private started = false;
  private stopping = false;
  private draining: Promise<DrainResult> | undefined;
  private readonly createdQueues = new Map<string, Promise<void>>();
  private readonly workers: Array<QueueWorker<never>> = [];
  private sweeper: NodeJS.Timeout | undefined;
  private sweepEveryMs = MAX_SWEEP_MS;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    shutdownDrain: ShutdownDrain,
  ) {
    shutdownDrain.register('jobs', async (timeoutMs) => {
      await this.drain(timeoutMs);
    });
    const common = {
      schema: config.database.jobsSchema,
      // Completed jobs are kept a week for diagnosis, then deleted by pg-boss's own maintenance.
      deleteAfterDays: 7,
      maintenanceIntervalSeconds: 120,
      monitorStateIntervalSeconds: 60,
    };
    this.boss =
      config.database.kind === 'postgres'
        ? new PgBoss({ ...common, connectionString: config.database.url, max: 4, application_name: 'jetvision-jobs' })
        : new PgBoss({ ...common, db: { executeSql: (text, values) => this.poolQuery(text, values) } });
    this.boss.on('error', (error: Error) => this.logger.error(`pg-boss: ${safeErrorMessage(error)}`));
  }

  get isStarted(): boolean {
    return this.started && !this.stopping;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureStarted();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /**
   * Drains (normally done already by the shutdown sequence, see ShutdownDrain) and stops pg-boss. Idempotent; the
   * shutdown sequence calls it after the MCP client closed and before the database does.
   */
  async stop(): Promise<void> {
    if (!this.started || this.stopping) return;
    await this.drain(this.config.http.shutdownTimeoutMs);
    this.stopping = true;
    await this.boss.stop({ graceful: true, wait: true, timeout: this.config.http.shutdownTimeoutMs });
    this.started = false;
  }

  /**
   * Starts `queue.concurrency` workers for the queue (creating it and its dead-letter queue if needed) and returns
   * their ids. A handler that throws fails the attempt: pg-boss retries it on the queue's backoff and finally moves it
   * to the dead-letter queue.
   */
  async work<TPayload>(queue: QueueDefinition<TPayload>, handler: JobHandler<TPayload>): Promise<string[]> {
    return this.startWorkers(queue, handler);
  }

  /**
   * As `work`, but each fetched batch (up to `queue.batchSize` jobs) goes to the handler at once, so it can claim and
   * record the whole batch in a few statements; the jobs it does not report failed are completed in one statement.
   */
  async workBatch<TPayload>(queue: QueueDefinition<TPayload>, handler: BatchJobHandler<TPayload>): Promise<string[]> {
    return this.startWorkers(queue, { batch: handler });
  }

  private async startWorkers<TPayload>(
    queue: QueueDefinition<TPayload>,
    handler: JobHandler<TPayload> | { batch: BatchJobHandler<TPayload> },
  ): Promise<string[]> {
    await this.ensureQueue(queue);
    if (this.draining) throw new Error(`JobQueueService.work(${queue.name}): the job queue is draining`);
    const ids: string[] = [];
    for (let i = 0; i < queue.concurrency; i++) {
      const worker = new QueueWorker(this.boss, queue, handler, this.logger, this.config.database.jobsSchema);
      this.workers.push(worker as unknown as QueueWorker<never>);
      worker.start();
      ids.push(worker.id);
    }
    this.armSweeper(queue.expireInSeconds);
    return ids;
  }

  /**
   * Wakes idle workers of the queue (`count` of them, one by default) or the worker with that id: jobs were just
   * committed, no need to wait for the next poll. Busy workers fetch again anyway when they finish.
   */
  wake(target: QueueDefinition<unknown> | string, count = 1): void {
    const byId = typeof target === 'string' ? this.workers.find((w) => w.id === target) : undefined;
    if (byId) return byId.wake();
    const name = typeof target === 'string' ? target : target.name;
    for (const worker of this.workers.filter((w) => w.queueName === name && w.idle).slice(0, count)) worker.wake();
  }

  /**
   * Runs `handler` on the cron schedule (UTC, minute resolution) once per cluster, however many instances call this:
   * pg-boss keeps one schedule row per queue and sends one job per minute slot across instances; the instances that
   * registered it share the jobs (`queue.policy: 'singleton'` keeps two from overlapping).
   */
  async schedule(
    queue: QueueDefinition<ScheduledJob>,
    cron: string,
    handler: JobHandler<ScheduledJob>,
  ): Promise<string[]> {
    await this.ensureQueue(queue);
    await this.boss.schedule(queue.name, cron, {}, { tz: 'UTC' });
    return this.work(queue, handler);
  }

  /** The queues with a schedule, and their cron expressions. */
  async schedules(): Promise<Array<{ name: string; cron: string }>> {
    await this.ensureStarted();
    return (await this.boss.getSchedules()).map(({ name, cron }) => ({ name, cron }));
  }

  /**
   * Graceful stop for shutdown: workers stop fetching and finish the jobs in hand, within `timeoutMs`. Jobs still
   * running then are failed back to their queue (another instance retries them after the retry delay instead of
   * waiting for their expiry). Idempotent: later calls return the first call's result. Sending still works afterwards
   * (a request finishing late may enqueue), until the application closes.
   */
  drain(timeoutMs: number): Promise<DrainResult> {
    this.draining ??= this.drainWorkers(timeoutMs);
    return this.draining;
  }

  /** Enqueues a job; returns its id, or null when a singleton/idempotent send found it already queued. */
  async send<TPayload>(
    queue: QueueDefinition<TPayload>,
    payload: TPayload,
    options: SendOptions = {},
  ): Promise<string | null> {
    await this.ensureQueue(queue);
    const sendOptions: PgBoss.SendOptions = {
      retryLimit: queue.retryLimit,
      retryDelay: queue.retryDelaySeconds,
      retryBackoff: queue.retryBackoff,
      expireInSeconds: queue.expireInSeconds,
      ...(queue.deadLetter ? { deadLetter: queue.deadLetter } : {}),
      ...(options.singletonKey ? { singletonKey: options.singletonKey } : {}),
      ...(options.startAfter !== undefined ? { startAfter: options.startAfter } : {}),
      ...(options.id ? { id: options.id } : {}),
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
    };
    if (options.within) sendOptions.db = transactionDb(options.within);
    return this.boss.send(queue.name, payload as object, sendOptions);
  }

  /**
   * A job to insert inside a statement of the caller's own transaction (see `JobInsert`): as `send()` with `within`,
   * without a round trip of its own.
   */
  async insertFor<TPayload>(
    queue: QueueDefinition<TPayload>,
    payload: TPayload,
    options: { priority?: number } = {},
  ): Promise<JobInsert> {
    await this.ensureQueue(queue);
    return jobInsert(this.config.database.jobsSchema, queue, payload, options);
  }

  /** The workers of this instance, for diagnostics and tests. */
  workerStates(): Array<{ id: string; queue: string; idle: boolean; activeJobs: number }> {
    return this.workers.map((w) => ({ id: w.id, queue: w.queueName, idle: w.idle, activeJobs: w.activeJobs.length }));
  }

  /** Queue sizes for diagnostics and tests. */
  async queueSize(queue: QueueDefinition<unknown> | string): Promise<number> {
    await this.ensureStarted();
    return this.boss.getQueueSize(typeof queue === 'string' ? queue : queue.name);
  }

  async ensureStarted(): Promise<void> {
    this.starting ??= (async () => {
      await this.boss.start();
      this.started = true;
      this.logger.log(`Job queue started (schema ${this.config.database.jobsSchema})`);
    })();
    return this.starting;
  }

  /**
   * Creates the queue and its dead-letter queue if they do not exist. Call it before anything writes the queue's jobs
   * without `send()` (a statement joining the queue row), or sends inside a transaction on the embedded database,
   * where creating it on demand would need a second session.
   */
  async ensureQueue(queue: QueueDefinition<unknown>): Promise<void> {
    await this.ensureStarted();
    let creating = this.createdQueues.get(queue.name);
    if (!creating) {
      creating = (async () => {
        if (queue.deadLetter) await this.createQueueIfMissing({ name: queue.deadLetter, policy: 'standard' });
        await this.createQueueIfMissing({
          name: queue.name,
          policy: queue.policy,
          retryLimit: queue.retryLimit,
          retryDelay: queue.retryDelaySeconds,
          retryBackoff: queue.retryBackoff,
          expireInSeconds: queue.expireInSeconds,
          ...(queue.deadLetter ? { deadLetter: queue.deadLetter } : {}),
        });
      })();
      creating.catch(() => this.createdQueues.delete(queue.name));
      this.createdQueues.set(queue.name, creating);
    }
    return creating;
  }

  private async drainWorkers(timeoutMs: number): Promise<DrainResult> {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    const stopped = Promise.all(this.workers.map((worker) => worker.stop())).then(() => true);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = await Promise.race([stopped, bound]);
    clearTimeout(timer);
    if (drained) return { drained: true, abandoned: 0 };
    let abandoned = 0;
    for (const worker of this.workers) {
      for (const id of worker.activeJobs) {
        abandoned += 1;
        await this.boss
          .fail(worker.queueName, id, { message: 'the instance shut down while the job was running' })
          .catch((error: unknown) => this.logger.warn(`failing abandoned job ${id}: ${safeErrorMessage(error)}`));
      }
    }
    this.logger.warn(`Job drain exceeded ${timeoutMs} ms; ${abandoned} running job(s) handed back to their queues`);
    return { drained: false, abandoned };
  }

  /**
   * pg-boss retries the jobs of a crashed process only once they expire and its maintenance notices (every two
   * minutes here). One sweeper for all queues checks more often: a quarter of the shortest expiry worked here.
   */
  private armSweeper(expireInSeconds: number): void {
    const everyMs = Math.max(MIN_SWEEP_MS, Math.min(MAX_SWEEP_MS, (expireInSeconds * 1000) / 4));
    if (this.sweeper && everyMs >= this.sweepEveryMs) return;
    clearInterval(this.sweeper);
    this.sweepEveryMs = everyMs;
    this.sweeper = setInterval(() => {
      if (!this.isStarted || this.draining) return;
      this.boss.expire().catch((error: unknown) => this.logger.warn(`expiry check: ${safeErrorMessage(error)}`));
    }, everyMs);
    this.sweeper.unref();
  }

  /** createQueue deadlocks when several instances create one queue at once: check, create, and retry on conflict. */
  private async createQueueIfMissing(options: PgBoss.Queue): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (await this.boss.getQueue(options.name)) return;
        await this.boss.createQueue(options.name, options);
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
  }

  private async poolQuery(text: string, values: unknown[]): Promise<PgResult> {
    const pool = (this.dataSource.driver as PostgresDriver).master as {
      query(text: string, values: unknown[]): Promise<PgResult | PgResult[]>;
    };
    // Returned as pg returns it (an array for multi-statement text), exactly like pg-boss's own pool adapter.
    return (await pool.query(text, values)) as PgResult;
  }
}
