import { useState } from 'preact/hooks';
import { api } from '../api';
import { Card, ErrorNote, Field, ProgressBar, type ProgressPart } from '../components';
import { label, Status, Time } from '../format';
import { useLiveEvents, useLoad } from '../hooks';
import type { BatchCounts, BatchReport, BatchSummary, Page } from '../types';

// A run's progress moves its batch: run events carry the batch id, batch events the search and group starts.
const LIVE = ['pipeline.batch.', 'pipeline.run.'];
const COMPANY_SIZES = ['1-10', '11-50', '51-200', '201-500', '501-1000', '1001-5000', '5001-10000', '10001+'];
const SETTLED_BAD = new Set(['failed', 'dead_lettered', 'cancelled']);

function parts(batch: BatchCounts, failed: number): ProgressPart[] {
  return [
    { label: 'booked', value: batch.booked, tone: 'good' },
    { label: 'failed', value: failed, tone: 'bad' },
    { label: 'awaiting confirmation', value: batch.awaitingConfirmation, tone: 'waiting' },
    { label: 'working', value: batch.inProgress - batch.awaitingConfirmation, tone: 'busy' },
    { label: 'not started', value: batch.notStarted, tone: 'idle' },
  ];
}

function criteria(batch: BatchCounts): string {
  return (
    Object.entries(batch.searchCriteria)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join(' · ') || '—'
  );
}

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** The lead search and the trip every lead's run asks for; starts the batch and opens its page. */
function StartBatch() {
  const [form, setForm] = useState({
    jobTitle: '',
    industry: '',
    companySize: '',
    location: '',
    limit: '10',
    batchSize: '5',
    departureAirport: 'KTEB',
    arrivalAirport: 'KPBI',
    departureDate: inDays(30),
    departureTime: '09:30',
    passengers: '4',
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set =
    (key: keyof typeof form) =>
    (e: { currentTarget: HTMLInputElement | HTMLSelectElement }): void =>
      setForm((f) => ({ ...f, [key]: e.currentTarget.value }));
  const submit = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    const text = (v: string): string | undefined => v.trim() || undefined;
    try {
      const accepted = await api<{ batchId: string }>('/leads', {
        method: 'PUT',
        body: {
          searchCriteria: {
            jobTitle: text(form.jobTitle),
            industry: text(form.industry),
            companySize: text(form.companySize),
            location: text(form.location),
            limit: Number(form.limit),
          },
          flightTemplate: {
            departureAirport: form.departureAirport.trim().toUpperCase(),
            arrivalAirport: form.arrivalAirport.trim().toUpperCase(),
            departureDate: form.departureDate,
            departureTime: form.departureTime,
            passengers: Number(form.passengers),
          },
          batchSize: Number(form.batchSize),
        },
      });
      location.hash = `#/batches/${accepted.batchId}`;
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title="Start a batch" testId="start-batch">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <fieldset>
          <legend>Lead search (Apollo), at least one criterion</legend>
          <div class="form-grid">
            <Field label="Job title">
              <input name="jobTitle" value={form.jobTitle} onInput={set('jobTitle')} />
            </Field>
            <Field label="Industry">
              <input name="industry" value={form.industry} onInput={set('industry')} />
            </Field>
            <Field label="Company size">
              <select name="companySize" value={form.companySize} onChange={set('companySize')}>
                <option value="">any</option>
                {COMPANY_SIZES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Location">
              <input name="location" value={form.location} onInput={set('location')} />
            </Field>
            <Field label="Leads (at most)">
              <input name="limit" type="number" min={1} max={1000} value={form.limit} onInput={set('limit')} />
            </Field>
            <Field label="Runs per group">
              <input
                name="batchSize"
                type="number"
                min={1}
                max={100}
                value={form.batchSize}
                onInput={set('batchSize')}
              />
            </Field>
          </div>
        </fieldset>
        <fieldset>
          <legend>Trip for every lead</legend>
          <div class="form-grid">
            <Field label="From (ICAO)">
              <input name="departureAirport" value={form.departureAirport} onInput={set('departureAirport')} />
            </Field>
            <Field label="To (ICAO)">
              <input name="arrivalAirport" value={form.arrivalAirport} onInput={set('arrivalAirport')} />
            </Field>
            <Field label="Departure date">
              <input name="departureDate" type="date" value={form.departureDate} onInput={set('departureDate')} />
            </Field>
            <Field label="Departure time">
              <input name="departureTime" type="time" value={form.departureTime} onInput={set('departureTime')} />
            </Field>
            <Field label="Passengers">
              <input
                name="passengers"
                type="number"
                min={1}
                max={19}
                value={form.passengers}
                onInput={set('passengers')}
              />
            </Field>
          </div>
        </fieldset>
        <ErrorNote error={error} />
        <button type="submit" class="primary" disabled={busy}>
          Start batch
        </button>
      </form>
    </Card>
  );
}

export function BatchesPage() {
  const batches = useLoad(() => api<Page<BatchSummary>>('/pipeline/batches?limit=50'), []);
  useLiveEvents(LIVE, () => batches.reload(), 250);
  return (
    <div>
      <h1>Batches</h1>
      <StartBatch />
      <Card title="Recent batches" testId="batches">
        <ErrorNote error={batches.error} />
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">created</th>
                <th scope="col">search</th>
                <th scope="col">status</th>
                <th scope="col">progress</th>
                <th scope="col">leads</th>
              </tr>
            </thead>
            <tbody>
              {(batches.data?.items ?? []).map((b) => (
                <tr key={b.id} data-batch={b.id} class={b.status === 'failed' ? 'attention' : undefined}>
                  <td>
                    <a href={`#/batches/${b.id}`}>
                      <Time at={b.createdAt} />
                    </a>
                  </td>
                  <td>{criteria(b)}</td>
                  <td>
                    <Status value={b.finished ? 'finished' : b.status} />
                  </td>
                  <td>
                    <ProgressBar
                      label={`Progress of batch ${b.id.slice(0, 8)}`}
                      total={b.total}
                      parts={parts(b, b.failed)}
                    />
                  </td>
                  <td>{b.total ?? '…'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {batches.data && batches.data.items.length === 0 ? <p class="muted">No batches yet.</p> : null}
      </Card>
    </div>
  );
}

export function BatchPage({ id }: { id: string }) {
  const batch = useLoad(() => api<BatchReport>(`/pipeline/batches/${encodeURIComponent(id)}`), [id]);
  useLiveEvents(LIVE, () => batch.reload(), 250);
  const b = batch.data;
  if (!b) return <ErrorNote error={batch.error} />;
  const counts: Array<[string, number | string]> = [
    ['found', b.total ?? '…'],
    ['started', b.started],
    ['booked', b.booked],
    ['awaiting confirmation', b.awaitingConfirmation],
    ['in progress', b.inProgress],
    ['failed', b.failed.length],
    ['not started', b.notStarted],
  ];
  return (
    <div>
      <h1>
        Batch <code>{b.id.slice(0, 8)}</code>{' '}
        <span data-testid="batch-status">
          <Status value={b.finished ? 'finished' : b.status} />
        </span>
      </h1>
      <ErrorNote error={batch.error ?? b.error} />
      <Card title="Progress" testId="batch-progress">
        <p class="muted">
          {criteria(b)} · {b.flightTemplate.departureAirport} → {b.flightTemplate.arrivalAirport},{' '}
          {b.flightTemplate.departureDate}, {b.flightTemplate.passengers} passengers · groups of {b.batchSize} ·{' '}
          <Time at={b.createdAt} />
        </p>
        <ProgressBar label="Batch progress" total={b.total} parts={parts(b, b.failed.length)} />
        <dl class="legend">
          {counts.map(([name, value]) => (
            <>
              <dt key={`${name}-t`}>{name}</dt>
              <dd key={`${name}-d`} data-count={name}>
                {value}
              </dd>
            </>
          ))}
        </dl>
        <p>
          <a href={`#/board?batchId=${b.id}`}>These runs on the board</a>
        </p>
      </Card>
      <Card title="Leads" testId="batch-leads">
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">lead</th>
                <th scope="col">status</th>
                <th scope="col">outcome</th>
              </tr>
            </thead>
            <tbody>
              {b.leads.map((lead) => (
                <tr
                  key={lead.index}
                  data-lead={lead.index}
                  data-status={lead.status}
                  class={SETTLED_BAD.has(lead.status) ? 'attention' : undefined}
                >
                  <td>{lead.index + 1}</td>
                  <td>
                    {lead.runId ? (
                      <a href={`#/runs/${lead.runId}`}>{lead.name ?? lead.apolloId}</a>
                    ) : (
                      (lead.name ?? lead.apolloId)
                    )}
                  </td>
                  <td>
                    <Status value={lead.status} />
                  </td>
                  <td>{lead.reason ? `${label(lead.reason)}: ${lead.message ?? ''}` : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
    </div>
  );
}
