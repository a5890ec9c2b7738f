import type { DataSource } from 'typeorm';

/** Arbitrary constant shared by every instance of this service: the advisory lock that serialises migrations. */
const MIGRATION_LOCK_KEY = 7_316_042_081;

/**
 * Applies pending migrations. On PostgreSQL a session-level advisory lock, held on its own connection, makes sure
 * only one of several instances starting together applies them (TypeORM takes no lock and otherwise fails with
 * "relation already exists" or a deadlock). PGlite is a single session, so no lock is needed or possible there.
 */
export async function runMigrationsExclusively(dataSource: DataSource, embedded: boolean): Promise<string[]> {
  if (embedded) return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name);
    } finally {
      await lockRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await lockRunner.release();
  }
}
