import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { IdempotencyKey } from '../../src/common/idempotency/idempotency-key.entity.js';
import { McpClientService } from '../../src/common/mcp/mcp-client.service.js';
import { listBookingsTool } from '../../src/modules/avainode/avainode.contracts.js';
import { CharterRequest } from '../../src/modules/avainode/charter-request.entity.js';
import { type SandboxServerHandle, startSandboxServer } from '../../src/sandbox/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Problem {
  status: number;
  code: string;
  server?: string;
  reason?: string;
}

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** Upstream failures through the Avainode routes: a sandbox of our own with faults switched on and off. */
describe('Avainode routes when Avinode fails', () => {
  let sandbox: SandboxServerHandle;
  let app: TestApp;
  let aircraftId: string;

  const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;
  const rowCount = (): Promise<number> => app.app.get(DataSource).getRepository(CharterRequest).count();
  const keyRows = (): Promise<number> => app.app.get(DataSource).getRepository(IdempotencyKey).count();
  const request = (contactName: string, date = day(15)): Record<string, unknown> => ({
    aircraftId,
    departureAirport: 'KTEB',
    arrivalAirport: 'KPBI',
    departureDate: date,
    departureTime: '08:00',
    passengers: 2,
    contact: { name: contactName, email: 'ops@example.com' },
  });
  const create = (body: unknown, key: string): Promise<Response> =>
    app.request('/api/integration/aircraft', { method: 'POST', json: body, headers: { 'idempotency-key': key } });
  /** Upstream bookings whose contact is `name`: how many requests the upstream really holds. */
  const upstreamRequestsFor = async (name: string): Promise<number> => {
    const { bookings } = await app.app.get(McpClientService).call(listBookingsTool, { limit: 1000 });
    return bookings.filter((b) => b.contact.name === name).length;
  };

  beforeAll(async () => {
    sandbox = await startSandboxServer('avinode', { port: 0, admin: true });
    app = await startTestApp({
      env: {
        AVAINODE_MCP_SERVER_URL: sandbox.url,
        MCP_CALL_TIMEOUT_MS: '800',
        MCP_MAX_RETRIES: '0',
        MCP_BREAKER_THRESHOLD: '3',
        MCP_BREAKER_COOLDOWN_MS: '60000',
      },
    });
    const search = await app.request(
      `/api/integration/aircraft?departureAirport=KTEB&arrivalAirport=KPBI&departureDate=${day(15)}&passengers=2`,
    );
    const { items } = await json<{ items: Array<{ aircraftId: string }> }>(search);
    aircraftId = items[0]?.aircraftId ?? '';
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
  });

  it('maps an upstream tool error to 502 naming avinode, stores nothing, and leaves the key usable', async () => {
    const name = `Fault ${randomUUID()}`;
    const key = randomUUID();
    const [rowsBefore, keysBefore] = [await rowCount(), await keyRows()];
    sandbox.setFaults({ toolErrorRate: 1, tools: ['create-charter-request'] });
    try {
      const failed = await create(request(name), key);
      expect(failed.status).toBe(502);
      expect(await json<Problem>(failed)).toMatchObject({
        code: 'upstream_error',
        server: 'avinode',
        reason: 'tool_error',
      });
      expect(await rowCount()).toBe(rowsBefore);
      expect(await keyRows()).toBe(keysBefore);
    } finally {
      sandbox.clearFaults();
    }
    const retried = await create(request(name), key);
    expect(retried.status).toBe(201);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
    expect(await rowCount()).toBe(rowsBefore + 1);
    expect(await upstreamRequestsFor(name)).toBe(1);
  });

  it('maps a read tool error to 502 too', async () => {
    sandbox.setFaults({ toolErrorRate: 1, tools: ['get-empty-legs'] });
    try {
      const response = await app.request('/api/integration/empty-legs');
      expect(response.status).toBe(502);
      expect(await json<Problem>(response)).toMatchObject({ code: 'upstream_error', server: 'avinode' });
    } finally {
      sandbox.clearFaults();
    }
  });

  it('answers 504 when Avinode hangs; a retry with the same key after it recovers books exactly once', async () => {
    const name = `Hang ${randomUUID()}`;
    const key = randomUUID();
    const rowsBefore = await rowCount();
    sandbox.setFaults({ hang: true, tools: ['create-charter-request'] });
    let timedOut: Response;
    try {
      timedOut = await create(request(name, day(16)), key);
    } finally {
      // The hung call now goes through upstream: the upstream did the work the client gave up on.
      sandbox.clearFaults();
    }
    expect(timedOut.status).toBe(504);
    expect(await json<Problem>(timedOut)).toMatchObject({ code: 'upstream_timeout', server: 'avinode' });
    expect(await rowCount()).toBe(rowsBefore);

    const retried = await create(request(name, day(16)), key);
    expect(retried.status).toBe(201);
    expect(await rowCount()).toBe(rowsBefore + 1);
    expect(await upstreamRequestsFor(name)).toBe(1);
  });

  it('answers 503 once the circuit breaker opens, without calling Avinode', async () => {
    sandbox.setFaults({ httpErrorRate: 1, tools: ['search-aircraft'] });
    const path = `/api/integration/aircraft?departureAirport=KTEB&arrivalAirport=KPBI&departureDate=${day(15)}&passengers=2`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await app.request(path)).status);
    expect(statuses).toEqual([502, 502, 502]);
    const callsBefore = sandbox.stats().calls['search-aircraft'] ?? 0;
    const open = await app.request(path);
    expect(open.status).toBe(503);
    expect(await json<Problem>(open)).toMatchObject({
      code: 'upstream_unavailable',
      server: 'avinode',
      reason: 'breaker_open',
    });
    expect(sandbox.stats().calls['search-aircraft'] ?? 0).toBe(callsBefore);
    sandbox.clearFaults();
  });
});
