import { describe, expect, it } from '@jest/globals';
import { isDue, nextDueAt } from './sync-schedule.js';

const at = (iso: string): Date => new Date(iso);

describe('sync schedule slots', () => {
  const base = {
    scheduleEnabled: true,
    intervalSeconds: 900,
    scheduleAnchorAt: at('2026-01-01T10:02:00Z'),
    lastStartedAt: null,
  };

  it('is not due in the slot the schedule started in, and due from the next slot on', () => {
    expect(isDue(base, at('2026-01-01T10:14:59Z'))).toBe(false);
    expect(isDue(base, at('2026-01-01T10:15:00Z'))).toBe(true);
    expect(nextDueAt(base)).toEqual(at('2026-01-01T10:15:00Z'));
  });

  it('runs once per slot: a start inside the slot makes it not due until the next one', () => {
    const ran = { ...base, lastStartedAt: at('2026-01-01T10:15:01Z') };
    expect(isDue(ran, at('2026-01-01T10:29:59Z'))).toBe(false);
    expect(isDue(ran, at('2026-01-01T10:30:00Z'))).toBe(true);
  });

  it('handles 7.5-minute intervals (450 s) that cron cannot express', () => {
    const n8n = { ...base, intervalSeconds: 450, scheduleAnchorAt: at('2026-01-01T10:00:00Z') };
    expect(nextDueAt(n8n)).toEqual(at('2026-01-01T10:07:30Z'));
    expect(isDue({ ...n8n, lastStartedAt: at('2026-01-01T10:07:30Z') }, at('2026-01-01T10:14:59Z'))).toBe(false);
    expect(isDue({ ...n8n, lastStartedAt: at('2026-01-01T10:07:30Z') }, at('2026-01-01T10:15:00Z'))).toBe(true);
  });

  it('is never due while the schedule is stopped', () => {
    expect(isDue({ ...base, scheduleEnabled: false }, at('2027-01-01T00:00:00Z'))).toBe(false);
    expect(nextDueAt({ ...base, scheduleEnabled: false })).toBeNull();
  });
});
