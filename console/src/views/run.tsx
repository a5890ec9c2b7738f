import { api } from '../api';
import { Card, ConfirmButton, ErrorNote } from '../components';
import { duration, label, Money, Status, Time } from '../format';
import { useLiveEvents, useLoad } from '../hooks';
import type { RunSummary } from '../types';

export function RunPage({ id }: { id: string }) {
  const run = useLoad(() => api<RunSummary>(`/pipeline/runs/${encodeURIComponent(id)}`), [id]);
  useLiveEvents(['pipeline.', 'avinode.booking', 'avainode.booking', 'avinode.rfq_updated'], () => run.reload(), 150);
  const r = run.data;
  if (!r) return <ErrorNote error={run.error} />;
  const canConfirm = r.status === 'awaiting_confirmation' && r.charterRequestId !== null;
  const canRetry = r.status === 'failed' || r.status === 'dead_lettered';
  const canCancel = !['booked', 'cancelled', 'failed', 'dead_lettered'].includes(r.status);
  return (
    <div>
      <h1>
        Run <code>{r.id.slice(0, 8)}</code> <span data-testid="run-status">{<Status value={r.status} />}</span>
      </h1>
      <ErrorNote error={run.error} />
      <div class="actions" style={{ justifyContent: 'flex-start' }}>
        {canConfirm ? (
          <ConfirmButton
            label="Confirm booking"
            question={`Confirm charter request ${r.charterRequestId ?? ''} by wire transfer? The operator takes a 50 % deposit.`}
            confirmLabel="Confirm"
            action={() =>
              api(`/bookings/${encodeURIComponent(r.charterRequestId ?? '')}/confirm`, {
                method: 'POST',
                body: { paymentMethod: 'wire_transfer' },
              })
            }
          />
        ) : null}
        {canRetry ? (
          <ConfirmButton
            label="Retry run"
            question="Retry this run from the step that failed?"
            action={() => api(`/pipeline/runs/${r.id}/retry`, { method: 'POST' })}
          />
        ) : null}
        {canCancel ? (
          <ConfirmButton
            label="Cancel run"
            danger
            question="Cancel this run? It will not book."
            action={() => api(`/pipeline/runs/${r.id}/cancel`, { method: 'POST', body: {} })}
          />
        ) : null}
      </div>
      <div class="grid2">
        <Card title="Lead and enrichment">
          <dl class="stats">
            {Object.entries(r.lead).map(([k, v]) => (
              <>
                <dt key={`${k}-t`}>{k}</dt>
                <dd key={`${k}-d`}>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
              </>
            ))}
          </dl>
        </Card>
        <Card title="Trip, request and booking">
          <p>
            {r.flight.departureAirport} → {r.flight.arrivalAirport}, {r.flight.departureDate}, {r.flight.passengers}{' '}
            passengers
          </p>
          <p>
            charter request <code>{r.charterRequestId ?? '—'}</code> · booking{' '}
            <code data-testid="booking-id">{r.bookingId ?? '—'}</code>
          </p>
          {r.avinodeTrip ? <AvinodeTrip trip={r.avinodeTrip} /> : null}
          <p>
            <a href={`#/audit?run=${r.id}`}>Audit history of this run</a>
            {r.charterRequestId ? (
              <>
                {' · '}
                <a href={`#/audit?booking=${encodeURIComponent(r.charterRequestId)}`}>of its booking</a>
              </>
            ) : null}
          </p>
          {r.failureReason ? (
            <p class="error-text">
              {label(r.failureReason)}: {r.failureMessage}
            </p>
          ) : null}
        </Card>
      </div>
      <Card title="Step timeline">
        <ol class="timeline">
          {(r.steps ?? []).map((s) => (
            <li key={s.step} class={s.status}>
              <strong>{s.step}</strong> <Status value={s.status} /> · {duration(s.durationMs)} · {s.attempts} attempt
              {s.attempts === 1 ? '' : 's'} · <Time at={s.startedAt} />
              {s.errors.length ? <pre>{JSON.stringify(s.errors, null, 2)}</pre> : null}
            </li>
          ))}
        </ol>
      </Card>
      <Card title="Priced candidates">
        <div class="side-by-side">
          {(r.candidates ?? []).map((c) => (
            <article
              key={c.aircraftId}
              class={r.choice?.aircraftId === c.aircraftId ? 'tile chosen' : 'tile'}
              aria-label={`aircraft ${c.aircraftId}`}
            >
              <h3>{c.aircraftId}</h3>
              <p>
                operator {c.operator?.name ?? c.operator?.id ?? '—'} · {c.operator?.safetyRating ?? 'no rating'}
              </p>
              <p>
                <Money cents={c.quote?.total} />
              </p>
              {c.note ? <p class="muted">{c.note}</p> : null}
            </article>
          ))}
        </div>
        {r.choice ? (
          <p>
            Chosen: <strong>{r.choice.aircraftId}</strong> at <Money cents={r.choice.total} /> — {r.choice.reason}
          </p>
        ) : null}
      </Card>
    </div>
  );
}

/** The run's Avinode trip: the broker's deep link (RFQs are sent from Avinode's web application) and the answers so far. */
function AvinodeTrip({ trip }: { trip: NonNullable<RunSummary['avinodeTrip']> }) {
  const quotes = trip.quotes ?? [];
  const quoted = quotes.filter((q) => q.status === 'quoted').length;
  return (
    <p data-testid="avinode-trip">
      Avinode trip <code>{trip.tripId}</code>
      {trip.searchInAvinode ? (
        <>
          {' · '}
          <a href={trip.searchInAvinode} target="_blank" rel="noopener noreferrer">
            Search in Avinode
          </a>
        </>
      ) : null}{' '}
      · {quoted} of {quotes.length} sellers quoted
      {trip.quotesDueAt ? (
        <>
          {' '}
          · choosing at <Time at={trip.quotesDueAt} />
        </>
      ) : null}
      {trip.closedUpstreamAt ? (
        <>
          {' '}
          · closed upstream <Time at={trip.closedUpstreamAt} />
        </>
      ) : null}
    </p>
  );
}
