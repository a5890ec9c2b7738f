import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { Card, ConfirmButton, ErrorNote, LineChart, Sparkline } from '../components';
import { label, Status, Time } from '../format';
import { useLiveEvents, useLoad } from '../hooks';
import type { ConsistencyHistory, IntegrationStatus, RunCounts, SyncStatus, WebhookDescription } from '../types';

const TREND_POINTS = 30;
// Latency has no event of its own (each call would be one), so the trend samples the status while the page is open.
const LATENCY_SAMPLE_MS = 10_000;

function Servers() {
  const status = useLoad(() => api<IntegrationStatus>('/status'), []);
  const trend = useRef<Record<string, number[]>>({});
  const [, setTick] = useState(0);
  useLiveEvents(['mcp.'], () => status.reload(), 200);
  useEffect(() => {
    const timer = setInterval(() => status.reload(), LATENCY_SAMPLE_MS);
    return () => clearInterval(timer);
  }, [status.reload]);
  useEffect(() => {
    if (!status.data) return;
    for (const server of Object.values(status.data.servers)) {
      const values = (trend.current[server.server] ??= []);
      if (server.latencyMs.p50 !== null) values.push(server.latencyMs.p50);
      if (values.length > TREND_POINTS) values.shift();
    }
    setTick((n) => n + 1);
  }, [status.data]);
  const servers = Object.values(status.data?.servers ?? {});
  const attention = servers.some((s) => s.state !== 'up' || s.breaker !== 'closed');
  return (
    <Card title="MCP servers" attention={attention} testId="servers">
      <ErrorNote error={status.error} />
      <div class="grid3">
        {servers.map((server) => {
          const bad = server.state !== 'up' || server.breaker !== 'closed';
          return (
            <article key={server.server} class={bad ? 'tile attention' : 'tile'} data-server={server.server}>
              <h3>{server.server}</h3>
              <p>
                <Status value={server.state} /> breaker <Status value={server.breaker} />
              </p>
              <p>
                p50 {fmtMs(server.latencyMs.p50)} · p99 {fmtMs(server.latencyMs.p99)}
              </p>
              <Sparkline values={trend.current[server.server] ?? []} label={`${server.server} p50 latency trend`} />
              {server.lastError ? (
                <p class="error-text">
                  {server.lastError.message} <Time at={server.lastError.at} />
                </p>
              ) : (
                <p class="muted">no errors</p>
              )}
            </article>
          );
        })}
      </div>
      <ConfirmButton
        label="Reconnect servers"
        question="Close and re-open the sessions to all three MCP servers now? Calls in flight are retried."
        confirmLabel="Reconnect"
        action={async () => {
          await api('/status', { method: 'POST' });
          status.reload();
        }}
      />
    </Card>
  );
}

function fmtMs(value: number | null): string {
  return value === null ? '—' : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

function Runs() {
  const counts = useLoad(() => api<RunCounts>('/pipeline/runs/counts'), []);
  useLiveEvents(['pipeline.run.'], () => counts.reload(), 300);
  const data = counts.data;
  const stuck = (data?.last7Days.byStatus['failed'] ?? 0) + (data?.last7Days.byStatus['dead_lettered'] ?? 0);
  return (
    <Card title="Pipeline runs" attention={stuck > 0} testId="run-counts">
      <ErrorNote error={counts.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">status</th>
            <th scope="col">today</th>
            <th scope="col">7 days</th>
          </tr>
        </thead>
        <tbody>
          {/* The API lists every status, in the pipeline's order. */}
          {Object.keys(data?.last7Days.byStatus ?? {}).map((status) => {
            const week = data?.last7Days.byStatus[status] ?? 0;
            const bad = (status === 'failed' || status === 'dead_lettered') && week > 0;
            return (
              <tr key={status} class={bad ? 'attention' : ''} data-status={status}>
                <th scope="row">
                  <a href={`#/board?status=${status}`}>{label(status)}</a>
                </th>
                <td data-window="today">{data?.today.byStatus[status] ?? 0}</td>
                <td data-window="week">{week}</td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">total</th>
            <td data-testid="runs-today">{data?.today.total ?? 0}</td>
            <td>{data?.last7Days.total ?? 0}</td>
          </tr>
        </tfoot>
      </table>
    </Card>
  );
}

function Consistency() {
  const history = useLoad(() => api<ConsistencyHistory>('/sync/consistency?limit=50'), []);
  useLiveEvents(['sync.consistency_checked'], () => history.reload(), 100);
  const latest = history.data?.latest;
  const points = (history.data?.history ?? []).map((h) => ({ at: h.checkedAt, value: h.score }));
  return (
    <Card title="Consistency" attention={latest ? latest.score < 90 : false} testId="consistency">
      <ErrorNote error={history.error} />
      {latest ? (
        <p class="big" data-testid="consistency-score">
          {latest.score.toFixed(1)} <span class="muted">/ 100</span> · <Time at={latest.checkedAt} />
        </p>
      ) : (
        <p class="muted">No check yet — run one from the Sync view.</p>
      )}
      <LineChart label="Consistency score over time" points={points} yRange={[0, 100]} height={140} />
    </Card>
  );
}

function Webhooks() {
  const described = useLoad(() => api<WebhookDescription>('/webhook'), []);
  useLiveEvents(['webhook.', 'avinode.', 'avainode.', 'apollo.', 'n8n.', 'lead.'], () => described.reload(), 500);
  const counts = described.data?.counts ?? {};
  const backlog = (counts['received'] ?? 0) + (counts['failed'] ?? 0);
  const dead = counts['dead_lettered'] ?? 0;
  return (
    <Card title="Webhooks" attention={dead > 0} testId="webhooks">
      <ErrorNote error={described.error} />
      <dl class="stats">
        <dt>backlog</dt>
        <dd data-testid="webhook-backlog">{backlog}</dd>
        <dt>dead letters</dt>
        <dd data-testid="webhook-dead" class={dead > 0 ? 'error-text' : ''}>
          {dead > 0 ? <a href="#/webhooks?status=dead_lettered">{dead}</a> : dead}
        </dd>
        <dt>processed</dt>
        <dd>{counts['processed'] ?? 0}</dd>
      </dl>
    </Card>
  );
}

function SyncStreams() {
  const status = useLoad(() => api<SyncStatus>('/sync?action=status'), []);
  useLiveEvents(['sync.'], () => status.reload(), 300);
  const streams = status.data?.streams ?? [];
  const failing = (s: SyncStatus['streams'][number]): boolean =>
    s.lastErrorAt !== null && (s.lastSuccessAt === null || s.lastErrorAt > s.lastSuccessAt);
  return (
    <Card title="Sync streams" attention={streams.some(failing)} testId="sync-streams">
      <ErrorNote error={status.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">stream</th>
            <th scope="col">last success</th>
            <th scope="col">next run</th>
          </tr>
        </thead>
        <tbody>
          {streams.map((s) => (
            <tr key={s.stream} class={failing(s) ? 'attention' : ''}>
              <th scope="row">{label(s.stream)}</th>
              <td>
                <Time at={s.lastSuccessAt} />
                {failing(s) ? <div class="error-text">{s.lastError}</div> : null}
              </td>
              <td>{s.schedule.enabled ? <Time at={s.schedule.nextRunAt} /> : <span class="muted">paused</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

export function Overview() {
  return (
    <div class="overview">
      <h1>Overview</h1>
      <Servers />
      <div class="grid2">
        <Runs />
        <Consistency />
        <Webhooks />
        <SyncStreams />
      </div>
    </div>
  );
}
