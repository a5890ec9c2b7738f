/**
 * When a stream is due. Time is cut into slots of the stream's interval, aligned to the Unix epoch, so every instance
 * computes the same slots from its own clock; a stream is due once per slot, in the first slot after the later of its
 * last start and the moment its schedule was (re)started. A manual run inside a slot therefore also counts for it.
 * Intervals are seconds, so 450 s (7.5 minutes, which a cron expression cannot express) works like any other.
 */
export interface ScheduleState {
  scheduleEnabled: boolean;
  intervalSeconds: number;
  scheduleAnchorAt: Date;
  lastStartedAt: Date | null;
}

export function slotOf(at: Date, intervalSeconds: number): number {
  return Math.floor(at.getTime() / (intervalSeconds * 1000));
}

export function isDue(state: ScheduleState, now: Date): boolean {
  if (!state.scheduleEnabled) return false;
  const reference =
    state.lastStartedAt && state.lastStartedAt > state.scheduleAnchorAt ? state.lastStartedAt : state.scheduleAnchorAt;
  return slotOf(now, state.intervalSeconds) > slotOf(reference, state.intervalSeconds);
}

/** Start of the first slot after the reference: when the stream is next due. */
export function nextDueAt(state: ScheduleState): Date | null {
  if (!state.scheduleEnabled) return null;
  const reference =
    state.lastStartedAt && state.lastStartedAt > state.scheduleAnchorAt ? state.lastStartedAt : state.scheduleAnchorAt;
  return new Date((slotOf(reference, state.intervalSeconds) + 1) * state.intervalSeconds * 1000);
}
