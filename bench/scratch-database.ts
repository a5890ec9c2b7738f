// A throwaway database for one benchmark run: PostgreSQL when DATABASE_URL is set, otherwise embedded PGlite.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface ScratchDatabase {
  /** Environment that points the app at this database. */
  env: Record<string, string>;
  /** For the results table: which database the numbers are from. */
  kind: string;
  drop(): Promise<void>;
}

export async function scratchDatabase(label: string): Promise<ScratchDatabase> {
  const server = process.env['DATABASE_URL'];
  if (!server) {
    const dir = mkdtempSync(join(tmpdir(), `jv-bench-${label}-`));
    return {
      env: { DATA_DIR: dir },
      kind: 'embedded PGlite',
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `jv_bench_${label.replace(/\W/g, '_')}_${process.pid}`;
  const run = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await run(`CREATE DATABASE "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    kind: 'PostgreSQL (localhost)',
    drop: () => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}
