import type { AppConfig } from '../../common/config/app-config.js';
import { defineQueue, type QueueDefinition } from '../../common/jobs/queue-definition.js';
import { PIPELINE_STEPS, type PipelineStep } from './run-state-machine.js';

/** One job = one attempt at one step of one run. `generation` ties it to the run's current attempt (see retries). */
export interface StepJob {
  runId: string;
  step: PipelineStep;
  generation: number;
  /** W3C trace context of whatever enqueued the step: a run's steps form one trace, across instances. */
  trace?: Record<string, string>;
}

/** `search` finds a batch's leads; `start` starts the group of leads beginning at index `from`. */
export interface BatchJob {
  batchId: string;
  phase: 'search' | 'start';
  from?: number;
}

/** Avinode's trip flow: the quote deadline of a run (a delayed job), and reporting a trip's end upstream. */
export interface QuoteDeadlineJob {
  runId: string;
  generation: number;
}
export interface TripCloseJob {
  runId: string;
  action: 'report_outcome' | 'cancel';
}

export const STEP_QUEUE_NAME = 'pipeline.step';
export const STEP_DEAD_LETTER_QUEUE_NAME = 'pipeline.step.dead-letter';
export const BATCH_QUEUE_NAME = 'pipeline.batch';

/**
 * A step job's priority: its position in the pipeline, so workers take later steps of running runs before first steps
 * of new ones and a burst of runs finishes run by run instead of all at the end. 0 for every step when priority is off.
 */
export function stepPriority(step: PipelineStep, config: AppConfig): number {
  return config.pipeline.stepPriority ? PIPELINE_STEPS.indexOf(step) : 0;
}

export interface PipelineQueues {
  step: QueueDefinition<StepJob>;
  stepDeadLetter: QueueDefinition<StepJob>;
  batch: QueueDefinition<BatchJob>;
  quoteDeadline: QueueDefinition<QuoteDeadlineJob>;
  tripClose: QueueDefinition<TripCloseJob>;
}

export function pipelineQueues(config: AppConfig): PipelineQueues {
  const p = config.pipeline;
  return {
    step: defineQueue<StepJob>({
      name: STEP_QUEUE_NAME,
      retryLimit: p.stepRetryLimit,
      retryDelaySeconds: p.stepRetryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: p.stepTimeoutSeconds,
      deadLetter: STEP_DEAD_LETTER_QUEUE_NAME,
      concurrency: p.concurrency,
      pollingIntervalSeconds: 1,
    }),
    stepDeadLetter: defineQueue<StepJob>({
      name: STEP_DEAD_LETTER_QUEUE_NAME,
      retryLimit: 10,
      retryDelaySeconds: 1,
      // One short transaction; a crashed instance's job is retried after the same bound as a step's.
      expireInSeconds: p.stepTimeoutSeconds,
      deadLetter: false,
      concurrency: 1,
      pollingIntervalSeconds: 1,
    }),
    batch: defineQueue<BatchJob>({
      name: BATCH_QUEUE_NAME,
      retryLimit: 5,
      retryDelaySeconds: 2,
      retryBackoff: true,
      // A group start is one transaction and a lead search a few upstream calls: bounded like a step, so a group job
      // of a crashed instance is retried after the configured step timeout, not a fixed five minutes.
      expireInSeconds: p.stepTimeoutSeconds,
      deadLetter: false,
      concurrency: 1,
      pollingIntervalSeconds: 1,
    }),
    // Sent with startAfter = the deadline inside the transaction that starts the wait: durable across restarts.
    quoteDeadline: defineQueue<QuoteDeadlineJob>({
      name: 'pipeline.quote-deadline',
      retryLimit: 10,
      retryDelaySeconds: 1,
      expireInSeconds: p.stepTimeoutSeconds,
      deadLetter: false,
      concurrency: 1,
      pollingIntervalSeconds: 1,
    }),
    tripClose: defineQueue<TripCloseJob>({
      name: 'pipeline.trip-close',
      retryLimit: p.stepRetryLimit,
      retryDelaySeconds: p.stepRetryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: p.stepTimeoutSeconds,
      deadLetter: false,
      concurrency: 1,
      pollingIntervalSeconds: 1,
    }),
  };
}
