import { writeSync } from 'node:fs';
import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../common/config/app-config.js';
import { type JobContext, JobQueueService } from '../../common/jobs/job-queue.service.js';
import { PipelineRunsRepository } from './pipeline-runs.repository.js';
import { PipelineRunsService } from './pipeline-runs.service.js';
import { PipelineStepsService, classifyStepError } from './pipeline-steps.service.js';
import type { StepJob, TripCloseJob } from './pipeline.queues.js';
import { AvinodeTripsService } from '../avainode/avinode-trips.service.js';
import { runWithAuditContext } from '../../common/events/audit-context.js';
import { SpanKind, contextFrom, inSpan } from '../../common/tracing/tracing.js';
import { safeErrorMessage } from '../../common/logging/safe-errors.js';

/**
 * How often queued runs are checked against free places (besides the hand-over when a run leaves the runs in flight,
 * this only catches up on places no hand-over could see; see PipelineRunsService.admitWaiting) and runs awaiting
 * confirmation against their due time.
 */
const SWEEP_MS = 5_000;

/**
 * Runs step jobs: checks the job is current, does the step's upstream work, commits the outcome together with the next
 * step's job (which the same worker fetches at once). A retryable failure is recorded and thrown (the job queue retries
 * with backoff); exhausted jobs land in the dead-letter queue, whose worker dead-letters the run.
 */
@Injectable()
export class PipelineWorkerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('PipelineWorker');
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly jobs: JobQueueService,
    private readonly runs: PipelineRunsService,
    private readonly runRepository: PipelineRunsRepository,
    private readonly steps: PipelineStepsService,
    private readonly trips: AvinodeTripsService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const queues = this.runs.queues;
    await this.jobs.work(queues.step, (job, context) => this.handle(job, context));
    await this.jobs.work(queues.stepDeadLetter, async (job) => {
      const deadLettered = await runWithAuditContext({ actor: null, correlationId: job.runId }, () =>
        this.runs.deadLetter(job.runId, job.step, job.generation),
      );
      if (deadLettered) {
        this.logger.warn(`Run ${job.runId} dead-lettered at step ${job.step}`);
      }
    });
    await this.jobs.work(queues.quoteDeadline, async (job) => {
      const closed = await runWithAuditContext({ actor: null, correlationId: job.runId }, () =>
        this.runs.closeQuotes(job.runId, job.generation),
      );
      if (closed) this.logger.log(`Run ${job.runId}: quote deadline reached, choosing among the quotes received`);
    });
    await this.jobs.work(queues.tripClose, (job) =>
      runWithAuditContext({ actor: null, correlationId: job.runId }, () => this.closeTrip(job)),
    );
    await this.sweep();
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** Admits queued runs into free places and ends runs whose confirmation is overdue. */
  private async sweep(): Promise<void> {
    try {
      const admitted = await this.runs.admitWaiting();
      if (admitted > 0) this.logger.log(`Admitted ${admitted} queued run(s)`);
      const expired = await this.runs.expireConfirmations();
      if (expired > 0) this.logger.log(`${expired} run(s) ended: no confirmation before their due time`);
    } catch (error) {
      this.logger.warn(`Pipeline sweep: ${safeErrorMessage(error)}`);
    }
  }

  private handle(job: StepJob, context: JobContext): Promise<void> {
    return inSpan(
      `pipeline.step ${job.step}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFrom(job.trace),
        attributes: {
          'jetvision.pipeline.run_id': job.runId,
          'jetvision.pipeline.step': job.step,
          'jetvision.pipeline.retry_count': context.retryCount,
        },
      },
      // Everything the step audits (the upstream mutations too) joins the run's history.
      () => runWithAuditContext({ actor: null, correlationId: job.runId }, () => this.handleStep(job, context)),
    );
  }

  private async handleStep(job: StepJob, context: JobContext): Promise<void> {
    const { runId, step, generation } = job;
    const begun = await this.runs.beginStep(runId, step, generation);
    if (!begun) return;
    const { run, attempt } = begun;
    const started = Date.now();
    let execution;
    try {
      execution = await this.steps.run(step, run);
    } catch (error) {
      const failure = classifyStepError(error);
      const durationMs = Date.now() - started;
      if (failure.retryable) {
        const willRetry = context.retryCount < context.retryLimit;
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
    await this.runs.completeStep(
      runId,
      step,
      generation,
      attempt,
      execution.outcome,
      execution.input,
      Date.now() - started,
      context,
    );
  }

  /**
   * Closes the loop upstream for a run with an Avinode trip: CONVERTED with the winning lift once booked, or the trip
   * (and its RFQs) cancelled with the run's reason. Transient failures are retried by the queue; a refusal is final.
   */
  private async closeTrip(job: TripCloseJob): Promise<void> {
    const { run } = await this.runRepository.get(job.runId);
    if (!run.avinodeTripId || run.tripClosedAt) return;
    try {
      if (job.action === 'report_outcome') {
        if (!run.choice?.liftId) return;
        await this.trips.reportConverted(run.avinodeTripId, run.choice.liftId);
      } else {
        await this.trips.cancelTrip(run.avinodeTripId, 'OTHER', run.cancelReason ?? 'The request was cancelled');
      }
    } catch (error) {
      const failure = classifyStepError(error);
      if (failure.retryable) throw error;
      this.logger.warn(`Run ${run.id}: Avinode refused to ${job.action} trip ${run.avinodeTripId}: ${failure.message}`);
      return;
    }
    await this.runRepository.markTripClosed(run.id);
    this.logger.log(
      `Run ${run.id}: trip ${run.avinodeTripId} ${job.action === 'cancel' ? 'cancelled' : 'reported CONVERTED'}`,
    );
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
