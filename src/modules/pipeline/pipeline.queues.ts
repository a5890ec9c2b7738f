import type { AppConfig } from '../../common/config/app-config.js';
import { defineQueue, type QueueDefinition } from '../../common/jobs/queue-definition.js';
import type { PipelineStep } from './run-state-machine.js';

/** One job = one attempt at one step of one run. `generation` ties it to the run's current attempt (see retries). */
export interface StepJob {
  runId: string;
  step: PipelineStep;
  generation: number;
}

/** `search` finds a batch's leads; `start` starts the group of leads beginning at index `from`. */
export interface BatchJob {
  batchId: string;
  phase: 'search' | 'start';
  from?: number;
}

export const STEP_QUEUE_NAME = 'pipeline.step';
export const STEP_DEAD_LETTER_QUEUE_NAME = 'pipeline.step.dead-letter';
export const BATCH_QUEUE_NAME = 'pipeline.batch';

export interface PipelineQueues {
  step: QueueDefinition<StepJob>;
  stepDeadLetter: QueueDefinition<StepJob>;
  batch: QueueDefinition<BatchJob>;
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
      deadLetter: false,
      concurrency: 1,
      pollingIntervalSeconds: 1,
    }),
    batch: defineQueue<BatchJob>({
      name: BATCH_QUEUE_NAME,
      retryLimit: 5,
      retryDelaySeconds: 2,
      retryBackoff: true,
      expireInSeconds: 300,
      deadLetter: false,
      concurrency: 1,
      pollingIntervalSeconds: 1,
    }),
  };
}
