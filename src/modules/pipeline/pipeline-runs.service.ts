import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../../common/config/app-config.js';
import { DomainError, NotFoundError } from '../../common/errors/domain-error.js';
import { N8nExecutionsService } from '../n8n/n8n-executions.service.js';
import { JobQueueService } from '../../common/jobs/job-queue.service.js';
import type { JobInsert } from '../../common/jobs/job-insert.js';
import type { JobContext } from '../../common/jobs/queue-worker.js';
import type { LeadProfile } from './lead-merge.js';
import type { PipelineRun } from './pipeline-run.entity.js';
import type { StepAttemptError, StepRecordStatus } from './pipeline-step.entity.js';
import { PipelineRunsRepository } from './pipeline-runs.repository.js';
import type { Rfq } from '../avainode/avinode-trips.contracts.js';
import {
  PipelineNotificationFinished,
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
      | 'notificationStatus'
      | 'quotePath'
      | 'avinodeTripId'
      | 'avinodeDeepLink'
    >
  >;
  failureMessage?: string | null;
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
 * The run's transitions: every status change goes through `applyRunEvent` under a row lock, in a short transaction that
 * also enqueues the next step's job (so a step's outcome is committed before the next step can run, and a committed
 * outcome always has its next job); the events are sent once it has committed. No transaction is held across an
 * upstream call. The statements live in `PipelineRunsRepository`, which callers use directly to read.
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
    private readonly repository: PipelineRunsRepository,
    private readonly executions: N8nExecutionsService,
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
    await this.repository.lockAdmission(manager);
    const load = await this.repository.admissionState(manager);
    // A new run starts at once only with a free place and nobody waiting before it: the queue is first come, first served.
    const startNow = load.inFlight < this.config.pipeline.maxRunsInFlight && load.queued === 0;
    const inserted = await this.repository.insertRun(
      manager,
      {
        id,
        status: startNow ? 'enriching' : 'queued',
        source: input.source,
        batchId: input.batchId ?? null,
        batchIndex: input.batchIndex ?? null,
        lead: input.lead,
        flight: input.flight,
        dedupeKey: key,
        idempotencyKey: input.idempotencyKey ?? null,
        requestHash: hash,
      },
      startNow ? await this.stepJob(id, 'enrich', 1) : undefined,
    );
    if (inserted) {
      let run = inserted;
      if (!startNow) {
        // Queued behind others while places are free (a place freed by a transaction this one could not see yet): fill them.
        await this.admitQueued(manager, emits);
        run = await this.repository.findOrFail(manager, id);
      }
      emits.push(new PipelineRunCreated(id, input.source, run.batchId, run.status));
      return { run, created: true };
    }
    // Lost to a concurrent or earlier submission: find the run that won.
    if (input.idempotencyKey) {
      const byKey = await this.repository.findByIdempotencyKey(manager, input.idempotencyKey);
      if (byKey) {
        if (byKey.requestHash !== hash) {
          throw new DomainError('idempotency_key_reused', 'This origin key was used with a different lead or trip');
        }
        return { run: byKey, created: false };
      }
    }
    const open = await this.repository.findOpenByDedupeKey(manager, key);
    if (open) return { run: open, created: false };
    if (input.batchId && input.batchIndex !== null && input.batchIndex !== undefined) {
      const byIndex = await this.repository.findByBatchPlace(manager, input.batchId, input.batchIndex);
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
    const begun = await this.repository.beginStep(runId, step, generation);
    if (!begun) return null;
    publish(this.events, new PipelineStepStarted(runId, step, begun.attempt));
    return begun;
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
    await this.repository.recordAttemptError(runId, step, entry, willRetry ? 'retrying' : 'failed', durationMs);
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
    job?: Pick<JobContext, 'completeInStatement'>,
  ): Promise<RunStatus | null> {
    const emits: PendingEmit[] = [];
    const succeeded = outcome.event.type === 'step_succeeded' || outcome.event.type === 'quotes_requested';
    const stepStatus: StepRecordStatus = succeeded ? 'succeeded' : 'failed';
    const status = await this.dataSource.transaction(async (manager) => {
      // One statement locks the run, records the step if the job is current, and completes the job (a job that is no
      // longer current is done too: completing it here is what the worker would do after it).
      const run = await this.repository.lockRunFinishingStep(manager, {
        runId,
        step,
        generation,
        workingStatus: WORKING_STATUS[step],
        stepStatus,
        input,
        output: outcome.output,
        durationMs,
        job: job?.completeInStatement(),
      });
      if (!run || run.generation !== generation || run.status !== WORKING_STATUS[step]) return null;
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

  /** A step job reached the dead-letter queue: its retries are spent. */
  async deadLetter(runId: string, step: PipelineStep, generation: number): Promise<boolean> {
    const emits: PendingEmit[] = [];
    const done = await this.dataSource.transaction(async (manager) => {
      const run = await this.repository.lockRun(manager, runId);
      if (!run || run.generation !== generation || run.status !== WORKING_STATUS[step]) return false;
      const record = await this.repository.stepRecord(manager, runId, step);
      const last = record?.errors.at(-1);
      run.failureMessage = last
        ? `${step} failed ${record?.attempts ?? 0} times; last error: ${last.message}`
        : `${step} used up its retries`;
      await this.repository.setStepStatus(manager, runId, step, 'dead_lettered');
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
      const current = await this.repository.lockRun(manager, runId);
      if (!current) throw new NotFoundError('pipeline run', runId);
      const step = current.failedStep;
      current.generation += 1;
      current.failureMessage = null;
      current.finishedAt = null;
      const applied = await this.transition(manager, current, { type: 'retry_requested' }, emits, {
        refuse: `Only failed or dead-lettered runs can be retried (this one is ${current.status})`,
      });
      if (applied && step) await this.repository.setStepStatus(manager, runId, step, 'retrying');
      return current;
    });
    this.flush(emits);
    this.jobs.wake(this.queues.step);
    return run;
  }

  async cancel(runId: string, reason: string | null): Promise<PipelineRun> {
    const emits: PendingEmit[] = [];
    const run = await this.dataSource.transaction(async (manager) => {
      const current = await this.repository.lockRun(manager, runId);
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
      const run = await this.repository.lockRunByUpstreamId(manager, upstreamId);
      const requestId = run?.charterRequestId ?? upstreamId;
      await this.repository.storeBookingOutcome(manager, requestId, outcome, bookingId, source);
      if (!run) return { runId: null, status: null };
      await this.applyStoredOutcomes(manager, run, emits);
      return { runId: run.id, status: run.status };
    });
    this.flush(emits);
    return result;
  }

  // ---- the notification's end ---------------------------------------------------------------------------------------

  /**
   * n8n reported how a notification execution ended: recorded on its run and audited. A failed notification does not
   * fail the run (the charter request stands; an operator sees it on the run and in the audit log). An execution that no
   * run knows yet but whose trigger carried the key of a run still notifying is a notify step whose commit n8n overtook:
   * the error makes the webhook intake deliver the event again later. Any other (a team running the workflow by hand to
   * test its nodes) is nobody's notification and is not retried into the dead letters. Returns the run id, or null for
   * an execution no run waits for.
   */
  async recordNotificationOutcome(outcome: {
    executionId: string;
    workflowId: string;
    status: 'succeeded' | 'failed';
    error: string | null;
  }): Promise<string | null> {
    const found = await this.repository.recordNotificationOutcome(outcome.executionId, outcome.status, outcome.error);
    if (found) {
      if (found.changed) {
        publish(
          this.events,
          new PipelineNotificationFinished(found.runId, outcome.executionId, outcome.status, outcome.error),
        );
      }
      return found.runId;
    }
    const keys = await this.repository.uncommittedNotificationKeys(outcome.workflowId);
    if (keys.length > 0 && (await this.executions.executionHoldsAny(outcome.executionId, keys))) {
      throw new DomainError(
        'service_unavailable',
        `No run has n8n execution ${outcome.executionId} yet; its notify step may not have committed`,
        { retryAfterSeconds: 1 },
      );
    }
    return null;
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
      const run = await this.repository.lockRunByTrip(manager, tripId);
      if (!run) return null;
      await this.repository.upsertTripQuotes(manager, run.id, rfqs);
      if (closeWhenEnough && run.status === 'awaiting_quotes') {
        if ((await this.repository.countQuoted(manager, run.id)) >= this.config.pipeline.quotesEnough) {
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
      const run = await this.repository.lockRun(manager, runId);
      if (!run || run.generation !== generation || run.status !== 'awaiting_quotes') return false;
      return this.transition(manager, run, { type: 'quotes_ready' }, emits);
    });
    this.flush(emits);
    if (closed) this.jobs.wake(this.queues.step);
    return closed;
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
      await this.repository.lockAdmission(manager);
      return this.admitQueued(manager, emits);
    });
    this.flush(emits);
    if (admitted > 0) this.jobs.wake(this.queues.step, admitted);
    return admitted;
  }

  /**
   * Moves the oldest queued runs into the free places (never past the cap as this transaction sees it) and enqueues
   * their first step. Queued rows locked by another transaction are skipped, so concurrent callers admit different runs
   * and never wait on each other.
   */
  private async admitQueued(manager: EntityManager, emits: PendingEmit[]): Promise<number> {
    const { inFlight } = await this.repository.admissionState(manager);
    const free = this.config.pipeline.maxRunsInFlight - inFlight;
    if (free <= 0) return 0;
    const runs = await this.repository.lockOldestQueued(manager, free);
    let admitted = 0;
    for (const run of runs) {
      if (await this.transition(manager, run, { type: 'admitted' }, emits)) admitted += 1;
    }
    return admitted;
  }

  // ---- runs that would otherwise wait forever -----------------------------------------------------------------------

  /**
   * Ends runs whose charter request waited for confirmation past its due time (`confirmation_expired`); returns how
   * many. Runs from before the due time was stored fall back to the configured timeout from when they started waiting.
   */
  async expireConfirmations(limit = 100): Promise<number> {
    const emits: PendingEmit[] = [];
    const expired = await this.dataSource.transaction(async (manager) => {
      const runs = await this.repository.lockConfirmationsDue(
        manager,
        this.config.pipeline.confirmationTimeoutSeconds,
        limit,
      );
      let count = 0;
      for (const run of runs) {
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
    const describe = (booked: PipelineRun, waiting: PipelineRun): string =>
      `Aircraft ${aircraftId} was booked by run ${booked.id} for ${booked.flight.departureDate}` +
      `${booked.flight.returnDate ? `–${booked.flight.returnDate}` : ''}; this run's charter request ` +
      `${waiting.charterRequestId ?? ''} can no longer be confirmed`;
    if (run.status === 'awaiting_confirmation') {
      const booked = await this.repository.findBookedOverlapping(manager, run, aircraftId);
      if (!booked) return;
      run.failureMessage = describe(booked, run);
      await this.transition(manager, run, { type: 'aircraft_unavailable' }, emits);
      return;
    }
    // Rows another transaction holds are skipped: they end when they next change, or at their due time.
    for (const other of await this.repository.lockAwaitingOverlapping(manager, run, aircraftId)) {
      other.failureMessage = describe(run, other);
      await this.transition(manager, other, { type: 'aircraft_unavailable' }, emits);
    }
  }

  // ---- internals -----------------------------------------------------------------------------------------------------

  /** A step job at the step's priority (later steps first), for the statement that creates or saves its run to insert. */
  private stepJob(runId: string, step: PipelineStep, generation: number): Promise<JobInsert> {
    return this.jobs.insertFor(
      this.queues.step,
      { runId, step, generation, trace: currentTraceContext() },
      { priority: stepPriority(step, this.config) },
    );
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
    const next = stepOfStatus(state.status);
    // The next step's job is inserted by the statement that saves the run: they commit together, in one round trip.
    await this.repository.saveRun(
      manager,
      run,
      next && result.from !== result.to ? await this.stepJob(run.id, next, run.generation) : undefined,
    );
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
    const outcomes = await this.repository.bookingOutcomes(manager, run.charterRequestId);
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
        await this.repository.markOutcomeApplied(manager, outcome, run.id);
        if (before !== run.status) {
          await this.repository.recordConfirmationStep(
            manager,
            run.id,
            { outcome: outcome.outcome, bookingId: outcome.bookingId, source: outcome.source },
            awaitingSince,
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
