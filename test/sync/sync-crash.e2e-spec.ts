import { afterAll, describe, expect, it } from '@jest/globals';
import type { ConsistencyReport } from '../../src/modules/sync/consistency.service.js';
import type { SyncRunView, SyncStatusView } from '../../src/modules/sync/sync.service.js';
import { type SandboxServerHandle, startSandboxServer } from '../../src/sandbox/index.js';
import { type ChildApp, startChildApp } from '../support/child-app.js';
import { eventually } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { FAST_SYNC_ENV } from './sync-test-kit.js';

const CONTACTS = 20_000;

async function call<T>(child: ChildApp, path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${child.baseUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${child.apiKey}`, 'content-type': 'application/json' },
  });
  return { status: response.status, body: (await response.json()) as T };
}

const apolloStatus = async (child: ChildApp): Promise<SyncStatusView['streams'][number]> => {
  const { body } = await call<SyncStatusView>(child, '/api/integration/sync?action=status');
  return body.streams.find((stream) => stream.stream === 'apollo_contacts')!;
};

/**
 * Check 9: kill -9 the process in the middle of a sync (after pages were written, with more to come), restart on the
 * same database and sync again: it resumes from the last committed cursor, and the local table then equals the
 * upstream, without gaps or duplicates. Runs the built app (`npm run build` first when running jest directly).
 */
describe('sync crash safety', () => {
  let database: TestDatabase | undefined;
  let child: ChildApp | undefined;
  let apollo: SandboxServerHandle | undefined;

  afterAll(async () => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) await child.kill();
    await database?.drop();
    await apollo?.close();
  });

  it(`resumes a sync of ${CONTACTS} contacts killed mid-run from its committed cursor`, async () => {
    apollo = await startSandboxServer('apollo', { port: 0, admin: true, size: CONTACTS });
    apollo.setFaults({ latencyMs: 25, tools: ['list-contacts'] });
    database = await createTestDatabase('sync-crash');
    const env = {
      ...FAST_SYNC_ENV,
      ...database.env,
      LOG_LEVEL: 'info',
      APOLLO_MCP_SERVER_URL: apollo.url,
      SYNC_PAGE_SIZE: '250',
    };
    child = await startChildApp(env);
    const started = await call<SyncRunView>(child, '/api/integration/sync', {
      method: 'POST',
      body: JSON.stringify({ action: 'sync', streams: ['apollo_contacts'] }),
    });
    expect(started.status).toBe(202);
    const running = child;
    await eventually(async () => (await apolloStatus(running)).records.live >= 2_000, 30_000, 10);
    await child.kill();

    child = await startChildApp(env);
    const resumedFrom = await apolloStatus(child);
    expect(resumedFrom.records.live).toBeGreaterThanOrEqual(2_000);
    expect(resumedFrom.records.live).toBeLessThan(CONTACTS);
    expect(resumedFrom.cursor).not.toBeNull();
    const interrupted = await call<SyncRunView>(child, `/api/integration/sync/runs/${started.body.id}`);
    expect(interrupted.body.outcome).toBe('interrupted');

    apollo.clearFaults();
    const again = await call<SyncRunView>(child, '/api/integration/sync', {
      method: 'POST',
      body: JSON.stringify({ action: 'sync', streams: ['apollo_contacts'] }),
    });
    const restarted = child;
    const finished = await eventually(async () => {
      const { body } = await call<SyncRunView>(restarted, `/api/integration/sync/runs/${again.body.id}`);
      return body.outcome === 'running' ? null : body;
    }, 60_000);
    expect(finished.outcome).toBe('success');
    // It continued where the committed cursor stood: only what was missing was inserted, nothing re-read as new.
    expect(finished.inserted).toBe(CONTACTS - resumedFrom.records.live);
    expect(finished.changed).toBe(0);

    const after = await apolloStatus(child);
    expect(after.records).toEqual({ live: CONTACTS, deleted: 0 });
    const { body: report } = await call<ConsistencyReport>(child, '/api/integration/sync?action=validate');
    const contacts = report.streams.find((stream) => stream.stream === 'apollo_contacts');
    expect(contacts).toMatchObject({
      checked: true,
      compared: CONTACTS,
      missingHere: 0,
      missingThere: 0,
      fieldMismatch: 0,
    });
  }, 180_000);
});
