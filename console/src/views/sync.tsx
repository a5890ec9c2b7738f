import { api } from '../api';
import { Card, ConfirmButton, ErrorNote, LineChart } from '../components';
import { duration, label, Status, Time } from '../format';
import { useLiveEvents, useLoad } from '../hooks';
import type { ConsistencyHistory, Page, SyncStatus } from '../types';

interface SyncRun {
  id: string;
  kind: string;
  trigger: string;
  startedAt: string;
  durationMs: number | null;
  inserted: number;
  changed: number;
  deleted: number;
  outcome: string;
}

export function SyncPage() {
  const status = useLoad(() => api<SyncStatus>('/sync?action=status'), []);
  const runs = useLoad(() => api<Page<SyncRun>>('/sync/runs?limit=20'), []);
  const history = useLoad(() => api<ConsistencyHistory>('/sync/consistency?limit=100'), []);
  useLiveEvents(
    ['sync.'],
    () => {
      status.reload();
      runs.reload();
      history.reload();
    },
    200,
  );
  const latest = history.data?.latest;
  return (
    <div>
      <h1>Sync</h1>
      <div class="actions" style={{ justifyContent: 'flex-start' }}>
        <ConfirmButton
          label="Run full sync"
          question="Start a full sync of every stream now? Records deleted upstream are marked deleted here."
          confirmLabel="Start"
          action={() => api('/sync', { method: 'POST', body: { action: 'full_sync' } })}
        />
        <ConfirmButton
          label="Check consistency"
          question="Compare the local copies with the upstreams now?"
          confirmLabel="Check"
          action={() => api('/sync?action=validate')}
        />
      </div>
      <ErrorNote error={status.error ?? runs.error ?? history.error} />
      <Card title="Streams">
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">stream</th>
                <th scope="col">state</th>
                <th scope="col">last success</th>
                <th scope="col">next run</th>
                <th scope="col">records</th>
              </tr>
            </thead>
            <tbody>
              {(status.data?.streams ?? []).map((s) => (
                <tr key={s.stream}>
                  <th scope="row">{label(s.stream)}</th>
                  <td>{s.running ? <Status value="running" /> : <Status value={s.lastError ? 'error' : 'idle'} />}</td>
                  <td>
                    <Time at={s.lastSuccessAt} />
                  </td>
                  <td>{s.schedule.enabled ? <Time at={s.schedule.nextRunAt} /> : <span class="muted">paused</span>}</td>
                  <td>{s.records.live}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
      <Card title="Runs" testId="sync-runs">
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">started</th>
                <th scope="col">kind</th>
                <th scope="col">trigger</th>
                <th scope="col">outcome</th>
                <th scope="col">duration</th>
                <th scope="col">inserted / changed / deleted</th>
              </tr>
            </thead>
            <tbody>
              {(runs.data?.items ?? []).map((r) => (
                <tr key={r.id} data-sync-run={r.id}>
                  <td>
                    <Time at={r.startedAt} />
                  </td>
                  <td>{r.kind}</td>
                  <td>{r.trigger}</td>
                  <td>
                    <Status value={r.outcome} />
                  </td>
                  <td>{duration(r.durationMs)}</td>
                  <td>
                    {r.inserted} / {r.changed} / {r.deleted}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Card>
      <Card title="Consistency history" attention={latest ? latest.score < 90 : false}>
        <LineChart
          label="Consistency score over time"
          points={(history.data?.history ?? []).map((h) => ({ at: h.checkedAt, value: h.score }))}
          yRange={[0, 100]}
        />
      </Card>
      <Card title="Discrepancies">
        {latest && latest.issues.length ? (
          <table>
            <tbody>
              {latest.issues.map((issue) => (
                <tr key={`${issue.stream}-${issue.type}`}>
                  <th scope="row">{label(issue.stream)}</th>
                  <td>{label(issue.type)}</td>
                  <td>{issue.count}</td>
                  <td>
                    {issue.description}
                    <div class="muted">
                      {issue.examples
                        .map((e) => e.id)
                        .filter(Boolean)
                        .slice(0, 5)
                        .join(', ')}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p class="muted">No discrepancies in the latest check.</p>
        )}
      </Card>
    </div>
  );
}
