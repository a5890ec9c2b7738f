/**
 * The lead-to-booking run as a state machine. The table below is the only way a run changes status: services call
 * `applyRunEvent` and persist what it returns, so a duplicate, late or reordered event (a second delivery of a step job,
 * a confirmation that overtakes the notification, a retry pressed twice) is refused instead of moving the run somewhere
 * the table does not allow. Pure: no I/O, property-tested in run-state-machine.spec.ts.
 *
 *   queued ─(admitted)─▶ enriching ─▶ searching ─▶ pricing ─▶ requesting ─▶ notifying ─▶ awaiting_confirmation ─▶ booked
 *     │                      │            │           │           │            │                 │                  │
 *     └──────────────────────┴────────────┴───────────┴───────────┴────────────┴─────────────────┴──▶ cancelled ◀───┘
 *   (a run waits as `queued` while the cap on runs in flight is reached; booked → cancelled only from upstream)
 *   any working status ─(non-retryable)─▶ failed      any working status ─(retries exhausted)─▶ dead_lettered
 *   failed / dead_lettered ─(retry)─▶ the status of the step that failed
 *   awaiting_confirmation ─(aircraft booked by another run | confirmation expired)─▶ failed (at `request`)
 *   Avinode's trip flow: searching ─(quotes_requested: trip created)─▶ awaiting_quotes ─(quotes_ready: the deadline, or
 *   enough quotes)─▶ pricing; a run waiting for quotes holds no place among the runs in flight.
 */

export const PIPELINE_STEPS = ['enrich', 'search', 'price', 'request', 'notify'] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

export const RUN_STATUSES = [
  'queued',
  'enriching',
  'searching',
  'pricing',
  'requesting',
  'notifying',
  'awaiting_quotes',
  'awaiting_confirmation',
  'booked',
  'cancelled',
  'failed',
  'dead_lettered',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses in which a step job does work. */
export const WORKING_STATUS: Readonly<Record<PipelineStep, RunStatus>> = {
  enrich: 'enriching',
  search: 'searching',
  price: 'pricing',
  request: 'requesting',
  notify: 'notifying',
};

/** Runs in flight: the cap on them (`PIPELINE_MAX_RUNS_IN_FLIGHT`) counts these statuses. */
export const IN_FLIGHT_STATUSES: readonly RunStatus[] = Object.values(WORKING_STATUS);

/** Statuses the pipeline never leaves on its own (failed and dead-lettered runs can be retried by hand). */
export const TERMINAL_STATUSES: readonly RunStatus[] = ['booked', 'cancelled', 'failed', 'dead_lettered'];

/** Runs that still count against a lead+trip (a second submission returns them instead of starting another). */
export const OPEN_STATUSES: readonly RunStatus[] = RUN_STATUSES.filter(
  (status) => status !== 'cancelled' && status !== 'failed' && status !== 'dead_lettered',
);

export const FAILURE_REASONS = [
  'no_aircraft',
  'no_price',
  'over_budget',
  'invalid_lead',
  'invalid_request',
  'upstream_failed',
  'upstream_rejected',
  /** The chosen aircraft was booked by another run for an overlapping time: this request can never be confirmed. */
  'aircraft_unavailable',
  /** No one confirmed the charter request before the quote's validity (or the configured bound) ran out. */
  'confirmation_expired',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export type BookingOutcome = 'confirmed' | 'cancelled';

export type RunEvent =
  | { type: 'step_succeeded'; step: PipelineStep }
  /** A failure retrying cannot fix (no aircraft, invalid lead, a refusal by the upstream). */
  | { type: 'step_failed'; step: PipelineStep; reason: FailureReason }
  /** The step's retries are used up (its job reached the dead-letter queue). */
  | { type: 'step_exhausted'; step: PipelineStep }
  | { type: 'booking_confirmed' }
  | { type: 'booking_cancelled' }
  | { type: 'cancel_requested' }
  | { type: 'retry_requested' }
  /** A place among the runs in flight became free: a queued run starts. */
  | { type: 'admitted' }
  /** Another run booked the chosen aircraft for an overlapping time. */
  | { type: 'aircraft_unavailable' }
  /** The charter request waited for confirmation past its due time. */
  | { type: 'confirmation_expired' }
  /** Avinode's trip flow: the trip exists upstream; sellers' quotes arrive over time. */
  | { type: 'quotes_requested' }
  /** The quote deadline passed, or enough quotes arrived: choose among them. */
  | { type: 'quotes_ready' };

export type RunEventType = RunEvent['type'];

export interface RunMachineState {
  status: RunStatus;
  /** The step that failed or was dead-lettered (where a retry resumes). */
  failedStep: PipelineStep | null;
  failureReason: FailureReason | null;
  /** The charter request exists upstream: from then on the upstream booking's fate decides the run's. */
  requestCreated: boolean;
  /** A booking outcome that arrived while the notification was still being sent; applied when it is. */
  pendingOutcome: BookingOutcome | null;
}

interface Transition {
  from: RunStatus;
  /** `step_succeeded:enrich`, `booking_confirmed`, … */
  on: string;
  /** Extra condition on the state; the row applies only when it holds. */
  when?: (state: RunMachineState) => boolean;
  to: RunStatus;
  /** What else the row changes beside the status. */
  effect?: (state: RunMachineState, event: RunEvent) => Partial<RunMachineState>;
  note: string;
}

const WORKING: readonly RunStatus[] = Object.values(WORKING_STATUS);
const NEXT: Readonly<Record<PipelineStep, RunStatus>> = {
  enrich: 'searching',
  search: 'pricing',
  price: 'requesting',
  request: 'notifying',
  notify: 'awaiting_confirmation',
};

function stepKey(type: 'step_succeeded' | 'step_failed' | 'step_exhausted', step: PipelineStep): string {
  return `${type}:${step}`;
}

function eventKey(event: RunEvent): string {
  return event.type === 'step_succeeded' || event.type === 'step_failed' || event.type === 'step_exhausted'
    ? stepKey(event.type, event.step)
    : event.type;
}

const CLEAR_FAILURE = { failedStep: null, failureReason: null } as const;

function buildTable(): Transition[] {
  const rows: Transition[] = [];
  for (const step of PIPELINE_STEPS) {
    const from = WORKING_STATUS[step];
    if (step === 'notify') {
      rows.push(
        {
          from,
          on: stepKey('step_succeeded', step),
          when: (s) => s.pendingOutcome === null,
          to: NEXT[step],
          note: 'notification sent',
        },
        {
          from,
          on: stepKey('step_succeeded', step),
          when: (s) => s.pendingOutcome === 'confirmed',
          to: 'booked',
          effect: () => ({ pendingOutcome: null }),
          note: 'notification sent after the booking was already confirmed',
        },
        {
          from,
          on: stepKey('step_succeeded', step),
          when: (s) => s.pendingOutcome === 'cancelled',
          to: 'cancelled',
          effect: () => ({ pendingOutcome: null }),
          note: 'notification sent after the booking was already cancelled',
        },
      );
    } else {
      rows.push({
        from,
        on: stepKey('step_succeeded', step),
        to: NEXT[step],
        ...(step === 'request' ? { effect: () => ({ requestCreated: true }) } : {}),
        note: `${step} done`,
      });
    }
    rows.push(
      {
        from,
        on: stepKey('step_failed', step),
        to: 'failed',
        effect: (_s, e) => ({ failedStep: step, failureReason: e.type === 'step_failed' ? e.reason : null }),
        note: `${step} failed for good`,
      },
      {
        from,
        on: stepKey('step_exhausted', step),
        to: 'dead_lettered',
        effect: () => ({ failedStep: step, failureReason: 'upstream_failed' }),
        note: `${step} used up its retries`,
      },
      // Retrying resumes at the step that failed, and only there.
      {
        from: 'failed',
        on: 'retry_requested',
        when: (s) => s.failedStep === step,
        to: from,
        effect: () => CLEAR_FAILURE,
        note: `retry from ${step}`,
      },
      {
        from: 'dead_lettered',
        on: 'retry_requested',
        when: (s) => s.failedStep === step,
        to: from,
        effect: () => CLEAR_FAILURE,
        note: `retry from ${step}`,
      },
    );
  }
  rows.push({ from: 'queued', on: 'admitted', to: 'enriching', note: 'admitted: a place among the runs in flight' });
  rows.push(
    { from: 'searching', on: 'quotes_requested', to: 'awaiting_quotes', note: 'trip created; waiting for quotes' },
    { from: 'awaiting_quotes', on: 'quotes_ready', to: 'pricing', note: 'quotes collected; choosing' },
  );
  for (const from of ['queued', ...WORKING, 'awaiting_quotes', 'awaiting_confirmation'] as const) {
    rows.push({ from, on: 'cancel_requested', to: 'cancelled', note: 'cancelled by a user' });
  }
  rows.push(
    // An outcome that overtakes the notification is kept until the notification is done.
    {
      from: 'notifying',
      on: 'booking_confirmed',
      when: (s) => s.pendingOutcome === null,
      to: 'notifying',
      effect: () => ({ pendingOutcome: 'confirmed' }),
      note: 'confirmation noted while notifying',
    },
    {
      from: 'notifying',
      on: 'booking_cancelled',
      when: (s) => s.pendingOutcome !== 'cancelled',
      to: 'notifying',
      effect: () => ({ pendingOutcome: 'cancelled' }),
      note: 'cancellation noted while notifying',
    },
    { from: 'awaiting_confirmation', on: 'booking_confirmed', to: 'booked', note: 'booking confirmed' },
    // A waiting run ends instead of waiting forever; a retry sends the (idempotent) request again and waits anew.
    {
      from: 'awaiting_confirmation',
      on: 'aircraft_unavailable',
      to: 'failed',
      effect: () => ({ failedStep: 'request', failureReason: 'aircraft_unavailable' }),
      note: 'the aircraft was booked by another run',
    },
    {
      from: 'awaiting_confirmation',
      on: 'confirmation_expired',
      to: 'failed',
      effect: () => ({ failedStep: 'request', failureReason: 'confirmation_expired' }),
      note: 'no confirmation before the request expired',
    },
    { from: 'awaiting_confirmation', on: 'booking_cancelled', to: 'cancelled', note: 'booking cancelled upstream' },
    // A booked run is done; only the upstream cancelling the booking still changes it.
    { from: 'booked', on: 'booking_cancelled', to: 'cancelled', note: 'booking cancelled upstream after confirmation' },
    // A run that stopped after its request was created follows the upstream booking (the upstream is the truth).
    ...(['failed', 'dead_lettered'] as const).flatMap((from): Transition[] => [
      {
        from,
        on: 'booking_confirmed',
        when: (s) => s.requestCreated,
        to: 'booked',
        effect: () => CLEAR_FAILURE,
        note: 'booking confirmed upstream',
      },
      {
        from,
        on: 'booking_cancelled',
        when: (s) => s.requestCreated,
        to: 'cancelled',
        note: 'booking cancelled upstream',
      },
    ]),
  );
  return rows;
}

/** The transition table: every (from, event, condition) → to the pipeline allows. */
export const TRANSITIONS: readonly Readonly<Transition>[] = Object.freeze(buildTable());

/** (from, to) pairs of the table, for checks and documentation. */
export const ALLOWED_MOVES: ReadonlySet<string> = new Set(TRANSITIONS.map((t) => `${t.from}->${t.to}`));

export type TransitionResult =
  | { ok: true; state: RunMachineState; from: RunStatus; to: RunStatus; note: string }
  | { ok: false; state: RunMachineState; reason: string };

export function initialRunState(): RunMachineState {
  return { status: 'enriching', failedStep: null, failureReason: null, requestCreated: false, pendingOutcome: null };
}

/** Applies an event: the new state when a row of the table matches, else the unchanged state and why not. */
export function applyRunEvent(state: RunMachineState, event: RunEvent): TransitionResult {
  const key = eventKey(event);
  const row = TRANSITIONS.find((t) => t.from === state.status && t.on === key && (t.when?.(state) ?? true));
  if (!row) return { ok: false, state, reason: `${key} is not allowed in status ${state.status}` };
  const next: RunMachineState = { ...state, ...(row.effect?.(state, event) ?? {}), status: row.to };
  return { ok: true, state: next, from: state.status, to: row.to, note: row.note };
}

/** The step a status works on, or null for statuses without a step job. */
export function stepOfStatus(status: RunStatus): PipelineStep | null {
  for (const step of PIPELINE_STEPS) if (WORKING_STATUS[step] === status) return step;
  return null;
}

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}
