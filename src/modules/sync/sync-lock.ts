import type { DataSource, QueryRunner } from 'typeorm';

/** First key of every sync advisory lock (the second is the stream's hash), so other features' locks never collide. */
const LOCK_NAMESPACE = 0x5e7c;

/**
 * Per-stream locks held for the length of a run, across instances: PostgreSQL session advisory locks on a dedicated
 * connection (a crashed process loses its connection and so its locks). The embedded database is one in-process
 * session (advisory locks would always succeed) and there is one instance: the caller's in-process claim suffices.
 */
export class StreamLocks {
  private constructor(
    private readonly runner: QueryRunner | undefined,
    readonly held: string[],
  ) {}

  static async acquire(dataSource: DataSource, streams: readonly string[], useAdvisory: boolean): Promise<StreamLocks> {
    if (!useAdvisory) return new StreamLocks(undefined, [...streams]);
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    const held: string[] = [];
    try {
      for (const stream of streams) {
        const rows = (await runner.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [
          LOCK_NAMESPACE,
          `sync:${stream}`,
        ])) as unknown as Array<{ ok: boolean }>;
        if (rows[0]?.ok) held.push(stream);
      }
    } catch (error) {
      await runner.release();
      throw error;
    }
    return new StreamLocks(runner, held);
  }

  /** Gives up some of the held streams (e.g. no longer due after re-reading their state). */
  async releaseSome(streams: readonly string[]): Promise<void> {
    for (const stream of streams) {
      const index = this.held.indexOf(stream);
      if (index < 0) continue;
      this.held.splice(index, 1);
      await this.runner?.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_NAMESPACE, `sync:${stream}`]);
    }
  }

  async release(): Promise<void> {
    try {
      await this.releaseSome([...this.held]);
    } finally {
      await this.runner?.release();
    }
  }
}
