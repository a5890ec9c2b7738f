import { afterAll, describe, expect, it } from '@jest/globals';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

import { childRequester, type Requester } from '../pipeline/crash-harness.js';
import { bookRun } from '../pipeline/pipeline-support.js';
import { type ChildApp, startChildApp } from '../support/child-app.js';
import { eventually } from '../support/eventually.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

interface Consistency {
  score: number;
  streams: Array<{ stream: string; score: number }>;
}

/**
 * The embedded default as a newcomer runs it (no DATABASE_URL, no MCP URLs, no API_KEYS), stopped and started again on
 * the same DATA_DIR: the sandbox world, the consistency score and the generated key are what they were.
 */
describe('the embedded default keeps its world across a restart', () => {
  let database: TestDatabase | undefined;
  let child: ChildApp | undefined;

  afterAll(async () => {
    await child?.kill();
    await database?.drop();
  });

  /** The child's generated key, as printed at start. */
  const printedKey = (app: ChildApp): { key: string; file: string } => {
    const match = /Admin API key \(generated once, kept in ([^)]+)\): (\S+?)["\s]/.exec(app.output());
    if (!match?.[1] || !match[2]) throw new Error(`no generated key in the output:\n${app.output()}`);
    return { file: match[1], key: match[2] };
  };
  const start = async (
    env: Record<string, string> = {},
  ): Promise<{ app: ChildApp; key: string; request: Requester }> => {
    if (!database) throw new Error('no database');
    // API_KEYS empty: the key is generated (or read back) as without any configuration.
    const app = await startChildApp({ ...database.env, API_KEYS: '', SYNC_ENABLED: 'false', ...env });
    child = app;
    const { key } = printedKey(app);
    return { app, key, request: childRequester({ ...app, apiKey: key }) };
  };
  const consistency = async (request: Requester): Promise<Consistency> => {
    const response = await request('/api/integration/sync?action=validate');
    expect(response.status).toBe(200);
    return (await response.json()) as Consistency;
  };
  const stop = async (app: ChildApp): Promise<void> => {
    app.process.kill('SIGTERM');
    await expect(app.exited).resolves.toBe(0);
    child = undefined;
  };

  it('booking, score and API key survive; the key file is private', async () => {
    database = await createTestDatabase('world', { kind: 'embedded' });
    const dataDir = database.env['DATA_DIR'] ?? '';
    const first = await start();
    expect(printedKey(first.app).file).toBe(join(dataDir, 'api-key'));
    expect((await stat(join(dataDir, 'api-key'))).mode & 0o777).toBe(0o600);

    const booked = await bookRun(
      first.request,
      { email: 'world.keeper@example.com', firstName: 'World', lastName: 'Keeper' },
      60_000,
    );
    const bookingId = booked.bookingId ?? '';
    expect(bookingId).toMatch(/^bk-/);
    // The notification workflow goes on running in n8n after the run moved on; synced while it runs, its execution
    // would differ from n8n's by the time the score is taken, and again after the restart.
    await eventually(async () => {
      const run = (await (await first.request(`/api/integration/pipeline/runs/${booked.id}`)).json()) as {
        notification: { status: string };
      };
      return run.notification.status === 'succeeded' ? run : undefined;
    }, 30_000);

    const sync = await first.request('/api/integration/sync', { method: 'POST', json: { action: 'full_sync' } });
    expect(sync.status).toBe(202);
    const { id: syncRunId } = (await sync.json()) as { id: string };
    await eventually(async () => {
      const run = (await (await first.request(`/api/integration/sync/runs/${syncRunId}`)).json()) as {
        outcome: string;
      };
      return run.outcome === 'running' ? undefined : run;
    }, 60_000);
    const before = await consistency(first.request);
    await stop(first.app);

    expect(first.app.output()).not.toContain('/admin');
    const second = await start({ MCP_SANDBOX_ADMIN: 'true' });
    expect(second.key).toBe(first.key);
    // The admin endpoint, asked for: its stats say where the server keeps its data.
    const admin =
      /avinode: no URL configured; embedded sandbox MCP server listening on \S+ \(data kept in ([^,]+), admin at (\S+)\)/.exec(
        second.app.output(),
      );
    expect(admin?.[1]).toBe(join(dataDir, 'sandbox', 'avinode.state'));
    const stats = await fetch(`${admin?.[2] ?? ''}/stats`);
    expect(stats.status).toBe(200);
    expect(await stats.json()).toMatchObject({ name: 'avinode', persistence: { path: admin?.[1] } });
    const booking = await second.request(`/api/integration/bookings/${bookingId}`);
    expect(booking.status).toBe(200);
    expect(await booking.json()).toMatchObject({ bookingId, status: 'confirmed' });
    const after = await consistency(second.request);
    expect(after.score).toBe(before.score);
    expect(after.streams.map((s) => [s.stream, s.score])).toEqual(before.streams.map((s) => [s.stream, s.score]));
    await stop(second.app);
  }, 240_000);
});
