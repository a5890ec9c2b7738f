import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childRequester } from '../pipeline/crash-harness.js';
import { getRun, trip } from '../pipeline/pipeline-support.js';
import { AvinodeRestFake } from '../support/avinode-rest-fake.js';
import { startChildApp, type ChildApp } from '../support/child-app.js';
import { eventually } from '../support/eventually.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const LIVE_CHECK = fileURLToPath(new URL('../../dist/src/sandbox/live-check.js', import.meta.url));
const API_TOKEN = 'apitok-93b1-live-check-secret';
const AUTH_TOKEN = 'authtok-7d2e-live-check-secret';

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run live-check -- avinode` as built (node dist/src/sandbox/live-check.js avinode) with only `env`. */
function liveCheck(env: Record<string, string>): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LIVE_CHECK, 'avinode'], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('live-check and the backend in Avinode live mode', () => {
  const fake = new AvinodeRestFake({ apiToken: API_TOKEN, authToken: AUTH_TOKEN });
  const credentials = (): Record<string, string> => ({
    AVINODE_API_BASE_URL: fake.baseUrl,
    AVINODE_API_TOKEN: API_TOKEN,
    AVINODE_AUTH_TOKEN: AUTH_TOKEN,
  });
  const outputs: string[] = [];

  beforeAll(async () => {
    await fake.start();
  });

  afterAll(async () => {
    await fake.close();
  });

  it('without credentials it names the missing variables and exits non-zero, calling nothing', async () => {
    fake.clear();
    const result = await liveCheck({ AVINODE_API_BASE_URL: 'https://sandbox.avinode.com/api' });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('missing: AVINODE_API_TOKEN, AVINODE_AUTH_TOKEN');
    expect(result.stderr).not.toContain('AVINODE_API_BASE_URL,');

    const none = await liveCheck({});
    expect(none.code).toBe(78);
    expect(none.stderr).toContain('missing: AVINODE_API_BASE_URL, AVINODE_API_TOKEN, AVINODE_AUTH_TOKEN');
    expect(fake.requests).toHaveLength(0);
  });

  it('with credentials it makes read-only calls and prints what answered', async () => {
    fake.clear();
    const result = await liveCheck({ ...credentials(), AVINODE_LIVE_CHECK_TRIP_ID: 'atrip-64956151' });
    outputs.push(result.stdout, result.stderr);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ok       airport search (GET /airports/search): 1 airport(s) for KTEB');
    expect(result.stdout).toContain('ok       aircraft types (GET /aircrafttypes)');
    expect(result.stdout).toContain('ok       webhook settings (GET /webhooks/settings): 1 subscription(s)');
    expect(result.stdout).toContain('trip atrip-64956151 (open): 2 RFQ(s), 1 quoted');
    expect(result.stdout).toContain('all checks answered');
    expect(fake.requests.length).toBeGreaterThanOrEqual(5);
    expect(fake.requests.every((r) => r.method === 'GET')).toBe(true);
    expect(fake.requests.every((r) => r.headers['x-avinode-product'] === 'JetVision-Integration/0.1.0')).toBe(true);
  });

  it('prints what is refused and exits non-zero: a permission the connection lacks, or refused tokens', async () => {
    fake.clear();
    fake.failNext(/\/aircrafttypes$/, 'forbidden');
    const partly = await liveCheck(credentials());
    outputs.push(partly.stdout, partly.stderr);
    expect(partly.code).toBe(1);
    expect(partly.stdout).toMatch(/refused {2}aircraft types \(GET \/aircrafttypes\): .*HTTP 403/);
    expect(partly.stdout).toContain('ok       airport search');
    expect(partly.stdout).toContain('skipped  trip and its RFQs');

    const wrong = await liveCheck({ ...credentials(), AVINODE_AUTH_TOKEN: 'authtok-wrong-secret-0000' });
    outputs.push(wrong.stdout, wrong.stderr);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout.match(/^refused /gm)).toHaveLength(3);
    expect(wrong.stdout).toContain('the API token or authentication token was refused');
    expect(wrong.stdout + wrong.stderr).not.toContain('authtok-wrong-secret-0000');
  });

  describe('the backend with its embedded live Avinode server', () => {
    let database: TestDatabase;
    let app: ChildApp | undefined;

    beforeAll(async () => {
      database = await createTestDatabase('avinode_live');
    });

    afterAll(async () => {
      await app?.kill();
      await database?.drop();
    });

    it('a run creates its trip in Avinode and a cancelled run cancels it, and the log never holds a token', async () => {
      fake.clear();
      app = await startChildApp({
        ...database.env,
        ...credentials(),
        AVINODE_MODE: 'live',
        AVINODE_QUOTE_FLOW: 'trip',
        LOG_LEVEL: 'debug',
      });
      const request = childRequester(app);
      const submitted = await request('/api/integration/leads', {
        method: 'POST',
        json: {
          lead: { email: 'ana.ruiz@example.com', firstName: 'Ana', lastName: 'Ruiz' },
          flightRequirements: trip(),
        },
      });
      expect(submitted.status).toBe(202);
      const { runId } = (await submitted.json()) as { runId: string };
      const waiting = await eventually(async () => {
        const run = (await getRun(request, runId)) as unknown as {
          status: string;
          avinodeTrip: { tripId: string } | null;
        };
        return run.status === 'awaiting_quotes' ? run : undefined;
      }, 30_000);
      expect(waiting.avinodeTrip?.tripId).toBe('atrip-64956151');
      const created = fake.requests.find((r) => r.method === 'POST' && r.path === '/api/trips');
      expect(created?.headers).toMatchObject({
        authorization: `Bearer ${AUTH_TOKEN}`,
        'x-avinode-apitoken': API_TOKEN,
      });
      expect(created?.body).toMatchObject({
        segments: [{ startAirport: { icao: 'KTEB' }, endAirport: { icao: 'KPBI' } }],
      });

      const cancel = await request(`/api/integration/pipeline/runs/${runId}/cancel`, {
        method: 'POST',
        json: { reason: 'The client chose to fly commercial' },
      });
      expect(cancel.status).toBe(200);
      await eventually(
        () => fake.requests.find((r) => r.method === 'PUT' && r.path === '/api/trips/atrip-64956151/cancel'),
        30_000,
      );

      // An instant tool through the REST API: a clear refusal naming the server, not a 500.
      const search = await request(
        '/api/integration/aircraft?departureAirport=KTEB&arrivalAirport=KMIA&departureDate=2027-01-10&passengers=2',
      );
      const problem = (await search.json()) as { status: number; server?: string; detail: string };
      expect([search.status, problem.server]).toEqual([502, 'avinode']);
      expect(problem.detail).toContain('not supported in live mode');

      await app.kill();
      outputs.push(app.output());
      expect(app.output()).toContain('embedded live Avinode MCP server');
    });
  });

  it('no output of live-check or the backend holds a token', () => {
    const everything = outputs.join('\n');
    // Declared last, so it runs after the backend's run above: its whole log is in.
    expect(everything).toContain('embedded live Avinode MCP server');
    expect(everything).not.toContain(API_TOKEN);
    expect(everything).not.toContain(AUTH_TOKEN);
  });
});
