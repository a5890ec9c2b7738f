import { expect } from '@jest/globals';
import { DataSource } from 'typeorm';
import { type SandboxServerHandle, startSandboxServer } from '../../src/sandbox/index.js';
import type { SyncRunView } from '../../src/modules/sync/sync.service.js';
import { eventually, type TestApp } from '../support/test-app.js';

export interface Upstreams {
  apollo: SandboxServerHandle;
  avinode: SandboxServerHandle;
  n8n: SandboxServerHandle;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Three sandbox servers with the admin endpoint, on loopback, and the env pointing an app at them. */
export async function startUpstreams(options: { apolloSize?: number } = {}): Promise<Upstreams> {
  const [apollo, avinode, n8n] = await Promise.all([
    startSandboxServer('apollo', { port: 0, admin: true, ...(options.apolloSize ? { size: options.apolloSize } : {}) }),
    startSandboxServer('avinode', { port: 0, admin: true }),
    startSandboxServer('n8n', { port: 0, admin: true }),
  ]);
  return {
    apollo,
    avinode,
    n8n,
    env: {
      APOLLO_MCP_SERVER_URL: apollo.url,
      AVAINODE_MCP_SERVER_URL: avinode.url,
      N8N_MCP_SERVER_URL: n8n.url,
      ...FAST_SYNC_ENV,
    },
    close: async () => {
      await Promise.all([apollo.close(), avinode.close(), n8n.close()]);
    },
  };
}

/** The cron stays off (tests fire it by calling the scheduler); upstream calls fail fast. */
export const FAST_SYNC_ENV: Record<string, string> = {
  SYNC_ENABLED: 'false',
  APOLLO_RATE_LIMIT_PER_MINUTE: '1000000',
  AVAINODE_RATE_LIMIT_PER_MINUTE: '1000000',
  N8N_RATE_LIMIT_PER_MINUTE: '1000000',
  MCP_MAX_RETRIES: '1',
  MCP_RETRY_BASE_DELAY_MS: '10',
  MCP_RETRY_MAX_DELAY_MS: '50',
  MCP_CALL_TIMEOUT_MS: '5000',
  MCP_CONNECT_TIMEOUT_MS: '2000',
  MCP_RECONNECT_MIN_DELAY_MS: '50',
  MCP_RECONNECT_MAX_DELAY_MS: '200',
  MCP_BREAKER_COOLDOWN_MS: '500',
};

export async function admin(handle: SandboxServerHandle, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${handle.baseUrl}/admin/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`admin ${path} → ${response.status}: ${await response.text()}`);
  return response.json();
}

/** Starts a run through the API and waits until it finished. */
export async function syncThroughApi(
  app: TestApp,
  action: 'full_sync' | 'sync',
  streams?: string[],
  timeoutMs = 60_000,
): Promise<SyncRunView> {
  const response = await app.request('/api/integration/sync', {
    method: 'POST',
    json: { action, ...(streams ? { streams } : {}) },
  });
  expect(response.status).toBe(202);
  const started = (await response.json()) as SyncRunView;
  expect(response.headers.get('location')).toBe(`/api/integration/sync/runs/${started.id}`);
  return waitForRun(app, started.id, timeoutMs);
}

export async function waitForRun(app: TestApp, id: string, timeoutMs = 60_000): Promise<SyncRunView> {
  return eventually(
    async () => {
      const run = (await (await app.request(`/api/integration/sync/runs/${id}`)).json()) as SyncRunView;
      return run.outcome === 'running' ? null : run;
    },
    timeoutMs,
    50,
  );
}

export function dataSourceOf(app: TestApp): DataSource {
  return app.app.get(DataSource);
}

export async function localRows(
  app: TestApp,
  table: string,
): Promise<Array<{ id: string; hash: string; deleted: boolean; data: Record<string, unknown> }>> {
  return dataSourceOf(app).query(
    `SELECT "upstream_id" AS id, "data_hash" AS hash, ("deleted_at" IS NOT NULL) AS deleted, "data" FROM "${table}" ORDER BY 1`,
  );
}
