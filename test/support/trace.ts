import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { EmbeddedSandboxes } from '../../src/common/mcp/embedded-sandbox.provider.js';

/**
 * What a request may leave behind, to assert that a refused one left nothing: rows per table of the application's
 * schema, and tool calls the embedded sandbox servers received. `audit_log` is left out on purpose: refusing a webhook
 * delivery is audited by design (who was refused, and why).
 */
export interface Trace {
  rows: Record<string, number>;
  upstreamCalls: Record<string, number>;
}

const NOT_A_TRACE = new Set(['audit_log', 'migrations']);

export async function traceOf(app: NestFastifyApplication): Promise<Trace> {
  const dataSource = app.get(DataSource);
  const tables = await dataSource.query<Array<{ table_name: string }>>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  const rows: Record<string, number> = {};
  for (const { table_name: table } of tables) {
    if (NOT_A_TRACE.has(table)) continue;
    const [count] = await dataSource.query<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM "${table}"`);
    rows[table] = count?.n ?? 0;
  }
  const sandboxes = app.get(EmbeddedSandboxes, { strict: false });
  const upstreamCalls: Record<string, number> = {};
  for (const name of sandboxes.names) {
    const calls = sandboxes.get(name)?.stats().calls ?? {};
    upstreamCalls[name] = Object.values(calls).reduce((sum, n) => sum + n, 0);
  }
  return { rows, upstreamCalls };
}
