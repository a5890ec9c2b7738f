import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestDatabase {
  /** Environment variables that point the app at this database. */
  env: Record<string, string>;
  kind: 'postgres' | 'embedded';
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one test file. With DATABASE_URL set (CI) a new PostgreSQL database is created on that
 * server and dropped afterwards; without it, an embedded PGlite database in a temporary directory.
 */
export async function createTestDatabase(
  label = 'test',
  options: { kind?: 'postgres' | 'embedded' } = {},
): Promise<TestDatabase> {
  const serverUrl = postgresServerUrl();
  if (options.kind === 'postgres' && !serverUrl) throw new Error('A PostgreSQL test database needs DATABASE_URL');
  if (!serverUrl || options.kind === 'embedded') {
    const dataDir = await mkdtemp(join(tmpdir(), `jv-${label}-`));
    // A pristine initialised PGlite directory prepared once per run by test/support/global-setup.mjs.
    const template = process.env['JV_PGLITE_TEMPLATE'];
    if (template) await cp(template, join(dataDir, 'pglite'), { recursive: true });
    return { kind: 'embedded', env: { DATA_DIR: dataDir }, drop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const name = `jv_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    kind: 'postgres',
    env: { DATABASE_URL: url.toString() },
    drop: async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The PostgreSQL server the suite runs against (CI sets DATABASE_URL), or undefined for the embedded database. */
export function postgresServerUrl(): string | undefined {
  return process.env['DATABASE_URL'] || undefined;
}

/** The database kinds this run can test: always the embedded one, and PostgreSQL when a server is configured. */
export function availableDatabaseKinds(): Array<'embedded' | 'postgres'> {
  return postgresServerUrl() ? ['embedded', 'postgres'] : ['embedded'];
}
