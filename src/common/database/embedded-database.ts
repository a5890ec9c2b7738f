import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { DataSource, type DataSourceOptions } from 'typeorm';

/** Data directories opened by this process (a second instance in the same process must be refused too). */
const openedInThisProcess = new Set<string>();

/**
 * A DataSource over an in-process PGlite database persisted in a directory. PGlite is a single database session:
 * every "connection" of the pool shares it, so the pool has exactly one client and transactions serialise.
 * Two processes opening the same directory would corrupt it, so a lock file makes the second one fail clearly.
 */
export class EmbeddedDataSource extends DataSource {
  private constructor(
    options: DataSourceOptions,
    readonly pglite: PGlite,
    private readonly lockPath: string,
  ) {
    super(options);
  }

  static async open(
    dataDir: string,
    optionsFor: (poolConfig: Record<string, unknown>) => DataSourceOptions,
  ): Promise<EmbeddedDataSource> {
    mkdirSync(dataDir, { recursive: true });
    const lockPath = acquireLock(dataDir);
    try {
      const pglite = await PGlite.create(dataDir);
      const poolConfig = { ...createPgConfig(pglite) } as unknown as Record<string, unknown>;
      return new EmbeddedDataSource(optionsFor(poolConfig), pglite, lockPath);
    } catch (error) {
      releaseLock(lockPath);
      throw error;
    }
  }

  override async destroy(): Promise<void> {
    try {
      if (this.isInitialized) await super.destroy();
      if (!this.pglite.closed) await this.pglite.close();
    } finally {
      releaseLock(this.lockPath);
    }
  }
}

export class EmbeddedDatabaseInUseError extends Error {
  constructor(dataDir: string, holder: string) {
    super(
      `The embedded database in ${dataDir} is already open by ${holder}. The embedded database serves one instance; ` +
        'stop the other instance, use another DATA_DIR, or set DATABASE_URL to share a PostgreSQL server.',
    );
    this.name = 'EmbeddedDatabaseInUseError';
  }
}

/**
 * The live process (other than this one) holding the embedded database in `dataDir`, if any: lets the entry point
 * refuse a second instance in one line before the application starts.
 */
export function embeddedDatabaseHolder(dataDir: string): number | undefined {
  try {
    const holder = Number(readFileSync(join(dataDir, 'jetvision.lock'), 'utf8').trim());
    return Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder) ? holder : undefined;
  } catch {
    return undefined;
  }
}

function acquireLock(dataDir: string): string {
  const lockPath = join(dataDir, 'jetvision.lock');
  if (openedInThisProcess.has(lockPath)) throw new EmbeddedDatabaseInUseError(dataDir, 'this process');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      openedInThisProcess.add(lockPath);
      return lockPath;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new EmbeddedDatabaseInUseError(dataDir, `process ${holder}`);
      }
      // A lock left by a process that died (or by an earlier run of this pid): take it over.
      rmSync(lockPath, { force: true });
    }
  }
  throw new EmbeddedDatabaseInUseError(dataDir, 'another process');
}

function releaseLock(lockPath: string): void {
  if (!openedInThisProcess.delete(lockPath)) return;
  rmSync(lockPath, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
