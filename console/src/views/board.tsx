import { elementScroll, observeElementOffset, observeElementRect, Virtualizer } from '@tanstack/virtual-core';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { ErrorNote, Field } from '../components';
import { label, Time } from '../format';
import { useLiveEvents, useLoad } from '../hooks';
import type { Page, RunCounts, RunSummary } from '../types';

const ROW_HEIGHT = 64;
const MAX_RUNS = 1000;

async function loadRuns(filters: URLSearchParams): Promise<RunSummary[]> {
  const runs: RunSummary[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams(filters);
    query.set('limit', '100');
    if (cursor) query.set('cursor', cursor);
    const page: Page<RunSummary> = await api<Page<RunSummary>>(`/pipeline/runs?${query.toString()}`);
    runs.push(...page.items);
    cursor = page.page.nextCursor;
  } while (cursor && runs.length < MAX_RUNS);
  return runs;
}

/** One status column; only the visible cards are in the DOM (1,000 runs stay smooth). */
function Column({ status, runs }: { status: string; runs: RunSummary[] }) {
  const scroller = useRef<HTMLDivElement>(null);
  const [, setVersion] = useState(0);
  const virtualizer = useMemo(
    () =>
      new Virtualizer<HTMLDivElement, Element>({
        count: 0,
        getScrollElement: () => scroller.current,
        estimateSize: () => ROW_HEIGHT,
        overscan: 6,
        scrollToFn: elementScroll,
        observeElementRect,
        observeElementOffset,
        onChange: () => setVersion((v) => v + 1),
      }),
    [],
  );
  virtualizer.setOptions({ ...virtualizer.options, count: runs.length });
  useEffect(() => virtualizer._didMount(), [virtualizer]);
  useEffect(() => virtualizer._willUpdate());
  return (
    <section class="column" aria-label={`${label(status)} runs`} data-column={status}>
      <h2>
        {label(status)} <span class="muted">{runs.length}</span>
      </h2>
      <div class="scroller" ref={scroller}>
        <div style={{ height: `${virtualizer.getTotalSize()}px` }}>
          {virtualizer.getVirtualItems().map((item) => {
            const run = runs[item.index];
            if (!run) return null;
            const name = [run.lead.firstName, run.lead.lastName].filter(Boolean).join(' ') || run.lead.email;
            return (
              <div key={run.id} class="run-card" style={{ top: `${item.start}px` }} data-run={run.id}>
                <a href={`#/runs/${run.id}`}>
                  {name ?? run.id.slice(0, 8)}
                  <small>
                    {run.flight.departureAirport} → {run.flight.arrivalAirport} · <Time at={run.createdAt} />
                  </small>
                </a>
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}

export function Board({ query }: { query: URLSearchParams }) {
  const [status, setStatus] = useState(query.get('status') ?? '');
  const [batchId, setBatchId] = useState(query.get('batchId') ?? '');
  const [after, setAfter] = useState('');
  const [lead, setLead] = useState('');
  const filters = useMemo(() => {
    const f = new URLSearchParams();
    if (status) f.set('status', status);
    if (batchId.trim()) f.set('batchId', batchId.trim());
    if (after) f.set('createdAfter', new Date(after).toISOString());
    return f;
  }, [status, batchId, after]);
  const runs = useLoad(() => loadRuns(filters), [filters.toString()]);
  const statuses = useLoad(() => api<RunCounts>('/pipeline/runs/counts'), []);
  const [live, setLive] = useState<Map<string, RunSummary>>(new Map());
  useEffect(() => setLive(new Map((runs.data ?? []).map((r) => [r.id, r]))), [runs.data]);
  useLiveEvents(['pipeline.run.'], (event) => {
    const runId = typeof event.data['runId'] === 'string' ? event.data['runId'] : null;
    if (!runId) return;
    void api<RunSummary>(`/pipeline/runs/${runId}`).then((run) =>
      setLive((current) => new Map(current).set(run.id, run)),
    );
  });
  const columns = Object.keys(statuses.data?.today.byStatus ?? {}).filter((s) => !status || s === status);
  const needle = lead.trim().toLowerCase();
  const byStatus = (s: string): RunSummary[] =>
    [...live.values()]
      .filter((r) => r.status === s)
      .filter((r) => !needle || JSON.stringify(r.lead).toLowerCase().includes(needle))
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <div>
      <h1>Pipeline board</h1>
      <div class="filters">
        <Field label="Status">
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">all</option>
            {Object.keys(statuses.data?.today.byStatus ?? {}).map((s) => (
              <option key={s} value={s}>
                {label(s)}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Batch id">
          <input value={batchId} onChange={(e) => setBatchId(e.currentTarget.value)} />
        </Field>
        <Field label="Created after">
          <input type="date" value={after} onChange={(e) => setAfter(e.currentTarget.value)} />
        </Field>
        <Field label="Lead">
          <input type="search" value={lead} onInput={(e) => setLead(e.currentTarget.value)} />
        </Field>
      </div>
      <ErrorNote error={runs.error ?? statuses.error} />
      <div class="board">
        {columns.map((s) => (
          <Column key={s} status={s} runs={byStatus(s)} />
        ))}
      </div>
    </div>
  );
}
