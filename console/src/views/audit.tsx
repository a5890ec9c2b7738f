import { useMemo, useState } from 'preact/hooks';
import { api } from '../api';
import { Card, ErrorNote, Field } from '../components';
import { label, Status, Time } from '../format';
import { useLiveEvents, useLoad } from '../hooks';
import type { Page, RunSummary } from '../types';

interface AuditEntry {
  id: string;
  occurredAt: string;
  source: string;
  type: string;
  subject: string | null;
  correlationId: string | null;
  outcome: string;
  details: Record<string, unknown>;
}

// The audited events come from these families; any of them may add an entry to what is shown.
const LIVE = ['pipeline.run.finished', 'pipeline.batch.created', 'avainode.', 'avinode.', 'webhook.', 'sync.', 'mcp.'];
const FIELDS = ['from', 'to', 'source', 'type', 'subject', 'correlationId', 'outcome'] as const;
type Filters = Record<(typeof FIELDS)[number], string>;

/**
 * Where an id is stored in the audit log: a finished run is recorded with subject = run id and correlation id = its
 * charter request id; every charter request and booking change (created, confirmed, modified, cancelled) with subject =
 * the charter request id and correlation id = our record id. So a run's history is the union of several queries.
 */
async function historyOf(ids: string[]): Promise<AuditEntry[]> {
  const queries = ids.flatMap((id) => [`subject=${encodeURIComponent(id)}`, `correlationId=${encodeURIComponent(id)}`]);
  const pages = await Promise.all(queries.map((q) => api<Page<AuditEntry>>(`/audit?${q}&limit=200`)));
  const byId = new Map<string, AuditEntry>();
  for (const page of pages) for (const entry of page.items) byId.set(entry.id, entry);
  return [...byId.values()].sort((a, b) => b.occurredAt.localeCompare(a.occurredAt));
}

async function runHistory(runId: string): Promise<{ title: string; entries: AuditEntry[] }> {
  const run = await api<RunSummary>(`/pipeline/runs/${encodeURIComponent(runId)}`);
  const ids = [run.id, run.charterRequestId, run.bookingId].filter((id): id is string => Boolean(id));
  return { title: `Run ${run.id.slice(0, 8)}`, entries: await historyOf(ids) };
}

function Entries({ entries }: { entries: AuditEntry[] }) {
  return (
    <div class="table-wrap">
      <table data-testid="audit-entries">
        <thead>
          <tr>
            <th scope="col">when</th>
            <th scope="col">source</th>
            <th scope="col">type</th>
            <th scope="col">subject</th>
            <th scope="col">correlation id</th>
            <th scope="col">outcome</th>
            <th scope="col">details</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} data-audit-type={e.type} class={e.outcome === 'failure' ? 'attention' : undefined}>
              <td>
                <Time at={e.occurredAt} />
              </td>
              <td>{e.source}</td>
              <td>{e.type}</td>
              <td>
                <code>{e.subject ?? '—'}</code>
              </td>
              <td>
                <code>{e.correlationId ?? '—'}</code>
              </td>
              <td>
                <Status value={e.outcome} />
              </td>
              <td>
                <details>
                  <summary>details</summary>
                  <pre>{JSON.stringify(e.details, null, 2)}</pre>
                </details>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length === 0 ? <p class="muted">No entries.</p> : null}
    </div>
  );
}

/** A run's or a charter request's (booking's) whole history: `#/audit?run=<id>` or `#/audit?booking=<id>`. */
function History({ run, booking }: { run: string | null; booking: string | null }) {
  const history = useLoad(
    () =>
      run
        ? runHistory(run)
        : historyOf([booking ?? '']).then((entries) => ({ title: `Booking ${booking ?? ''}`, entries })),
    [run, booking],
  );
  useLiveEvents(LIVE, () => history.reload(), 300);
  return (
    <div>
      <h1>Audit history</h1>
      <p>
        <a href="#/audit">All entries</a>
        {run ? (
          <>
            {' · '}
            <a href={`#/runs/${run}`}>Run page</a>
          </>
        ) : null}
      </p>
      <ErrorNote error={history.error} />
      <Card title={history.data?.title ?? 'History'} testId="audit-history">
        <Entries entries={history.data?.entries ?? []} />
      </Card>
    </div>
  );
}

function toQuery(filters: Filters): string {
  const q = new URLSearchParams({ limit: '50' });
  for (const name of FIELDS) {
    const value = filters[name].trim();
    if (!value) continue;
    // datetime-local gives local wall time; the API wants an instant.
    q.set(name, name === 'from' || name === 'to' ? new Date(value).toISOString() : value);
  }
  return q.toString();
}

function Search({ initial }: { initial: URLSearchParams }) {
  const start = (): Filters =>
    Object.fromEntries(FIELDS.map((name) => [name, initial.get(name) ?? ''])) as unknown as Filters;
  const [draft, setDraft] = useState<Filters>(start);
  const [applied, setApplied] = useState<Filters>(start);
  const [more, setMore] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const query = useMemo(() => toQuery(applied), [applied]);
  const first = useLoad(async () => {
    const page = await api<Page<AuditEntry>>(`/audit?${query}`);
    setMore([]);
    setCursor(page.page.nextCursor);
    return page.items;
  }, [query]);
  useLiveEvents(LIVE, () => (more.length === 0 ? first.reload() : undefined), 300);
  const [moreError, setMoreError] = useState<string | null>(null);
  const loadMore = async (): Promise<void> => {
    if (!cursor) return;
    try {
      const page = await api<Page<AuditEntry>>(`/audit?${query}&cursor=${encodeURIComponent(cursor)}`);
      setMore((current) => [...current, ...page.items]);
      setCursor(page.page.nextCursor);
    } catch (e) {
      setMoreError(e instanceof Error ? e.message : String(e));
    }
  };
  const bind = (name: (typeof FIELDS)[number]) => ({
    name,
    value: draft[name],
    onInput: (e: { currentTarget: HTMLInputElement }) => setDraft({ ...draft, [name]: e.currentTarget.value }),
  });
  return (
    <div>
      <h1>Audit log</h1>
      <form
        class="filters"
        aria-label="Search the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ ...draft });
        }}
      >
        <Field label="From">
          <input type="datetime-local" {...bind('from')} />
        </Field>
        <Field label="To">
          <input type="datetime-local" {...bind('to')} />
        </Field>
        <Field label="Source">
          <input {...bind('source')} />
        </Field>
        <Field label="Type (prefix*)">
          <input {...bind('type')} />
        </Field>
        <Field label="Subject">
          <input {...bind('subject')} />
        </Field>
        <Field label="Correlation id">
          <input {...bind('correlationId')} />
        </Field>
        <Field label="Outcome">
          <select
            name="outcome"
            value={draft.outcome}
            onChange={(e) => setDraft({ ...draft, outcome: e.currentTarget.value })}
          >
            <option value="">any</option>
            {['success', 'failure', 'info'].map((o) => (
              <option key={o} value={o}>
                {label(o)}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" class="primary">
          Search
        </button>
      </form>
      <p class="muted">
        A run is recorded when it finishes (subject: the run id; correlation id: its charter request id); charter
        request and booking changes with the charter request id as subject. A run page links to its whole history.
      </p>
      <ErrorNote error={first.error ?? moreError} />
      <Card title="Entries" testId="audit-results">
        <Entries entries={[...(first.data ?? []), ...more]} />
        {cursor ? (
          <button type="button" onClick={() => void loadMore()}>
            Load more
          </button>
        ) : null}
      </Card>
    </div>
  );
}

export function AuditPage({ query }: { query: URLSearchParams }) {
  const run = query.get('run');
  const booking = query.get('booking');
  if (run || booking) return <History run={run} booking={booking} />;
  return <Search initial={query} />;
}
