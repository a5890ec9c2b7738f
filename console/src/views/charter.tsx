import { useState } from 'preact/hooks';
import { api, ApiError, newIdempotencyKey } from '../api';
import { Card, ConfirmButton, ErrorNote, Field } from '../components';
import { label, Money, Status, Time } from '../format';
import { useLiveEvents, useLoad } from '../hooks';
import type { AircraftOption, AircraftSearch, Booking, OperatorProfile, Pricing, Quote } from '../types';

const CATEGORIES = [
  'turboprop',
  'very_light_jet',
  'light_jet',
  'midsize_jet',
  'super_midsize_jet',
  'heavy_jet',
  'ultra_long_range',
];
// Booking changes arrive as the service's own events and as Avinode's webhooks.
const BOOKING_EVENTS = ['avainode.', 'avinode.'];
const MAX_COMPARED = 3;

interface Trip {
  departureAirport: string;
  arrivalAirport: string;
  departureDate: string;
  returnDate: string;
  passengers: string;
  aircraftCategory: string;
  maxHourlyRate: string;
}

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The trip fields the quote and the request repeat from the search. */
function tripBody(trip: Trip): Record<string, unknown> {
  return {
    departureAirport: trip.departureAirport.trim().toUpperCase(),
    arrivalAirport: trip.arrivalAirport.trim().toUpperCase(),
    departureDate: trip.departureDate,
    ...(trip.returnDate ? { returnDate: trip.returnDate } : {}),
  };
}

function searchQuery(trip: Trip): string {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(tripBody(trip))) q.set(key, String(value));
  q.set('passengers', trip.passengers);
  if (trip.aircraftCategory) q.set('aircraftCategory', trip.aircraftCategory);
  // Typed in dollars; the API takes cents.
  if (trip.maxHourlyRate.trim()) q.set('maxHourlyRate', String(Math.round(Number(trip.maxHourlyRate) * 100)));
  q.set('perPage', '25');
  return q.toString();
}

function FeeBreakdown({ pricing }: { pricing: Pricing }) {
  return (
    <table class="fees">
      <tbody>
        {pricing.lineItems.map((item) => (
          <tr key={item.code} data-fee={item.code} class={item.kind === 'tax' ? 'tax' : undefined}>
            <td>{item.description}</td>
            <td class="num">
              <Money cents={item.amount} />
            </td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row">Subtotal</th>
          <td class="num">
            <Money cents={pricing.subtotal} />
          </td>
        </tr>
        <tr>
          <th scope="row">Taxes</th>
          <td class="num">
            <Money cents={pricing.taxes} />
          </td>
        </tr>
        <tr class="total">
          <th scope="row">Total</th>
          <td class="num" data-testid="quote-total">
            <Money cents={pricing.total} />
          </td>
        </tr>
      </tfoot>
    </table>
  );
}

export function OperatorCard({ id }: { id: string }) {
  const operator = useLoad(
    () => api<OperatorProfile>(`/operators/${encodeURIComponent(id)}?includeFleet=true&includeSafetyRecords=true`),
    [id],
  );
  const o = operator.data;
  const records = o?.safetyRecords;
  return (
    <Card title="Operator profile" testId="operator-profile" attention={(records?.accidentCount ?? 0) > 0}>
      <ErrorNote error={operator.error} />
      {o ? (
        <>
          <h3 class="plain">
            {o.name} <span class="muted">({o.country})</span>
          </h3>
          <dl class="stats">
            <dt>Certificate</dt>
            <dd>
              {o.certificate.authority} {o.certificate.type} · {o.certificate.number}
            </dd>
            <dt>Safety rating</dt>
            <dd data-testid="safety-rating">{o.safetyRating}</dd>
            <dt>Audits</dt>
            <dd>
              ARGUS {o.safety.argus ?? '—'} · Wyvern {o.safety.wyvern ?? '—'} · IS-BAO {o.safety.isBao ?? '—'} · last{' '}
              {o.safety.lastAuditDate}
            </dd>
            <dt>Incidents / accidents</dt>
            <dd>{records ? `${records.incidentCount} / ${records.accidentCount}` : '—'}</dd>
            <dt>Insurance</dt>
            <dd>
              <Money cents={o.insurance.liabilityCoverage} /> liability · {o.insurance.insurer}
            </dd>
            <dt>Bases</dt>
            <dd>
              {o.headquarters} (HQ) · {o.bases.join(', ')} · since {o.foundedYear}
            </dd>
          </dl>
          {records && records.incidents.length > 0 ? (
            <ul class="incidents">
              {records.incidents.map((i) => (
                <li key={`${i.date}-${i.aircraftModel}`}>
                  {i.date} · <Status value={i.severity} /> · {i.aircraftModel}: {i.description}
                </li>
              ))}
            </ul>
          ) : null}
          <h3 class="plain">Fleet ({o.fleetSize})</h3>
          <div class="table-wrap">
            <table data-testid="fleet">
              <thead>
                <tr>
                  <th scope="col">tail</th>
                  <th scope="col">model</th>
                  <th scope="col">seats</th>
                  <th scope="col">hourly</th>
                  <th scope="col">base</th>
                  <th scope="col">free days (30)</th>
                </tr>
              </thead>
              <tbody>
                {(o.fleet ?? []).map((a) => (
                  <tr key={a.id} class={a.status === 'active' ? undefined : 'muted'}>
                    <td>{a.tailNumber}</td>
                    <td>
                      {a.model} <span class="muted">{label(a.category)}</span>
                    </td>
                    <td>{a.seats}</td>
                    <td>
                      <Money cents={a.hourlyRate} />
                    </td>
                    <td>{a.homeBase}</td>
                    <td>{a.availableDaysNext30}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </Card>
  );
}

function Results(props: {
  search: AircraftSearch;
  compared: string[];
  onToggle: (id: string) => void;
  onOperator: (id: string) => void;
}) {
  const { search } = props;
  return (
    <div class="table-wrap">
      <table data-testid="aircraft-results">
        <caption class="muted">
          {search.page.totalItems} aircraft for {search.search.departureAirport} → {search.search.arrivalAirport},{' '}
          {search.search.distanceNm} nm, {search.search.passengers} passengers (cheapest first)
        </caption>
        <thead>
          <tr>
            <th scope="col">compare</th>
            <th scope="col">aircraft</th>
            <th scope="col">seats</th>
            <th scope="col">operator</th>
            <th scope="col">safety</th>
            <th scope="col">hourly</th>
            <th scope="col">estimated total</th>
          </tr>
        </thead>
        <tbody>
          {search.items.map((a) => {
            const checked = props.compared.includes(a.aircraftId);
            return (
              <tr key={a.aircraftId} data-aircraft={a.aircraftId}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Compare ${a.tailNumber}`}
                    checked={checked}
                    disabled={!checked && props.compared.length >= MAX_COMPARED}
                    onChange={() => props.onToggle(a.aircraftId)}
                  />
                </td>
                <td>
                  {a.manufacturer} {a.model} <span class="muted">{a.tailNumber}</span>
                  <small class="muted block">
                    {label(a.category)} · {a.yearOfManufacture} · {a.estimatedFlightHours} h
                  </small>
                </td>
                <td>{a.seats}</td>
                <td>
                  <button type="button" class="link" onClick={() => props.onOperator(a.operator.id)}>
                    {a.operator.name}
                  </button>
                </td>
                <td>{a.operator.safetyRating}</td>
                <td>
                  <Money cents={a.hourlyRate} />
                </td>
                <td>
                  <Money cents={a.estimatedTotal} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function Quotes(props: {
  quotes: Quote[];
  aircraft: Map<string, AircraftOption>;
  chosen: string | null;
  onRequest: (quote: Quote) => void;
}) {
  const cheapest = Math.min(...props.quotes.map((q) => q.total));
  return (
    <div class="side-by-side" data-testid="quotes">
      {props.quotes.map((q) => {
        const a = props.aircraft.get(q.aircraftId);
        const name = a ? `${a.model} ${a.tailNumber}` : q.aircraftId;
        return (
          <article
            key={q.id}
            class={props.chosen === q.id ? 'tile chosen' : 'tile'}
            aria-label={`Quote for ${name}`}
            data-quote={q.id}
          >
            <h3 class="plain">{name}</h3>
            <p class="muted">
              {a ? `${a.operator.name} · ${a.operator.safetyRating}` : q.operatorId} · {q.billableHours} h billed (
              {q.flightHours} flying, {q.positioningHours} positioning)
              {q.total === cheapest && props.quotes.length > 1 ? ' · lowest total' : ''}
            </p>
            <FeeBreakdown pricing={q} />
            <p class="muted">
              valid until <Time at={q.validUntil} />
            </p>
            <button type="button" class="primary" onClick={() => props.onRequest(q)}>
              Request {a?.tailNumber ?? q.aircraftId}
            </button>
          </article>
        );
      })}
    </div>
  );
}

/**
 * The charter request for a quote. One Idempotency-Key per attempt: a retry after no answer (network, 5xx) sends the
 * same key, so the operator never gets the request twice; a refused attempt (4xx) gets a fresh key for the corrected body.
 */
function RequestForm({ quote, trip, aircraft }: { quote: Quote; trip: Trip; aircraft: AircraftOption | undefined }) {
  const [contact, setContact] = useState({ name: '', email: '', phone: '', company: '' });
  const [departureTime, setDepartureTime] = useState('09:30');
  const [specialRequests, setSpecialRequests] = useState('');
  const [attemptKey, setAttemptKey] = useState(newIdempotencyKey);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const created = await api<Booking>('/aircraft', {
        method: 'POST',
        headers: { 'idempotency-key': attemptKey },
        body: {
          ...tripBody(trip),
          aircraftId: quote.aircraftId,
          quoteId: quote.id,
          passengers: quote.passengers,
          departureTime,
          contact: {
            name: contact.name.trim(),
            email: contact.email.trim(),
            ...(contact.phone.trim() ? { phone: contact.phone.trim() } : {}),
            ...(contact.company.trim() ? { company: contact.company.trim() } : {}),
          },
          ...(specialRequests.trim() ? { specialRequests: specialRequests.trim() } : {}),
        },
      });
      location.hash = `#/charter/bookings/${encodeURIComponent(created.id)}`;
    } catch (e) {
      if (e instanceof ApiError && e.status < 500) setAttemptKey(newIdempotencyKey());
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };
  const field = (key: keyof typeof contact) => (e: { currentTarget: HTMLInputElement }) =>
    setContact((c) => ({ ...c, [key]: e.currentTarget.value }));
  return (
    <Card title="Charter request" testId="request-form">
      <p>
        {aircraft ? `${aircraft.model} ${aircraft.tailNumber}, ${aircraft.operator.name}` : quote.aircraftId} · quote{' '}
        <code>{quote.id}</code> · <Money cents={quote.total} />
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div class="form-grid">
          <Field label="Client name">
            <input name="name" required value={contact.name} onInput={field('name')} />
          </Field>
          <Field label="Client email">
            <input name="email" type="email" required value={contact.email} onInput={field('email')} />
          </Field>
          <Field label="Client phone">
            <input name="phone" type="tel" value={contact.phone} onInput={field('phone')} />
          </Field>
          <Field label="Company">
            <input name="company" value={contact.company} onInput={field('company')} />
          </Field>
          <Field label="Departure time (local)">
            <input
              name="departureTime"
              type="time"
              required
              value={departureTime}
              onInput={(e) => setDepartureTime(e.currentTarget.value)}
            />
          </Field>
        </div>
        <Field label="Special requests">
          <textarea
            name="specialRequests"
            rows={2}
            value={specialRequests}
            onInput={(e) => setSpecialRequests(e.currentTarget.value)}
          />
        </Field>
        <ErrorNote error={error} />
        <div class="actions" style={{ justifyContent: 'flex-start' }}>
          <button type="submit" class="primary" disabled={busy}>
            Create charter request
          </button>
        </div>
      </form>
    </Card>
  );
}

/** Search aircraft for a trip → compare quotes with their fees → create the charter request. */
export function CharterDesk() {
  const [trip, setTrip] = useState<Trip>({
    departureAirport: 'KTEB',
    arrivalAirport: 'KPBI',
    departureDate: inDays(21),
    returnDate: '',
    passengers: '4',
    aircraftCategory: '',
    maxHourlyRate: '',
  });
  const [search, setSearch] = useState<AircraftSearch | null>(null);
  const [compared, setCompared] = useState<string[]>([]);
  const [quotes, setQuotes] = useState<Quote[]>([]);
  const [chosen, setChosen] = useState<Quote | null>(null);
  const [operatorId, setOperatorId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<'search' | 'quote' | null>(null);
  const set = (key: keyof Trip) => (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
    setTrip((t) => ({ ...t, [key]: e.currentTarget.value }));
  const aircraft = new Map((search?.items ?? []).map((a) => [a.aircraftId, a]));

  const runSearch = async (): Promise<void> => {
    setBusy('search');
    setError(null);
    try {
      setSearch(await api<AircraftSearch>(`/aircraft?${searchQuery(trip)}`));
      setCompared([]);
      setQuotes([]);
      setChosen(null);
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(null);
    }
  };

  const quoteCompared = async (): Promise<void> => {
    setBusy('quote');
    setError(null);
    try {
      const body = { ...tripBody(trip), passengers: Number(trip.passengers) };
      setQuotes(
        await Promise.all(
          compared.map((aircraftId) => api<Quote>('/quotes', { method: 'POST', body: { ...body, aircraftId } })),
        ),
      );
      setChosen(null);
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div>
      <h1>Charter desk</h1>
      <Card title="Trip" testId="trip-search">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void runSearch();
          }}
        >
          <div class="form-grid">
            <Field label="From (ICAO)">
              <input name="departureAirport" required value={trip.departureAirport} onInput={set('departureAirport')} />
            </Field>
            <Field label="To (ICAO)">
              <input name="arrivalAirport" required value={trip.arrivalAirport} onInput={set('arrivalAirport')} />
            </Field>
            <Field label="Departure date">
              <input
                name="departureDate"
                type="date"
                required
                value={trip.departureDate}
                onInput={set('departureDate')}
              />
            </Field>
            <Field label="Return date (round trip)">
              <input name="returnDate" type="date" value={trip.returnDate} onInput={set('returnDate')} />
            </Field>
            <Field label="Passengers">
              <input
                name="passengers"
                type="number"
                min={1}
                max={19}
                required
                value={trip.passengers}
                onInput={set('passengers')}
              />
            </Field>
            <Field label="Category">
              <select name="aircraftCategory" value={trip.aircraftCategory} onChange={set('aircraftCategory')}>
                <option value="">any</option>
                {CATEGORIES.map((c) => (
                  <option key={c} value={c}>
                    {label(c)}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Max hourly rate (USD)">
              <input
                name="maxHourlyRate"
                type="number"
                min={1}
                value={trip.maxHourlyRate}
                onInput={set('maxHourlyRate')}
              />
            </Field>
            <button type="submit" class="primary" disabled={busy !== null}>
              Search aircraft
            </button>
          </div>
        </form>
      </Card>
      <ErrorNote error={error} />
      {search ? (
        <Card title="Aircraft">
          <Results
            search={search}
            compared={compared}
            onToggle={(id) =>
              setCompared((c) => (c.includes(id) ? c.filter((x) => x !== id) : [...c, id].slice(0, MAX_COMPARED)))
            }
            onOperator={setOperatorId}
          />
          <div class="actions" style={{ justifyContent: 'flex-start' }}>
            <button
              type="button"
              class="primary"
              disabled={compared.length === 0 || busy !== null}
              onClick={() => void quoteCompared()}
            >
              Quote selected ({compared.length})
            </button>
            <span class="muted">up to {MAX_COMPARED} side by side</span>
          </div>
        </Card>
      ) : null}
      {quotes.length > 0 ? (
        <Card title="Quotes side by side">
          <Quotes quotes={quotes} aircraft={aircraft} chosen={chosen?.id ?? null} onRequest={setChosen} />
        </Card>
      ) : null}
      {chosen ? (
        <RequestForm key={chosen.id} quote={chosen} trip={trip} aircraft={aircraft.get(chosen.aircraftId)} />
      ) : null}
      {operatorId ? <OperatorCard id={operatorId} /> : null}
    </div>
  );
}

const CHANGEABLE = new Set(['pending', 'confirmed']);

/** A charter request or booking: its terms and history, with confirm / modify / cancel. */
export function BookingPage({ id }: { id: string }) {
  const booking = useLoad(() => api<Booking>(`/bookings/${encodeURIComponent(id)}`), [id]);
  useLiveEvents(BOOKING_EVENTS, () => booking.reload(), 150);
  const [paymentMethod, setPaymentMethod] = useState('wire_transfer');
  const [reason, setReason] = useState('');
  const [change, setChange] = useState({ departureTime: '', passengers: '', specialRequests: '' });
  const b = booking.data;
  if (!b) return <ErrorNote error={booking.error} />;
  // Each action is one attempt with its own key: the API answers a repeat of the same attempt without acting twice.
  const act = async (path: string, method: string, body: unknown): Promise<void> => {
    await api(`/bookings/${encodeURIComponent(b.id)}${path}`, {
      method,
      body,
      headers: { 'idempotency-key': newIdempotencyKey() },
    });
    booking.reload();
  };
  const modification = {
    ...(change.departureTime ? { departureTime: change.departureTime } : {}),
    ...(change.passengers ? { passengers: Number(change.passengers) } : {}),
    ...(change.specialRequests.trim() ? { specialRequests: change.specialRequests.trim() } : {}),
  };
  return (
    <div>
      <h1>
        Charter request <code>{b.requestId}</code>{' '}
        <span data-testid="booking-status">
          <Status value={b.status} />
        </span>
      </h1>
      <ErrorNote error={booking.error} />
      <div class="actions" style={{ justifyContent: 'flex-start' }}>
        {b.status === 'pending' ? (
          <ConfirmButton
            label="Confirm booking"
            confirmLabel="Confirm"
            question={`Confirm ${b.aircraft.tailNumber} for ${b.contact.name}? The operator takes the deposit now.`}
            action={() => act('/confirm', 'POST', { paymentMethod })}
          >
            <Field label="Payment method">
              <select value={paymentMethod} onChange={(e) => setPaymentMethod(e.currentTarget.value)}>
                <option value="wire_transfer">wire transfer</option>
                <option value="credit_card">credit card</option>
                <option value="ach">ACH</option>
              </select>
            </Field>
          </ConfirmButton>
        ) : null}
        {CHANGEABLE.has(b.status) ? (
          <ConfirmButton
            label="Modify"
            confirmLabel="Save changes"
            question="Change the departure time, the party (re-priced) or the special requests."
            action={() => act('', 'PATCH', modification)}
          >
            <div class="form-grid">
              <Field label="New departure time">
                <input
                  type="time"
                  value={change.departureTime}
                  onInput={(e) => setChange((c) => ({ ...c, departureTime: e.currentTarget.value }))}
                />
              </Field>
              <Field label="New passenger count">
                <input
                  type="number"
                  min={1}
                  max={19}
                  value={change.passengers}
                  onInput={(e) => setChange((c) => ({ ...c, passengers: e.currentTarget.value }))}
                />
              </Field>
            </div>
            <Field label="New special requests">
              <textarea
                rows={2}
                value={change.specialRequests}
                onInput={(e) => setChange((c) => ({ ...c, specialRequests: e.currentTarget.value }))}
              />
            </Field>
          </ConfirmButton>
        ) : null}
        {CHANGEABLE.has(b.status) ? (
          <ConfirmButton
            label="Cancel booking"
            confirmLabel="Cancel booking"
            danger
            question={
              b.status === 'confirmed'
                ? 'Cancel this booking? A confirmed booking pays a fee that depends on the notice given.'
                : 'Cancel this charter request?'
            }
            action={() => act('/cancel', 'POST', { reason: reason.trim() })}
          >
            <Field label="Reason">
              <input required value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            </Field>
          </ConfirmButton>
        ) : null}
      </div>
      <div class="grid2">
        <Card title="Trip">
          <dl class="stats">
            <dt>Route</dt>
            <dd>
              {b.route.departureAirport} → {b.route.arrivalAirport}
              {b.returnDate ? ` (return ${b.returnDate})` : ''}
            </dd>
            <dt>Departure</dt>
            <dd data-testid="departure">
              {b.departureDate} {b.departureTime} local · <Time at={b.departureAt} />
            </dd>
            <dt>Passengers</dt>
            <dd data-testid="passengers">{b.passengers}</dd>
            <dt>Aircraft</dt>
            <dd>
              {b.aircraft.model} {b.aircraft.tailNumber} ({label(b.aircraft.category)}, {b.aircraft.seats} seats)
            </dd>
            <dt>Operator</dt>
            <dd>
              <a href={`#/charter/operators/${encodeURIComponent(b.operator.id)}`}>{b.operator.name}</a>
            </dd>
            <dt>Client</dt>
            <dd>
              {b.contact.name} · {b.contact.email}
              {b.contact.company ? ` · ${b.contact.company}` : ''}
            </dd>
            <dt>Special requests</dt>
            <dd>{b.specialRequests ?? '—'}</dd>
            <dt>Booking</dt>
            <dd>
              <code data-testid="booking-ref">{b.bookingId ?? '—'}</code> · quote <code>{b.quoteId}</code>
            </dd>
          </dl>
          <p>
            <a href={`#/audit?booking=${encodeURIComponent(b.requestId)}`}>Audit history of this booking</a>
          </p>
        </Card>
        <Card title="Price">
          <FeeBreakdown pricing={b.pricing} />
          {b.payment ? (
            <p data-testid="payment">
              {label(b.payment.method)}: deposit {b.payment.depositPercent} % <Money cents={b.payment.depositAmount} />{' '}
              paid <Time at={b.payment.depositPaidAt} />; balance <Money cents={b.payment.balanceAmount} /> due{' '}
              <Time at={b.payment.balanceDueAt} />
            </p>
          ) : null}
          {b.cancellation ? (
            <p class="error-text" data-testid="cancellation">
              Cancelled ({b.cancellation.reason}) with {b.cancellation.noticeHours} h notice: fee{' '}
              {b.cancellation.feePercent} % <Money cents={b.cancellation.feeAmount} />, refund{' '}
              <Money cents={b.cancellation.refundAmount} />, owed <Money cents={b.cancellation.amountOwed} />
            </p>
          ) : null}
        </Card>
      </div>
      <Card title="History">
        <ol class="timeline" data-testid="booking-history">
          {b.history.map((h) => (
            <li key={`${h.at}-${h.action}`}>
              <strong>{h.action}</strong> {h.from ? `${label(h.from)} → ` : ''}
              {label(h.to)} · <Time at={h.at} />
            </li>
          ))}
        </ol>
      </Card>
    </div>
  );
}

export function OperatorPage({ id }: { id: string }) {
  return (
    <div>
      <h1>Operator</h1>
      <OperatorCard id={id} />
    </div>
  );
}
