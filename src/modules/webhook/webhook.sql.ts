import type { DataSource } from 'typeorm';

/**
 * Runs one statement and returns its rows. TypeORM's plain `query` returns `[rows, count]` for UPDATE and DELETE, which
 * `RETURNING` statements need as rows.
 */
export async function queryRows<T>(dataSource: DataSource, sql: string, parameters: unknown[] = []): Promise<T[]> {
  const runner = dataSource.createQueryRunner();
  try {
    const result = await runner.query(sql, parameters, true);
    return result.records as T[];
  } finally {
    await runner.release();
  }
}
