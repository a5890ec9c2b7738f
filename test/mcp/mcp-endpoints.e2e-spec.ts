import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { McpClient } from '../../src/common/mcp/mcp-client.js';
import type { McpEndpointDiagnostics } from '../../src/common/mcp/mcp-diagnostics.js';
import { McpToolRegistry } from '../../src/common/mcp/tool-contract.js';
import {
  createCharterRequestTool,
  listBookingsTool,
  searchAircraftTool,
} from '../../src/modules/avainode/avainode.contracts.js';
import { type SandboxReplicaHandle, type SandboxServerHandle, startSandboxServer } from '../../src/sandbox/index.js';
import { eventually } from '../support/eventually.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { testConfig } from './probe.sandbox.js';

const departureDate = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
const trip = { departureAirport: 'KTEB', arrivalAirport: 'KPBI', departureDate, passengers: 4 };

/**
 * Two endpoints of one upstream: the Avinode sandbox and a replica of it serving the same data on another port (as two
 * MCP server instances behind one Avinode account do). Faults are real: the replica's listener and sockets close.
 */
describe('McpClient with several endpoints per server', () => {
  let primary: SandboxServerHandle;
  let replica: SandboxReplicaHandle;
  let client: McpClient;
  let metrics: Registry;
  let aircraftId: string;
  const startedAt = new Date().toISOString();

  const endpoint = (url: string): McpEndpointDiagnostics => {
    const found = client.diagnostics()[0]?.endpoints.find((each) => each.url === url);
    if (!found) throw new Error(`no endpoint ${url}`);
    return found;
  };
  const search = (): Promise<unknown> => client.call(searchAircraftTool, trip);
  let requestSeq = 0;
  const request = (): Promise<{ key: string; id: string }> => {
    const key = `fleet-${String((requestSeq += 1)).padStart(4, '0')}`;
    return client
      .call(
        createCharterRequestTool,
        {
          aircraftId,
          route: { departureAirport: trip.departureAirport, arrivalAirport: trip.arrivalAirport },
          departureDate,
          departureTime: '10:15',
          passengers: 4,
          contact: { name: 'Fleet Test', email: 'fleet@example.com' },
        },
        { idempotencyKey: key },
      )
      .then((result) => ({ key, id: result.request.id }));
  };

  beforeAll(async () => {
    primary = await startSandboxServer('avinode', { seed: 7 });
    replica = await primary.startReplica();
    const registry = new McpToolRegistry();
    registry.register([searchAircraftTool, createCharterRequestTool, listBookingsTool]);
    metrics = new Registry();
    client = new McpClient(testConfig(`${primary.url}, ${replica.url}`), { registry, metricsRegistry: metrics });
    await client.start();
    await eventually(() => client.serverState('avinode') === 'up', 5_000, 20, 'both endpoints up');
    const found = (await client.call(searchAircraftTool, trip)) as { aircraft: { aircraftId: string }[] };
    aircraftId = found.aircraft[0]!.aircraftId;
  });

  afterAll(async () => {
    await client.close();
    await primary.close();
  });

  it('shows each endpoint in the diagnostics and metrics, and spreads calls over both', async () => {
    const before = [endpoint(primary.url).attempts.total, endpoint(replica.url).attempts.total];
    await Promise.all(Array.from({ length: 40 }, () => search()));
    const diagnostics = client.diagnostics()[0]!;
    expect(diagnostics.url).toBe(`${primary.url}, ${replica.url}`);
    expect(diagnostics.endpoints.map((each) => [each.url, each.state, each.breaker])).toEqual([
      [primary.url, 'up', 'closed'],
      [replica.url, 'up', 'closed'],
    ]);
    expect(endpoint(primary.url).attempts.total - before[0]!).toBeGreaterThan(5);
    expect(endpoint(replica.url).attempts.total - before[1]!).toBeGreaterThan(5);
    const exported = await metrics.getSingleMetricAsString('mcp_endpoint_up');
    expect(exported).toContain(`mcp_endpoint_up{server="avinode",endpoint="${primary.url}"} 1`);
    expect(exported).toContain(`mcp_endpoint_up{server="avinode",endpoint="${replica.url}"} 1`);
  });

  it('loses no call that was safe to repeat when one endpoint dies mid-load, and keeps each request single', async () => {
    const failures: string[] = [];
    const requests: { key: string; id: string }[] = [];
    let completed = 0;
    let stop = false;
    const worker = async (index: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        try {
          if ((index + i) % 4 === 0) requests.push(await request());
          else await search();
          completed++;
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
        }
      }
    };
    const workers = Array.from({ length: 8 }, (_, index) => worker(index));
    await eventually(() => completed >= 60 && endpoint(replica.url).inFlight > 0, 10_000, 1, 'load on both endpoints');
    await replica.stop();
    const killedAt = completed;
    // An attempt is counted when it ends: the ones already under way when the endpoint was seen down end first.
    await eventually(
      () => endpoint(replica.url).state === 'down' && endpoint(replica.url).inFlight === 0,
      5_000,
      10,
      'the dead endpoint is seen down, its last attempts ended',
    );
    const replicaAttempts = endpoint(replica.url).attempts.total;
    await eventually(() => completed >= killedAt + 150, 20_000, 10, 'traffic goes on');
    stop = true;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    // Traffic moved: nothing more was sent to the dead endpoint once it was known to be down.
    expect(endpoint(replica.url).attempts.total).toBe(replicaAttempts);
    expect(client.diagnostics()[0]?.state).toBe('degraded');
    // Exactly one upstream request per idempotency key, whichever endpoint took (or retried) it.
    expect(new Set(requests.map((each) => each.key)).size).toBe(requests.length);
    const upstream = await client.call(listBookingsTool, { updatedSince: startedAt, limit: 1000 });
    const ours = upstream.bookings.filter((booking) => requests.some((each) => each.id === booking.id));
    expect(ours).toHaveLength(requests.length);
    expect(new Set(requests.map((each) => each.id)).size).toBe(requests.length);
  });

  it('sends traffic to the endpoint again once it is back', async () => {
    await replica.start();
    await eventually(() => endpoint(replica.url).state === 'up', 10_000, 20, 'the endpoint reconnects');
    expect(client.diagnostics()[0]?.state).toBe('up');
    const before = endpoint(replica.url).attempts.succeeded;
    await Promise.all(Array.from({ length: 40 }, () => search()));
    expect(endpoint(replica.url).attempts.succeeded).toBeGreaterThan(before);
  });
});

describe('several endpoints in the running service', () => {
  let primary: SandboxServerHandle;
  let replica: SandboxReplicaHandle;
  let app: TestApp;

  beforeAll(async () => {
    primary = await startSandboxServer('avinode', { seed: 7 });
    replica = await primary.startReplica();
    app = await startTestApp({ env: { AVAINODE_MCP_SERVER_URL: `${primary.url},${replica.url}` } });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await primary?.close();
  });

  it('shows each endpoint in /status, readiness and /metrics, and the server degraded while one is down', async () => {
    type Status = {
      servers: Record<string, { state: string; url: string; endpoints: { url: string; state: string }[] }>;
    };
    const read = async (): Promise<Status> => (await (await app.request('/api/integration/status')).json()) as Status;
    const up = await eventually(async () => {
      const body = await read();
      return body.servers['avinode']?.state === 'up' ? body : undefined;
    }, 10_000);
    expect(up.servers['avinode']?.endpoints.map((each) => [each.url, each.state])).toEqual([
      [primary.url, 'up'],
      [replica.url, 'up'],
    ]);
    const metrics = await (await app.request('/metrics')).text();
    expect(metrics).toContain(`mcp_endpoint_up{server="avinode",endpoint="${replica.url}"} 1`);

    await replica.stop();
    // The health check notices the dead endpoint; the server keeps serving on the other one.
    await app.request('/api/integration/status', { method: 'POST' });
    const degraded = await eventually(async () => {
      const body = await read();
      return body.servers['avinode']?.endpoints[1]?.state === 'down' ? body : undefined;
    }, 10_000);
    expect(degraded.servers['avinode']?.state).toBe('degraded');
    expect(degraded.servers['avinode']?.endpoints[0]?.state).toBe('up');
    const ready = (await (await app.request('/health/ready', { auth: false })).json()) as {
      details: Record<string, { status: string; endpoints?: { url: string; state: string }[] }>;
    };
    expect(ready.details['mcp_avinode']).toMatchObject({
      status: 'degraded',
      endpoints: [
        { url: primary.url, state: 'up' },
        // Down, or trying again (its reconnect loop runs on): not serving either way.
        { url: replica.url, state: expect.stringMatching(/^(down|connecting)$/) },
      ],
    });
    await replica.start();
  });
});
