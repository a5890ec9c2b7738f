import { useMemo, useState } from 'preact/hooks';
import { api } from '../api';
import { Card, ConfirmButton, ErrorNote, Field } from '../components';
import { label, Status, Time } from '../format';
import { useLiveEvents, useLoad } from '../hooks';
import type { Page, WebhookDescription } from '../types';

interface WebhookEvent {
  id: string;
  source: string;
  messageId: string;
  type: string;
  eventName: string;
  status: string;
  attempts: number;
  processedCount: number;
  replayCount: number;
  receivedAt: string;
  processedAt: string | null;
  lastError: string | null;
  payload?: Record<string, unknown>;
}

const STATUSES = ['received', 'failed', 'processed', 'stale', 'dead_lettered'];
// Processing emits the source's domain event (or a webhook.* lifecycle event): either changes what this view lists.
const LIVE = ['webhook.', 'apollo.', 'avinode.', 'avainode.', 'n8n.', 'lead.'];

function EventTable(props: {
  events: WebhookEvent[];
  selected: string | null;
  onSelect: (id: string) => void;
  onReplayed: () => void;
  testId: string;
}) {
  return (
    <div class="table-wrap">
      <table data-testid={props.testId}>
        <thead>
          <tr>
            <th scope="col">received</th>
            <th scope="col">source</th>
            <th scope="col">type</th>
            <th scope="col">status</th>
            <th scope="col">attempts</th>
            <th scope="col">last error</th>
            <th scope="col">
              <span class="sr-only">actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.events.map((e) => (
            <tr
              key={e.id}
              data-webhook={e.id}
              data-status={e.status}
              class={e.status === 'dead_lettered' ? 'attention' : undefined}
            >
              <td>
                <Time at={e.receivedAt} />
              </td>
              <td>{e.source}</td>
              <td>{label(e.type)}</td>
              <td>
                <Status value={e.status} />
              </td>
              <td>{e.attempts}</td>
              <td class="error-text">{e.lastError ?? ''}</td>
              <td>
                <div class="actions">
                  <button
                    type="button"
                    aria-pressed={props.selected === e.id}
                    aria-label={`Payload of ${e.eventName} ${e.id.slice(0, 8)}`}
                    onClick={() => props.onSelect(e.id)}
                  >
                    Payload
                  </button>
                  {e.status === 'dead_lettered' || e.status === 'processed' ? (
                    <ConfirmButton
                      label="Replay"
                      question={`Process ${e.eventName} (${e.id.slice(0, 8)}) again? Its consumers run once more.`}
                      action={async () => {
                        await api(`/webhook/events/${encodeURIComponent(e.id)}/replay`, { method: 'POST' });
                        props.onReplayed();
                      }}
                    />
                  ) : null}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Payload({ id }: { id: string }) {
  const event = useLoad(() => api<WebhookEvent>(`/webhook/events/${encodeURIComponent(id)}`), [id]);
  return (
    <Card title="Payload" testId="payload">
      <ErrorNote error={event.error} />
      {event.data ? (
        <>
          <p class="muted">
            {event.data.eventName} · message <code>{event.data.messageId}</code> · processed {event.data.processedCount}
            × · replayed {event.data.replayCount}×
          </p>
          <pre>{JSON.stringify(event.data.payload, null, 2)}</pre>
        </>
      ) : null}
    </Card>
  );
}

export function WebhooksPage({ query: initial }: { query: URLSearchParams }) {
  const [source, setSource] = useState(initial.get('source') ?? '');
  const [type, setType] = useState(initial.get('type') ?? '');
  const [status, setStatus] = useState(initial.get('status') ?? '');
  const [selected, setSelected] = useState<string | null>(null);
  const query = useMemo(() => {
    const q = new URLSearchParams({ limit: '50' });
    if (source) q.set('source', source);
    if (type) q.set('type', type);
    if (status) q.set('status', status);
    return q.toString();
  }, [source, type, status]);
  const description = useLoad(() => api<WebhookDescription>('/webhook'), []);
  const events = useLoad(() => api<Page<WebhookEvent>>(`/webhook/events?${query}`), [query]);
  const dead = useLoad(() => api<Page<WebhookEvent>>('/webhook/events?status=dead_lettered&limit=50'), []);
  const reload = (): void => {
    description.reload();
    events.reload();
    dead.reload();
  };
  useLiveEvents(LIVE, reload, 200);
  const sources = description.data?.sources ?? [];
  const types = (source ? sources.filter((s) => s.name === source) : sources).flatMap((s) =>
    s.eventTypes.map((t) => t.type),
  );
  const counts = description.data?.counts ?? {};
  const deadItems = dead.data?.items ?? [];
  return (
    <div>
      <h1>Webhooks</h1>
      <dl class="counts">
        {STATUSES.map((s) => (
          <div key={s}>
            <dt>{label(s)}</dt>
            <dd data-count={s}>{counts[s] ?? 0}</dd>
          </div>
        ))}
      </dl>
      <ErrorNote error={description.error ?? events.error ?? dead.error} />
      <Card title="Dead-letter queue" attention={deadItems.length > 0} testId="dead-letters">
        {deadItems.length ? (
          <EventTable
            events={deadItems}
            selected={selected}
            onSelect={setSelected}
            onReplayed={reload}
            testId="dead-letter-table"
          />
        ) : (
          <p class="muted">Nothing dead-lettered.</p>
        )}
      </Card>
      {selected ? <Payload id={selected} /> : null}
      <Card title="Events" testId="webhook-events">
        <div class="filters">
          <Field label="Source">
            <select
              name="source"
              value={source}
              onChange={(e) => {
                setSource(e.currentTarget.value);
                setType('');
              }}
            >
              <option value="">all</option>
              {sources.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Type">
            <select name="type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
              <option value="">all</option>
              {[...new Set(types)].map((t) => (
                <option key={t} value={t}>
                  {label(t)}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Status">
            <select name="status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
              <option value="">all</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {label(s)}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <EventTable
          events={events.data?.items ?? []}
          selected={selected}
          onSelect={setSelected}
          onReplayed={reload}
          testId="event-table"
        />
      </Card>
    </div>
  );
}
