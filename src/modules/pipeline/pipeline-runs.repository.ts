import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, type DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../common/config/app-config.js';
import { NotFoundError } from '../../common/errors/domain-error.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../../common/http/keyset-cursor.js';
import { INSTANCE_NAME } from '../../common/instance.js';
import type { JobInsert } from '../../common/jobs/job-insert.js';
import { type JobCompletion, completeJobSql } from '../../common/jobs/queue-worker.js';
import type { Rfq } from '../avainode/avinode-trips.contracts.js';
import { PipelineBookingOutcome } from './booking-outcome.entity.js';
import type { LeadProfile } from './lead-merge.js';
import { NOTIFICATION_WORKFLOW_NAME } from './notification-workflow.service.js';
import { PipelineRun } from './pipeline-run.entity.js';
import { PipelineStepRecord, type StepAttemptError, type StepRecordStatus } from './pipeline-step.entity.js';
import type { FlightRequirements, RunSource } from './pipeline.types.js';
import { PipelineTripQuote } from './trip-quote.entity.js';
import {
  type BookingOutcome,
  IN_FLIGHT_STATUSES,
  type PipelineStep,
  type RunStatus,
  TERMINAL_STATUSES,
  WORKING_STATUS,
} from './run-state-machine.js';

export interface RunListQuery {
  status?: RunStatus[];
  batchId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  cursor?: string;
  limit: number;
}

/** Runs in flight against the cap, and the queue behind it. */
export interface PipelineLoad {
  maxRunsInFlight: number;
  inFlight: number;
  queued: number;
  /** When the run at the head of the queue was submitted, or null with an empty queue. */
  oldestQueuedAt: Date | null;
  /** Every run by status. */
  byStatus: Partial<Record<RunStatus, number>>;
}

/** The columns of a new run (its id and first status are decided by the caller). */
export interface NewRunRow {
  id: string;
  status: RunStatus;
  source: RunSource;
  batchId: string | null;
  batchIndex: number | null;
  lead: LeadProfile;
  flight: FlightRequirements;
  dedupeKey: string;
  idempotencyKey: string | null;
  requestHash: string;
}

const MAX_KEPT_ERRORS = 10;
/** How far along an RFQ is: sent (no answer yet), answered (quoted or declined), cancelled. */
const rfqStage = (status: string): string => `CASE ${status} WHEN 'sent' THEN 0 WHEN 'cancelled' THEN 2 ELSE 1 END`;
const STEP_ORDER = ['enrich', 'search', 'price', 'request', 'notify', 'confirmation'];

/** Advisory lock (namespace, key) that serialises run submissions against the cap on runs in flight. */
const ADMISSION_LOCK_NAMESPACE = 0x91e1;
const ADMISSION_LOCK_KEY = 'pipeline:admission';
const IN_FLIGHT_SQL = IN_FLIGHT_STATUSES.map((status) => `'${status}'`).join(', ');
/** A run's trip (departure to return day, $2–$3 as YYYY-MM-DD) overlaps another's: ISO dates compare as text. */
const OVERLAPS_SQL = `"flight"->>'departureDate' <= $3
  AND COALESCE("flight"->>'returnDate', "flight"->>'departureDate') >= $2`;

/** The first and last day of a run's trip, as the overlap test's $2 and $3. */
function tripDays(run: PipelineRun): [string, string] {
  return [run.flight.departureDate, run.flight.returnDate ?? run.flight.departureDate];
}

/**
 * Every statement on the pipeline's run tables (`pipeline_runs`, `pipeline_steps`, `pipeline_booking_outcomes`,
 * `pipeline_trip_quotes`): the reads the API and the steps need, and the writes the transitions make. It decides
 * nothing — which status a run moves to, which job or event follows, lives in `PipelineRunsService`. Methods taking an
 * `EntityManager` run inside the caller's transaction. The statements that run once per step of every run are plain
 * SQL (not the query builder, nor `save()`, which reads the row again first); see docs/benchmarks.md.
 */
@Injectable()
export class PipelineRunsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  // ---- reading -------------------------------------------------------------------------------------------------------

  async get(runId: string): Promise<{ run: PipelineRun; steps: PipelineStepRecord[] }> {
    const run = await this.dataSource.getRepository(PipelineRun).findOneBy({ id: runId });
    if (!run) throw new NotFoundError('pipeline run', runId);
    const steps = await this.dataSource.getRepository(PipelineStepRecord).find({ where: { runId } });
    steps.sort((a, b) => STEP_ORDER.indexOf(a.step) - STEP_ORDER.indexOf(b.step));
    return { run, steps };
  }

  /** Newest first, by (created_at, id) cursor. */
  async list(query: RunListQuery): Promise<{ items: PipelineRun[]; nextCursor: string | null }> {
    const qb = this.dataSource
      .getRepository(PipelineRun)
      .createQueryBuilder('run')
      .orderBy('run.created_at', 'DESC')
      .addOrderBy('run.id', 'DESC')
      .take(query.limit + 1);
    if (query.status?.length) qb.andWhere('run.status IN (:...status)', { status: query.status });
    if (query.batchId) qb.andWhere('run.batch_id = :batchId', { batchId: query.batchId });
    if (query.createdAfter) qb.andWhere('run.created_at >= :after', { after: query.createdAfter });
    if (query.createdBefore) qb.andWhere('run.created_at < :before', { before: query.createdBefore });
    if (query.cursor) {
      const cursor = decodeKeysetCursor(query.cursor);
      qb.andWhere(
        new Brackets((w) =>
          w
            .where('run.created_at < :cAt', { cAt: new Date(cursor.at) })
            .orWhere('(run.created_at = :cAt AND run.id < :cId)', { cAt: new Date(cursor.at), cId: cursor.id }),
        ),
      );
    }
    const rows = await qb.getMany();
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    return {
      items,
      nextCursor: rows.length > query.limit && last ? encodeKeysetCursor(last.createdAt, last.id) : null,
    };
  }

  /** How many runs were created since `since`, by status (statuses without runs are absent). */
  async countByStatus(since: Date): Promise<Partial<Record<RunStatus, number>>> {
    const rows = await this.dataSource
      .getRepository(PipelineRun)
      .createQueryBuilder('run')
      .select('run.status', 'status')
      .addSelect('COUNT(*)::int', 'count')
      .where('run.created_at >= :since', { since })
      .groupBy('run.status')
      .getRawMany<{ status: RunStatus; count: number }>();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  async findMany(ids: readonly string[]): Promise<PipelineRun[]> {
    return this.findManyWithin(this.dataSource.manager, ids);
  }

  /** The runs with these ids, oldest first (`FOR UPDATE` on the rows the caller selected keeps them locked). */
  async findManyWithin(manager: EntityManager, ids: readonly string[]): Promise<PipelineRun[]> {
    if (ids.length === 0) return [];
    return manager
      .getRepository(PipelineRun)
      .createQueryBuilder('run')
      .where('run.id IN (:...ids)', { ids: [...ids] })
      .orderBy('run.created_at')
      .addOrderBy('run.id')
      .getMany();
  }

  async tripQuotes(runId: string): Promise<PipelineTripQuote[]> {
    return this.dataSource
      .getRepository(PipelineTripQuote)
      .find({ where: { runId }, order: { firstSeenAt: 'ASC', rfqId: 'ASC' } });
  }

  /**
   * The Avinode trips of unfinished runs not closed upstream, those of runs waiting for quotes first, then the newest:
   * what the reconciliation reads again.
   */
  async openTrips(limit: number): Promise<Array<{ runId: string; tripId: string }>> {
    const rows = await this.dataSource.query<Array<{ id: string; trip_id: string }>>(
      `SELECT "id", "avinode_trip_id" AS "trip_id" FROM "pipeline_runs"
       WHERE "avinode_trip_id" IS NOT NULL AND "trip_closed_at" IS NULL AND NOT ("status" = ANY($1))
       ORDER BY ("status" = 'awaiting_quotes') DESC, "created_at" DESC
       LIMIT $2`,
      [TERMINAL_STATUSES, limit],
    );
    return rows.map((row) => ({ runId: row.id, tripId: row.trip_id }));
  }

  /** How far each stored RFQ of the run's trip had got: its status and quote revisions as last stored. */
  async tripQuoteStages(runId: string): Promise<Array<{ rfqId: string; status: string; revisions: number }>> {
    const rows = await this.dataSource.query<Array<{ rfq_id: string; status: string; revisions: number | null }>>(
      `SELECT "rfq_id", "status", ("rfq"->>'quoteRevisions')::int AS "revisions"
       FROM "pipeline_trip_quotes" WHERE "run_id" = $1`,
      [runId],
    );
    return rows.map((row) => ({ rfqId: row.rfq_id, status: row.status, revisions: Number(row.revisions ?? 0) }));
  }

  /** Runs in flight against the cap, the queue behind it and every run by status. */
  async load(): Promise<PipelineLoad> {
    const rows = await this.dataSource.query<Array<{ status: RunStatus; n: number; oldest: Date | null }>>(
      `SELECT "status", count(*)::int AS "n", min("created_at") AS "oldest" FROM "pipeline_runs" GROUP BY "status"`,
    );
    const byStatus: Partial<Record<RunStatus, number>> = {};
    for (const row of rows) byStatus[row.status] = Number(row.n);
    const queuedRow = rows.find((row) => row.status === 'queued');
    return {
      maxRunsInFlight: this.config.pipeline.maxRunsInFlight,
      inFlight: IN_FLIGHT_STATUSES.reduce((sum, status) => sum + (byStatus[status] ?? 0), 0),
      queued: byStatus.queued ?? 0,
      oldestQueuedAt: queuedRow?.oldest ? new Date(queuedRow.oldest) : null,
      byStatus,
    };
  }

  /**
   * Aircraft that other live runs (requesting, notifying, awaiting confirmation or booked) hold for a time overlapping
   * this run's trip: the price step passes over them so a batch for one trip spreads its requests.
   */
  async aircraftTakenFor(run: PipelineRun): Promise<Set<string>> {
    const rows = await this.dataSource.query<Array<{ aircraft_id: string }>>(
      `SELECT DISTINCT "choice"->>'aircraftId' AS "aircraft_id" FROM "pipeline_runs"
       WHERE "id" <> $1 AND "status" IN ('requesting', 'notifying', 'awaiting_confirmation', 'booked')
         AND "choice" IS NOT NULL AND ${OVERLAPS_SQL}`,
      [run.id, ...tripDays(run)],
    );
    return new Set(rows.map((row) => row.aircraft_id));
  }

  // ---- admission (the cap on runs in flight) -------------------------------------------------------------------------

  /** Makes submissions and admissions take turns until the transaction ends. */
  async lockAdmission(manager: EntityManager): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [
      ADMISSION_LOCK_NAMESPACE,
      ADMISSION_LOCK_KEY,
    ]);
  }

  /** Runs in flight and runs queued, as this transaction sees them. */
  async admissionState(manager: EntityManager): Promise<{ inFlight: number; queued: number }> {
    const rows = await manager.query<Array<{ in_flight: number; queued: number }>>(
      `SELECT count(*) FILTER (WHERE "status" IN (${IN_FLIGHT_SQL}))::int AS "in_flight",
              count(*) FILTER (WHERE "status" = 'queued')::int AS "queued"
       FROM "pipeline_runs" WHERE "status" IN ('queued', ${IN_FLIGHT_SQL})`,
    );
    return { inFlight: Number(rows[0]?.in_flight ?? 0), queued: Number(rows[0]?.queued ?? 0) };
  }

  /** The oldest queued runs, at most `limit`, locked; rows another transaction holds are skipped. */
  async lockOldestQueued(manager: EntityManager, limit: number): Promise<PipelineRun[]> {
    const ids = await manager.query<Array<{ id: string }>>(
      `SELECT "id" FROM "pipeline_runs" WHERE "status" = 'queued' ORDER BY "created_at", "id"
       LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return this.findManyWithin(
      manager,
      ids.map((row) => row.id),
    );
  }

  // ---- creating ------------------------------------------------------------------------------------------------------

  /**
   * Inserts the run unless one conflicts with it (same open lead and trip, origin key, or batch place) and returns it;
   * null when it was not inserted. With `job` (its first step's), the job is inserted by the same statement.
   */
  async insertRun(manager: EntityManager, row: NewRunRow, job?: JobInsert): Promise<PipelineRun | null> {
    const params = [
      row.id,
      row.source,
      row.batchId,
      row.batchIndex,
      JSON.stringify(row.lead),
      JSON.stringify(row.flight),
      row.dedupeKey,
      row.idempotencyKey,
      row.requestHash,
      row.status,
    ];
    const rows = await manager.query<Array<Record<string, unknown>>>(
      `WITH "run" AS (
         INSERT INTO "pipeline_runs" ("id", "status", "source", "batch_id", "batch_index", "lead_input", "lead", "flight",
           "dedupe_key", "idempotency_key", "request_hash")
         VALUES ($1, $10, $2, $3, $4, $5, $5, $6, $7, $8, $9)
         ON CONFLICT DO NOTHING
         RETURNING *)
       ${job ? `, "job" AS (${job.sql(params.length, 'EXISTS (SELECT 1 FROM "run")')})` : ''}
       SELECT *${job ? ', (SELECT count(*) FROM "job")::int AS "jobs_inserted"' : ''} FROM "run"`,
      [...params, ...(job?.params ?? [])],
    );
    const inserted = rows[0];
    if (!inserted) return null;
    if (job && inserted['jobs_inserted'] !== 1) throw new Error(`Run ${row.id}: its first step's job was not created`);
    return this.hydrateRuns([inserted])[0] ?? null;
  }

  async findOrFail(manager: EntityManager, runId: string): Promise<PipelineRun> {
    return manager.getRepository(PipelineRun).findOneByOrFail({ id: runId });
  }

  async findByIdempotencyKey(manager: EntityManager, key: string): Promise<PipelineRun | null> {
    return manager.getRepository(PipelineRun).findOneBy({ idempotencyKey: key });
  }

  /** The open run (not cancelled, failed or dead-lettered) for a lead and trip. */
  async findOpenByDedupeKey(manager: EntityManager, key: string): Promise<PipelineRun | null> {
    return manager
      .getRepository(PipelineRun)
      .createQueryBuilder('run')
      .where('run.dedupe_key = :key', { key })
      .andWhere(`run.status NOT IN ('cancelled', 'failed', 'dead_lettered')`)
      .getOne();
  }

  async findByBatchPlace(manager: EntityManager, batchId: string, batchIndex: number): Promise<PipelineRun | null> {
    return manager.getRepository(PipelineRun).findOneBy({ batchId, batchIndex });
  }

  // ---- one run, locked -----------------------------------------------------------------------------------------------

  /** The run, locked until the transaction ends (plain SQL: this runs once per step of every run). */
  async lockRun(manager: EntityManager, runId: string): Promise<PipelineRun | null> {
    const rows = await manager.query<Array<Record<string, unknown>>>(
      `SELECT * FROM "pipeline_runs" WHERE "id" = $1 FOR UPDATE`,
      [runId],
    );
    return this.hydrateRuns(rows)[0] ?? null;
  }

  /**
   * A step's commit in one statement: locks the run and, when the run is still in `workingStatus` at `generation`,
   * records the step's result; with `job`, completes the step's job too (whatever the run's state: a job that is no
   * longer current is done as well). Returns the run as locked (before the transition), or null if it is gone.
   */
  async lockRunFinishingStep(
    manager: EntityManager,
    commit: {
      runId: string;
      step: PipelineStep;
      generation: number;
      workingStatus: RunStatus;
      stepStatus: StepRecordStatus;
      input: Record<string, unknown>;
      output: Record<string, unknown>;
      durationMs: number;
      job: JobCompletion | undefined;
    },
  ): Promise<PipelineRun | null> {
    const { job } = commit;
    const rows = await manager.query<Array<Record<string, unknown>>>(
      `WITH "run" AS (SELECT * FROM "pipeline_runs" WHERE "id" = $1 FOR UPDATE),
       "step" AS (
         UPDATE "pipeline_steps" SET "status" = $3, "input" = $4, "output" = $5, "finished_at" = now(), "duration_ms" = $6
         WHERE "run_id" = $1 AND "step" = $2
           AND EXISTS (SELECT 1 FROM "run" WHERE "generation" = $7 AND "status" = $8))
       ${job ? `, "job" AS (${completeJobSql(job, '$9', '$10')})` : ''}
       SELECT * FROM "run"`,
      [
        commit.runId,
        commit.step,
        commit.stepStatus,
        JSON.stringify(commit.input),
        JSON.stringify(commit.output),
        commit.durationMs,
        commit.generation,
        commit.workingStatus,
        ...(job ? [job.queue, job.id] : []),
      ],
    );
    return this.hydrateRuns(rows)[0] ?? null;
  }

  /** The run whose charter request or booking has this upstream id, locked. */
  async lockRunByUpstreamId(manager: EntityManager, upstreamId: string): Promise<PipelineRun | null> {
    return manager
      .getRepository(PipelineRun)
      .createQueryBuilder('run')
      .setLock('pessimistic_write')
      .where('run.charter_request_id = :id OR run.booking_id = :id', { id: upstreamId })
      .getOne();
  }

  /** The run of an Avinode trip, locked. */
  async lockRunByTrip(manager: EntityManager, tripId: string): Promise<PipelineRun | null> {
    return manager
      .getRepository(PipelineRun)
      .createQueryBuilder('run')
      .setLock('pessimistic_write')
      .where('run.avinode_trip_id = :tripId', { tripId })
      .getOne();
  }

  /**
   * Writes a run's changeable columns. As TypeORM's update() does, JSON columns are serialised and undefined
   * properties are left as they are. With `job`, the same statement inserts it (the next step's job).
   */
  async saveRun(manager: EntityManager, run: PipelineRun, job?: JobInsert): Promise<void> {
    const json = (value: unknown): string | null | undefined =>
      value === null || value === undefined ? value : JSON.stringify(value);
    const fields = (
      [
        ['status', run.status],
        ['generation', run.generation],
        ['failed_step', run.failedStep],
        ['failure_reason', run.failureReason],
        ['failure_message', run.failureMessage],
        ['request_created', run.requestCreated],
        ['pending_outcome', run.pendingOutcome],
        ['lead', json(run.lead)],
        ['candidates', json(run.candidates)],
        ['choice', json(run.choice)],
        ['charter_request_id', run.charterRequestId],
        ['booking_id', run.bookingId],
        ['n8n_execution_id', run.n8nExecutionId],
        ['notification_status', run.notificationStatus],
        ['cancel_reason', run.cancelReason],
        ['confirmation_due_at', run.confirmationDueAt],
        ['quote_path', run.quotePath],
        ['avinode_trip_id', run.avinodeTripId],
        ['avinode_deep_link', run.avinodeDeepLink],
        ['quotes_due_at', run.quotesDueAt],
        ['updated_at', run.updatedAt],
        ['finished_at', run.finishedAt],
      ] as Array<[string, unknown]>
    ).filter(([, value]) => value !== undefined);
    const params = [run.id, ...fields.map(([, value]) => value)];
    const update = `UPDATE "pipeline_runs" SET ${fields.map(([column], i) => `"${column}" = $${i + 2}`).join(', ')} WHERE "id" = $1`;
    if (!job) {
      await manager.query(update, params);
      return;
    }
    const rows = await manager.query<Array<{ jobs: number }>>(
      `WITH "run" AS (${update}), "job" AS (${job.sql(params.length)}) SELECT count(*)::int AS "jobs" FROM "job"`,
      [...params, ...job.params],
    );
    if (rows[0]?.jobs !== 1) throw new Error(`Run ${run.id}: the next step's job was not created`);
  }

  /**
   * Records the run's notification key before the workflow is triggered, once per run: a later attempt (after a crash,
   * a failed trigger call or an operator's retry) gets the recorded key back with `earlier: true` and must look for an
   * execution carrying it before triggering again. Whatever the attempt or generation, a run has one notification.
   */
  async recordNotificationKey(runId: string, key: string): Promise<{ key: string; earlier: boolean }> {
    // One statement: the CTEs read the row as it was before the UPDATE in the same snapshot.
    const rows = await this.dataSource.query<Array<{ key: string | null; earlier: boolean }>>(
      `WITH "before" AS (SELECT "notification_key" AS "key" FROM "pipeline_runs" WHERE "id" = $1),
            "recorded" AS (
              UPDATE "pipeline_runs" SET "notification_key" = $2, "notification_recorded_at" = now()
              WHERE "id" = $1 AND "notification_key" IS NULL
              RETURNING "notification_key" AS "key")
       SELECT COALESCE((SELECT "key" FROM "recorded"), (SELECT "key" FROM "before")) AS "key",
              (SELECT "key" FROM "before") IS NOT NULL AS "earlier"`,
      [runId, key],
    );
    const row = rows[0];
    if (!row?.key) throw new NotFoundError('pipeline run', runId);
    return { key: row.key, earlier: row.earlier };
  }

  /**
   * Records how the notification execution `executionId` ended on the run that sent it. `changed` is false when the run
   * already had this outcome (a redelivered webhook); null when no run has this execution.
   */
  async recordNotificationOutcome(
    executionId: string,
    status: 'succeeded' | 'failed',
    error: string | null,
  ): Promise<{ runId: string; changed: boolean } | null> {
    const rows = await this.dataSource.query<Array<{ id: string; changed: boolean }>>(
      `WITH "target" AS (
         SELECT "id", "notification_status" FROM "pipeline_runs" WHERE "n8n_execution_id" = $1 FOR UPDATE),
       "changed" AS (
         UPDATE "pipeline_runs" AS "run" SET "notification_status" = $2, "notification_error" = $3
         FROM "target" WHERE "run"."id" = "target"."id" AND "target"."notification_status" IS DISTINCT FROM $2
         RETURNING "run"."id")
       SELECT "target"."id", EXISTS (SELECT 1 FROM "changed" WHERE "changed"."id" = "target"."id") AS "changed"
       FROM "target"`,
      [executionId, status, error],
    );
    const row = rows[0];
    return row ? { runId: row.id, changed: row.changed } : null;
  }

  /**
   * The notification keys of runs whose notify step may have triggered `workflowId` without having committed the
   * execution yet: none unless the workflow is the managed notification workflow.
   */
  async uncommittedNotificationKeys(workflowId: string): Promise<string[]> {
    const rows = await this.dataSource.query<Array<{ key: string }>>(
      `SELECT "notification_key" AS "key" FROM "pipeline_runs"
        WHERE "status" = 'notifying' AND "notification_key" IS NOT NULL AND "n8n_execution_id" IS NULL
          AND EXISTS (SELECT 1 FROM "n8n_managed_workflows" WHERE "name" = $2 AND "workflow_id" = $1)`,
      [workflowId, NOTIFICATION_WORKFLOW_NAME],
    );
    return rows.map((row) => row.key);
  }

  async markTripClosed(runId: string): Promise<void> {
    await this.dataSource.query(`UPDATE "pipeline_runs" SET "trip_closed_at" = now() WHERE "id" = $1`, [runId]);
  }

  // ---- step records --------------------------------------------------------------------------------------------------

  /**
   * The run as it is now and, when the job is current (its generation, and the run in the step's status), its step
   * record with the attempt counted; null for a missing run or a stale job.
   */
  async beginStep(
    runId: string,
    step: PipelineStep,
    generation: number,
  ): Promise<{ run: PipelineRun; attempt: number } | null> {
    // One statement: the run as it is now, and its step record (attempt counted) only when the job is current.
    const rows = await this.dataSource.query<Array<Record<string, unknown> & { __attempts: number | null }>>(
      `WITH "run" AS (SELECT * FROM "pipeline_runs" WHERE "id" = $1),
            "step" AS (
              INSERT INTO "pipeline_steps" ("run_id", "step", "status", "attempts", "started_at", "instance")
              SELECT "id", $2::varchar, 'running', 1, now(), $3::varchar FROM "run" WHERE "generation" = $4 AND "status" = $5
              ON CONFLICT ("run_id", "step") DO UPDATE SET "status" = 'running',
                "attempts" = "pipeline_steps"."attempts" + 1, "started_at" = now(), "finished_at" = NULL,
                "instance" = EXCLUDED."instance"
              RETURNING "attempts")
       SELECT "run".*, (SELECT "attempts" FROM "step") AS "__attempts" FROM "run"`,
      [runId, step, INSTANCE_NAME, generation, WORKING_STATUS[step]],
    );
    const row = rows[0];
    if (!row || row.__attempts === null) return null;
    const attempts = Number(row.__attempts);
    const [run] = this.hydrateRuns([row]);
    if (!run) return null;
    return { run, attempt: attempts };
  }

  /** Appends a failed attempt to the step record (the last few are kept) and sets its status. */
  async recordAttemptError(
    runId: string,
    step: PipelineStep,
    entry: StepAttemptError,
    status: StepRecordStatus,
    durationMs: number,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE "pipeline_steps" SET "status" = $3, "duration_ms" = $5, "finished_at" = now(),
         "errors" = (CASE WHEN jsonb_array_length("errors") >= ${MAX_KEPT_ERRORS}
                     THEN "errors" - 0 ELSE "errors" END) || $4::jsonb
       WHERE "run_id" = $1 AND "step" = $2`,
      [runId, step, status, JSON.stringify([entry]), durationMs],
    );
  }

  async stepRecord(manager: EntityManager, runId: string, step: PipelineStep): Promise<PipelineStepRecord | null> {
    return manager.getRepository(PipelineStepRecord).findOneBy({ runId, step });
  }

  async setStepStatus(
    manager: EntityManager,
    runId: string,
    step: PipelineStep,
    status: StepRecordStatus,
  ): Promise<void> {
    await manager.query(`UPDATE "pipeline_steps" SET "status" = $3 WHERE "run_id" = $1 AND "step" = $2`, [
      runId,
      step,
      status,
    ]);
  }

  /** The confirmation pseudo-step: how long the run waited for the upstream's answer, and what it was. */
  async recordConfirmationStep(
    manager: EntityManager,
    runId: string,
    output: Record<string, unknown>,
    waitingSince: Date,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO "pipeline_steps" ("run_id", "step", "status", "attempts", "output", "started_at", "finished_at", "duration_ms")
       VALUES ($1, 'confirmation', 'succeeded', 1, $2, $3, now(), $4)
       ON CONFLICT ("run_id", "step") DO UPDATE SET "output" = EXCLUDED."output", "finished_at" = now()`,
      [runId, JSON.stringify(output), waitingSince, Math.max(0, Date.now() - waitingSince.getTime())],
    );
  }

  // ---- upstream booking outcomes -------------------------------------------------------------------------------------

  /** Stores an outcome for a charter request; a repeated outcome changes nothing. */
  async storeBookingOutcome(
    manager: EntityManager,
    charterRequestId: string,
    outcome: BookingOutcome,
    bookingId: string | null,
    source: string,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO "pipeline_booking_outcomes" ("charter_request_id", "outcome", "booking_id", "source")
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [charterRequestId, outcome, bookingId, source],
    );
  }

  async bookingOutcomes(manager: EntityManager, charterRequestId: string): Promise<PipelineBookingOutcome[]> {
    return manager.getRepository(PipelineBookingOutcome).find({ where: { charterRequestId } });
  }

  async markOutcomeApplied(manager: EntityManager, outcome: PipelineBookingOutcome, runId: string): Promise<void> {
    await manager.query(
      `UPDATE "pipeline_booking_outcomes" SET "applied_run_id" = $3 WHERE "charter_request_id" = $1 AND "outcome" = $2`,
      [outcome.charterRequestId, outcome.outcome, runId],
    );
  }

  // ---- Avinode's trip quotes -----------------------------------------------------------------------------------------

  /**
   * Stores each RFQ of the run's trip as read now (quotes, declines, silence). Two notifications about one trip are
   * processed concurrently, each reading the trip from Avinode and then writing under the run's lock, so an earlier read
   * can commit last: a stored RFQ is replaced only by one at least as far along (sent → answered → cancelled, then the
   * number of quote revisions), never by an older picture of it.
   */
  async upsertTripQuotes(manager: EntityManager, runId: string, rfqs: readonly Rfq[]): Promise<void> {
    for (const rfq of rfqs) {
      await manager.query(
        `INSERT INTO "pipeline_trip_quotes" AS "stored" ("run_id", "rfq_id", "status", "quote_id", "total_cents", "rfq")
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT ("run_id", "rfq_id") DO UPDATE SET "status" = EXCLUDED."status", "quote_id" = EXCLUDED."quote_id",
           "total_cents" = EXCLUDED."total_cents", "rfq" = EXCLUDED."rfq", "updated_at" = now()
         WHERE (${rfqStage('EXCLUDED."status"')}, (EXCLUDED."rfq"->>'quoteRevisions')::int)
            >= (${rfqStage('"stored"."status"')}, ("stored"."rfq"->>'quoteRevisions')::int)
           -- The same answer read again (a webhook and the reconciliation) is left as it is, its updated_at too.
           AND EXCLUDED."rfq" IS DISTINCT FROM "stored"."rfq"`,
        [runId, rfq.id, rfq.status, rfq.latestQuote?.id ?? null, rfq.latestQuote?.total ?? null, JSON.stringify(rfq)],
      );
    }
  }

  /** How many of the run's RFQs hold a quote. */
  async countQuoted(manager: EntityManager, runId: string): Promise<number> {
    const rows = await manager.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS "n" FROM "pipeline_trip_quotes" WHERE "run_id" = $1 AND "quote_id" IS NOT NULL`,
      [runId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  // ---- aircraft held by other runs, runs past their due time ---------------------------------------------------------

  /** A run other than this one that booked the aircraft for an overlapping time. */
  async findBookedOverlapping(
    manager: EntityManager,
    run: PipelineRun,
    aircraftId: string,
  ): Promise<PipelineRun | null> {
    const rows = await manager.query<Array<{ id: string }>>(
      `SELECT "id" FROM "pipeline_runs" WHERE "id" <> $1 AND "status" = 'booked'
         AND "choice"->>'aircraftId' = $4 AND ${OVERLAPS_SQL} LIMIT 1`,
      [run.id, ...tripDays(run), aircraftId],
    );
    const [booked] = await this.findManyWithin(
      manager,
      rows.map((row) => row.id),
    );
    return booked ?? null;
  }

  /** Other runs awaiting confirmation on the aircraft for an overlapping time, locked; rows others hold are skipped. */
  async lockAwaitingOverlapping(manager: EntityManager, run: PipelineRun, aircraftId: string): Promise<PipelineRun[]> {
    const rows = await manager.query<Array<{ id: string }>>(
      `SELECT "id" FROM "pipeline_runs" WHERE "id" <> $1 AND "status" = 'awaiting_confirmation'
         AND "choice"->>'aircraftId' = $4 AND ${OVERLAPS_SQL}
       ORDER BY "created_at", "id" FOR UPDATE SKIP LOCKED`,
      [run.id, ...tripDays(run), aircraftId],
    );
    return this.findManyWithin(
      manager,
      rows.map((row) => row.id),
    );
  }

  /**
   * Runs awaiting confirmation past their due time (or, stored before due times were, `timeoutSeconds` after they
   * started waiting), oldest first, at most `limit`, locked; rows others hold are skipped.
   */
  async lockConfirmationsDue(manager: EntityManager, timeoutSeconds: number, limit: number): Promise<PipelineRun[]> {
    const rows = await manager.query<Array<{ id: string }>>(
      `SELECT "id" FROM "pipeline_runs"
       WHERE "status" = 'awaiting_confirmation'
         AND COALESCE("confirmation_due_at", "updated_at" + make_interval(secs => $1)) <= now()
       ORDER BY "created_at", "id" LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [timeoutSeconds, limit],
    );
    return this.findManyWithin(
      manager,
      rows.map((row) => row.id),
    );
  }

  // ---- internals -----------------------------------------------------------------------------------------------------

  /**
   * Runs from `SELECT *` rows, converted column by column exactly as TypeORM's own reads do (the driver's hydration),
   * without building the query through the query builder each time.
   */
  private hydrateRuns(rows: ReadonlyArray<Record<string, unknown>>): PipelineRun[] {
    const metadata = this.dataSource.getMetadata(PipelineRun);
    const driver = this.dataSource.driver;
    return rows.map((row) => {
      const run = metadata.create() as PipelineRun;
      for (const column of metadata.columns) {
        const value = row[column.databaseName];
        if (value !== undefined) column.setEntityValue(run, driver.prepareHydratedValue(value, column));
      }
      return run;
    });
  }
}
