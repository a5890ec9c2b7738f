import type { WebhookSourceName } from '../../../common/config/app-config.js';

/** Where a domain event raised from a webhook came from; consumers dedupe on `webhookEventId` (delivery is at-least-once). */
export interface WebhookEventMeta {
  /** Id of the stored event (`webhook_events.id`): stable across retries and replays. */
  webhookEventId: string;
  source: WebhookSourceName;
  /** The sender's message id (`webhook-id`). */
  messageId: string;
  /** The event type as the sender named it, e.g. `lead_created`. */
  type: string;
  receivedAt: Date;
  /** When the change happened, by the sender's clock, if it said so. */
  occurredAt: Date | null;
  /** 0 on the first processing attempt. */
  attempt: number;
}

/**
 * Base of the events the webhook intake raises. They are emitted with `emitAsync` and awaited: a listener that throws
 * fails the processing attempt, which is retried with backoff and finally dead-lettered, so listeners must be idempotent.
 * Subscribe with `@OnDomainEvent(X, { suppressErrors: false })`: Nest's default swallows a listener's error, and the
 * event would count as processed although the listener failed.
 */
export abstract class WebhookDomainEvent<TPayload> {
  constructor(
    readonly meta: WebhookEventMeta,
    readonly payload: TPayload,
  ) {}
}
