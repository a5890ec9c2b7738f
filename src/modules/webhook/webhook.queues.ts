import type { AppConfig } from '../../common/config/app-config.js';
import { defineQueue, type QueueDefinition } from '../../common/jobs/queue-definition.js';

export interface WebhookJob {
  eventId: string;
  /** The event's replay count when this job was sent: a dead letter from before a replay must not touch the replay. */
  replay?: number;
}

export interface WebhookQueues {
  process: QueueDefinition<WebhookJob>;
  deadLetter: QueueDefinition<WebhookJob>;
}

export const WEBHOOK_QUEUES = Symbol('WEBHOOK_QUEUES');

/** Retry budget and timing come from configuration, so the queue is defined when the configuration is known. */
export function webhookQueues(config: AppConfig): WebhookQueues {
  const process = defineQueue<WebhookJob>({
    name: 'webhook.process',
    retryLimit: config.webhooks.maxAttempts - 1,
    retryDelaySeconds: config.webhooks.retryDelaySeconds,
    retryBackoff: config.webhooks.retryBackoff,
    expireInSeconds: config.webhooks.jobTimeoutSeconds,
    concurrency: config.webhooks.concurrency,
    pollingIntervalSeconds: 0.5,
    batchSize: config.webhooks.processBatchSize,
  });
  const deadLetter = defineQueue<WebhookJob>({
    name: process.deadLetter ?? 'webhook.process.dead-letter',
    deadLetter: false,
    retryLimit: 3,
    pollingIntervalSeconds: 1,
  });
  return { process, deadLetter };
}
