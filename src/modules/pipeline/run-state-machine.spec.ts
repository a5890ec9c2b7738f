import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  ALLOWED_MOVES,
  FAILURE_REASONS,
  PIPELINE_STEPS,
  RUN_STATUSES,
  TRANSITIONS,
  applyRunEvent,
  initialRunState,
  type RunEvent,
  type RunMachineState,
  type RunStatus,
} from './run-state-machine.js';

const stepArb = fc.constantFrom(...PIPELINE_STEPS);
const eventArb: fc.Arbitrary<RunEvent> = fc.oneof(
  stepArb.map((step) => ({ type: 'step_succeeded', step }) as const),
  fc
    .tuple(stepArb, fc.constantFrom(...FAILURE_REASONS))
    .map(([step, reason]) => ({ type: 'step_failed', step, reason }) as const),
  stepArb.map((step) => ({ type: 'step_exhausted', step }) as const),
  fc.constant({ type: 'booking_confirmed' } as const),
  fc.constant({ type: 'booking_cancelled' } as const),
  fc.constant({ type: 'cancel_requested' } as const),
  fc.constant({ type: 'retry_requested' } as const),
  fc.constant({ type: 'admitted' } as const),
  fc.constant({ type: 'aircraft_unavailable' } as const),
  fc.constant({ type: 'confirmation_expired' } as const),
);

const HAPPY_PATH: RunEvent[] = [
  ...PIPELINE_STEPS.map((step) => ({ type: 'step_succeeded', step }) as const),
  { type: 'booking_confirmed' },
];

/** The allowed moves, written out by hand from the issue: the table must agree with this list exactly. */
const WORKING = ['enriching', 'searching', 'pricing', 'requesting', 'notifying'] as const;
const EXPECTED_MOVES = new Set<string>([
  'queued->enriching',
  'queued->cancelled',
  'enriching->searching',
  'searching->pricing',
  'pricing->requesting',
  'requesting->notifying',
  'notifying->notifying',
  'notifying->awaiting_confirmation',
  'notifying->booked',
  'awaiting_confirmation->booked',
  'awaiting_confirmation->failed',
  // Avinode's trip flow: the run waits for sellers' quotes between searching and pricing.
  'searching->awaiting_quotes',
  'awaiting_quotes->pricing',
  ...[...WORKING, 'awaiting_quotes', 'awaiting_confirmation'].map((s) => `${s}->cancelled`),
  ...WORKING.flatMap((s) => [`${s}->failed`, `${s}->dead_lettered`, `failed->${s}`, `dead_lettered->${s}`]),
  'booked->cancelled',
  'failed->booked',
  'failed->cancelled',
  'dead_lettered->booked',
  'dead_lettered->cancelled',
]);

function run(events: readonly RunEvent[], start = initialRunState()): { state: RunMachineState; path: RunStatus[] } {
  let state = start;
  const path: RunStatus[] = [state.status];
  for (const event of events) {
    const result = applyRunEvent(state, event);
    if (result.ok) {
      expect(EXPECTED_MOVES.has(`${result.from}->${result.to}`)).toBe(true);
      state = result.state;
      path.push(state.status);
    } else {
      // A refused event changes nothing at all.
      expect(result.state).toBe(state);
    }
  }
  return { state, path };
}

/** Statuses reachable from `from` by any sequence of table rows (ignoring conditions). */
function reachable(from: RunStatus): Set<RunStatus> {
  const seen = new Set<RunStatus>([from]);
  const queue = [from];
  while (queue.length > 0) {
    const current = queue.shift() as RunStatus;
    for (const t of TRANSITIONS) {
      if (t.from === current && !seen.has(t.to)) {
        seen.add(t.to);
        queue.push(t.to);
      }
    }
  }
  return seen;
}

describe('run state machine', () => {
  it('walks the happy path to booked', () => {
    const { state, path } = run(HAPPY_PATH);
    expect(path).toEqual([
      'enriching',
      'searching',
      'pricing',
      'requesting',
      'notifying',
      'awaiting_confirmation',
      'booked',
    ]);
    expect(state.requestCreated).toBe(true);
  });

  it('allows exactly the moves the issue describes', () => {
    expect([...ALLOWED_MOVES].sort()).toEqual([...EXPECTED_MOVES].sort());
  });

  it('reaches every status from the start, and nothing leaves cancelled', () => {
    expect([...reachable('queued')].sort()).toEqual([...RUN_STATUSES].sort());
    expect(reachable('enriching').has('queued')).toBe(false);
    expect(TRANSITIONS.filter((t) => t.from === 'cancelled')).toEqual([]);
  });

  it('starts a queued run only when it is admitted; a queued run can be cancelled while it waits', () => {
    const queued: RunMachineState = { ...initialRunState(), status: 'queued' };
    for (const event of [...HAPPY_PATH, { type: 'retry_requested' } as const]) {
      expect(applyRunEvent(queued, event).ok).toBe(false);
    }
    expect(run([{ type: 'admitted' }, ...HAPPY_PATH], queued).path).toEqual(['queued', ...run(HAPPY_PATH).path]);
    expect(run([{ type: 'cancel_requested' }, { type: 'admitted' }], queued).path).toEqual(['queued', 'cancelled']);
    expect(applyRunEvent(initialRunState(), { type: 'admitted' }).ok).toBe(false);
  });

  it('ends a waiting run when its aircraft is taken or its request expires; a retry asks again', () => {
    const upToWaiting = PIPELINE_STEPS.map((step) => ({ type: 'step_succeeded', step }) as const);
    for (const type of ['aircraft_unavailable', 'confirmation_expired'] as const) {
      const { state } = run([...upToWaiting, { type }]);
      expect(state).toMatchObject({
        status: 'failed',
        failedStep: 'request',
        failureReason: type,
        requestCreated: true,
      });
      const retried = applyRunEvent(state, { type: 'retry_requested' });
      expect(retried.ok && retried.state.status).toBe('requesting');
      // The upstream still decides: a late confirmation of the same request books the run.
      expect(run([{ type: 'booking_confirmed' }], state).state.status).toBe('booked');
    }
    expect(applyRunEvent(initialRunState(), { type: 'confirmation_expired' }).ok).toBe(false);
  });

  it('keeps a confirmation that overtakes the notification and books once the notification is sent', () => {
    const steps = PIPELINE_STEPS.slice(0, 4).map((step) => ({ type: 'step_succeeded', step }) as const);
    const { state, path } = run([
      ...steps,
      { type: 'booking_confirmed' },
      { type: 'booking_confirmed' },
      { type: 'step_succeeded', step: 'notify' },
    ]);
    expect(state.status).toBe('booked');
    expect(path.at(-2)).toBe('notifying');
  });

  it('resumes a retry at the step that failed', () => {
    const { state } = run([
      { type: 'step_succeeded', step: 'enrich' },
      { type: 'step_failed', step: 'search', reason: 'no_aircraft' },
    ]);
    expect(state).toMatchObject({ status: 'failed', failedStep: 'search', failureReason: 'no_aircraft' });
    const retried = applyRunEvent(state, { type: 'retry_requested' });
    expect(retried.ok && retried.state.status).toBe('searching');
    expect(applyRunEvent(state, { type: 'step_succeeded', step: 'search' }).ok).toBe(false);
  });

  it('property: random sequences only move along the table and keep the invariants', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 40 }), (events) => {
        const { state, path } = run(events);
        // Booked or awaiting confirmation only after the charter request was created.
        if (state.status === 'booked' || state.status === 'awaiting_confirmation') {
          expect(state.requestCreated).toBe(true);
        }
        // A booking is only reached through every step in order.
        const bookedAt = path.indexOf('booked');
        if (bookedAt >= 0) {
          const before = path.slice(0, bookedAt);
          for (const status of ['searching', 'pricing', 'requesting', 'notifying'] as const) {
            expect(before).toContain(status);
          }
        }
        if (state.status === 'failed' || state.status === 'dead_lettered') expect(state.failedStep).not.toBeNull();
        else if (state.status !== 'cancelled' && state.status !== 'booked') expect(state.failedStep).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it('property: duplicating every event of the happy path gives the same result', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: HAPPY_PATH.length, maxLength: HAPPY_PATH.length }),
        (copies) => {
          const duplicated = HAPPY_PATH.flatMap((event, i) => Array.from({ length: copies[i] ?? 1 }, () => event));
          expect(run(duplicated).state).toEqual(run(HAPPY_PATH).state);
        },
      ),
    );
  });

  it('property: a reordering of the happy path never skips a step', () => {
    // With a confirmation noted while notifying, awaiting_confirmation is legitimately skipped.
    const expected = ['enriching', 'searching', 'pricing', 'requesting', 'notifying', 'booked'];
    fc.assert(
      fc.property(fc.shuffledSubarray(HAPPY_PATH, { minLength: HAPPY_PATH.length }), (shuffled) => {
        const { path } = run(shuffled);
        const visited = path.filter((s, i) => s !== 'awaiting_confirmation' && (i === 0 || s !== path[i - 1]));
        expect(visited).toEqual(expected.slice(0, visited.length));
      }),
    );
  });

  it('property: upstream outcomes in any order end as an in-order delivery would', () => {
    const upToNotify = PIPELINE_STEPS.slice(0, 4).map((step) => ({ type: 'step_succeeded', step }) as const);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(
          [
            { type: 'booking_confirmed' } as const,
            { type: 'booking_cancelled' } as const,
            { type: 'step_succeeded', step: 'notify' } as const,
          ],
          { minLength: 3 },
        ),
        (tail) => {
          // Upstream order is confirmed, then cancelled: whatever the delivery order, the run ends cancelled.
          expect(run([...upToNotify, ...tail]).state.status).toBe('cancelled');
        },
      ),
    );
  });
});
