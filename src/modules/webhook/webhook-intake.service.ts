import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { DataSource } from 'typeorm';
import type { z } from 'zod';
import { AppConfig, type WebhookSourceName } from '../../common/config/app-config.js';
import { GroupCommit } from '../../common/database/group-commit.js';
import { jobInsertPerRow } from '../../common/jobs/job-insert.js';
import { DomainError, type FieldProblem, ValidationFailedError } from '../../common/errors/domain-error.js';
import { WebhookAuthService } from './webhook-auth.service.js';
import {
  defaultEventType,
  findEventType,
  resolveSource,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_SOURCES,
  type WebhookEventType,
} from './webhook.catalog.js';
import { WebhookProcessor } from './webhook-processor.service.js';
import { WEBHOOK_QUEUES, type WebhookQueues } from './webhook.queues.js';

export interface IntakeRequest {
  source: string;
  /** `?type=` of the original query-string form. */
  queryType: string | undefined;
  headers: IncomingHttpHeaders;
  rawBody: Buffer | undefined;
  body: unknown;
}

/** A delivery that passed authentication and validation, ready to be stored. */
export interface AcceptedEvent {
  messageId: string;
  payload: Record<string, unknown>;
  occurredAt: Date | null;
  authScheme: string;
}

interface PendingEvent {
  source: WebhookSourceName;
  eventType: WebhookEventType;
  event: AcceptedEvent;
}

export interface IntakeResult {
  id: string;
  duplicate: boolean;
}

/** What a refused delivery is audited with (never the body or credentials). */
export interface IntakeContext {
  source?: string;
  messageId?: string;
  eventType?: string;
}

const MESSAGE_ID = /^[\x21-\x7e]{1,256}$/;

export function zodProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)',
    rule: issue.code,
    message: issue.message,
  }));
}

/**
 * Accepts one delivery: authenticate on the raw bytes, validate the event against its type's schema, then store it
 * and enqueue its processing in one transaction. The first delivery of a message id wins; later ones get its id back.
 */
@Injectable()
export class WebhookIntakeService {
  constructor(
    private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly auth: WebhookAuthService,
    private readonly processor: WebhookProcessor,
    @Inject(WEBHOOK_QUEUES) private readonly queues: WebhookQueues,
  ) {
    this.jobsSchema = config.database.jobsSchema;
    // A few statements in flight keep the connection pool busy while the next batch gathers behind them.
    this.writes = new GroupCommit((items) => this.writeBatch(items), config.webhooks.intakeBatchMax, 4);
  }

  private readonly writes: GroupCommit<PendingEvent, IntakeResult>;

  /** pg-boss's schema (a validated lower-case identifier, so it can be part of the SQL text). */
  private readonly jobsSchema: string;

  async accept(request: IntakeRequest, context: IntakeContext): Promise<IntakeResult> {
    const source = resolveSource(request.source);
    if (!source) {
      throw new DomainError('not_found', `Unknown webhook source "${request.source}"`, {
        extensions: { sources: WEBHOOK_SOURCES },
      });
    }
    context.source = source;
    const rawBody = request.rawBody;
    if (!rawBody || rawBody.length === 0) {
      throw new ValidationFailedError([{ field: '(body)', rule: 'required', message: 'A JSON body is required' }]);
    }
    if (rawBody.length > this.config.webhooks.bodyLimitBytes) {
      throw new DomainError(
        'payload_too_large',
        `The body is ${rawBody.length} bytes; the limit is ${this.config.webhooks.bodyLimitBytes}`,
        { extensions: { limit: this.config.webhooks.bodyLimitBytes } },
      );
    }
    // Not yet authenticated, but a refusal's audit entry should name the delivery it refused.
    const messageId = header(request.headers, 'webhook-id') ?? header(request.headers, 'idempotency-key');
    if (messageId !== undefined) context.messageId = messageId.slice(0, 256);
    const authenticated = this.auth.authenticate(source, request.headers, rawBody);

    const { type, data, occurredAt } = this.envelope(source, request);
    context.eventType = type.slice(0, 64);
    const eventType = findEventType(source, type);
    if (!eventType) {
      throw new DomainError('unsupported_event_type', `Source "${source}" sends no event of type "${type}"`, {
        extensions: { source, eventType: type, supportedTypes: WEBHOOK_EVENT_TYPES[source].map((t) => t.type) },
      });
    }
    const parsed = eventType.schema.safeParse(data);
    if (!parsed.success) {
      throw new ValidationFailedError(
        zodProblems(parsed.error),
        `The ${source} ${eventType.type} event does not match its schema`,
      );
    }
    if (messageId !== undefined && !MESSAGE_ID.test(messageId)) {
      throw new ValidationFailedError([
        { field: 'webhook-id', rule: 'format', message: 'A message id is 1–256 printable ASCII characters' },
      ]);
    }
    // Without a message id there is nothing to deduplicate on; Standard Webhooks always has one (it is signed).
    return this.store(source, eventType, {
      messageId: messageId ?? eventType.messageId?.(parsed.data) ?? `gen_${randomUUID()}`,
      payload: parsed.data as Record<string, unknown>,
      occurredAt,
      authScheme: authenticated.scheme,
    });
  }

  /** Stores an accepted delivery (with its processing job) and answers once its row has committed. */
  async store(source: WebhookSourceName, eventType: WebhookEventType, event: AcceptedEvent): Promise<IntakeResult> {
    const pending: PendingEvent = { source, eventType, event };
    const result =
      this.config.webhooks.intakeBatchMax === 1
        ? (await this.writeBatch([pending]))[0]
        : await this.writes.submit(pending);
    if (result === undefined) throw new Error('the intake wrote no result for the delivery');
    if (result instanceof Error) throw result;
    if (!result.duplicate) this.processor.nudge();
    return result;
  }

  /**
   * One statement for the whole batch, so one atomic autocommit: every event row and its processing job exist together
   * or not at all (a crash before the commit loses them, and the senders, having had no 2xx, deliver again). It is the
   * outbox of `jobs.send(…, { within })` in a single round trip instead of four per event (BEGIN, two INSERTs, COMMIT),
   * which is what keeps the intake near the speed of a plain INSERT. The job rows are what pg-boss 10's own `send`
   * writes (see insertJob in pg-boss/src/plans.js; pg-boss is pinned): defaults from the queue definition, policy from
   * the queue. If a batch fails, its deliveries are stored one by one, so one bad delivery fails only itself.
   */
  private async writeBatch(items: PendingEvent[]): Promise<Array<IntakeResult | Error>> {
    if (items.length > 1) {
      try {
        return await this.insertEvents(items);
      } catch {
        // fall through: each on its own
      }
    }
    return Promise.all(
      items.map((item) =>
        this.insertEvents([item]).then(
          (results) => results[0] ?? new Error('no result'),
          (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
        ),
      ),
    );
  }

  private async insertEvents(items: PendingEvent[]): Promise<IntakeResult[]> {
    const column = <T>(pick: (item: PendingEvent) => T): T[] => items.map(pick);
    // One processing job per stored event, its id the event's.
    const job = jobInsertPerRow(this.jobsSchema, this.queues.process, {
      from: 'event',
      id: 'event.id',
      data: `jsonb_build_object('eventId', event.id)`,
    });
    const inserted = await this.dataSource.query<Array<{ id: string; source: string; message_id: string }>>(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
           WITH ORDINALITY AS i(source, message_id, type, event_name, payload, auth_scheme, occurred_at, position)
       ), event AS (
         INSERT INTO webhook_events (source, message_id, type, event_name, payload, auth_scheme, occurred_at)
         SELECT source, message_id, type, event_name, payload::jsonb, auth_scheme, occurred_at FROM input
         ORDER BY position
         ON CONFLICT (source, message_id) DO NOTHING
         RETURNING id, source, message_id
       ), job AS (${job.sql(7)}
       ), audit AS (
         -- Audited in the same statement (no extra round trip per delivery): the entry exists exactly when the event does.
         INSERT INTO audit_log (source, type, subject, correlation_id, outcome, details)
         SELECT 'webhook', 'webhook.accepted', event.id::text, event.id::text, 'info',
                jsonb_build_object('source', input.source, 'messageId', left(input.message_id, 200),
                                   'eventType', input.type, 'authScheme', input.auth_scheme, 'actor', NULL)
         FROM event JOIN input ON input.source = event.source AND input.message_id = event.message_id
       )
       -- An event without its job (the queue is missing) must not be stored for nobody to process: dividing by zero
       -- fails the whole statement, the event rows included.
       SELECT event.id, event.source, event.message_id,
              1 / (CASE WHEN (SELECT count(*) FROM job) = (SELECT count(*) FROM event) THEN 1 ELSE 0 END) AS guard
       FROM event`,
      [
        column((item) => item.source),
        column((item) => item.event.messageId),
        column((item) => item.eventType.type),
        column((item) => item.eventType.event.eventName),
        column((item) => JSON.stringify(item.event.payload)),
        column((item) => item.event.authScheme),
        column((item) => item.event.occurredAt?.toISOString() ?? null),
        ...job.params,
      ],
    );
    const key = (source: string, messageId: string): string => `${source}\u0000${messageId}`;
    const stored = new Map(inserted.map((row) => [key(row.source, row.message_id), row.id]));
    const missing = items.filter((item) => !stored.has(key(item.source, item.event.messageId)));
    const existing = new Map<string, string>();
    if (missing.length > 0) {
      const rows = await this.dataSource.query<Array<{ id: string; source: string; message_id: string }>>(
        `SELECT e.id, e.source, e.message_id FROM webhook_events e
         JOIN unnest($1::text[], $2::text[]) AS k(source, message_id)
           ON e.source = k.source AND e.message_id = k.message_id`,
        [missing.map((item) => item.source), missing.map((item) => item.event.messageId)],
      );
      for (const row of rows) existing.set(key(row.source, row.message_id), row.id);
    }
    // The first delivery of a key in this batch stored it; any later one with the same key is its duplicate.
    const claimed = new Set<string>();
    return items.map((item) => {
      const k = key(item.source, item.event.messageId);
      const id = stored.get(k);
      if (id !== undefined && !claimed.has(k)) {
        claimed.add(k);
        return { id, duplicate: false };
      }
      const other = id ?? existing.get(k);
      if (other === undefined) throw new Error('webhook event vanished between conflict and lookup');
      return { id: other, duplicate: true };
    });
  }

  /**
   * The body is either an envelope `{type, timestamp?, data}` (Standard Webhooks senders, the sandboxes) or the event
   * itself with `type` beside its fields (Avinode's thin `{type, id, href}`) or in `?type=` (the original form).
   */
  private envelope(
    source: WebhookSourceName,
    request: IntakeRequest,
  ): { type: string; data: unknown; occurredAt: Date | null } {
    const body = request.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ValidationFailedError([{ field: '(body)', rule: 'type', message: 'The body must be a JSON object' }]);
    }
    const record = body as Record<string, unknown>;
    const bodyType = record['type'];
    if (bodyType !== undefined && typeof bodyType !== 'string') {
      throw new ValidationFailedError([{ field: 'type', rule: 'type', message: 'type must be a string' }]);
    }
    const type = bodyType ?? request.queryType ?? defaultEventType(source);
    if (!type) {
      throw new ValidationFailedError([
        { field: 'type', rule: 'required', message: 'The event type is required: "type" in the body or ?type=' },
      ]);
    }
    const occurredAt = parseTimestamp(record['timestamp']);
    const inner = record['data'];
    if (typeof inner === 'object' && inner !== null && !Array.isArray(inner)) return { type, data: inner, occurredAt };
    const { type: _type, timestamp: _timestamp, ...rest } = record;
    return { type, data: rest, occurredAt };
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function parseTimestamp(value: unknown): Date | null {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value < 1e12 ? value * 1000 : value);
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return new Date(ms);
  }
  return null;
}
