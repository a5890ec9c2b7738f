// How values read in the console: money in USD from cents, times in the browser's locale with UTC on hover.

const usd = new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function money(cents: number | null | undefined): string {
  return typeof cents === 'number' ? usd.format(cents / 100) : '—';
}

export function Money({ cents }: { cents: number | null | undefined }) {
  return <span class="money">{money(cents)}</span>;
}

export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <span class="muted">—</span>;
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return <span>{at}</span>;
  return (
    <time dateTime={date.toISOString()} title={`${date.toISOString().replace('T', ' ').slice(0, 19)} UTC`}>
      {dateTime.format(date)}
    </time>
  );
}

export function duration(ms: number | null | undefined): string {
  if (typeof ms !== 'number') return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

export function label(status: string): string {
  return status.replace(/_/g, ' ');
}

const ATTENTION = new Set(['failed', 'dead_lettered', 'down', 'open', 'error', 'failure']);
const GOOD = new Set(['booked', 'processed', 'up', 'closed', 'success', 'confirmed', 'succeeded']);

export function Status({ value }: { value: string | null | undefined }) {
  if (!value) return <span class="muted">—</span>;
  const tone = ATTENTION.has(value) ? 'bad' : GOOD.has(value) ? 'good' : 'neutral';
  return <span class={`status status-${tone}`}>{label(value)}</span>;
}
