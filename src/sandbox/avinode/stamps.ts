import type { AvinodeState } from './avinode.types.js';

export function availabilityId(aircraftId: string, date: string): string {
  return `av-${aircraftId}-${date}`;
}

/** A change stamp strictly greater than every earlier one, and not earlier than the clock. */
export function nextStamp(state: AvinodeState, now: Date): { ms: number; iso: string } {
  const ms = Math.max(now.getTime(), state.lastChangeMs + 1);
  state.lastChangeMs = ms;
  return { ms, iso: new Date(ms).toISOString() };
}

/** A fresh id: the change stamp in base 36 makes it unique within a run and across restarts. */
export function newId(state: AvinodeState, prefix: string, now: Date): string {
  const { ms } = nextStamp(state, now);
  state.sequence += 1;
  return `${prefix}-${ms.toString(36)}${(state.sequence % 1296).toString(36).padStart(2, '0')}`;
}
