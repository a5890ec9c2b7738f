import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { AppConfig, type WebhookSourceName } from '../../common/config/app-config.js';
import { type BatchJob, JobQueueService } from '../../common/jobs/job-queue.service.js';
import { WebhookDeadLettered } from './events/index.js';
import { findEventType, resolveSource, type WebhookEventType } from './webhook.catalog.js';
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

/** A claimed event, parsed, with the entity and version it carries (if its type has one). */
interface PreparedEvent {
  job: BatchJob<WebhookJob>;
  event: StoredEvent;
  source: WebhookSourceName;
  eventType: WebhookEventType;
  payload: unknown;
  occurredAt: Date | null;
  entity: { type: string; id: string; version: number } | null;
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
    await this.jobs.workBatch(this.queues.process, (jobs) => this.processBatch(jobs));
  }

  /** Wakes an idle worker: an event was just stored here, no need to wait for the next poll. */
  nudge(): void {
    this.jobs.wake(this.queues.process);
  }

  /**
   * Processes a fetched batch in job order with a few statements for the whole batch: one claims the events (counting
   * the attempt), one per round records the entities' versions, one marks them done and audits them. The listeners run
   * per event, in order, between the version claim and the mark. A crash before the mark leaves the batch's events
   * unmarked and their jobs active: they run again after the expiry, and listeners dedupe on `meta.webhookEventId`.
   */
  async processBatch(jobs: Array<BatchJob<WebhookJob>>): Promise<Map<string, Error>> {
    const failures = new Map<string, Error>();
    const claimed = await queryRows<StoredEvent>(
      this.dataSource,
      `UPDATE webhook_events SET attempts = attempts + 1, updated_at = now()
       WHERE id = ANY($1::uuid[]) AND status NOT IN ('processed', 'stale', 'dead_lettered')
       RETURNING id, source, message_id, type, payload, occurred_at, received_at, status, attempts`,
      [jobs.map((job) => job.data.eventId)],
    );
    const byId = new Map(claimed.map((event) => [event.id, event]));
    const work: PreparedEvent[] = [];
    for (const job of jobs) {
      const event = byId.get(job.data.eventId);
      // Already done (a duplicate job, or a retry after the work committed): nothing to do.
      if (!event) continue;
      byId.delete(event.id);
      try {
        work.push({ job, event, ...this.prepare(event) });
      } catch (error) {
        failures.set(job.id, await this.recordFailure(job, event, error));
      }
    }
    const stale = await this.claimVersions(work);
    const done: Array<{ id: string; source: string; status: 'processed' | 'stale' }> = [];
    for (const item of work) {
      if (stale.has(item.event.id)) {
        done.push({ id: item.event.id, source: item.source, status: 'stale' });
        this.logger.debug(`webhook event ${item.event.id} (${item.source}/${item.eventType.type}) stale`);
        continue;
      }
      try {
        await this.emit(item);
        done.push({ id: item.event.id, source: item.source, status: 'processed' });
      } catch (error) {
        failures.set(item.job.id, await this.recordFailure(item.job, item.event, error));
      }
    }
    await this.finish(done);
    for (const { source, status } of done) this.metrics.processed.inc({ source, outcome: status });
    return failures;
  }

  private prepare(event: StoredEvent): Omit<PreparedEvent, 'job' | 'event'> {
    const source = resolveSource(event.source) as WebhookSourceName;
    const eventType = findEventType(source, event.type);
    if (!eventType) throw new Error(`No event type ${event.source}/${event.type}`);
    // Stored payloads were validated on intake; parsing again gives the typed value (and catches manual edits).
    const payload = eventType.schema.parse(event.payload);
    const occurredAt = event.occurred_at ? new Date(event.occurred_at) : null;
    return { source, eventType, payload, occurredAt, entity: eventType.entity(payload, occurredAt) };
  }

  private async emit(item: PreparedEvent): Promise<void> {
    const { event, eventType } = item;
    const domainEvent = new eventType.event(
      {
        webhookEventId: event.id,
        source: item.source,
        messageId: event.message_id,
        type: eventType.type,
        receivedAt: new Date(event.received_at),
        occurredAt: item.occurredAt,
        attempt: item.job.retryCount,
      },
      item.payload,
    );
    await publishAndWait(this.events, domainEvent);
    const crashAfter = this.config.env === 'production' ? 0 : this.config.webhooks.crashAfterEvents;
    if (crashAfter > 0 && ++this.emitted >= crashAfter) {
      // Test aid: the worst moment to die, after the listeners' effects and before the batch's status commits.
      process.kill(process.pid, 'SIGKILL');
    }
    this.logger.debug(`webhook event ${event.id} (${item.source}/${eventType.type}) processed`);
  }

  /** A failed attempt: marked failed (retried with backoff), or dead-lettered on the last attempt. */
  private async recordFailure(job: BatchJob<WebhookJob>, event: StoredEvent, error: unknown): Promise<Error> {
    const failure = error instanceof Error ? error : new Error(String(error));
    const message = failure.message.slice(0, 2000);
    if (job.retryCount >= this.queues.process.retryLimit) await this.markDeadLettered(event.id, message);
    else {
      await this.dataSource.query(
        `UPDATE webhook_events SET status = 'failed', last_error = $2, updated_at = now()
         WHERE id = $1 AND status NOT IN ('processed', 'stale', 'dead_lettered')`,
        [event.id, message],
      );
      this.metrics.processed.inc({ source: event.source, outcome: 'failed' });
    }
    return failure;
  }

  /**
   * Records each event's version as its entity's newest, unless a newer (or equal) one was applied already; returns
   * the ids of the stale events. Retries and replays of the event that set the current version pass again. One
   * statement per round: an entity's second event in the batch goes in the next round, after its first (a statement
   * cannot update one row twice), so the batch is judged as if its events came one by one.
   */
  private async claimVersions(items: PreparedEvent[]): Promise<Set<string>> {
    const stale = new Set<string>();
    let pending = items.filter((item) => item.entity !== null);
    while (pending.length > 0) {
      const round: PreparedEvent[] = [];
      const later: PreparedEvent[] = [];
      const seen = new Set<string>();
      for (const item of pending) {
        const key = `${item.source}\u0000${item.entity?.type}\u0000${item.entity?.id.slice(0, 200)}`;
        if (seen.has(key)) later.push(item);
        else {
          seen.add(key);
          round.push(item);
        }
      }
      const rows = await queryRows<{ event_id: string }>(
        this.dataSource,
        `INSERT INTO webhook_entity_versions AS v (source, entity_type, entity_id, version, event_id)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::uuid[])
         ON CONFLICT (source, entity_type, entity_id) DO UPDATE
           SET version = EXCLUDED.version, event_id = EXCLUDED.event_id, updated_at = now()
           WHERE v.version < EXCLUDED.version OR v.event_id = EXCLUDED.event_id
         RETURNING event_id`,
        [
          round.map((item) => item.source),
          round.map((item) => item.entity?.type ?? ''),
          round.map((item) => item.entity?.id.slice(0, 200) ?? ''),
          round.map((item) => String(Math.trunc(item.entity?.version ?? 0))),
          round.map((item) => item.event.id),
        ],
      );
      const applied = new Set(rows.map((row) => row.event_id));
      for (const item of round) if (!applied.has(item.event.id)) stale.add(item.event.id);
      pending = later;
    }
    return stale;
  }

  /** Marks the events done and audits each (`webhook.processed` / `webhook.stale`) in one statement. */
  private async finish(done: Array<{ id: string; status: 'processed' | 'stale' }>): Promise<void> {
    if (done.length === 0) return;
    await this.dataSource.query(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[]) AS i(id, status)
       ), done AS (
         UPDATE webhook_events e
         SET status = input.status, processed_at = now(), last_error = NULL, updated_at = now(),
             processed_count = e.processed_count + CASE WHEN input.status = 'processed' THEN 1 ELSE 0 END
         FROM input
         WHERE e.id = input.id AND e.status NOT IN ('processed', 'stale', 'dead_lettered')
         RETURNING e.id, e.source, e.type, e.attempts, e.replay_count, input.status
       )
       INSERT INTO audit_log (source, type, subject, correlation_id, outcome, details)
       SELECT 'webhook', 'webhook.' || done.status, done.id::text, done.id::text,
              CASE WHEN done.status = 'processed' THEN 'success' ELSE 'info' END,
              jsonb_build_object('source', done.source, 'eventType', done.type, 'attempts', done.attempts,
                                 'replays', done.replay_count, 'actor', NULL)
       FROM done`,
      [done.map((item) => item.id), done.map((item) => item.status)],
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
