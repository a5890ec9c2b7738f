import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AppConfig } from '../../common/config/app-config.js';
import { fitColumn, fitNullableColumn } from '../../common/database/fit-column.js';
import type { AuditEntryInput, AuditOutcome, AuditableEvent } from '../../common/events/domain-event.js';
import { currentAuditContext } from '../../common/events/audit-context.js';
import { GroupCommit } from '../../common/database/group-commit.js';
import { AuditLogEntry } from './audit-log.entity.js';
import { AuditLogCleared, AuditRetentionApplied } from './audit.events.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../../common/http/keyset-cursor.js';
import { publishAndWait } from '../../common/events/publish.js';

export interface AuditQuery {
  from?: Date;
  to?: Date;
  source?: string;
  /** Exact type, or a prefix when it ends with `*` (`sync.*`). */
  type?: string;
  subject?: string;
  correlationId?: string;
  outcome?: AuditOutcome;
  limit?: number;
  cursor?: string;
}

export interface AuditEntryView {
  id: string;
  occurredAt: string;
  source: string;
  type: string;
  subject: string | null;
  correlationId: string | null;
  outcome: AuditOutcome;
  details: Record<string, unknown>;
}

export interface AuditPage {
  items: AuditEntryView[];
  page: { nextCursor: string | null; limit: number };
}

/** Rows deleted per statement by retention and clearing, so a huge log never becomes one huge transaction. */
const DELETE_BATCH = 10_000;

const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|signature/i;

/** Drops values of keys that look like credentials, at any depth, so audit details never hold secrets. */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubSecrets(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, inner]) => [
      key,
      SECRET_KEY.test(key) ? '[redacted]' : scrubSecrets(inner, depth + 1),
    ]),
  );
}

interface PendingEntry {
  source: string;
  type: string;
  subject: string | null;
  correlationId: string | null;
  outcome: AuditOutcome;
  details: Record<string, unknown>;
  occurredAt: Date;
}

@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditLogEntry) private readonly entries: Repository<AuditLogEntry>,
    private readonly config: AppConfig,
    private readonly events: EventEmitter2,
  ) {}

  /** Events whose entry was written in their emitter's path (`recordEvent`): the listener does not write them again. */
  private readonly recordedEvents = new WeakSet<object>();

  private readonly writes = new GroupCommit<PendingEntry, true>((rows) => this.writeBatch(rows), 500, 2);

  /**
   * Writes an entry with the acting key's name (`details.actor`, null for the system's own work) and the correlation
   * id of the history it belongs to, both from the audit context when the event does not say. Entries arriving while
   * a write runs share the next statement (group commit): one row per transition stays cheap under load.
   */
  async record(input: AuditEntryInput): Promise<void> {
    const context = currentAuditContext();
    const details = scrubSecrets(input.details ?? {}) as Record<string, unknown>;
    // Bounded columns (see the entity): a too-long value is shortened with a hash rather than failing the insert.
    await this.writes.submit({
      source: fitColumn(input.source, 64),
      type: fitColumn(input.type, 128),
      subject: fitNullableColumn(input.subject, 256),
      correlationId: fitNullableColumn(context?.correlationId ?? input.correlationId, 128),
      outcome: input.outcome,
      details: { ...details, actor: details['actor'] ?? context?.actor ?? null },
      // Taken when the event is emitted, not when its batch commits, so a history reads in the order it happened.
      occurredAt: input.occurredAt ?? new Date(),
    });
  }

  /**
   * Writes an event's entry before the caller goes on, failing with it: for changes made upstream that have no local
   * table, the entry is the local record (see UpstreamMutationsService). Emit the event afterwards as usual.
   */
  async recordEvent(event: AuditableEvent): Promise<void> {
    await this.record(event.toAuditEntry());
    this.recordedEvents.add(event);
  }

  /** True for an event `recordEvent` already wrote. */
  wasRecorded(event: object): boolean {
    return this.recordedEvents.has(event);
  }

  private async writeBatch(rows: PendingEntry[]): Promise<true[]> {
    const column = <T>(pick: (row: PendingEntry) => T): T[] => rows.map(pick);
    await this.entries.query(
      `INSERT INTO "audit_log" ("source", "type", "subject", "correlation_id", "outcome", "details", "occurred_at")
       SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::varchar[], $5::varchar[], $6::jsonb[],
                            $7::timestamptz[])`,
      [
        column((r) => r.source),
        column((r) => r.type),
        column((r) => r.subject),
        column((r) => r.correlationId),
        column((r) => r.outcome),
        column((r) => JSON.stringify(r.details)),
        column((r) => r.occurredAt),
      ],
    );
    return rows.map(() => true as const);
  }

  /** Newest first, keyset-paginated on (occurred_at, id) so pages never skip or repeat entries. */
  async query(query: AuditQuery): Promise<AuditPage> {
    const limit = query.limit ?? 50;
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${params.length}`;
    };
    if (query.from) where.push(`"occurred_at" >= ${param(query.from)}`);
    if (query.to) where.push(`"occurred_at" < ${param(query.to)}`);
    if (query.source) where.push(`"source" = ${param(query.source)}`);
    if (query.type?.endsWith('*')) {
      const prefix = query.type.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`);
      where.push(`"type" LIKE ${param(`${prefix}%`)}`);
    } else if (query.type) where.push(`"type" = ${param(query.type)}`);
    if (query.subject) where.push(`"subject" = ${param(query.subject)}`);
    if (query.correlationId) where.push(`"correlation_id" = ${param(query.correlationId)}`);
    if (query.outcome) where.push(`"outcome" = ${param(query.outcome)}`);
    if (query.cursor) {
      const { at, id } = decodeKeysetCursor(query.cursor);
      where.push(`("occurred_at", "id") < (${param(at)}::timestamptz, ${param(id)}::uuid)`);
    }
    const rows = await this.entries.query<
      Array<{
        id: string;
        occurred_at: Date;
        source: string;
        type: string;
        subject: string | null;
        correlation_id: string | null;
        outcome: AuditOutcome;
        details: Record<string, unknown>;
        cursor_at: string;
      }>
    >(
      `SELECT "id", "occurred_at", "source", "type", "subject", "correlation_id", "outcome", "details",
              to_char("occurred_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "cursor_at"
         FROM "audit_log" ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY "occurred_at" DESC, "id" DESC LIMIT ${param(limit + 1)}`,
      params,
    );
    const pageRows = rows.slice(0, limit);
    const last = pageRows[pageRows.length - 1];
    return {
      items: pageRows.map((row) => ({
        id: row.id,
        occurredAt: new Date(row.occurred_at).toISOString(),
        source: row.source,
        type: row.type,
        subject: row.subject,
        correlationId: row.correlation_id,
        outcome: row.outcome,
        details: row.details,
      })),
      page: { nextCursor: rows.length > limit && last ? encodeKeysetCursor(last.cursor_at, last.id) : null, limit },
    };
  }

  /** Deletes entries (all, or those before `before`), then records that it did: the clearing itself stays audited. */
  async clear(options: { before?: Date; actor?: string | null } = {}): Promise<{ deleted: number }> {
    const deleted = await this.deleteOlderThan(options.before ?? null);
    await publishAndWait(
      this.events,
      new AuditLogCleared({
        deleted,
        before: options.before?.toISOString() ?? null,
        actor: options.actor ?? null,
      }),
    );
    return { deleted };
  }

  /** The retention policy: deletes entries older than AUDIT_RETENTION_DAYS (run hourly by AuditRetentionJob). */
  async applyRetention(now: Date = new Date()): Promise<{ deleted: number; olderThan: Date }> {
    const retentionDays = this.config.audit.retentionDays;
    const olderThan = new Date(now.getTime() - retentionDays * 86_400_000);
    const deleted = await this.deleteOlderThan(olderThan);
    if (deleted > 0) {
      await publishAndWait(
        this.events,
        new AuditRetentionApplied({ deleted, olderThan: olderThan.toISOString(), retentionDays }),
      );
    }
    return { deleted, olderThan };
  }

  private async deleteOlderThan(before: Date | null): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.entries.query<Array<{ n: number }>>(
        `WITH doomed AS (SELECT "id" FROM "audit_log" ${before ? 'WHERE "occurred_at" < $1' : ''} LIMIT ${DELETE_BATCH}),
              gone AS (DELETE FROM "audit_log" WHERE "id" IN (SELECT "id" FROM doomed) RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        before ? [before] : [],
      );
      const n = result[0]?.n ?? 0;
      total += n;
      if (n < DELETE_BATCH) return total;
    }
  }
}
