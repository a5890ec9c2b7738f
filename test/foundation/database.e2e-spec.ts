import { afterAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index.js';
import { startTestApp } from '../support/test-app.js';
import { createTestDatabase, postgresServerUrl, type TestDatabase } from '../support/test-database.js';

const databases: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
});

describe('embedded database', () => {
  it('boots on PGlite, applies the migrations, and keeps data across a restart', async () => {
    const database = await createTestDatabase('embedded', { kind: 'embedded' });
    databases.push(database);
    const first = await startTestApp({ database });
    const ready = await first.request('/health/ready', { auth: false });
    expect(ready.status).toBe(200);
    const applied = await first.app
      .get(DataSource)
      .query<Array<{ name: string }>>('SELECT name FROM migrations ORDER BY id');
    expect(applied.map((row) => row.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
    await first.close();

    const second = await startTestApp({ database });
    const starts = await second.app
      .get(DataSource)
      .query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM audit_log WHERE type = 'application.started'`);
    expect(starts[0]?.n).toBe(2);
    await second.close();
  });

  it('refuses a second instance on the same data directory with a clear message', async () => {
    const database = await createTestDatabase('embedded-lock', { kind: 'embedded' });
    databases.push(database);
    const first = await startTestApp({ database });
    try {
      await expect(startTestApp({ database })).rejects.toThrow(/already open by this process.*DATABASE_URL/s);
    } finally {
      await first.close();
    }
    // Released on close: the directory can be opened again.
    const again = await startTestApp({ database });
    await again.close();
  });
});

// Several instances sharing one database exist only on PostgreSQL (the embedded database refuses it, tested above), so
// this runs when the suite has a PostgreSQL server: always in CI.
const describeOnPostgres = postgresServerUrl() ? describe : describe.skip;
describeOnPostgres('instances starting together on an empty PostgreSQL database', () => {
  it('applies the migrations once and all instances become ready', async () => {
    const database = await createTestDatabase('race', { kind: 'postgres' });
    databases.push(database);
    const apps = await Promise.all([1, 2, 3].map(() => startTestApp({ database })));
    try {
      for (const app of apps) expect((await app.request('/health/ready', { auth: false })).status).toBe(200);
      const applied = await apps[0]!.app.get(DataSource).query<unknown[]>('SELECT name FROM migrations');
      expect(applied).toHaveLength(MIGRATIONS.length);
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });
});
