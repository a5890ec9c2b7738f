import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../common/config/app-config.js';
import { McpClientService } from '../../common/mcp/mcp-client.service.js';
import { type ScheduleState, isDue } from './sync-schedule.js';
import { StreamLocks } from './sync-lock.js';
import {
  type PageCounts,
  type PreparedRecord,
  applyPage,
  markGone,
  prepareRecords,
  type QuarantinedRecord,
  splitStorable,
  updateQuarantine,
  sweepUnseen,
} from './sync-record.store.js';
import {
  type StreamRunResult,
  type SyncCounts,
  type SyncKind,
  type SyncOutcome,
  SyncRun,
  SyncStreamState,
  type SyncTrigger,
} from './sync.entities.js';
import { SyncRunCompleted, SyncedBookingStatusChanged } from './sync.events.js';
import { SyncMetrics } from './sync.metrics.js';
import { type Checkpoint, STREAM_DEFINITIONS, SYNC_STREAMS, type SyncStreamName } from './sync.streams.js';
import { ShutdownDrain } from '../../common/lifecycle/shutdown-drain.js';
import { publish, publishAndWait } from '../../common/events/publish.js';
import { safeErrorMessage } from '../../common/logging/safe-errors.js';

export interface StartRequest {
  streams: readonly SyncStreamName[];
  trigger: SyncTrigger;
  kind: SyncKind;
  /** Cron runs: after taking the locks, start only the streams still due at this time (another instance may have run them). */
  dueAt?: Date;
}

export interface StartedRun {
  run: SyncRun;
  /** Resolves with the finished run. */
  done: Promise<SyncRun>;
}

/** How many unfinished n8n executions one run re-reads at most (the rest wait for the next run). */
/** Upstream booking statuses the pipeline acts on; flown and completed imply the booking was confirmed. */
const BOOKING_OUTCOMES: Readonly<Record<string, 'confirmed' | 'cancelled'>> = {
  confirmed: 'confirmed',
  flown: 'confirmed',
  completed: 'confirmed',
  cancelled: 'cancelled',
};

const RECHECK_LIMIT = 500;

/** Logged and stored (lastError): a database error's echoed values are masked. */
const errorMessage = safeErrorMessage;

/**
 * Runs syncs. A run claims its streams (in this process, and with PostgreSQL advisory locks across instances), walks
 * each stream's pages concurrently — one upstream failing never stops the others — and commits every page together
 * with the stream's cursor, so a crash resumes from the last committed page without gaps or duplicates.
 */
@Injectable()
export class SyncRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Sync');
  private readonly claimed = new Set<SyncStreamName>();
  private readonly running = new Map<string, Promise<SyncRun>>();
  private readonly shutdown = new AbortController();
  /** Set when the shutdown drain starts: each stream stops after the page it is on commits. */
  private stopAfterPage = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly mcp: McpClientService,
    private readonly config: AppConfig,
    private readonly events: EventEmitter2,
    private readonly metrics: SyncMetrics,
    shutdownDrain: ShutdownDrain,
  ) {
    shutdownDrain.register('sync', (timeoutMs) => this.drain(timeoutMs));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "sync_stream_state" ("stream") SELECT unnest($1::varchar[]) ON CONFLICT ("stream") DO NOTHING`,
      [[...SYNC_STREAMS]],
    );
    await this.recoverInterrupted();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shutdown.abort(new Error('the application is shutting down'));
    await Promise.allSettled([...this.running.values()]);
  }

  /**
   * Lets every stream finish the page in hand (committed with its cursor), then stop: the run ends `interrupted` and
   * the next one resumes from the cursor. Pages still running at the bound are cancelled.
   */
  private async drain(timeoutMs: number): Promise<void> {
    this.stopAfterPage = true;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = await Promise.race([this.idle().then(() => true), bound]);
    clearTimeout(timer);
    if (!done) {
      this.logger.warn(`Sync pages still running after ${timeoutMs} ms: cancelled`);
      await this.beforeApplicationShutdown();
    }
  }

  /** Streams this process is syncing right now. */
  activeStreams(): SyncStreamName[] {
    return [...this.claimed];
  }

  /** Waits for every run this process started (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
  }

  /**
   * Starts a run over the streams that are free (not running here or on another instance). Resolves once the run is
   * recorded, before it finishes; `null` when none of the streams could be started.
   */
  async start(request: StartRequest): Promise<StartedRun | null> {
    const wanted = [...new Set(request.streams)].filter((stream) => !this.claimed.has(stream));
    if (wanted.length === 0) return null;
    for (const stream of wanted) this.claimed.add(stream);
    let locks: StreamLocks | undefined;
    let streams: SyncStreamName[] = [];
    try {
      locks = await StreamLocks.acquire(this.dataSource, wanted, this.config.database.kind === 'postgres');
      streams = [...locks.held] as SyncStreamName[];
      if (request.dueAt) {
        const dueAt = request.dueAt;
        const states = await this.states(streams);
        const notDue = streams.filter((stream) => {
          const state = states.find((s) => s.stream === stream);
          return !state || !isDue(this.scheduleOf(state), dueAt);
        });
        await locks.releaseSome(notDue);
        streams = streams.filter((stream) => !notDue.includes(stream));
      }
      for (const stream of wanted) if (!streams.includes(stream)) this.claimed.delete(stream);
      if (streams.length === 0) {
        await locks.release();
        return null;
      }
      const startedAt = new Date();
      const run = await this.dataSource.transaction(async (manager) => {
        const created = await manager.getRepository(SyncRun).save(
          manager.getRepository(SyncRun).create({
            streams,
            trigger: request.trigger,
            kind: request.kind,
            startedAt,
          }),
        );
        await manager.query(
          `UPDATE "sync_stream_state" SET "last_started_at" = $2, "last_run_id" = $3, "updated_at" = now()
            WHERE "stream" = ANY($1::varchar[])`,
          [streams, request.dueAt ?? startedAt, created.id],
        );
        return created;
      });
      const heldLocks = locks;
      const done = this.execute(run, streams, heldLocks).finally(() => this.running.delete(run.id));
      this.running.set(run.id, done);
      return { run, done };
    } catch (error) {
      for (const stream of wanted) this.claimed.delete(stream);
      await locks?.release().catch(() => undefined);
      throw error;
    }
  }

  scheduleOf(state: SyncStreamState): ScheduleState {
    return {
      scheduleEnabled: state.scheduleEnabled,
      intervalSeconds: state.intervalSeconds ?? this.config.sync.intervalSeconds[state.stream as SyncStreamName],
      scheduleAnchorAt: state.scheduleAnchorAt,
      lastStartedAt: state.lastStartedAt,
    };
  }

  async states(streams: readonly string[] = SYNC_STREAMS): Promise<SyncStreamState[]> {
    if (streams.length === 0) return [];
    return this.dataSource
      .getRepository(SyncStreamState)
      .createQueryBuilder('s')
      .where('s.stream IN (:...streams)', { streams: [...streams] })
      .orderBy('s.stream')
      .getMany();
  }

  private async execute(run: SyncRun, streams: SyncStreamName[], locks: StreamLocks): Promise<SyncRun> {
    const started = performance.now();
    let results: StreamRunResult[];
    try {
      results = await Promise.all(streams.map((stream) => this.syncStream(stream, run)));
    } finally {
      // Free the streams before the run is reported finished, so whoever sees it finished can start the next one.
      await locks
        .release()
        .catch((error: unknown) => this.logger.warn(`Could not release sync locks: ${errorMessage(error)}`));
      for (const stream of streams) this.claimed.delete(stream);
    }
    const byStream = Object.fromEntries(streams.map((stream, i) => [stream, results[i]!])) as Record<
      string,
      StreamRunResult
    >;
    const failed = results.filter((result) => result.outcome === 'failure');
    let outcome: SyncOutcome =
      failed.length === 0 ? 'success' : failed.length === results.length ? 'failure' : 'partial';
    if (failed.length > 0 && (this.shutdown.signal.aborted || this.stopAfterPage)) outcome = 'interrupted';
    const sum = (key: keyof SyncCounts): number => results.reduce((total, result) => total + result[key], 0);
    const error = failed.length
      ? streams.flatMap((s) => (byStream[s]?.error ? [`${s}: ${byStream[s].error}`] : [])).join('; ')
      : null;
    const finishedAt = new Date();
    const durationMs = Math.round(performance.now() - started);
    await this.dataSource.query(
      `UPDATE "sync_run" SET "finished_at" = $2, "duration_ms" = $3, "inserted" = $4, "changed" = $5, "unchanged" = $6,
           "deleted" = $7, "outcome" = $8, "error" = $9, "stream_results" = $10 WHERE "id" = $1`,
      [
        run.id,
        finishedAt,
        durationMs,
        sum('inserted'),
        sum('changed'),
        sum('unchanged'),
        sum('deleted'),
        outcome,
        error,
        JSON.stringify(byStream),
      ],
    );
    const finished = Object.assign(new SyncRun(), run, {
      finishedAt,
      durationMs,
      inserted: sum('inserted'),
      changed: sum('changed'),
      unchanged: sum('unchanged'),
      deleted: sum('deleted'),
      outcome,
      error,
      streamResults: byStream,
    });
    this.metrics.runs.inc({ trigger: run.trigger, outcome });
    publish(
      this.events,
      new SyncRunCompleted({
        id: run.id,
        trigger: run.trigger,
        kind: run.kind,
        streams,
        outcome,
        durationMs,
        inserted: finished.inserted,
        changed: finished.changed,
        unchanged: finished.unchanged,
        deleted: finished.deleted,
        error,
        streamResults: byStream,
      }),
    );
    const level = outcome === 'success' ? 'log' : 'warn';
    this.logger[level](
      `Sync run ${run.id} (${run.trigger}, ${run.kind}) ${outcome} in ${durationMs} ms: ` +
        `+${finished.inserted} ~${finished.changed} =${finished.unchanged} -${finished.deleted}${error ? ` (${error})` : ''}`,
    );
    return finished;
  }

  /**
   * Tells the pipeline about bookings this page confirmed or cancelled, once the page is committed. A listener failure
   * is logged, not thrown: the row is stored either way, and the pipeline also learns outcomes from webhooks.
   */
  private async announceBookingOutcomes(
    records: readonly PreparedRecord[],
    writtenIds: readonly string[],
  ): Promise<void> {
    if (writtenIds.length === 0) return;
    const written = new Set(writtenIds);
    for (const record of records) {
      if (!written.has(record.id)) continue;
      const status = typeof record.data['status'] === 'string' ? record.data['status'] : '';
      const outcome = BOOKING_OUTCOMES[status];
      if (!outcome) continue;
      const requestId = typeof record.data['requestId'] === 'string' ? record.data['requestId'] : record.id;
      const bookingId = typeof record.data['bookingId'] === 'string' ? record.data['bookingId'] : null;
      try {
        await publishAndWait(this.events, new SyncedBookingStatusChanged(requestId, bookingId, outcome, status));
      } catch (error) {
        this.logger.warn(`Booking ${requestId} ${status}: a listener failed: ${errorMessage(error)}`);
      }
    }
  }

  /** Syncs one stream; never throws (the outcome says how it went). */
  private async syncStream(stream: SyncStreamName, run: SyncRun): Promise<StreamRunResult> {
    const definition = STREAM_DEFINITIONS[stream];
    const signal = this.shutdown.signal;
    const started = performance.now();
    const walkStartedAt = new Date();
    const result: StreamRunResult = {
      outcome: 'success',
      inserted: 0,
      changed: 0,
      unchanged: 0,
      deleted: 0,
      pages: 0,
      durationMs: 0,
    };
    const deletedExamples: string[] = [];
    const add = (counts: PageCounts): void => {
      result.inserted += counts.inserted;
      result.changed += counts.changed;
      result.unchanged += counts.unchanged;
      result.deleted += counts.deleted;
      for (const id of counts.deletedIds) if (deletedExamples.length < 10) deletedExamples.push(id);
    };
    const quarantinedExamples: string[] = [];
    let quarantinedCount = 0;
    const noteQuarantined = (records: readonly QuarantinedRecord[]): void => {
      quarantinedCount += records.length;
      for (const record of records) if (quarantinedExamples.length < 10) quarantinedExamples.push(record.id);
    };
    try {
      const checkpoint = await this.checkpoint(stream);
      const walked = new Set<string>();
      let seen = 0;
      for await (const page of definition.pages(this.mcp, run.kind, checkpoint, {
        pageSize: this.config.sync.pageSize,
        signal,
      })) {
        const { storable, quarantined } = splitStorable(page.records);
        noteQuarantined(quarantined);
        const records = prepareRecords(storable);
        seen += records.length + quarantined.length;
        if (definition.recheck) for (const record of records) walked.add(record.id);
        const seenAt = new Date();
        // A walk that saw nothing at all is more likely a broken upstream than an empty one: it deletes nothing.
        const sweep = run.kind === 'full' && page.last && seen > 0;
        const counts = await this.dataSource.transaction(async (manager) => {
          const pageCounts = await applyPage(manager, definition.table, records, seenAt);
          await updateQuarantine(
            manager,
            stream,
            quarantined,
            records.map((record) => record.id),
            seenAt,
          );
          if (sweep) {
            const swept = await sweepUnseen(manager, definition.table, walkStartedAt, seenAt);
            pageCounts.deleted += swept.count;
            pageCounts.deletedIds.push(...swept.examples);
          }
          if (page.checkpoint) await this.saveCheckpoint(manager, stream, page.checkpoint);
          await this.addRunCounts(manager, run.id, pageCounts);
          return pageCounts;
        });
        add(counts);
        result.pages++;
        if (stream === 'avinode_bookings') await this.announceBookingOutcomes(records, counts.writtenIds);
        if (this.stopAfterPage && !page.last) throw new Error('the application is shutting down');
      }
      if (run.kind === 'incremental' && definition.recheck && definition.recheckWhere) {
        const rows = await this.dataSource.query<Array<{ id: string }>>(
          `SELECT "upstream_id" AS id FROM "${definition.table}" WHERE ${definition.recheckWhere}
            ORDER BY "upstream_id" LIMIT ${RECHECK_LIMIT}`,
        );
        const ids = rows.map((row) => row.id).filter((id) => !walked.has(id));
        if (ids.length > 0) {
          const { records, gone } = await definition.recheck(this.mcp, ids, signal);
          const { storable, quarantined } = splitStorable(records);
          noteQuarantined(quarantined);
          const prepared = prepareRecords(storable);
          const seenAt = new Date();
          const counts = await this.dataSource.transaction(async (manager) => {
            const pageCounts = await applyPage(manager, definition.table, prepared, seenAt);
            await updateQuarantine(
              manager,
              stream,
              quarantined,
              prepared.map((record) => record.id),
              seenAt,
            );
            const removed = await markGone(manager, definition.table, gone, seenAt);
            pageCounts.deleted += removed;
            pageCounts.deletedIds.push(...gone.slice(0, removed));
            await this.addRunCounts(manager, run.id, pageCounts);
            return pageCounts;
          });
          add(counts);
          result.pages++;
        }
      }
    } catch (error) {
      result.outcome = 'failure';
      result.error = errorMessage(error);
    }
    result.durationMs = Math.round(performance.now() - started);
    if (deletedExamples.length > 0) result.deletedExamples = deletedExamples;
    if (quarantinedCount > 0) {
      result.quarantined = quarantinedCount;
      result.quarantinedExamples = quarantinedExamples;
      this.logger.warn(
        `${stream}: ${quarantinedCount} record(s) could not be stored and were set aside (e.g. ${quarantinedExamples[0]})`,
      );
    }
    for (const change of ['inserted', 'changed', 'unchanged', 'deleted'] as const) {
      if (result[change] > 0) this.metrics.rows.inc({ stream, change }, result[change]);
    }
    const now = new Date();
    const counts = {
      inserted: result.inserted,
      changed: result.changed,
      unchanged: result.unchanged,
      deleted: result.deleted,
    };
    try {
      if (result.outcome === 'success') {
        await this.dataSource.query(
          `UPDATE "sync_stream_state" SET "last_finished_at" = $2, "last_success_at" = $2, "last_counts" = $3,
             "last_full_sync_at" = CASE WHEN $4 THEN $2 ELSE "last_full_sync_at" END, "updated_at" = now()
           WHERE "stream" = $1`,
          [stream, now, JSON.stringify(counts), run.kind === 'full'],
        );
        this.metrics.lastSuccess.set({ stream }, now.getTime() / 1000);
      } else {
        await this.dataSource.query(
          `UPDATE "sync_stream_state" SET "last_finished_at" = $2, "last_error_at" = $2, "last_error" = $3,
             "last_counts" = $4, "updated_at" = now() WHERE "stream" = $1`,
          [stream, now, result.error ?? 'unknown error', JSON.stringify(counts)],
        );
      }
    } catch (error) {
      this.logger.warn(`Could not record the state of stream ${stream}: ${errorMessage(error)}`);
    }
    return result;
  }

  private async checkpoint(stream: SyncStreamName): Promise<Checkpoint> {
    const state = await this.dataSource.getRepository(SyncStreamState).findOneBy({ stream });
    return { cursor: state?.cursor ?? null, updatedSince: state?.updatedSince ?? null, extra: state?.extra ?? {} };
  }

  private async saveCheckpoint(manager: EntityManager, stream: SyncStreamName, checkpoint: Checkpoint): Promise<void> {
    await manager.query(
      `UPDATE "sync_stream_state" SET "cursor" = $2, "updated_since" = $3, "extra" = $4, "updated_at" = now()
        WHERE "stream" = $1`,
      [stream, checkpoint.cursor, checkpoint.updatedSince, JSON.stringify(checkpoint.extra)],
    );
  }

  private async addRunCounts(manager: EntityManager, runId: string, counts: SyncCounts): Promise<void> {
    await manager.query(
      `UPDATE "sync_run" SET "inserted" = "inserted" + $2, "changed" = "changed" + $3, "unchanged" = "unchanged" + $4,
         "deleted" = "deleted" + $5 WHERE "id" = $1`,
      [runId, counts.inserted, counts.changed, counts.unchanged, counts.deleted],
    );
  }

  /** Runs left `running` by a process that died: their locks are free again (or, embedded, this is the only process). */
  private async recoverInterrupted(): Promise<void> {
    const runs = await this.dataSource.query<Array<{ id: string; streams: string[] }>>(
      `SELECT "id", "streams" FROM "sync_run" WHERE "outcome" = 'running'`,
    );
    for (const run of runs) {
      const locks = await StreamLocks.acquire(this.dataSource, run.streams, this.config.database.kind === 'postgres');
      try {
        if (locks.held.length < run.streams.length) continue;
        await this.dataSource.query(
          `UPDATE "sync_run" SET "outcome" = 'interrupted', "finished_at" = now(),
             "error" = 'the process running it ended before it finished' WHERE "id" = $1 AND "outcome" = 'running'`,
          [run.id],
        );
        this.logger.warn(
          `Sync run ${run.id} was interrupted (its process ended); its streams resume from their cursors`,
        );
      } finally {
        await locks.release();
      }
    }
  }
}
