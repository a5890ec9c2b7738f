import { writeSync } from 'node:fs';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type PgBoss from 'pg-boss';
import { AppConfig } from '../../common/config/app-config.js';
import { JobQueueService } from '../../common/jobs/job-queue.service.js';
import { PipelineRunsService } from './pipeline-runs.service.js';
import { PipelineStepsService, classifyStepError } from './pipeline-steps.service.js';
import { PipelineWakeup } from './pipeline-wakeup.js';
import type { StepJob } from './pipeline.queues.js';

/**
 * Runs step jobs: checks the job is current, does the step's upstream work, commits the outcome together with the next
 * step's job, then wakes its own worker so the next step starts at once. A retryable failure is recorded and thrown
 * (pg-boss retries with backoff); exhausted jobs land in the dead-letter queue, whose worker dead-letters the run.
 */
@Injectable()
export class PipelineWorkerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PipelineWorker');
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly jobs: JobQueueService,
    private readonly runs: PipelineRunsService,
    private readonly steps: PipelineStepsService,
    private readonly wakeup: PipelineWakeup,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const queues = this.runs.queues;
    // Creates the queue and its dead-letter queue (no workers: ours are registered below, keeping their ids).
    await this.jobs.work({ ...queues.step, concurrency: 0 }, async () => undefined);
    const boss = this.jobs.pgBoss;
    for (let i = 0; i < queues.step.concurrency; i++) {
      // The handler needs its own worker's id, known only once work() returns.
      const worker: { id?: string } = {};
      worker.id = await boss.work<StepJob>(
        queues.step.name,
        { batchSize: 1, pollingIntervalSeconds: queues.step.pollingIntervalSeconds, includeMetadata: true },
        async (jobs) => {
          for (const job of jobs) await this.handle(job, worker.id);
        },
      );
      this.wakeup.register(worker.id);
    }
    await this.jobs.work(queues.stepDeadLetter, async (job) => {
      if (await this.runs.deadLetter(job.runId, job.step, job.generation)) {
        this.logger.warn(`Run ${job.runId} dead-lettered at step ${job.step}`);
      }
    });
    // A worker killed mid-step leaves its job active; pg-boss retries it once it expires, which its maintenance
    // (every few minutes) notices. Checking more often bounds how long a crashed run waits.
    const everyMs = Math.max(2_000, Math.min(15_000, (this.config.pipeline.stepTimeoutSeconds * 1000) / 4));
    this.sweeper = setInterval(() => void this.expireLostJobs(), everyMs);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  private async expireLostJobs(): Promise<void> {
    if (!this.jobs.isStarted) return;
    try {
      await this.jobs.pgBoss.expire();
    } catch (error) {
      this.logger.debug(`expire check failed: ${(error as Error).message}`);
    }
  }

  private async handle(job: PgBoss.JobWithMetadata<StepJob>, workerId: string | undefined): Promise<void> {
    const { runId, step, generation } = job.data;
    const begun = await this.runs.beginStep(runId, step, generation);
    if (!begun) return;
    const { run, attempt } = begun;
    const started = Date.now();
    let execution;
    try {
      execution = await this.steps.run(step, run, { attempt });
    } catch (error) {
      const failure = classifyStepError(error);
      const durationMs = Date.now() - started;
      if (failure.retryable) {
        const willRetry = job.retryCount < job.retryLimit;
        await this.runs.recordAttemptError(
          runId,
          step,
          attempt,
          { code: failure.code, message: failure.message, retryable: true },
          willRetry,
          durationMs,
        );
        throw error;
      }
      await this.runs.recordAttemptError(
        runId,
        step,
        attempt,
        { code: failure.code, message: failure.message, retryable: false },
        false,
        durationMs,
      );
      execution = {
        input: {},
        outcome: {
          event: { type: 'step_failed' as const, step, reason: failure.reason },
          output: { error: failure.message },
          failureMessage: failure.message,
        },
      };
    }
    this.crashHook(step);
    const status = await this.runs.completeStep(
      runId,
      step,
      generation,
      attempt,
      execution.outcome,
      execution.input,
      Date.now() - started,
    );
    // The next step was enqueued by that commit: fetch it now rather than after a polling interval.
    if (status !== null && workerId !== undefined) this.wakeup.wake(workerId);
  }

  /** Test aid (refused in production by the configuration): die right after the step's side effect, before commit. */
  private crashHook(step: string): void {
    if (this.config.pipeline.crashAfterStep === step && this.config.env !== 'production') {
      // Written synchronously: the logger is asynchronous and SIGKILL would swallow its last lines.
      writeSync(2, `PIPELINE_CRASH_AFTER_STEP=${step}: killing the process after the side effect\n`);
      process.kill(process.pid, 'SIGKILL');
    }
  }
}
