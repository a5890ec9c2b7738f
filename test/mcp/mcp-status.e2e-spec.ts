import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { McpClientService } from '../../src/common/mcp/mcp-client.service.js';
import { defineTool } from '../../src/common/mcp/tool-contract.js';
import { z } from 'zod';
import { EmbeddedSandboxes } from '../../src/common/mcp/embedded-sandbox.provider.js';
import { type SandboxServerHandle, startSandboxServer } from '../../src/sandbox/index.js';
import { sandboxProtocolFromEnv } from '../../src/sandbox/core/sandbox-host.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { missingTool } from './probe.sandbox.js';

const emptyLegs = defineTool({
  server: 'avinode',
  name: 'get-empty-legs',
  mode: 'read',
  result: z.looseObject({}),
});

interface StatusBody {
  service: { name: string; version: string; status: string; uptimeSeconds: number; database: string };
  servers: Record<
    string,
    {
      state: string;
      breaker: string;
      embedded: boolean;
      url: string;
      missingTools: string[];
      protocolEra: string | null;
      protocolVersion: string | null;
      endpoints: { url: string; protocolEra: string | null }[];
      sessionAgeMs: number | null;
      lastError: { kind: string; message: string } | null;
    }
  >;
}

async function status(app: TestApp, method: 'GET' | 'POST' = 'GET'): Promise<StatusBody> {
  const response = await app.request('/api/integration/status', { method });
  expect(response.status).toBe(200);
  return (await response.json()) as StatusBody;
}

async function pollStatus(app: TestApp, predicate: (body: StatusBody) => boolean, what: string): Promise<StatusBody> {
  return eventually(
    async () => {
      const body = await status(app);
      return predicate(body) ? body : undefined;
    },
    10_000,
    25,
    what,
  );
}

// The embedded servers serve the lane's era; the Avinode one the other, so the app talks both eras at once in each lane.
const laneEra = sandboxProtocolFromEnv();
const otherEra = laneEra === 'session' ? '2026-07-28' : 'session';

describe('GET/POST /api/integration/status and readiness', () => {
  let probe: SandboxServerHandle;
  let app: TestApp;

  beforeAll(async () => {
    // The real Avinode sandbox, started by the test so it can be stopped and restarted; Apollo and n8n are embedded.
    probe = await startSandboxServer('avinode', { port: 0, protocol: otherEra });
    app = await startTestApp({
      env: {
        AVAINODE_MCP_SERVER_URL: probe.url,
        MCP_HEALTH_CHECK_INTERVAL_MS: '100',
        MCP_RECONNECT_MIN_DELAY_MS: '50',
        MCP_RECONNECT_MAX_DELAY_MS: '200',
        MCP_CONNECT_TIMEOUT_MS: '3000',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await probe?.close();
  });

  it('requires the API key', async () => {
    const response = await app.request('/api/integration/status', { auth: false });
    expect(response.status).toBe(401);
  });

  it('reports the service and all three servers (unconfigured ones embedded)', async () => {
    const body = await pollStatus(app, (b) => Object.values(b.servers).every((s) => s.state === 'up'), 'all up');
    expect(body.service).toMatchObject({ name: 'jetvision-integration', version: expect.any(String) });
    expect(body.service.database).toEqual(app.config.database.kind);
    expect(Object.keys(body.servers).sort()).toEqual(['apollo', 'avinode', 'n8n']);
    expect(body.servers.avinode).toMatchObject({ state: 'up', breaker: 'closed', embedded: false, url: probe.url });
    expect(body.servers.apollo?.embedded).toBe(true);
    expect(body.servers.n8n?.embedded).toBe(true);
    expect(app.app.get(EmbeddedSandboxes).names.sort()).toEqual(['apollo', 'n8n']);
  });

  it('shows the protocol era discovery chose for each server and endpoint', async () => {
    const body = await pollStatus(app, (b) => Object.values(b.servers).every((s) => s.state === 'up'), 'all up');
    const version = (era: string): string => (era === 'session' ? '2025-11-25' : '2026-07-28');
    expect(body.servers.avinode).toMatchObject({ protocolEra: otherEra, protocolVersion: version(otherEra) });
    expect(body.servers.avinode?.endpoints).toEqual([
      expect.objectContaining({ url: probe.url, protocolEra: otherEra }),
    ]);
    expect(body.servers.apollo).toMatchObject({ protocolEra: laneEra, protocolVersion: version(laneEra) });
    expect(body.servers.n8n).toMatchObject({ protocolEra: laneEra, protocolVersion: version(laneEra) });
  });

  it('calls go through the injected client', async () => {
    const client = app.app.get(McpClientService);
    await expect(client.call(emptyLegs, {})).resolves.toEqual(expect.any(Object));
  });

  it('shows a stopped server as down without any traffic, and up again after it restarts', async () => {
    await probe.stop();
    const down = await pollStatus(app, (b) => b.servers.avinode?.state === 'down', 'avinode down');
    expect(down.service.status).toBe('degraded');
    const ready = await app.request('/health/ready');
    expect(ready.status).toBe(200);
    const readiness = (await ready.json()) as { details: Record<string, { status: string; state?: string }> };
    // Between background attempts the state alternates between down and connecting; either way it is degraded.
    expect(readiness.details.mcp_avinode?.status).toBe('degraded');
    expect(['down', 'connecting']).toContain(readiness.details.mcp_avinode?.state);

    await probe.start();
    await pollStatus(app, (b) => b.servers.avinode?.state === 'up', 'avinode up again');
    const readyAgain = (await (await app.request('/health/ready')).json()) as {
      details: Record<string, { status: string }>;
    };
    expect(readyAgain.details.mcp_avinode?.status).toBe('up');
  });

  it('POST reconnects every server now and returns the result', async () => {
    const before = probe.stats().sessions;
    const asked = Date.now();
    const body = await status(app, 'POST');
    const sinceAsked = Date.now() - asked;
    expect({ state: body.servers.avinode?.state, lastError: body.servers.avinode?.lastError }).toMatchObject({
      state: 'up',
    });
    // A new session: younger than the request that asked for it.
    expect(body.servers.avinode?.sessionAgeMs).toBeLessThanOrEqual(sinceAsked);
    expect(probe.stats().sessions).toBeLessThanOrEqual(Math.max(1, before));
  });

  it('a contract registered later is checked at once: missing tool → degraded', async () => {
    app.app.get(McpClientService).registry.register([missingTool]);
    const body = await status(app);
    expect(body.servers.avinode).toMatchObject({ state: 'degraded', missingTools: ['not-offered'] });
    expect(body.service.status).toBe('degraded');
  });
});
