import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { McpClient } from '../../src/common/mcp/mcp-client.js';
import { McpClientService } from '../../src/common/mcp/mcp-client.service.js';
import { McpToolRegistry } from '../../src/common/mcp/tool-contract.js';
import { UpstreamMutation } from '../../src/common/mutations/upstream-mutation.entity.js';
import { sandboxProtocolFromEnv } from '../../src/sandbox/core/sandbox-host.js';
import { AuditLogEntry } from '../../src/modules/audit/audit-log.entity.js';
import { type SandboxServerHandle, startSandboxServer } from '../../src/sandbox/index.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { echoTool, recordWriteTool, startProbeServer, testConfig, waitFor } from './probe.sandbox.js';

/**
 * Issue 17: the tool list is followed while connected — a change announced by the server (2026-07-28:
 * `subscriptions/listen`; session era: `notifications/tools/list_changed` on the standalone GET stream) re-runs the
 * contract check without a reconnect, and a `ttlMs` hint re-lists in the background — and a tool that asks for input
 * surfaces through the REST API as 409 `upstream-needs-input`. The client-level cases pin 2026-07-28 (ttl and listen
 * exist only there); the REST cases run in the lane's era (`SANDBOX_MCP_PROTOCOL`), so CI's two lanes cover both
 * without booting the app twice in each.
 */
describe('tool list followed by the McpClient (2026-07-28: ttl and the listen stream)', () => {
  let probe: SandboxServerHandle;
  let client: McpClient;

  const toolList = () => client.diagnostics()[0]?.toolList;

  beforeAll(async () => {
    probe = await startProbeServer('avinode', { protocol: '2026-07-28' });
    // Below the floor on purpose: the client re-lists once a second, not on every call.
    probe.setToolList({ hidden: [], listTtlMs: 1 });
    const registry = new McpToolRegistry();
    registry.register([echoTool, recordWriteTool]);
    client = new McpClient(testConfig(probe.url), { registry });
    await client.start();
    await waitFor(() => client.diagnostics()[0]?.state === 'up', 10_000, 'up');
  });

  afterAll(async () => {
    await client.close();
    await probe.close();
  });

  it('re-lists in the background when the ttl runs out, the ttl raised to the 1 s floor', async () => {
    const list = toolList();
    expect(list).toMatchObject({ ttlMs: 1, listening: true });
    expect(Date.parse(list!.refreshAt!) - Date.parse(list!.listedAt)).toBe(1_000);
    const lists = probe.stats().toolLists;
    await waitFor(() => probe.stats().toolLists >= lists + 2, 10_000, 'two timed re-lists');
    // Re-listing is not reconnecting.
    expect(probe.stats().requests.discover).toBe(1);
  });

  it('re-opens the listen stream after a server restart, re-lists, and follows changes on it', async () => {
    await probe.stop();
    await waitFor(() => toolList()?.listening === false, 10_000, 'stream ended');
    await probe.start();
    await waitFor(() => toolList()?.listening === true, 10_000, 'stream re-opened');

    probe.setToolList({ hidden: ['echo'], listTtlMs: 0 });
    await waitFor(() => client.diagnostics()[0]?.state === 'degraded', 10_000, 'degraded');
    expect(client.diagnostics()[0]).toMatchObject({ missingTools: ['echo'], toolList: { refreshAt: null } });
    probe.setToolList({ hidden: [] });
    await waitFor(() => client.diagnostics()[0]?.state === 'up', 10_000, 'up again');
  });
});

interface StatusBody {
  servers: Record<string, { state: string; missingTools: string[]; protocolEra: string | null } | undefined>;
}
interface Problem {
  type: string;
  status: number;
  code: string;
  detail: string;
  inputRequests?: Array<{ key: string; kind: string; message: string; fields: string[] }>;
  errors?: Array<{ field: string }>;
}

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

const era = sandboxProtocolFromEnv();

describe(`through the REST API, Avinode in the ${era} era`, () => {
  let sandbox: SandboxServerHandle;
  let app: TestApp;

  const status = async (): Promise<StatusBody['servers'][string]> =>
    ((await (await app.request('/api/integration/status')).json()) as StatusBody).servers['avinode'];

  beforeAll(async () => {
    sandbox = await startSandboxServer('avinode', { port: 0, admin: true });
    app = await startTestApp({ env: { AVAINODE_MCP_SERVER_URL: sandbox.url } });
    await waitFor(async () => (await status())?.state === 'up', 10_000, 'avinode up');
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
  });

  it('a required tool the server stops listing makes it degraded, naming the tool, and up again — no reconnect', async () => {
    const probes = sandbox.stats().requests.discover;
    const sessions = sandbox.stats().sessions;
    sandbox.setToolList({ hidden: ['get-empty-legs'] });
    await waitFor(async () => (await status())?.state === 'degraded', 10_000, 'degraded');
    expect(await status()).toMatchObject({ missingTools: ['get-empty-legs'], protocolEra: era });
    sandbox.setToolList({ hidden: [] });
    await waitFor(async () => (await status())?.state === 'up', 10_000, 'up again');
    expect(sandbox.stats().requests.discover).toBe(probes);
    expect(sandbox.stats().sessions).toBe(sessions);
    // Audited as any state change is; audit entries are written in groups after the change, so wait for the second.
    const audit = app.app.get(DataSource).getRepository(AuditLogEntry);
    const audited = async (): Promise<Array<Record<string, unknown>>> =>
      (await audit.findBy({ type: 'mcp.server.state_changed', subject: 'avinode' })).map((entry) => entry.details);
    await waitFor(
      async () => (await audited()).some((details) => details['from'] === 'degraded' && details['to'] === 'up'),
      10_000,
      'the return to up audited',
    );
    expect(await audited()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ from: 'up', to: 'degraded', reason: 'missing tools: get-empty-legs' }),
        expect.objectContaining({ from: 'degraded', to: 'up', reason: null }),
      ]),
    );
  });

  it('a confirmation on account without the signer: asked for (409) or refused (400), asked once, nothing written', async () => {
    const search = await app.request(
      `/api/integration/aircraft?departureAirport=KTEB&arrivalAirport=KPBI&departureDate=${day(45)}&passengers=2`,
    );
    const aircraftId = ((await search.json()) as { items: Array<{ aircraftId: string }> }).items[0]?.aircraftId;
    const created = await app.request('/api/integration/aircraft', {
      method: 'POST',
      json: {
        aircraftId,
        departureAirport: 'KTEB',
        arrivalAirport: 'KPBI',
        departureDate: day(45),
        departureTime: '09:30',
        passengers: 2,
        contact: { name: 'Jane Doe', email: 'jane.doe@summitcapital.com' },
      },
      headers: { 'idempotency-key': `on-account-${era}` },
    });
    expect(created.status).toBe(201);
    const { requestId } = (await created.json()) as { requestId: string };
    const calls = (): number => sandbox.stats().calls['manage-booking'] ?? 0;
    const before = calls();

    const response = await app.request(`/api/integration/bookings/${requestId}/confirm`, {
      method: 'POST',
      json: { paymentMethod: 'on_account' },
    });
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as Problem;
    if (era === '2026-07-28') {
      expect(problem).toMatchObject({ status: 409, code: 'upstream_needs_input' });
      expect(problem.type).toContain('upstream-needs-input');
      expect(problem.inputRequests).toEqual([
        {
          key: 'signer',
          kind: 'elicitation',
          message: expect.stringContaining('who signs the charter agreement') as unknown as string,
          fields: ['signerName'],
        },
      ]);
    } else {
      // A session-era server cannot ask: its tool error names the missing argument.
      expect(problem).toMatchObject({ status: 400, code: 'validation_failed' });
      expect(problem.errors?.map((e) => e.field)).toEqual(['signerName']);
    }
    // Asked once: neither retried nor counted against the breaker; the booking is still pending on both sides.
    expect(calls() - before).toBe(1);
    const diagnostics = app.app
      .get(McpClientService)
      .diagnostics()
      .find((s) => s.server === 'avinode');
    expect(diagnostics?.breaker).toBe('closed');
    const booking = (await (await app.request(`/api/integration/bookings/${requestId}`)).json()) as { status: string };
    expect(booking.status).toBe('pending');
    const intents = await app.app
      .get(DataSource)
      .getRepository(UpstreamMutation)
      .findBy({ operation: 'confirm_booking' });
    expect(intents.map((intent) => intent.status)).toEqual(['failed']);

    // Asked again with what the server asked for, the same booking confirms on account.
    const confirmed = await app.request(`/api/integration/bookings/${requestId}/confirm`, {
      method: 'POST',
      json: { paymentMethod: 'on_account', signerName: 'Ana Ruiz' },
    });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toMatchObject({ status: 'confirmed' });
  });
});
