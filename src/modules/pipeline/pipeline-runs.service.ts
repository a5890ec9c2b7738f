import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, type DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../common/config/app-config.js';
import { DomainError, NotFoundError } from '../../common/errors/domain-error.js';
import { JobQueueService, transactionDb } from '../../common/jobs/job-queue.service.js';
import type { JobContext } from '../../common/jobs/queue-worker.js';
import { PipelineBookingOutcome } from './booking-outcome.entity.js';
import type { LeadProfile } from './lead-merge.js';
import { PipelineRun } from './pipeline-run.entity.js';
import { PipelineStepRecord, type StepAttemptError, type StepRecordStatus } from './pipeline-step.entity.js';
import { PipelineTripQuote } from './trip-quote.entity.js';
import type { Rfq } from '../avainode/avinode-trips.contracts.js';
import {
  PipelineRunCreated,
  PipelineRunFinished,
  PipelineRunStatusChanged,
  PipelineStepFailed,
  PipelineStepStarted,
  PipelineStepSucceeded,
} from './pipeline.events.js';
import { type PipelineQueues, pipelineQueues, stepPriority } from './pipeline.queues.js';
import type { FlightRequirements, RunSource } from './pipeline.types.js';
import { dedupeKey, requestHash } from './run-keys.js';
import {
  type BookingOutcome,
  IN_FLIGHT_STATUSES,
  type PipelineStep,
  type RunEvent,
  type RunMachineState,
  type RunStatus,
  WORKING_STATUS,
  applyRunEvent,
  isTerminal,
  stepOfStatus,
} from './run-state-machine.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../../common/http/keyset-cursor.js';
import { INSTANCE_NAME } from '../../common/instance.js';
import { currentTraceContext } from '../../common/tracing/tracing.js';
import { eventNameOf, publish } from '../../common/events/publish.js';
import { safeErrorMessage } from '../../common/logging/safe-errors.js';

export interface SubmitRunInput {
  lead: LeadProfile;
  flight: FlightRequirements;
  source: RunSource;
  /**
   * The run's origin when it has one that can repeat, e.g. `webhook:<event id>`: a redelivery finds the run it started.
   * Never a client's Idempotency-Key: those are scoped per API key by the shared idempotency service on the route.
   */
  idempotencyKey?: string | null;
  batchId?: string | null;
  batchIndex?: number | null;
}

export interface SubmitResult {
  run: PipelineRun;
  /** False when an open run for the same lead and trip (or the same idempotency key) was returned instead. */
  created: boolean;
}

/** What a step produced: the event for the state machine, what to store on the run and on the step. */
export interface StepOutcome {
  event: RunEvent;
  output: Record<string, unknown>;
  runPatch?: Partial<
    Pick<
      PipelineRun,
      | 'lead'
      | 'candidates'
      | 'choice'
      | 'charterRequestId'
      | 'bookingId'
      | 'n8nExecutionId'
      | 'quotePath'
      | 'avinodeTripId'
      | 'avinodeDeepLink'
    >
  >;
  failureMessage?: string | null;
}

export interface RunListQuery {
  status?: RunStatus[];
  batchId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  cursor?: string;
  limit: number;
}

const MAX_KEPT_ERRORS = 10;

/** Advisory lock (namespace, key) that serialises run submissions against the cap on runs in flight. */
const ADMISSION_LOCK_NAMESPACE = 0x91e1;
const ADMISSION_LOCK_KEY = 'pipeline:admission';
const IN_FLIGHT_SQL = IN_FLIGHT_STATUSES.map((status) => `'${status}'`).join(', ');
/** A run's trip (departure to return day, $2–$3 as YYYY-MM-DD) overlaps another's: ISO dates compare as text. */
const OVERLAPS_SQL = `"flight"->>'departureDate' <= $3
  AND COALESCE("flight"->>'returnDate', "flight"->>'departureDate') >= $2`;

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

function machineState(run: PipelineRun): RunMachineState {
  return {
    status: run.status,
    failedStep: run.failedStep,
    failureReason: run.failureReason,
    requestCreated: run.requestCreated,
    pendingOutcome: run.pendingOutcome,
  };
}

/** Events to emit once a transaction has committed. */
type PendingEmit = object;

/**
 * Runs and steps in the database. Every status change goes through `applyRunEvent` under a row lock, in a short
 * transaction that also enqueues the next step's job (so a step's outcome is committed before the next step can run,
 * and a committed outcome always has its next job). No transaction is held across an upstream call.
 */
@Injectable()
export class PipelineRunsService {
  private readonly logger = new Logger('Pipeline');
  readonly queues: PipelineQueues;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: JobQueueService,
    private readonly events: EventEmitter2,
    private readonly config: AppConfig,
  ) {
    this.queues = pipelineQueues(config);
  }

  // ---- creating ------------------------------------------------------------------------------------------------------

  /** Starts a run, or returns the open run for the same lead and trip (or the same idempotency key). */
  async submit(input: SubmitRunInput): Promise<SubmitResult> {
    const emits: PendingEmit[] = [];
    const result = await this.dataSource.transaction((manager) => this.submitWithin(manager, input, emits));
    this.flush(emits);
    if (result.created) this.jobs.wake(this.queues.step);
    return result;
  }

  /** As `submit`, inside the caller's transaction; `emits` collects the events to send after its commit. */
  async submitWithin(manager: EntityManager, input: SubmitRunInput, emits: PendingEmit[]): Promise<SubmitResult> {
    const id = randomUUID();
    const key = dedupeKey(input.lead, input.flight);
    const hash = requestHash({ lead: input.lead, flight: input.flight });
    // Submissions take turns (until commit) so two of them never both see the last free place among the runs in flight.
    await manager.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [
      ADMISSION_LOCK_NAMESPACE,
      ADMISSION_LOCK_KEY,
    ]);
    const load = await this.admissionState(manager);
    // A new run starts at once only with a free place and nobody waiting before it: the queue is first come, first served.
    const startNow = load.inFlight < this.config.pipeline.maxRunsInFlight && load.queued === 0;
    const inserted: unknown = await manager.query(
      `INSERT INTO "pipeline_runs" ("id", "status", "source", "batch_id", "batch_index", "lead_input", "lead", "flight",
         "dedupe_key", "idempotency_key", "request_hash")
       VALUES ($1, $10, $2, $3, $4, $5, $5, $6, $7, $8, $9)
       ON CONFLICT DO NOTHING
       RETURNING "id"`,
      [
        id,
        input.source,
        input.batchId ?? null,
        input.batchIndex ?? null,
        JSON.stringify(input.lead),
        JSON.stringify(input.flight),
        key,
        input.idempotencyKey ?? null,
        hash,
        startNow ? 'enriching' : 'queued',
      ],
    );
    const repository = manager.getRepository(PipelineRun);
    if (Array.isArray(inserted) && inserted.length > 0) {
      if (startNow) await this.sendStep(manager, id, 'enrich', 1);
      // Queued behind others while places are free (a place freed by a transaction this one could not see yet): fill them.
      else await this.admitQueued(manager, emits);
      const run = await repository.findOneByOrFail({ id });
      emits.push(new PipelineRunCreated(id, input.source, run.batchId, run.status));
      return { run, created: true };
    }
    // Lost to a concurrent or earlier submission: find the run that won.
    if (input.idempotencyKey) {
      const byKey = await repository.findOneBy({ idempotencyKey: input.idempotencyKey });
      if (byKey) {
        if (byKey.requestHash !== hash) {
          throw new DomainError('idempotency_key_reused', 'This origin key was used with a different lead or trip');
        }
        return { run: byKey, created: false };
      }
    }
    const open = await repository
      .createQueryBuilder('run')
      .where('run.dedupe_key = :key', { key })
      .andWhere(`run.status NOT IN ('cancelled', 'failed', 'dead_lettered')`)
      .getOne();
    if (open) return { run: open, created: false };
    if (input.batchId && input.batchIndex !== null && input.batchIndex !== undefined) {
      const byIndex = await repository.findOneBy({ batchId: input.batchId, batchIndex: input.batchIndex });
      if (byIndex) return { run: byIndex, created: false };
    }
    throw new DomainError('conflict', 'A concurrent submission for this lead and trip changed state; try again');
  }

  // ---- steps ---------------------------------------------------------------------------------------------------------

  /**
   * Called when a step job starts: returns the run if the job is current (its generation, and the run is in the step's
   * status), after counting the attempt; null for a stale or duplicate job, which then does nothing.
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
    publish(this.events, new PipelineStepStarted(runId, step, attempts));
    return { run, attempt: attempts };
  }

  /** Records a failed attempt that will be retried (or dead-lettered); the run's status does not change. */
  async recordAttemptError(
    runId: string,
    step: PipelineStep,
    attempt: number,
    error: Omit<StepAttemptError, 'at' | 'attempt'>,
    willRetry: boolean,
    durationMs: number,
  ): Promise<void> {
    const entry: StepAttemptError = { ...error, attempt, at: new Date().toISOString() };
    await this.dataSource.query(
      `UPDATE "pipeline_steps" SET "status" = $3, "duration_ms" = $5, "finished_at" = now(),
         "errors" = (CASE WHEN jsonb_array_length("errors") >= ${MAX_KEPT_ERRORS}
                     THEN "errors" - 0 ELSE "errors" END) || $4::jsonb
       WHERE "run_id" = $1 AND "step" = $2`,
      [runId, step, willRetry ? 'retrying' : 'failed', JSON.stringify([entry]), durationMs],
    );
    publish(this.events, new PipelineStepFailed(runId, step, attempt, error.code, error.message, willRetry));
  }

  /**
   * Commits a step's outcome: the state machine decides the new status; the run, the step and the next step's job
   * are written in one transaction. A job that is no longer current (duplicate delivery, a run cancelled meanwhile)
   * commits nothing. Returns the new status, or null when nothing was committed. With `job`, the step's job is completed
   * in the same transaction (its outcome and its completion commit together).
   */
  async completeStep(
    runId: string,
    step: PipelineStep,
    generation: number,
    attempt: number,
    outcome: StepOutcome,
    input: Record<string, unknown>,
    durationMs: number,
    job?: Pick<JobContext, 'completeWithin'>,
  ): Promise<RunStatus | null> {
    const emits: PendingEmit[] = [];
    const status = await this.dataSource.transaction(async (manager) => {
      const run = await this.lockRun(manager, runId);
      // A job that is no longer current is done too: completing it here is what the worker would do after it.
      await job?.completeWithin(transactionDb(manager));
      if (!run || run.generation !== generation || run.status !== WORKING_STATUS[step]) return null;
      const succeeded = outcome.event.type === 'step_succeeded' || outcome.event.type === 'quotes_requested';
      const stepStatus: StepRecordStatus = succeeded ? 'succeeded' : 'failed';
      await manager.query(
        `UPDATE "pipeline_steps" SET "status" = $3, "input" = $4, "output" = $5, "finished_at" = now(), "duration_ms" = $6
         WHERE "run_id" = $1 AND "step" = $2`,
        [runId, step, stepStatus, JSON.stringify(input), JSON.stringify(outcome.output), durationMs],
      );
      Object.assign(run, outcome.runPatch ?? {});
      if (outcome.failureMessage !== undefined) run.failureMessage = outcome.failureMessage;
      const report: PendingEmit = succeeded
        ? new PipelineStepSucceeded(runId, step, attempt, durationMs, outcome.output)
        : new PipelineStepFailed(runId, step, attempt, outcome.event.type, outcome.failureMessage ?? '', false);
      emits.push(report);
      const applied = await this.transition(manager, run, outcome.event, emits);
      if (!applied) return null;
      // An upstream answer that arrived before this run knew its request id is applied now.
      if (step === 'request' && run.charterRequestId) await this.applyStoredOutcomes(manager, run, emits);
      return run.status;
    });
    if (status === null) emits.length = 0;
    this.flush(emits);
    // The run left the runs in flight and may have let a queued run in: its first step is waiting.
    if (status !== null && !IN_FLIGHT_STATUSES.includes(status)) this.jobs.wake(this.queues.step);
    return status;
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

  /** A step job reached the dead-letter queue: its retries are spent. */
  async deadLetter(runId: string, step: PipelineStep, generation: number): Promise<boolean> {
    const emits: PendingEmit[] = [];
    const done = await this.dataSource.transaction(async (manager) => {
      const run = await this.lockRun(manager, runId);
      if (!run || run.generation !== generation || run.status !== WORKING_STATUS[step]) return false;
      const record = await manager.getRepository(PipelineStepRecord).findOneBy({ runId, step });
      const last = record?.errors.at(-1);
      run.failureMessage = last
        ? `${step} failed ${record?.attempts ?? 0} times; last error: ${last.message}`
        : `${step} used up its retries`;
      await manager.query(
        `UPDATE "pipeline_steps" SET "status" = 'dead_lettered' WHERE "run_id" = $1 AND "step" = $2`,
        [runId, step],
      );
      return this.transition(manager, run, { type: 'step_exhausted', step }, emits);
    });
    this.flush(emits);
    return done;
  }

  // ---- operator actions ----------------------------------------------------------------------------------------------

  /** Resumes a failed or dead-lettered run at the step that failed. */
  async retry(runId: string): Promise<PipelineRun> {
    const emits: PendingEmit[] = [];
    const run = await this.dataSource.transaction(async (manager) => {
      const current = await this.lockRun(manager, runId);
      if (!current) throw new NotFoundError('pipeline run', runId);
      const step = current.failedStep;
      current.generation += 1;
      current.failureMessage = null;
      current.finishedAt = null;
      const applied = await this.transition(manager, current, { type: 'retry_requested' }, emits, {
        refuse: `Only failed or dead-lettered runs can be retried (this one is ${current.status})`,
      });
      if (applied && step) {
        await manager.query(`UPDATE "pipeline_steps" SET "status" = 'retrying' WHERE "run_id" = $1 AND "step" = $2`, [
          runId,
          step,
        ]);
      }
      return current;
    });
    this.flush(emits);
    this.jobs.wake(this.queues.step);
    return run;
  }

  async cancel(runId: string, reason: string | null): Promise<PipelineRun> {
    const emits: PendingEmit[] = [];
    const run = await this.dataSource.transaction(async (manager) => {
      const current = await this.lockRun(manager, runId);
      if (!current) throw new NotFoundError('pipeline run', runId);
      current.cancelReason = reason ?? 'cancelled by a user';
      await this.transition(manager, current, { type: 'cancel_requested' }, emits, {
        refuse: `A ${current.status} run cannot be cancelled`,
      });
      return current;
    });
    this.flush(emits);
    return run;
  }

  // ---- upstream booking outcomes -------------------------------------------------------------------------------------

  /**
   * The upstream confirmed or cancelled a charter request. Stored first (so an outcome for a request whose run has not
   * recorded the request id yet is applied when it does), then applied to the run that created the request, if any.
   * Idempotent: a repeated outcome changes nothing.
   */
  async applyBookingOutcome(
    upstreamId: string,
    outcome: BookingOutcome,
    bookingId: string | null,
    source: string,
  ): Promise<{ runId: string | null; status: RunStatus | null }> {
    const emits: PendingEmit[] = [];
    const result = await this.dataSource.transaction(async (manager) => {
      const run = await manager
        .getRepository(PipelineRun)
        .createQueryBuilder('run')
        .setLock('pessimistic_write')
        .where('run.charter_request_id = :id OR run.booking_id = :id', { id: upstreamId })
        .getOne();
      const requestId = run?.charterRequestId ?? upstreamId;
      await manager.query(
        `INSERT INTO "pipeline_booking_outcomes" ("charter_request_id", "outcome", "booking_id", "source")
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [requestId, outcome, bookingId, source],
      );
      if (!run) return { runId: null, status: null };
      await this.applyStoredOutcomes(manager, run, emits);
      return { runId: run.id, status: run.status };
    });
    this.flush(emits);
    return result;
  }

  // ---- Avinode's trip flow -------------------------------------------------------------------------------------------

  /**
   * Stores the RFQs of a run's trip as read now (quotes, declines, silence). With `closeWhenEnough`, a run still waiting
   * whose quotes reach PIPELINE_QUOTES_ENOUGH stops waiting and chooses. Returns the run id, or null for a trip no run
   * knows (yet: a notification can overtake the commit of the step that created the trip; the choice reads every RFQ
   * again, so nothing is lost).
   */
  async recordTripQuotes(tripId: string, rfqs: readonly Rfq[], closeWhenEnough: boolean): Promise<string | null> {
    const emits: PendingEmit[] = [];
    const runId = await this.dataSource.transaction(async (manager) => {
      const run = await manager
        .getRepository(PipelineRun)
        .createQueryBuilder('run')
        .setLock('pessimistic_write')
        .where('run.avinode_trip_id = :tripId', { tripId })
        .getOne();
      if (!run) return null;
      for (const rfq of rfqs) {
        await manager.query(
          `INSERT INTO "pipeline_trip_quotes" ("run_id", "rfq_id", "status", "quote_id", "total_cents", "rfq")
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT ("run_id", "rfq_id") DO UPDATE SET "status" = EXCLUDED."status", "quote_id" = EXCLUDED."quote_id",
             "total_cents" = EXCLUDED."total_cents", "rfq" = EXCLUDED."rfq", "updated_at" = now()`,
          [
            run.id,
            rfq.id,
            rfq.status,
            rfq.latestQuote?.id ?? null,
            rfq.latestQuote?.total ?? null,
            JSON.stringify(rfq),
          ],
        );
      }
      if (closeWhenEnough && run.status === 'awaiting_quotes') {
        const rows = await manager.query<Array<{ n: number }>>(
          `SELECT count(*)::int AS "n" FROM "pipeline_trip_quotes" WHERE "run_id" = $1 AND "quote_id" IS NOT NULL`,
          [run.id],
        );
        if (Number(rows[0]?.n ?? 0) >= this.config.pipeline.quotesEnough) {
          await this.transition(manager, run, { type: 'quotes_ready' }, emits);
        }
      }
      return run.id;
    });
    this.flush(emits);
    if (emits.length > 0) this.jobs.wake(this.queues.step);
    return runId;
  }

  /** The quote deadline of a run arrived (its delayed job): a run still waiting chooses among what it has. */
  async closeQuotes(runId: string, generation: number): Promise<boolean> {
    const emits: PendingEmit[] = [];
    const closed = await this.dataSource.transaction(async (manager) => {
      const run = await this.lockRun(manager, runId);
      if (!run || run.generation !== generation || run.status !== 'awaiting_quotes') return false;
      return this.transition(manager, run, { type: 'quotes_ready' }, emits);
    });
    this.flush(emits);
    if (closed) this.jobs.wake(this.queues.step);
    return closed;
  }

  async tripQuotes(runId: string): Promise<PipelineTripQuote[]> {
    return this.dataSource
      .getRepository(PipelineTripQuote)
      .find({ where: { runId }, order: { firstSeenAt: 'ASC', rfqId: 'ASC' } });
  }

  async markTripClosed(runId: string): Promise<void> {
    await this.dataSource.query(`UPDATE "pipeline_runs" SET "trip_closed_at" = now() WHERE "id" = $1`, [runId]);
  }

  // ---- the cap on runs in flight -------------------------------------------------------------------------------------

  /**
   * Admits queued runs into the places free among the runs in flight, oldest first; returns how many. Runs leaving the
   * runs in flight admit their successors in their own transaction; this catches up on anything else (a raised cap
   * after a restart, a place freed while a submission was deciding to queue).
   */
  async admitWaiting(): Promise<number> {
    const emits: PendingEmit[] = [];
    const admitted = await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [
        ADMISSION_LOCK_NAMESPACE,
        ADMISSION_LOCK_KEY,
      ]);
      return this.admitQueued(manager, emits);
    });
    this.flush(emits);
    if (admitted > 0) this.jobs.wake(this.queues.step, admitted);
    return admitted;
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

  /** Runs in flight and runs queued, as this transaction sees them. */
  async admissionState(manager: EntityManager): Promise<{ inFlight: number; queued: number }> {
    const rows = await manager.query<Array<{ in_flight: number; queued: number }>>(
      `SELECT count(*) FILTER (WHERE "status" IN (${IN_FLIGHT_SQL}))::int AS "in_flight",
              count(*) FILTER (WHERE "status" = 'queued')::int AS "queued"
       FROM "pipeline_runs" WHERE "status" IN ('queued', ${IN_FLIGHT_SQL})`,
    );
    return { inFlight: Number(rows[0]?.in_flight ?? 0), queued: Number(rows[0]?.queued ?? 0) };
  }

  /**
   * Moves the oldest queued runs into the free places (never past the cap as this transaction sees it) and enqueues
   * their first step. Queued rows locked by another transaction are skipped, so concurrent callers admit different runs
   * and never wait on each other.
   */
  private async admitQueued(manager: EntityManager, emits: PendingEmit[]): Promise<number> {
    const { inFlight } = await this.admissionState(manager);
    const free = this.config.pipeline.maxRunsInFlight - inFlight;
    if (free <= 0) return 0;
    const ids = await manager.query<Array<{ id: string }>>(
      `SELECT "id" FROM "pipeline_runs" WHERE "status" = 'queued' ORDER BY "created_at", "id"
       LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [free],
    );
    if (ids.length === 0) return 0;
    const runs = await this.findManyWithin(
      manager,
      ids.map((row) => row.id),
    );
    let admitted = 0;
    for (const run of runs) {
      if (await this.transition(manager, run, { type: 'admitted' }, emits)) admitted += 1;
    }
    return admitted;
  }

  // ---- runs that would otherwise wait forever -----------------------------------------------------------------------

  /**
   * Aircraft that other live runs (requesting, notifying, awaiting confirmation or booked) hold for a time overlapping
   * this run's trip: the price step passes over them so a batch for one trip spreads its requests.
   */
  async aircraftTakenFor(run: PipelineRun): Promise<Set<string>> {
    const rows = await this.dataSource.query<Array<{ aircraft_id: string }>>(
      `SELECT DISTINCT "choice"->>'aircraftId' AS "aircraft_id" FROM "pipeline_runs"
       WHERE "id" <> $1 AND "status" IN ('requesting', 'notifying', 'awaiting_confirmation', 'booked')
         AND "choice" IS NOT NULL AND ${OVERLAPS_SQL}`,
      [run.id, run.flight.departureDate, run.flight.returnDate ?? run.flight.departureDate],
    );
    return new Set(rows.map((row) => row.aircraft_id));
  }

  /**
   * Ends runs whose charter request waited for confirmation past its due time (`confirmation_expired`); returns how
   * many. Runs from before the due time was stored fall back to the configured timeout from when they started waiting.
   */
  async expireConfirmations(limit = 100): Promise<number> {
    const emits: PendingEmit[] = [];
    const expired = await this.dataSource.transaction(async (manager) => {
      const rows = await manager.query<Array<{ id: string }>>(
        `SELECT "id" FROM "pipeline_runs"
         WHERE "status" = 'awaiting_confirmation'
           AND COALESCE("confirmation_due_at", "updated_at" + make_interval(secs => $1)) <= now()
         ORDER BY "created_at", "id" LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [this.config.pipeline.confirmationTimeoutSeconds, limit],
      );
      let count = 0;
      for (const run of await this.findManyWithin(
        manager,
        rows.map((row) => row.id),
      )) {
        const due = run.confirmationDueAt ?? run.updatedAt;
        run.failureMessage =
          `No one confirmed charter request ${run.charterRequestId ?? '(unknown)'} by ${due.toISOString()} ` +
          "(the quote's validity, at most PIPELINE_CONFIRMATION_TIMEOUT_SECONDS)";
        if (await this.transition(manager, run, { type: 'confirmation_expired' }, emits)) count += 1;
      }
      return count;
    });
    this.flush(emits);
    return expired;
  }

  /** When a run entering awaiting confirmation gives up: its quote's validity, bounded by the configured timeout. */
  private confirmationDue(run: PipelineRun): Date {
    const bound = Date.now() + this.config.pipeline.confirmationTimeoutSeconds * 1000;
    const chosen = run.candidates?.find((c) => c.aircraftId === run.choice?.aircraftId);
    const validUntil = chosen?.quote?.validUntil ? Date.parse(chosen.quote.validUntil) : Number.NaN;
    return new Date(Number.isNaN(validUntil) ? bound : Math.min(bound, validUntil));
  }

  /**
   * One aircraft, one booking per time: a run that is booked ends the runs waiting on the same aircraft for an
   * overlapping time (their requests can no longer be confirmed), and a run that starts waiting on an aircraft another
   * run has booked ends at once. Both end `aircraft_unavailable` with the booked run named; their upstream requests stay
   * as they are, so a confirmation that still comes (the booking was cancelled meanwhile) books them after all.
   */
  private async settleAircraftConflicts(manager: EntityManager, run: PipelineRun, emits: PendingEmit[]): Promise<void> {
    const aircraftId = run.choice?.aircraftId;
    if (!aircraftId || (run.status !== 'booked' && run.status !== 'awaiting_confirmation')) return;
    const dates = [run.flight.departureDate, run.flight.returnDate ?? run.flight.departureDate];
    const describe = (booked: PipelineRun, waiting: PipelineRun): string =>
      `Aircraft ${aircraftId} was booked by run ${booked.id} for ${booked.flight.departureDate}` +
      `${booked.flight.returnDate ? `–${booked.flight.returnDate}` : ''}; this run's charter request ` +
      `${waiting.charterRequestId ?? ''} can no longer be confirmed`;
    if (run.status === 'awaiting_confirmation') {
      const rows = await manager.query<Array<{ id: string }>>(
        `SELECT "id" FROM "pipeline_runs" WHERE "id" <> $1 AND "status" = 'booked'
           AND "choice"->>'aircraftId' = $4 AND ${OVERLAPS_SQL} LIMIT 1`,
        [run.id, ...dates, aircraftId],
      );
      const [booked] = await this.findManyWithin(
        manager,
        rows.map((row) => row.id),
      );
      if (!booked) return;
      run.failureMessage = describe(booked, run);
      await this.transition(manager, run, { type: 'aircraft_unavailable' }, emits);
      return;
    }
    // Rows another transaction holds are skipped: they end when they next change, or at their due time.
    const rows = await manager.query<Array<{ id: string }>>(
      `SELECT "id" FROM "pipeline_runs" WHERE "id" <> $1 AND "status" = 'awaiting_confirmation'
         AND "choice"->>'aircraftId' = $4 AND ${OVERLAPS_SQL}
       ORDER BY "created_at", "id" FOR UPDATE SKIP LOCKED`,
      [run.id, ...dates, aircraftId],
    );
    for (const other of await this.findManyWithin(
      manager,
      rows.map((row) => row.id),
    )) {
      other.failureMessage = describe(run, other);
      await this.transition(manager, other, { type: 'aircraft_unavailable' }, emits);
    }
  }

  // ---- reading -------------------------------------------------------------------------------------------------------

  async get(runId: string): Promise<{ run: PipelineRun; steps: PipelineStepRecord[] }> {
    const run = await this.dataSource.getRepository(PipelineRun).findOneBy({ id: runId });
    if (!run) throw new NotFoundError('pipeline run', runId);
    const steps = await this.dataSource.getRepository(PipelineStepRecord).find({ where: { runId } });
    const order = ['enrich', 'search', 'price', 'request', 'notify', 'confirmation'];
    steps.sort((a, b) => order.indexOf(a.step) - order.indexOf(b.step));
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

  private async findManyWithin(manager: EntityManager, ids: readonly string[]): Promise<PipelineRun[]> {
    if (ids.length === 0) return [];
    return manager
      .getRepository(PipelineRun)
      .createQueryBuilder('run')
      .where('run.id IN (:...ids)', { ids: [...ids] })
      .orderBy('run.created_at')
      .addOrderBy('run.id')
      .getMany();
  }

  /** Enqueues a step job at the step's priority (later steps first), inside the caller's transaction. */
  private async sendStep(manager: EntityManager, runId: string, step: PipelineStep, generation: number): Promise<void> {
    await this.jobs.send(
      this.queues.step,
      { runId, step, generation, trace: currentTraceContext() },
      { within: manager, priority: stepPriority(step, this.config) },
    );
  }

  // ---- internals -----------------------------------------------------------------------------------------------------

  /** The run, locked until the transaction ends (plain SQL: this runs once per step of every run). */
  private async lockRun(manager: EntityManager, runId: string): Promise<PipelineRun | null> {
    const rows = await manager.query<Array<Record<string, unknown>>>(
      `SELECT * FROM "pipeline_runs" WHERE "id" = $1 FOR UPDATE`,
      [runId],
    );
    return this.hydrateRuns(rows)[0] ?? null;
  }

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

  /**
   * Applies an event to a locked run and saves it; enqueues the job of the step the new status works on. Returns false
   * (or throws `invalid_state_transition` when `options.refuse` is given) when the table does not allow the event.
   */
  private async transition(
    manager: EntityManager,
    run: PipelineRun,
    event: RunEvent,
    emits: PendingEmit[],
    options: { refuse?: string } = {},
  ): Promise<boolean> {
    const result = applyRunEvent(machineState(run), event);
    if (!result.ok) {
      if (options.refuse) {
        throw new DomainError('invalid_state_transition', options.refuse, {
          extensions: { runId: run.id, currentStatus: run.status },
        });
      }
      return false;
    }
    const { state } = result;
    run.status = state.status;
    run.failedStep = state.failedStep;
    run.failureReason = state.failureReason;
    run.requestCreated = state.requestCreated;
    run.pendingOutcome = state.pendingOutcome;
    run.updatedAt = new Date();
    if (isTerminal(state.status)) run.finishedAt ??= new Date();
    else run.finishedAt = null;
    if (state.status !== 'awaiting_quotes') run.quotesDueAt = null;
    else if (result.from !== 'awaiting_quotes') {
      run.quotesDueAt = new Date(Date.now() + this.config.pipeline.quoteDeadlineSeconds * 1000);
      // The deadline is a delayed job committed with the wait: no worker sleeps, and a restart loses nothing.
      await this.jobs.send(
        this.queues.quoteDeadline,
        { runId: run.id, generation: run.generation },
        { within: manager, startAfter: run.quotesDueAt },
      );
    }
    if (run.avinodeTripId && result.from !== result.to) {
      // Closing the loop upstream, in this transaction (an outbox): a confirmed booking reports CONVERTED, a run
      // cancelled before its booking cancels the trip and its RFQs with the run's reason.
      const action =
        state.status === 'booked'
          ? 'report_outcome'
          : state.status === 'cancelled' && result.from !== 'booked'
            ? 'cancel'
            : null;
      if (action) await this.jobs.send(this.queues.tripClose, { runId: run.id, action }, { within: manager });
    }
    if (state.status !== 'awaiting_confirmation') run.confirmationDueAt = null;
    else if (result.from !== 'awaiting_confirmation') run.confirmationDueAt = this.confirmationDue(run);
    if (state.status === 'booked' || state.status === 'cancelled') run.failureMessage = null;
    // Plain SQL (not save(), which reads the row again first, nor the query builder): this runs once per step of every
    // run. As TypeORM's update() does, JSON columns are serialised and undefined properties are left as they are.
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
    await manager.query(
      `UPDATE "pipeline_runs" SET ${fields.map(([column], i) => `"${column}" = $${i + 2}`).join(', ')} WHERE "id" = $1`,
      [run.id, ...fields.map(([, value]) => value)],
    );
    const next = stepOfStatus(state.status);
    if (next && result.from !== result.to) await this.sendStep(manager, run.id, next, run.generation);
    // A run leaving the runs in flight hands its place to the oldest queued run, in this same transaction.
    if (IN_FLIGHT_STATUSES.includes(result.from) && !IN_FLIGHT_STATUSES.includes(result.to)) {
      await this.admitQueued(manager, emits);
    }
    if (result.from !== result.to) await this.settleAircraftConflicts(manager, run, emits);
    if (result.from !== result.to) {
      emits.push(new PipelineRunStatusChanged(run.id, run.batchId, result.from, result.to, result.note));
      if (isTerminal(result.to)) {
        emits.push(
          new PipelineRunFinished(
            run.id,
            run.batchId,
            run.status,
            run.status === 'failed' || run.status === 'dead_lettered' ? run.failureReason : null,
            run.failedStep,
            run.status === 'cancelled' ? run.cancelReason : run.failureMessage,
            run.charterRequestId,
          ),
        );
      }
    }
    return true;
  }

  /** Applies stored upstream outcomes for the run's request (confirmation before cancellation, the upstream's order). */
  private async applyStoredOutcomes(manager: EntityManager, run: PipelineRun, emits: PendingEmit[]): Promise<void> {
    if (!run.charterRequestId) return;
    const outcomes = await manager.getRepository(PipelineBookingOutcome).find({
      where: { charterRequestId: run.charterRequestId },
    });
    outcomes.sort((a, b) => (a.outcome === b.outcome ? 0 : a.outcome === 'confirmed' ? -1 : 1));
    for (const outcome of outcomes) {
      if (outcome.bookingId) run.bookingId = outcome.bookingId;
      const event: RunEvent =
        outcome.outcome === 'confirmed' ? { type: 'booking_confirmed' } : { type: 'booking_cancelled' };
      if (outcome.outcome === 'cancelled') run.cancelReason ??= 'booking cancelled upstream';
      const before = run.status;
      const awaitingSince = run.updatedAt;
      const applied = await this.transition(manager, run, event, emits);
      if (applied) {
        await manager.query(
          `UPDATE "pipeline_booking_outcomes" SET "applied_run_id" = $3 WHERE "charter_request_id" = $1 AND "outcome" = $2`,
          [outcome.charterRequestId, outcome.outcome, run.id],
        );
        if (before !== run.status) {
          await manager.query(
            `INSERT INTO "pipeline_steps" ("run_id", "step", "status", "attempts", "output", "started_at", "finished_at", "duration_ms")
             VALUES ($1, 'confirmation', 'succeeded', 1, $2, $3, now(), $4)
             ON CONFLICT ("run_id", "step") DO UPDATE SET "output" = EXCLUDED."output", "finished_at" = now()`,
            [
              run.id,
              JSON.stringify({ outcome: outcome.outcome, bookingId: outcome.bookingId, source: outcome.source }),
              awaitingSince,
              Math.max(0, Date.now() - awaitingSince.getTime()),
            ],
          );
        }
      }
    }
  }

  private flush(emits: PendingEmit[]): void {
    for (const event of emits) {
      try {
        publish(this.events, event);
      } catch (error) {
        this.logger.warn(`A listener of ${eventNameOf(event)} failed: ${safeErrorMessage(error)}`);
      }
    }
  }
}
