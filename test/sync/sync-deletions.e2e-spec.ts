import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { SyncRunView } from '../../src/modules/sync/sync.service.js';
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

const STREAMS = ['n8n_executions', 'avinode_bookings'];

describe('deletion detection', () => {
  let upstreams: Upstreams;
  let app: TestApp;

  beforeAll(async () => {
    upstreams = await startUpstreams();
    // Small pages, so a walk has several pages and a fault can land in the middle of it.
    app = await startTestApp({ env: { ...upstreams.env, SYNC_PAGE_SIZE: '4' } });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await upstreams?.close();
  });

  const isDeleted = async (table: string, id: string): Promise<boolean | undefined> =>
    (await localRows(app, table)).find((row) => row.id === id)?.deleted;

  it('marks records deleted upstream only in a full sync that completed', async () => {
    const initial = await syncThroughApi(app, 'full_sync', STREAMS);
    expect(initial.outcome).toBe('success');
    const executions = await localRows(app, 'sync_n8n_execution');
    const bookings = await localRows(app, 'sync_avinode_booking');
    expect(executions.length).toBeGreaterThanOrEqual(12);
    expect(bookings.length).toBeGreaterThanOrEqual(12);

    // One execution vanishes (n8n deletes for good); one booking is deleted (Avinode keeps a tombstone in its feed).
    const execution = executions[Math.floor(executions.length / 2)]!.id;
    const booking = bookings[3]!.id;
    await admin(upstreams.n8n, 'data', { action: 'delete', collection: 'executions', id: execution });
    await admin(upstreams.avinode, 'data', { action: 'delete', collection: 'bookings', id: booking });

    // An incremental walk cannot notice a record that vanished.
    const incremental = await syncThroughApi(app, 'sync', ['n8n_executions']);
    expect(incremental).toMatchObject({ outcome: 'success', deleted: 0 });
    expect(await isDeleted('sync_n8n_execution', execution)).toBe(false);

    // A full sync that fails in the middle marks nothing deleted.
    upstreams.n8n.setFaults({ latencyMs: 120 });
    upstreams.avinode.setFaults({ latencyMs: 120 });
    const response = await app.request('/api/integration/sync', {
      method: 'POST',
      json: { action: 'full_sync', streams: STREAMS },
    });
    const started = (await response.json()) as SyncRunView;
    await eventually(async () => {
      const rows = await dataSourceOf(app).query<Array<{ seen: number }>>(
        `SELECT "inserted" + "changed" + "unchanged" AS seen FROM "sync_run" WHERE "id" = $1`,
        [started.id],
      );
      return (rows[0]?.seen ?? 0) > 0;
    }, 10_000);
    upstreams.n8n.setFaults({ toolErrorRate: 1 });
    upstreams.avinode.setFaults({ toolErrorRate: 1 });
    const failed = await waitForRun(app, started.id);
    expect(failed.outcome).toBe('failure');
    expect(failed.deleted).toBe(0);
    for (const stream of STREAMS) expect(failed.streamResults[stream]?.outcome).toBe('failure');
    expect(await isDeleted('sync_n8n_execution', execution)).toBe(false);
    expect(await isDeleted('sync_avinode_booking', booking)).toBe(false);

    // A completed full sync marks both: the vanished one by its absence, the tombstone by the upstream's word.
    upstreams.n8n.clearFaults();
    upstreams.avinode.clearFaults();
    const complete = await eventually(async () => {
      const run = await syncThroughApi(app, 'full_sync', STREAMS);
      return run.outcome === 'success' ? run : null;
    }, 20_000);
    expect(complete.deleted).toBe(2);
    expect(complete.streamResults['n8n_executions']?.deletedExamples).toEqual([execution]);
    expect(complete.streamResults['avinode_bookings']?.deletedExamples).toEqual([booking]);
    expect(await isDeleted('sync_n8n_execution', execution)).toBe(true);
    expect(await isDeleted('sync_avinode_booking', booking)).toBe(true);
    const live = (await localRows(app, 'sync_n8n_execution')).filter((row) => !row.deleted);
    expect(live).toHaveLength(executions.length - 1);

    // And the next full sync has nothing more to delete.
    expect((await syncThroughApi(app, 'full_sync', STREAMS)).deleted).toBe(0);
  });
});
