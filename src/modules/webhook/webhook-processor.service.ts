import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { AppConfig, type WebhookSourceName } from '../../common/config/app-config.js';
import { type JobContext, JobQueueService } from '../../common/jobs/job-queue.service.js';
import { WebhookDeadLettered } from './events/index.js';
import { findEventType, resolveSource } from './webhook.catalog.js';
import type { WebhookEventStatus } from './webhook-event.entity.js';
import { WebhookMetrics } from './webhook.metrics.js';
import { WEBHOOK_QUEUES, type WebhookJob, type WebhookQueues } from './webhook.queues.js';
import { queryRows } from './webhook.sql.js';
import { publish, publishAndWait } from '../../common/events/publish.js';

interface StoredEvent {
  id: string;
  source: string;
  message_id: string;
  type: string;
  payload: unknown;
  occurred_at: Date | null;
  received_at: Date;
  status: WebhookEventStatus;
  attempts: number;
}

/**
 * Turns stored events into domain events, once each in effect. An attempt: skip events already done, drop stale ones
 * (not newer than the version applied for their entity), emit and await the listeners, then mark processed. A listener
 * failure fails the attempt; pg-boss retries it with backoff and finally moves it to the dead-letter queue.
 * A crash after the listeners ran and before the mark means one more delivery to them: listeners dedupe on
 * `meta.webhookEventId`.
 */
@Injectable()
export class WebhookProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger('WebhookProcessor');
  private emitted = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly jobs: JobQueueService,
    private readonly events: EventEmitter2,
    private readonly metrics: WebhookMetrics,
    @Inject(WEBHOOK_QUEUES) private readonly queues: WebhookQueues,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.work(this.queues.deadLetter, (job) => this.markDeadLettered(job.eventId, null, job.replay ?? 0));
    // The queue must exist before the first request: the intake's insert joins the queue's row, and a replay's `send`
    // inside its transaction would otherwise create it on a second connection, which on the single-session embedded
    // database waits forever. work() creates it.
    await this.jobs.work(this.queues.process, (job, context) => this.process(job, context));
  }

  /** Wakes an idle worker: an event was just stored here, no need to wait for the next poll. */
  nudge(): void {
    this.jobs.wake(this.queues.process);
  }

  async process(job: WebhookJob, context: JobContext): Promise<void> {
    const rows = await queryRows<StoredEvent>(
      this.dataSource,
      `UPDATE webhook_events SET attempts = attempts + 1, updated_at = now()
       WHERE id = $1 AND status NOT IN ('processed', 'stale', 'dead_lettered')
       RETURNING id, source, message_id, type, payload, occurred_at, received_at, status, attempts`,
      [job.eventId],
    );
    const event = rows[0];
    // Already done (a duplicate job, or a retry after the work committed): nothing to do.
    if (!event) return;
    try {
      await this.handle(event, context);
    } catch (error) {
      const final = context.retryCount >= this.queues.process.retryLimit;
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 2000);
      if (final) await this.markDeadLettered(event.id, message);
      else {
        await this.dataSource.query(
          `UPDATE webhook_events SET status = 'failed', last_error = $2, updated_at = now()
           WHERE id = $1 AND status NOT IN ('processed', 'stale', 'dead_lettered')`,
          [event.id, message],
        );
        this.metrics.processed.inc({ source: event.source, outcome: 'failed' });
      }
      throw error;
    }
  }

  private async handle(event: StoredEvent, context: JobContext): Promise<void> {
    const source = resolveSource(event.source) as WebhookSourceName;
    const eventType = findEventType(source, event.type);
    if (!eventType) throw new Error(`No event type ${event.source}/${event.type}`);
    // Stored payloads were validated on intake; parsing again gives the typed value (and catches manual edits).
    const payload = eventType.schema.parse(event.payload);
    const occurredAt = event.occurred_at ? new Date(event.occurred_at) : null;
    const entity = eventType.entity(payload, occurredAt);
    if (entity && !(await this.claimVersion(event, source, entity))) {
      await this.finish(event.id, 'stale');
      this.metrics.processed.inc({ source, outcome: 'stale' });
      this.logger.debug(`webhook event ${event.id} (${source}/${eventType.type}) stale: ${entity.type} ${entity.id}`);
      return;
    }
    const domainEvent = new eventType.event(
      {
        webhookEventId: event.id,
        source,
        messageId: event.message_id,
        type: eventType.type,
        receivedAt: new Date(event.received_at),
        occurredAt,
        attempt: context.retryCount,
      },
      payload,
    );
    await publishAndWait(this.events, domainEvent);
    const crashAfter = this.config.env === 'production' ? 0 : this.config.webhooks.crashAfterEvents;
    if (crashAfter > 0 && ++this.emitted >= crashAfter) {
      // Test aid: the worst moment to die, after the listeners' effects and before the status commits.
      process.kill(process.pid, 'SIGKILL');
    }
    await this.finish(event.id, 'processed');
    this.metrics.processed.inc({ source, outcome: 'processed' });
    this.logger.debug(`webhook event ${event.id} (${source}/${eventType.type}) processed`);
  }

  /**
   * Records this event's version as the entity's newest, unless a newer (or equal) one was applied already. Retries
   * and replays of the event that set the current version pass again.
   */
  private async claimVersion(
    event: StoredEvent,
    source: WebhookSourceName,
    entity: { type: string; id: string; version: number },
  ): Promise<boolean> {
    const rows = await queryRows<{ event_id: string }>(
      this.dataSource,
      `INSERT INTO webhook_entity_versions AS v (source, entity_type, entity_id, version, event_id)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (source, entity_type, entity_id) DO UPDATE
         SET version = EXCLUDED.version, event_id = EXCLUDED.event_id, updated_at = now()
         WHERE v.version < EXCLUDED.version OR v.event_id = EXCLUDED.event_id
       RETURNING event_id`,
      [source, entity.type, entity.id.slice(0, 200), String(Math.trunc(entity.version)), event.id],
    );
    return rows.length > 0;
  }

  /** Marks the event done and audits it (`webhook.processed` / `webhook.stale`) in one statement. */
  private async finish(id: string, status: 'processed' | 'stale'): Promise<void> {
    await this.dataSource.query(
      `WITH done AS (
         UPDATE webhook_events
         SET status = $2, processed_at = now(), last_error = NULL, updated_at = now(),
             processed_count = processed_count + $3
         WHERE id = $1 AND status NOT IN ('processed', 'stale', 'dead_lettered')
         RETURNING id, source, type, attempts, replay_count
       )
       INSERT INTO audit_log (source, type, subject, correlation_id, outcome, details)
       SELECT 'webhook', 'webhook.' || $2::text, done.id::text, done.id::text,
              CASE WHEN $2::text = 'processed' THEN 'success' ELSE 'info' END,
              jsonb_build_object('source', done.source, 'eventType', done.type, 'attempts', done.attempts,
                                 'replays', done.replay_count, 'actor', NULL)
       FROM done`,
      [id, status, status === 'processed' ? 1 : 0],
    );
  }

  /** Called on the last failed attempt, and by the dead-letter queue's worker (which also sees expired jobs). */
  private async markDeadLettered(id: string, lastError: string | null, replay?: number): Promise<void> {
    const rows = await queryRows<{ source: string; type: string; attempts: number; last_error: string | null }>(
      this.dataSource,
      `UPDATE webhook_events SET status = 'dead_lettered', last_error = COALESCE($2, last_error), updated_at = now()
       WHERE id = $1 AND status NOT IN ('processed', 'stale', 'dead_lettered') AND ($3::int IS NULL OR replay_count = $3)
       RETURNING source, type, attempts, last_error`,
      [id, lastError, replay ?? null],
    );
    const row = rows[0];
    if (!row) return;
    this.metrics.processed.inc({ source: row.source, outcome: 'dead_lettered' });
    this.logger.warn(`webhook event ${id} (${row.source}/${row.type}) dead-lettered after ${row.attempts} attempts`);
    publish(this.events, new WebhookDeadLettered(id, row.source, row.type, row.attempts, row.last_error));
  }
}
