import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../../common/config/app-config.js';
import { DomainError, NotFoundError } from '../../common/errors/domain-error.js';
import { type ConsistencyReport, ConsistencyService } from './consistency.service.js';
import { nextDueAt } from './sync-schedule.js';
import { type SyncKind, SyncRun } from './sync.entities.js';
import { SyncRequested, SyncScheduleChanged } from './sync.events.js';
import { SyncRunner } from './sync.runner.js';
import { STREAM_DEFINITIONS, SYNC_STREAMS, type SyncStreamName } from './sync.streams.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../../common/http/keyset-cursor.js';
import { publishAndWait } from '../../common/events/publish.js';

export interface SyncRunView {
  id: string;
  streams: string[];
  trigger: string;
  kind: string;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  inserted: number;
  changed: number;
  unchanged: number;
  deleted: number;
  outcome: string;
  error: string | null;
  streamResults: SyncRun['streamResults'];
}

export interface StreamStatusView {
  stream: SyncStreamName;
  server: string;
  running: boolean;
  schedule: { enabled: boolean; intervalSeconds: number; nextRunAt: string | null };
  cursor: string | null;
  updatedSince: string | null;
  lastRunId: string | null;
  lastStartedAt: string | null;
  lastFinishedAt: string | null;
  lastSuccessAt: string | null;
  lastFullSyncAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  lastCounts: Partial<Record<'inserted' | 'changed' | 'unchanged' | 'deleted', number>>;
  records: { live: number; deleted: number };
  /** Records the upstream sent that could not be stored: set aside with the reason, retried by every sync. */
  quarantined: { count: number; examples: Array<{ id: string; field: string; reason: string }> };
}

export interface ConsistencyHistoryView {
  latest: ConsistencyReport | null;
  history: Array<Pick<ConsistencyReport, 'id' | 'checkedAt' | 'score' | 'mode'>>;
}

export interface SyncStatusView {
  schedulerEnabled: boolean;
  streams: StreamStatusView[];
  lastRun: SyncRunView | null;
  consistency: { id: string; score: number; checkedAt: string } | null;
}

const iso = (value: Date | null | undefined): string | null => (value ? new Date(value).toISOString() : null);

export function runView(run: SyncRun): SyncRunView {
  return {
    id: run.id,
    streams: run.streams,
    trigger: run.trigger,
    kind: run.kind,
    startedAt: new Date(run.startedAt).toISOString(),
    finishedAt: iso(run.finishedAt),
    durationMs: run.durationMs,
    inserted: run.inserted,
    changed: run.changed,
    unchanged: run.unchanged,
    deleted: run.deleted,
    outcome: run.outcome,
    error: run.error,
    streamResults: run.streamResults,
  };
}

/** What the API does with the sync: status, schedule changes, manual runs, run history, consistency checks. */
@Injectable()
export class SyncService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runner: SyncRunner,
    private readonly consistency: ConsistencyService,
    private readonly config: AppConfig,
    private readonly events: EventEmitter2,
  ) {}

  async status(): Promise<SyncStatusView> {
    const states = await this.runner.states();
    const counts = new Map<string, { live: number; deleted: number }>();
    for (const stream of SYNC_STREAMS) {
      const rows = await this.dataSource.query<Array<{ live: number; deleted: number }>>(
        `SELECT count(*) FILTER (WHERE "deleted_at" IS NULL)::int AS live, count("deleted_at")::int AS deleted
           FROM "${STREAM_DEFINITIONS[stream].table}"`,
      );
      counts.set(stream, rows[0] ?? { live: 0, deleted: 0 });
    }
    const quarantine = new Map<string, StreamStatusView['quarantined']>();
    const quarantined = await this.dataSource.query<
      Array<{ stream: string; count: number; examples: Array<{ id: string; field: string; reason: string }> }>
    >(
      `SELECT "stream", count(*)::int AS count,
              (array_agg(jsonb_build_object('id', "upstream_id", 'field', "field", 'reason', "reason")
                 ORDER BY "last_seen_at" DESC))[1:5] AS examples
         FROM "sync_quarantine" GROUP BY "stream"`,
    );
    for (const row of quarantined) quarantine.set(row.stream, { count: row.count, examples: row.examples });
    const running = new Set(
      (
        await this.dataSource.query<
          Array<{
            s: string;
          }>
        >(`SELECT unnest("streams") AS s FROM "sync_run" WHERE "outcome" = 'running'`)
      ).map((row) => row.s),
    );
    const lastRun = await this.dataSource
      .getRepository(SyncRun)
      .createQueryBuilder('r')
      .orderBy('r.startedAt', 'DESC')
      .addOrderBy('r.id', 'DESC')
      .limit(1)
      .getOne();
    const consistency = await this.consistency.latest();
    return {
      schedulerEnabled: this.config.sync.enabled,
      streams: states.map((state) => {
        const stream = state.stream as SyncStreamName;
        const schedule = this.runner.scheduleOf(state);
        return {
          stream,
          server: STREAM_DEFINITIONS[stream].server,
          running: running.has(stream),
          schedule: {
            enabled: schedule.scheduleEnabled,
            intervalSeconds: schedule.intervalSeconds,
            nextRunAt: this.config.sync.enabled ? iso(nextDueAt(schedule)) : null,
          },
          cursor: state.cursor,
          updatedSince: iso(state.updatedSince),
          lastRunId: state.lastRunId,
          lastStartedAt: iso(state.lastStartedAt),
          lastFinishedAt: iso(state.lastFinishedAt),
          lastSuccessAt: iso(state.lastSuccessAt),
          lastFullSyncAt: iso(state.lastFullSyncAt),
          lastErrorAt: iso(state.lastErrorAt),
          lastError: state.lastError,
          lastCounts: state.lastCounts,
          records: counts.get(stream) ?? { live: 0, deleted: 0 },
          quarantined: quarantine.get(stream) ?? { count: 0, examples: [] },
        };
      }),
      lastRun: lastRun ? runView(lastRun) : null,
      consistency: consistency
        ? { id: consistency.id, score: consistency.score, checkedAt: consistency.checkedAt }
        : null,
    };
  }

  /** Enables (start) or pauses (stop) automatic syncing of the streams; `start` may re-time them. */
  async setSchedule(
    action: 'start' | 'stop',
    options: { streams?: SyncStreamName[]; intervalMinutes?: number; actor: string | null },
  ): Promise<void> {
    const streams = options.streams ?? [...SYNC_STREAMS];
    const intervalSeconds =
      options.intervalMinutes === undefined ? null : Math.max(10, Math.round(options.intervalMinutes * 60));
    await this.dataSource.query(
      `UPDATE "sync_stream_state"
          SET "schedule_enabled" = $2,
              "interval_seconds" = COALESCE($3, "interval_seconds"),
              "schedule_anchor_at" = CASE WHEN $2 AND NOT "schedule_enabled" THEN now() ELSE "schedule_anchor_at" END,
              "updated_at" = now()
        WHERE "stream" = ANY($1::varchar[])`,
      [streams, action === 'start', intervalSeconds],
    );
    await publishAndWait(
      this.events,
      new SyncScheduleChanged({ action, streams, intervalSeconds, actor: options.actor }),
    );
  }

  /** Starts a run now; 409 when every requested stream is already being synced (here or by another instance). */
  async runNow(kind: SyncKind, streams: SyncStreamName[] | undefined, actor: string | null): Promise<SyncRunView> {
    const wanted = streams ?? [...SYNC_STREAMS];
    const started = await this.runner.start({ streams: wanted, trigger: 'manual', kind });
    if (!started) {
      throw new DomainError('conflict', `A sync of ${wanted.join(', ')} is already running`, {
        extensions: { streams: wanted },
      });
    }
    await publishAndWait(
      this.events,
      new SyncRequested({ runId: started.run.id, kind, streams: started.run.streams, actor }),
    );
    return runView(started.run);
  }

  async run(id: string): Promise<SyncRunView> {
    const run = /^[0-9a-f-]{36}$/i.test(id) ? await this.dataSource.getRepository(SyncRun).findOneBy({ id }) : null;
    if (!run) throw new NotFoundError('Sync run', id);
    return runView(run);
  }

  async runs(
    limit = 20,
    cursor?: string,
  ): Promise<{ items: SyncRunView[]; page: { nextCursor: string | null; limit: number } }> {
    const params: unknown[] = [limit + 1];
    let where = '';
    if (cursor) {
      const { at, id } = decodeKeysetCursor(cursor);
      params.push(at, id);
      where = `WHERE ("started_at", "id") < ($2::timestamptz, $3::uuid)`;
    }
    const ids = await this.dataSource.query<Array<{ id: string; at: string }>>(
      `SELECT "id", to_char("started_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
         FROM "sync_run" ${where} ORDER BY "started_at" DESC, "id" DESC LIMIT $1`,
      params,
    );
    const pageIds = ids.slice(0, limit);
    const runs = pageIds.length
      ? await this.dataSource
          .getRepository(SyncRun)
          .createQueryBuilder('r')
          .where('r.id IN (:...ids)', { ids: pageIds.map((row) => row.id) })
          .orderBy('r.startedAt', 'DESC')
          .addOrderBy('r.id', 'DESC')
          .getMany()
      : [];
    const last = pageIds[pageIds.length - 1];
    return {
      items: runs.map(runView),
      page: { nextCursor: ids.length > limit && last ? encodeKeysetCursor(last.at, last.id) : null, limit },
    };
  }

  /** The latest consistency report (issues with example ids) and the scores of the last `limit` checks, oldest first. */
  async consistencyHistory(limit: number): Promise<ConsistencyHistoryView> {
    const [latest, history] = await Promise.all([this.consistency.latest(), this.consistency.history(limit)]);
    return { latest, history: history.reverse() };
  }

  validate(sampleSize: number | undefined, actor: string | null): Promise<ConsistencyReport> {
    return this.consistency.check({ ...(sampleSize === undefined ? {} : { sampleSize }), actor });
  }
}
