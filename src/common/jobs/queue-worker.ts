import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import type PgBoss from 'pg-boss';
import type { QueueDefinition } from './queue-definition.js';
import { safeErrorMessage } from '../logging/safe-errors.js';

export interface JobContext {
  id: string;
  queue: string;
  /** 0 on the first attempt. */
  retryCount: number;
  /** Attempts after the first one; `retryCount >= retryLimit` means this is the last attempt. */
  retryLimit: number;
  /**
   * Completes the job inside the handler's own transaction (`db` runs statements in it), so the outcome and the job's
   * completion commit together: one statement fewer per job, and no window in which a committed outcome's job is still
   * active. A handler whose transaction does not commit must throw: the job is then failed as usual.
   */
  completeWithin(db: PgBoss.Db): Promise<void>;
  /**
   * For a handler that completes the job in a statement of its own transaction (folded into a statement it sends
   * anyway): the job's table and identity, with `completeJobSql`. Like `completeWithin`, the worker then leaves the job
   * alone, and a handler whose transaction does not commit must throw.
   */
  completeInStatement(): JobCompletion;
}

/** Where a job lives, for completing it inside another statement (see `completeJobSql`). */
export interface JobCompletion {
  schema: string;
  queue: string;
  id: string;
}

/**
 * A data-modifying CTE body that completes the job as pg-boss 10.4's `complete()` does (an active job becomes
 * completed, with no output); `$queue` and `$id` are the placeholders the caller binds to `queue` and `id`.
 */
export function completeJobSql(completion: JobCompletion, queueParam: string, idParam: string): string {
  return `UPDATE ${completion.schema}.job SET completed_on = now(), state = 'completed', output = NULL
          WHERE name = ${queueParam} AND id = ${idParam}::uuid AND state = 'active'`;
}

export type JobHandler<TPayload> = (payload: TPayload, context: JobContext) => Promise<void>;

/** One job of a batch given to a `BatchJobHandler`. */
export interface BatchJob<TPayload> {
  id: string;
  data: TPayload;
  /** 0 on the first attempt. */
  retryCount: number;
  retryLimit: number;
}

/**
 * Handles a fetched batch at once (one statement for the batch's bookkeeping instead of several per job). Returns the
 * jobs that failed, with their errors: those are failed one by one (retried, finally dead-lettered), the rest are
 * completed together. A throw fails the whole batch.
 */
export type BatchJobHandler<TPayload> = (jobs: Array<BatchJob<TPayload>>) => Promise<Map<string, Error>>;

/**
 * One worker of a queue: fetch a batch (highest priority first), run the handler on each job in turn, complete or fail
 * each, and fetch again at once while there is work; an empty fetch waits the polling interval unless woken. pg-boss's
 * own `work()` sleeps the interval after every batch and does not await its completion writes, so neither a fast
 * worker nor a clean drain can be built on it.
 */
export class QueueWorker<TPayload> {
  readonly id = randomUUID();
  private stopping = false;
  private woken = false;
  private wakeIdle: (() => void) | undefined;
  private readonly active = new Set<string>();
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly boss: PgBoss,
    private readonly queue: QueueDefinition<TPayload>,
    private readonly handler: JobHandler<TPayload> | { batch: BatchJobHandler<TPayload> },
    private readonly logger: Logger,
    private readonly schema: string,
  ) {}

  get queueName(): string {
    return this.queue.name;
  }

  get idle(): boolean {
    return this.wakeIdle !== undefined;
  }

  /** Ids of the jobs this worker holds (fetched and not yet completed or failed). */
  get activeJobs(): string[] {
    return [...this.active];
  }

  start(): void {
    this.loop = this.run();
  }

  /** Fetch now instead of at the end of the idle wait. */
  wake(): void {
    this.woken = true;
    this.wakeIdle?.();
  }

  /** Stop fetching; resolves when the jobs in hand are done. */
  stop(): Promise<void> {
    this.stopping = true;
    this.wakeIdle?.();
    return this.loop;
  }

  private async run(): Promise<void> {
    const idleMs = this.queue.pollingIntervalSeconds * 1000;
    while (!this.stopping) {
      this.woken = false;
      let jobs: Array<PgBoss.JobWithMetadata<TPayload>> = [];
      try {
        jobs = await this.boss.fetch<TPayload>(this.queue.name, {
          batchSize: this.queue.batchSize,
          includeMetadata: true,
          priority: true,
        });
      } catch (error) {
        if (this.stopping) break;
        this.logger.warn(`fetching ${this.queue.name} jobs: ${safeErrorMessage(error)}`);
      }
      if (jobs.length === 0) {
        if (!this.woken && !this.stopping) await this.idleWait(idleMs);
        continue;
      }
      if (typeof this.handler === 'function') await this.handleEach(jobs, this.handler);
      else await this.handleTogether(jobs, this.handler.batch);
    }
  }

  private async handleTogether(
    jobs: Array<PgBoss.JobWithMetadata<TPayload>>,
    handler: BatchJobHandler<TPayload>,
  ): Promise<void> {
    for (const job of jobs) this.active.add(job.id);
    let failures: Map<string, Error>;
    try {
      failures = await handler(
        jobs.map((job) => ({ id: job.id, data: job.data, retryCount: job.retryCount, retryLimit: job.retryLimit })),
      );
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      failures = new Map(jobs.map((job) => [job.id, failure]));
    }
    for (const [id, error] of failures) {
      await this.boss
        .fail(this.queue.name, id, { message: error.message })
        .catch((failError: unknown) => this.logger.warn(`failing job ${id}: ${safeErrorMessage(failError)}`));
      this.active.delete(id);
    }
    await this.complete(jobs.filter((job) => !failures.has(job.id)).map((job) => job.id));
  }

  private async handleEach(
    jobs: Array<PgBoss.JobWithMetadata<TPayload>>,
    handler: JobHandler<TPayload>,
  ): Promise<void> {
    for (const job of jobs) this.active.add(job.id);
    const completed: string[] = [];
    // Jobs already fetched are finished even while stopping: they are active, and left alone they would wait for
    // their expiry before anyone else could take them.
    for (const job of jobs) {
      let completedWithin = false;
      try {
        await handler(job.data, {
          id: job.id,
          queue: job.name,
          retryCount: job.retryCount,
          retryLimit: job.retryLimit,
          completeWithin: async (db) => {
            await this.boss.complete(this.queue.name, job.id, undefined as unknown as object, { db });
            completedWithin = true;
          },
          completeInStatement: () => {
            completedWithin = true;
            return { schema: this.schema, queue: this.queue.name, id: job.id };
          },
        });
        if (completedWithin) {
          this.active.delete(job.id);
          continue;
        }
        completed.push(job.id);
      } catch (error) {
        await this.boss
          .fail(this.queue.name, job.id, { message: (error as Error).message })
          .catch((failError: unknown) => this.logger.warn(`failing job ${job.id}: ${safeErrorMessage(failError)}`));
        this.active.delete(job.id);
      }
    }
    await this.complete(completed);
  }

  private async complete(completed: string[]): Promise<void> {
    // A failure to record the outcome (or a crash before it) leaves the jobs active: they expire and run again, and
    // handlers are written to recognise work already done.
    if (completed.length > 0) {
      await this.boss
        .complete(this.queue.name, completed)
        .catch((error: unknown) => this.logger.warn(`completing ${this.queue.name} jobs: ${safeErrorMessage(error)}`));
    }
    for (const id of completed) this.active.delete(id);
  }

  private idleWait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeIdle = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeIdle = done;
    });
  }
}
