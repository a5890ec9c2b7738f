import { Inject, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, type Repository } from 'typeorm';
import { AppConfig, type WebhookSourceName } from '../../common/config/app-config.js';
import { DomainError, NotFoundError } from '../../common/errors/domain-error.js';
import { JobQueueService } from '../../common/jobs/job-queue.service.js';
import { WebhookReplayed } from './events/index.js';
import { WebhookAuthService } from './webhook-auth.service.js';
import { resolveSource, WEBHOOK_EVENT_TYPES, WEBHOOK_SOURCES } from './webhook.catalog.js';
import type { ListWebhookEventsQuery, WebhookEventDto, WebhookEventSummaryDto } from './webhook.dto.js';
import { WEBHOOK_EVENT_STATUSES, WebhookEvent, type WebhookEventStatus } from './webhook-event.entity.js';
import { WebhookHttpSetup } from './webhook-http.setup.js';
import { WEBHOOK_QUEUES, type WebhookQueues } from './webhook.queues.js';
import { queryRows } from './webhook.sql.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../../common/http/keyset-cursor.js';
import { publish } from '../../common/events/publish.js';

export interface WebhookEndpointDescription {
  endpoint: string;
  legacyEndpoint: string;
  signatureToleranceSeconds: number;
  bodyLimitBytes: number;
  maxAttempts: number;
  sources: Array<{
    name: WebhookSourceName;
    url: string;
    authScheme: string;
    credentialsConfigured: boolean;
    embedded: boolean;
    eventTypes: Array<{ type: string; aliases: readonly string[]; eventName: string; description: string }>;
  }>;
  counts: Record<WebhookEventStatus, number> & { total: number };
}

export interface TestEventResult {
  ok: boolean;
  source: WebhookSourceName;
  messageId: string;
  httpStatus: number;
  eventId: string | null;
  eventStatus: WebhookEventStatus | null;
  detail: string;
}

const TEST_WAIT_MS = 5_000;

@Injectable()
export class WebhookOperationsService {
  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    @InjectRepository(WebhookEvent) private readonly events: Repository<WebhookEvent>,
    private readonly jobs: JobQueueService,
    private readonly auth: WebhookAuthService,
    private readonly http: WebhookHttpSetup,
    private readonly emitter: EventEmitter2,
    @Inject(WEBHOOK_QUEUES) private readonly queues: WebhookQueues,
  ) {}

  async describe(): Promise<WebhookEndpointDescription> {
    const rows = await this.dataSource.query<Array<{ status: WebhookEventStatus; count: string }>>(
      `SELECT status, count(*) AS count FROM webhook_events GROUP BY status`,
    );
    const counts = Object.fromEntries(WEBHOOK_EVENT_STATUSES.map((s) => [s, 0])) as Record<WebhookEventStatus, number>;
    for (const row of rows) counts[row.status] = Number(row.count);
    return {
      endpoint: '/api/integration/webhook/{source}',
      legacyEndpoint: '/api/integration/webhook?source={source}&type={type}',
      signatureToleranceSeconds: 300,
      bodyLimitBytes: this.config.webhooks.bodyLimitBytes,
      maxAttempts: this.config.webhooks.maxAttempts,
      sources: WEBHOOK_SOURCES.map((name) => {
        const credentials = this.auth.for(name);
        return {
          name,
          url: `/api/integration/webhook/${name}`,
          authScheme: credentials.scheme,
          credentialsConfigured: credentials.configured,
          embedded: credentials.embedded,
          eventTypes: WEBHOOK_EVENT_TYPES[name].map((t) => ({
            type: t.type,
            aliases: t.aliases,
            eventName: t.event.eventName,
            description: t.description,
          })),
        };
      }),
      counts: { ...counts, total: Object.values(counts).reduce((a, b) => a + b, 0) },
    };
  }

  async list(query: ListWebhookEventsQuery): Promise<{
    items: WebhookEventSummaryDto[];
    page: { nextCursor: string | null; limit: number };
  }> {
    const limit = query.limit ?? 50;
    const builder = this.events
      .createQueryBuilder('e')
      .orderBy('e.receivedAt', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .take(limit + 1);
    if (query.source) builder.andWhere('e.source = :source', { source: resolveSource(query.source) });
    if (query.type) builder.andWhere('e.type = :type', { type: query.type });
    if (query.status) builder.andWhere('e.status = :status', { status: query.status });
    if (query.cursor) {
      const cursor = decodeKeysetCursor(query.cursor);
      builder.andWhere('(e.receivedAt, e.id) < (:at, :id)', { at: new Date(cursor.at), id: cursor.id });
    }
    const rows = await builder.getMany();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(summary),
      page: { nextCursor: rows.length > limit && last ? encodeKeysetCursor(last.receivedAt, last.id) : null, limit },
    };
  }

  async get(id: string): Promise<WebhookEventDto> {
    const event = await this.find(id);
    return { ...summary(event), payload: event.payload };
  }

  /** Processes a dead-lettered or processed event again (its listeners see the same `webhookEventId`). */
  async replay(id: string): Promise<WebhookEventDto> {
    const before = await this.find(id);
    const replayable: WebhookEventStatus[] = ['dead_lettered', 'processed'];
    await this.dataSource.transaction(async (manager) => {
      const rows = await manager.query<Array<{ id: string; replay_count: number }>>(
        `WITH u AS (
           UPDATE webhook_events SET status = 'received', replay_count = replay_count + 1, last_error = NULL,
                  updated_at = now()
           WHERE id = $1 AND status IN ('dead_lettered', 'processed') RETURNING id, replay_count)
         SELECT id, replay_count FROM u`,
        [id],
      );
      const replayed = rows[0];
      if (!replayed) {
        throw new DomainError(
          'invalid_state_transition',
          `Event ${id} is ${before.status}; only ${replayable.join(' or ')} events can be replayed`,
          { extensions: { currentStatus: before.status, replayableStatuses: replayable } },
        );
      }
      await this.jobs.send(
        this.queues.process,
        { eventId: id, replay: replayed.replay_count },
        { within: manager, id: randomUUID() },
      );
    });
    publish(this.emitter, new WebhookReplayed(id, before.status));
    return this.get(id);
  }

  /** Signs a test event with the source's credentials and sends it to this process over HTTP: the whole path. */
  async sendTest(sourceName: string | undefined, message: string | undefined): Promise<TestEventResult> {
    const source = sourceName
      ? resolveSource(sourceName)
      : WEBHOOK_SOURCES.find((name) => this.auth.for(name).configured);
    if (!source) {
      throw new DomainError('conflict', 'No webhook source has credentials configured, so none can be tested', {
        extensions: { sources: WEBHOOK_SOURCES },
      });
    }
    if (!this.auth.for(source).configured) {
      throw new DomainError('conflict', `Webhook source "${source}" has no credentials configured`, {
        extensions: { source },
      });
    }
    const baseUrl = this.http.listeningUrl();
    if (!baseUrl) throw new DomainError('service_unavailable', 'The HTTP server is not listening yet');
    const messageId = `test_${randomUUID()}`;
    const body = JSON.stringify({
      type: 'test',
      timestamp: new Date().toISOString(),
      data: { message: message ?? 'Test event from POST /api/integration/webhook/test' },
    });
    const response = await fetch(`${baseUrl}/api/integration/webhook/${source}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.auth.signingHeaders(source, messageId, body) },
      body,
      signal: AbortSignal.timeout(TEST_WAIT_MS),
    });
    const answer = (await response.json().catch(() => ({}))) as { id?: string; detail?: string };
    const eventId = typeof answer.id === 'string' ? answer.id : null;
    let eventStatus: WebhookEventStatus | null = null;
    if (eventId) {
      const deadline = Date.now() + TEST_WAIT_MS;
      for (;;) {
        const rows = await queryRows<{ status: WebhookEventStatus }>(
          this.dataSource,
          `SELECT status FROM webhook_events WHERE id = $1`,
          [eventId],
        );
        eventStatus = rows[0]?.status ?? null;
        if (eventStatus !== 'received' && eventStatus !== 'failed') break;
        if (Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const ok = response.ok && eventStatus === 'processed';
    return {
      ok,
      source,
      messageId,
      httpStatus: response.status,
      eventId,
      eventStatus,
      detail: ok
        ? 'Accepted, stored and processed'
        : response.ok
          ? `Accepted and stored; processing is ${eventStatus ?? 'unknown'} after ${TEST_WAIT_MS} ms`
          : `Refused: ${answer.detail ?? `HTTP ${response.status}`}`,
    };
  }

  private async find(id: string): Promise<WebhookEvent> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError('Webhook event', id);
    const event = await this.events.findOneBy({ id });
    if (!event) throw new NotFoundError('Webhook event', id);
    return event;
  }
}

function summary(event: WebhookEvent): WebhookEventSummaryDto {
  return {
    id: event.id,
    source: event.source,
    messageId: event.messageId,
    type: event.type,
    eventName: event.eventName,
    status: event.status,
    authScheme: event.authScheme,
    attempts: event.attempts,
    processedCount: event.processedCount,
    replayCount: event.replayCount,
    occurredAt: event.occurredAt?.toISOString() ?? null,
    receivedAt: event.receivedAt.toISOString(),
    processedAt: event.processedAt?.toISOString() ?? null,
    lastError: event.lastError,
  };
}
