import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type SandboxServerHandle, startSandboxServer } from '../../src/sandbox/index.js';
import { afterAll, beforeAll } from '@jest/globals';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

export interface Upstreams {
  apollo: SandboxServerHandle;
  avinode: SandboxServerHandle;
  n8n: SandboxServerHandle;
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * The three sandbox servers in this process (admin on, so tests can inject faults), and the env that points an app at
 * them. `avinodeTripFlow`: the Avinode server also runs the simulated broker flow at that pace.
 */
export async function startUpstreams(
  seed = 42,
  options: { avinodeTripFlow?: { minuteMs: number } } = {},
): Promise<Upstreams> {
  const [apollo, avinode, n8n] = await Promise.all([
    startSandboxServer('apollo', { port: 0, admin: true, seed }),
    startSandboxServer('avinode', {
      port: 0,
      admin: true,
      seed,
      ...(options.avinodeTripFlow ? { tripFlow: options.avinodeTripFlow } : {}),
    }),
    startSandboxServer('n8n', { port: 0, admin: true, seed }),
  ]);
  return {
    apollo,
    avinode,
    n8n,
    env: {
      APOLLO_MCP_SERVER_URL: apollo.url,
      AVAINODE_MCP_SERVER_URL: avinode.url,
      N8N_MCP_SERVER_URL: n8n.url,
      // The sandboxes are ours: no need to ration calls like the real upstreams.
      APOLLO_RATE_LIMIT_PER_MINUTE: '100000',
      AVAINODE_RATE_LIMIT_PER_MINUTE: '100000',
      N8N_RATE_LIMIT_PER_MINUTE: '100000',
      SYNC_ENABLED: 'false',
    },
    close: async () => {
      await Promise.all([apollo.close(), avinode.close(), n8n.close()]);
    },
  };
}

/** Calls a sandbox tool with the SDK's own client (independent of the app's MCP client). */
export async function callTool<T>(
  handle: SandboxServerHandle,
  name: string,
  args: Record<string, unknown>,
): Promise<T> {
  const client = new Client({ name: 'pipeline-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(handle.url));
  await client.connect(transport);
  try {
    const result = await client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
    const structured = result.structuredContent as T | undefined;
    if (structured !== undefined) return structured;
    const first = (result.content as Array<{ type: string; text?: string }>)[0];
    return JSON.parse(first?.text ?? 'null') as T;
  } finally {
    await transport.terminateSession().catch(() => undefined);
    await client.close();
  }
}

export interface UpstreamBooking {
  requestId: string;
  bookingId: string | null;
  status: string;
  contact: { email: string };
}

/** Every charter request the Avinode sandbox holds, read through its change feed. */
export async function upstreamRequests(avinode: SandboxServerHandle): Promise<UpstreamBooking[]> {
  const all: UpstreamBooking[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await callTool<{ bookings: UpstreamBooking[]; nextCursor: string | null }>(avinode, 'list-bookings', {
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    all.push(...page.bookings);
    if (!page.nextCursor) return all;
    cursor = page.nextCursor;
  }
}

/** A date `days` from today, YYYY-MM-DD. */
export function daysFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

export function trip(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    departureAirport: 'KTEB',
    arrivalAirport: 'KPBI',
    departureDate: daysFromNow(30),
    departureTime: '09:30',
    passengers: 4,
    ...overrides,
  };
}

export interface RunBody {
  id: string;
  status: string;
  failureReason: string | null;
  failureMessage: string | null;
  charterRequestId: string | null;
  bookingId: string | null;
  n8nExecutionId: string | null;
  candidates: Array<{ aircraftId: string; quote: { total: number } | null; note: string | null }> | null;
  choice: { aircraftId: string; reason: string; total: number } | null;
  steps?: Array<{ step: string; status: string; attempts: number; durationMs: number | null; errors: unknown[] }>;
}

type Requester = (path: string, init?: RequestInit & { json?: unknown }) => Promise<Response>;

export async function getRun(request: Requester, id: string): Promise<RunBody> {
  const response = await request(`/api/integration/pipeline/runs/${id}`);
  if (response.status !== 200) throw new Error(`GET run ${id}: ${response.status} ${await response.text()}`);
  return (await response.json()) as RunBody;
}

/** Polls the run until it has one of `statuses`. */
export async function waitForStatus(
  request: Requester,
  id: string,
  statuses: string[],
  timeoutMs = 30_000,
): Promise<RunBody> {
  return eventually(async () => {
    const run = await getRun(request, id);
    if (statuses.includes(run.status)) return run;
    if (['booked', 'cancelled', 'failed', 'dead_lettered'].includes(run.status) && !statuses.includes(run.status)) {
      throw new Error(`run ended ${run.status}: ${run.failureReason ?? ''} ${run.failureMessage ?? ''}`);
    }
    return undefined;
  }, timeoutMs);
}

/** The README's walk: start a run for `lead`, confirm its charter request through the API, and wait for `booked`. */
export async function bookRun(
  request: Requester,
  lead: { email: string; firstName: string; lastName: string },
  timeoutMs = 20_000,
): Promise<RunBody> {
  const response = await request('/api/integration/leads', {
    method: 'POST',
    json: { lead, flightRequirements: trip() },
  });
  if (response.status !== 202) throw new Error(`POST /leads: ${response.status} ${await response.text()}`);
  const { runId } = (await response.json()) as { runId: string };
  const waiting = await waitForStatus(request, runId, ['awaiting_confirmation'], timeoutMs);
  const confirm = await request(`/api/integration/bookings/${waiting.charterRequestId ?? ''}/confirm`, {
    method: 'POST',
    json: { paymentMethod: 'wire_transfer' },
  });
  if (confirm.status !== 200) throw new Error(`confirm: ${confirm.status} ${await confirm.text()}`);
  return waitForStatus(request, runId, ['booked'], timeoutMs);
}

export interface PipelineTestApp {
  upstreams: Upstreams;
  app: TestApp;
}

/** The sandbox servers and an app pointed at them with `env`, started before the file's tests and closed after. */
export function usePipelineApp(env: Record<string, string>): PipelineTestApp {
  const harness = {} as PipelineTestApp;
  beforeAll(async () => {
    harness.upstreams = await startUpstreams();
    harness.app = await startTestApp({ env: { ...harness.upstreams.env, ...env } });
  }, 60_000);
  afterAll(async () => {
    harness.upstreams?.apollo.clearFaults();
    await harness.app?.close();
    await harness.upstreams?.close();
  });
  return harness;
}
