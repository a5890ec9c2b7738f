import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { ApolloLeadUpdated } from '../../src/modules/apollo/apollo.events.js';
import type { ApolloLeadUpdatedPayload } from '../../src/modules/webhook/webhook.payloads.js';
import type { SyncStatusView } from '../../src/modules/sync/sync.service.js';
import type { ConsistencyReport } from '../../src/modules/sync/consistency.service.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import {
  admin,
  dataSourceOf,
  localRows,
  startUpstreams,
  syncThroughApi,
  type Upstreams,
  waitForRun,
} from './sync-test-kit.js';
import { publishAndWait } from '../../src/common/events/publish.js';

describe('data sync against sandbox upstreams', () => {
  let upstreams: Upstreams;
  let app: TestApp;

  beforeAll(async () => {
    upstreams = await startUpstreams();
    app = await startTestApp({
      env: { ...upstreams.env, SYNC_PAGE_SIZE: '500' },
    });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await upstreams?.close();
  });

  const validate = async (): Promise<ConsistencyReport> => {
    const response = await app.request('/api/integration/sync?action=validate');
    expect(response.status).toBe(200);
    return (await response.json()) as ConsistencyReport;
  };

  it('stores every stream with a full sync; a second identical sync changes nothing', async () => {
    const first = await syncThroughApi(app, 'full_sync');
    expect(first).toMatchObject({ outcome: 'success', trigger: 'manual', kind: 'full', changed: 0, deleted: 0 });
    expect(first.streamResults['apollo_contacts']).toMatchObject({ outcome: 'success', inserted: 2000 });
    for (const stream of ['avinode_availability', 'avinode_bookings', 'n8n_executions']) {
      expect(first.streamResults[stream]?.inserted).toBeGreaterThan(0);
    }
    const contacts = await localRows(app, 'sync_apollo_contact');
    expect(contacts).toHaveLength(2000);
    expect(new Set(contacts.map((row) => row.id)).size).toBe(2000);

    const incremental = await syncThroughApi(app, 'sync');
    expect(incremental).toMatchObject({ outcome: 'success', kind: 'incremental', inserted: 0, changed: 0, deleted: 0 });

    const again = await syncThroughApi(app, 'full_sync');
    expect(again).toMatchObject({ outcome: 'success', inserted: 0, changed: 0, deleted: 0 });
    expect(again.unchanged).toBe(first.inserted);

    const status = (await (await app.request('/api/integration/sync?action=status')).json()) as SyncStatusView;
    expect(status.streams.map((s) => s.stream)).toEqual([
      'apollo_contacts',
      'avinode_availability',
      'avinode_bookings',
      'n8n_executions',
    ]);
    for (const stream of status.streams) {
      expect(stream.lastSuccessAt).not.toBeNull();
      expect(stream.lastFullSyncAt).not.toBeNull();
      expect(stream.records.live).toBe(first.streamResults[stream.stream]?.inserted);
    }
    expect(status.lastRun?.id).toBe(again.id);
  });

  it('names a record changed upstream in the consistency report, lowers the score, and the next sync fixes it', async () => {
    const before = await validate();
    expect(before.score).toBeGreaterThanOrEqual(99);
    const [, target] = await localRows(app, 'sync_apollo_contact');
    await admin(upstreams.apollo, 'data', {
      action: 'update',
      collection: 'contacts',
      id: target!.id,
      patch: { title: 'Chief of Staff (consistency test)' },
    });

    const drifted = await validate();
    expect(drifted.score).toBeLessThan(before.score);
    const mismatch = drifted.issues.find(
      (issue) => issue.type === 'field_mismatch' && issue.stream === 'apollo_contacts',
    );
    expect(mismatch?.count).toBe(1);
    expect(mismatch?.examples[0]).toMatchObject({ id: target!.id });
    expect(mismatch?.examples[0]?.fields).toContain('title');
    expect(drifted.recommendations.join('\n')).toContain(target!.id);

    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(metrics).toContain(`jetvision_sync_consistency_score{stream="all"} ${drifted.score}`);

    const run = await syncThroughApi(app, 'sync', ['apollo_contacts']);
    expect(run.streamResults['apollo_contacts']).toMatchObject({ outcome: 'success', changed: 1, inserted: 0 });
    const row = (await localRows(app, 'sync_apollo_contact')).find((r) => r.id === target!.id);
    expect(row?.data['title']).toBe('Chief of Staff (consistency test)');

    const after = await validate();
    expect(after.score).toBe(before.score);
    const history = await dataSourceOf(app).query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM "sync_consistency_check"`,
    );
    expect(history[0]?.n).toBeGreaterThanOrEqual(3);
  });

  it('keeps syncing the other streams when one upstream is down, and records the failure', async () => {
    const [, , third] = await localRows(app, 'sync_apollo_contact');
    await admin(upstreams.apollo, 'data', {
      action: 'update',
      collection: 'contacts',
      id: third!.id,
      patch: { seniority: 'c_suite' },
    });
    await upstreams.n8n.stop();
    try {
      const run = await syncThroughApi(app, 'sync');
      expect(run.outcome).toBe('partial');
      expect(run.streamResults['n8n_executions']?.outcome).toBe('failure');
      expect(run.streamResults['n8n_executions']?.error).toMatch(/n8n/);
      expect(run.streamResults['apollo_contacts']).toMatchObject({ outcome: 'success', changed: 1 });
      expect(run.streamResults['avinode_availability']?.outcome).toBe('success');
      expect(run.error).toMatch(/^n8n_executions: /);

      const status = (await (await app.request('/api/integration/sync?action=status')).json()) as SyncStatusView;
      const n8n = status.streams.find((s) => s.stream === 'n8n_executions');
      expect(n8n?.lastError).toMatch(/n8n/);
      expect(Date.parse(n8n!.lastErrorAt!)).toBeGreaterThan(Date.parse(n8n!.lastSuccessAt!));

      const audit = (await (
        await app.request(`/api/integration/audit?type=sync.run_completed&subject=${run.id}`)
      ).json()) as { items: Array<{ outcome: string; details: Record<string, unknown> }> };
      expect(audit.items).toHaveLength(1);
      expect(audit.items[0]).toMatchObject({ outcome: 'failure', details: { outcome: 'partial' } });
    } finally {
      await upstreams.n8n.start();
    }
    // Back up: the stream recovers (its breaker may need its cool-down first).
    await eventually(async () => (await syncThroughApi(app, 'sync', ['n8n_executions'])).outcome === 'success', 20_000);
  });

  it('applies upstream change events (as the webhook intake raises them) to the tables between scheduled runs', async () => {
    const [, , , fourth] = await localRows(app, 'sync_apollo_contact');
    const updated = await admin(upstreams.apollo, 'data', {
      action: 'update',
      collection: 'contacts',
      id: fourth!.id,
      patch: { title: 'Head of Flight Department (webhook test)' },
    });
    // What the webhook intake emits once it has stored and processed Apollo's `lead_updated` delivery.
    await publishAndWait(
      app.app.get(EventEmitter2),
      new ApolloLeadUpdated(
        {
          webhookEventId: randomUUID(),
          source: 'apollo',
          messageId: `msg_${randomUUID()}`,
          type: 'lead_updated',
          receivedAt: new Date(),
          occurredAt: new Date(),
          attempt: 0,
        },
        { lead: updated, changedFields: ['title'], source: 'upstream' } as ApolloLeadUpdatedPayload,
      ),
    );
    await eventually(async () => {
      const row = (await localRows(app, 'sync_apollo_contact')).find((r) => r.id === fourth!.id);
      return row?.data['title'] === 'Head of Flight Department (webhook test)';
    }, 20_000);
    // The row is written before its sync run is closed: poll until the run has an outcome.
    const webhookRun = await eventually(async () => {
      const runs = (await (await app.request('/api/integration/sync/runs?limit=5')).json()) as {
        items: Array<{ trigger: string; streams: string[]; outcome: string; changed: number }>;
      };
      const run = runs.items.find((one) => one.trigger === 'webhook');
      return run && run.outcome !== 'running' ? run : undefined;
    }, 20_000);
    expect(webhookRun).toMatchObject({
      streams: ['apollo_contacts'],
      outcome: 'success',
      changed: 1,
    });
  });

  it('validates commands, naming the field', async () => {
    const problem = async (response: Response): Promise<{ errors: Array<{ field: string }> }> => {
      expect(response.status).toBe(400);
      return (await response.json()) as { errors: Array<{ field: string }> };
    };
    const post = (json: unknown): Promise<Response> => app.request('/api/integration/sync', { method: 'POST', json });
    expect((await problem(await post({ action: 'restart' }))).errors[0]?.field).toBe('action');
    expect((await problem(await post({ action: 'full_sync', intervalMinutes: 5 }))).errors[0]?.field).toBe(
      'intervalMinutes',
    );
    expect((await problem(await post({ action: 'sync', streams: ['hubspot'] }))).errors[0]?.field).toBe('streams');
    expect((await problem(await post({ action: 'start', intervalMinutes: 0.1 }))).errors[0]?.field).toBe(
      'intervalMinutes',
    );
    expect((await problem(await app.request('/api/integration/sync?action=explode'))).errors[0]?.field).toBe('action');
    expect((await app.request('/api/integration/sync/runs/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await app.request('/api/integration/sync?action=status', { auth: false })).status).toBe(401);
  });

  it('starts and stops the schedule, audited as administrative actions', async () => {
    const stopped = await app.request('/api/integration/sync', { method: 'POST', json: { action: 'stop' } });
    expect(stopped.status).toBe(200);
    const stoppedBody = (await stopped.json()) as SyncStatusView;
    expect(stoppedBody.streams.every((s) => !s.schedule.enabled)).toBe(true);

    const started = await app.request('/api/integration/sync', {
      method: 'POST',
      json: { action: 'start', intervalMinutes: 7.5, streams: ['n8n_executions'] },
    });
    expect(started.status).toBe(200);
    const body = (await started.json()) as SyncStatusView & { run: { id: string; trigger: string } | null };
    const n8n = body.streams.find((s) => s.stream === 'n8n_executions');
    expect(n8n?.schedule).toMatchObject({ enabled: true, intervalSeconds: 450 });
    expect(body.streams.find((s) => s.stream === 'apollo_contacts')?.schedule.enabled).toBe(false);
    expect(body.run?.trigger).toBe('manual');

    const audit = (await (await app.request('/api/integration/audit?type=sync.schedule_changed')).json()) as {
      items: Array<{ source: string; details: { action: string; actor: string | null } }>;
    };
    expect(audit.items.map((item) => item.details.action)).toEqual(['start', 'stop']);
    expect(audit.items[0]?.source).toBe('admin');
    expect(audit.items[0]?.details.actor).toEqual(expect.any(String));
    if (body.run) expect((await waitForRun(app, body.run.id)).outcome).toBe('success');
  });

  it('sets aside a record it cannot store, keeps the stream going, names it, and stores it once fixed upstream', async () => {
    const [, , , fourth] = await localRows(app, 'sync_apollo_contact');
    const id = fourth!.id;
    await admin(upstreams.apollo, 'data', {
      action: 'update',
      collection: 'contacts',
      id,
      patch: { title: 'CEO\u0000of nothing' },
    });
    const run = await syncThroughApi(app, 'sync');
    expect(run.outcome).toBe('success');
    expect(run.streamResults['apollo_contacts']).toMatchObject({
      outcome: 'success',
      quarantined: 1,
      quarantinedExamples: [id],
    });

    const status = (await (await app.request('/api/integration/sync?action=status')).json()) as SyncStatusView;
    const apollo = status.streams.find((s) => s.stream === 'apollo_contacts');
    expect(apollo?.quarantined.count).toBe(1);
    expect(apollo?.quarantined.examples[0]).toMatchObject({ id, field: 'title' });
    expect(apollo?.quarantined.examples[0]?.reason).toMatch(/U\+0000/);

    const report = await validate();
    const issue = report.issues.find((i) => i.type === 'quarantined' && i.stream === 'apollo_contacts');
    expect(issue).toMatchObject({ count: 1, examples: [{ id, fields: ['title'] }] });
    expect(report.issues.filter((i) => i.stream === 'apollo_contacts' && i.type !== 'quarantined')).toEqual([]);
    expect(report.recommendations.join('\n')).toContain(`correct the record upstream`);

    // The next sync runs on (it is not wedged), and once the upstream record is fixed it is stored and released.
    await admin(upstreams.apollo, 'data', { action: 'update', collection: 'contacts', id, patch: { title: 'CEO' } });
    const fixed = await syncThroughApi(app, 'sync');
    expect(fixed.streamResults['apollo_contacts']).toMatchObject({ outcome: 'success', changed: 1 });
    expect(fixed.streamResults['apollo_contacts']?.quarantined).toBeUndefined();
    const after = (await (await app.request('/api/integration/sync?action=status')).json()) as SyncStatusView;
    expect(after.streams.find((s) => s.stream === 'apollo_contacts')?.quarantined).toEqual({ count: 0, examples: [] });
    expect((await localRows(app, 'sync_apollo_contact')).find((row) => row.id === id)).toBeDefined();
  });
});
