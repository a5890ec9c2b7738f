import { afterAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { startChildApp } from '../support/child-app.js';
import { startTestApp } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe('graceful shutdown', () => {
  let database: TestDatabase | undefined;

  afterAll(async () => {
    await database?.drop();
  });

  it('on SIGTERM finishes, records that it stopped, closes everything and exits 0', async () => {
    database = await createTestDatabase('shutdown');
    const child = await startChildApp(database.env);
    const ok = await fetch(`${child.baseUrl}/health/live`);
    expect(ok.status).toBe(200);

    child.process.kill('SIGTERM');
    // Exit 0 on its own means every handle (server, pools, timers, job workers) was closed: nothing forced it.
    await expect(child.exited).resolves.toBe(0);
    expect(child.output()).toContain('Shutdown complete');

    const after = await startTestApp({ database });
    try {
      const rows = await after.app
        .get(DataSource)
        .query<Array<{ signal: string }>>(
          `SELECT details->>'signal' AS signal FROM audit_log WHERE type = 'application.stopping'`,
        );
      expect(rows).toEqual([{ signal: 'SIGTERM' }]);
    } finally {
      await after.close();
    }
  });
});
