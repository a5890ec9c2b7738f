import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { DataSource, type EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { AppConfig } from '../config/app-config.js';
import type { QueueDefinition } from './queue-definition.js';

export interface JobContext {
  id: string;
  /** 0 on the first attempt. */
  retryCount: number;
  queue: string;
}

export type JobHandler<TPayload> = (payload: TPayload, context: JobContext) => Promise<void>;

export interface SendOptions {
  /** Enqueue inside this transaction: the job exists only if the transaction commits (outbox without an outbox table). */
  within?: EntityManager;
  singletonKey?: string;
  startAfter?: Date | number;
  /** A job id chosen by the caller makes the send idempotent. */
  id?: string;
}

interface PgResult {
  rows: unknown[];
}

/**
 * pg-boss on the application's own database, started and stopped with the application. On PostgreSQL pg-boss has its
 * own small pool; on the embedded database it must share TypeORM's single PGlite session (a second "connection" to
 * the same PGlite silently mixes transactions), so it is given an adapter over TypeORM's pool.
 */
@Injectable()
export class JobQueueService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly boss: PgBoss;
  private starting: Promise<void> | undefined;
  private started = false;
  private stopping = false;
  private readonly createdQueues = new Map<string, Promise<void>>();

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
  ) {
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
    this.boss.on('error', (error: Error) => this.logger.error(`pg-boss: ${error.message}`));
  }

  get isStarted(): boolean {
    return this.started && !this.stopping;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureStarted();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    // graceful: let running handlers finish within the shutdown bound; their jobs are retried after expiry otherwise.
    await this.boss.stop({ graceful: true, wait: true, timeout: this.config.http.shutdownTimeoutMs });
    this.started = false;
  }

  /** Starts a worker pool for the queue (creating it and its dead-letter queue if needed). */
  async work<TPayload>(queue: QueueDefinition<TPayload>, handler: JobHandler<TPayload>): Promise<void> {
    await this.ensureQueue(queue);
    for (let i = 0; i < queue.concurrency; i++) {
      // Filled in once pg-boss returns the id; the first batch may be handled before that (then it just waits once).
      const worker: { id?: string } = {};
      worker.id = await this.boss.work<TPayload>(
        queue.name,
        { batchSize: 1, pollingIntervalSeconds: queue.pollingIntervalSeconds, includeMetadata: true },
        async (jobs) => {
          try {
            for (const job of jobs) {
              const retryCount = (job as PgBoss.Job<TPayload> & { retryCount?: number }).retryCount ?? 0;
              await handler(job.data, { id: job.id, retryCount, queue: job.name });
            }
          } finally {
            // pg-boss 10 sleeps the rest of the polling interval after every batch, which caps a worker at one job per
            // interval. A worker that just found work looks again at once; an empty fetch still waits the interval.
            if (jobs.length > 0 && worker.id) this.boss.notifyWorker(worker.id);
          }
        },
      );
    }
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
    };
    if (options.within) {
      const runner = options.within.queryRunner;
      if (!runner) throw new Error('JobQueueService.send: `within` must be a transactional EntityManager');
      sendOptions.db = {
        executeSql: async (text, values) => {
          const result = await runner.query(text, values, true);
          return { rows: result.records };
        },
      };
    }
    return this.boss.send(queue.name, payload as object, sendOptions);
  }

  /** Queue sizes for diagnostics and tests. */
  async queueSize(queue: QueueDefinition<unknown> | string): Promise<number> {
    await this.ensureStarted();
    return this.boss.getQueueSize(typeof queue === 'string' ? queue : queue.name);
  }

  /** Direct access for the few callers that need pg-boss features not wrapped here (e.g. schedules). */
  get pgBoss(): PgBoss {
    return this.boss;
  }

  async ensureStarted(): Promise<void> {
    this.starting ??= (async () => {
      await this.boss.start();
      this.started = true;
      this.logger.log(`Job queue started (schema ${this.config.database.jobsSchema})`);
    })();
    return this.starting;
  }

  private async ensureQueue(queue: QueueDefinition<unknown>): Promise<void> {
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
