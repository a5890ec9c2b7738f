import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startChildApp, type ChildApp } from '../support/child-app.js';
import { eventually } from '../support/eventually.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { bookRun, trip, waitForStatus } from '../pipeline/pipeline-support.js';
import { deliver, signed, testSecret } from '../webhook/support/webhook-client.js';

/** Unusual enough that a match in the log can only be the seeded value. */
const token = (): string => randomBytes(4).toString('hex');

function person(domain: string): { email: string; firstName: string; lastName: string; phone: string } {
  const id = token();
  return {
    email: `ada.q${id}@${domain}`,
    firstName: `Adaqx${id}`,
    lastName: `Lovelqx${id}`,
    phone: `+1 212 555 ${String(parseInt(id, 16) % 10_000).padStart(4, '0')}`,
  };
}

const API_KEY = `log-privacy-${token()}${token()}`;
const WEBHOOK_SECRET = testSecret();
/** The failing request: a CHECK constraint refuses runs for this domain; PostgreSQL's detail quotes the whole row. */
const REFUSED_DOMAIN = 'refused.example';

/**
 * Logs carry no personal data or credentials, at the chattiest settings (debug level, every SQL statement): a lead
 * booked through the pipeline, a signed webhook starting a run and a request whose database write fails — with the
 * failing row in PostgreSQL's error — leave none of their names, emails, phone numbers, the API key or the webhook
 * secret in anything the process prints.
 */
describe('logs without personal data or secrets', () => {
  let database: TestDatabase;
  let child: ChildApp | undefined;
  let output = '';
  const booked = person('privacy.example');
  const hooked = person('webhook.example');
  const refused = person(REFUSED_DOMAIN);
  let failedErrorId = '';

  const request = (path: string, init: RequestInit & { json?: unknown } = {}): Promise<Response> => {
    const { json, ...rest } = init;
    const headers = new Headers(rest.headers);
    headers.set('authorization', `Bearer ${API_KEY}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return fetch(`${child!.baseUrl}${path}`, {
      ...rest,
      headers,
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
  };

  beforeAll(async () => {
    database = await createTestDatabase('log-privacy', { kind: 'postgres' });
    child = await startChildApp({
      ...database.env,
      LOG_LEVEL: 'debug',
      LOG_QUERIES: 'true',
      API_KEYS: `ops:admin:${API_KEY}`,
      WEBHOOK_LEAD_SECRETS: WEBHOOK_SECRET,
      SYNC_ENABLED: 'false',
    });
    const db = new pg.Client({ connectionString: database.env['DATABASE_URL'] });
    await db.connect();
    try {
      await db.query(`ALTER TABLE pipeline_runs ADD CONSTRAINT test_refused_lead
        CHECK (lead_input->>'email' NOT LIKE '%@${REFUSED_DOMAIN}') NOT VALID`);
    } finally {
      await db.end();
    }

    const bookedRun = await bookRun(request, booked);

    const delivery = signed(WEBHOOK_SECRET, {
      type: 'lead_received',
      data: { lead: { ...hooked, company: 'Qx Capital' }, flightRequirements: trip(), notes: `call ${hooked.phone}` },
    });
    const accepted = await deliver(child.baseUrl, '/api/integration/webhook/lead', delivery);
    expect(accepted.status).toBe(202);
    const webhookRunId = await eventually(async () => {
      const response = await request('/api/integration/pipeline/runs?limit=10');
      const { items } = (await response.json()) as { items: Array<{ id: string }> };
      return items.find((run) => run.id !== bookedRun.id)?.id;
    });
    await waitForStatus(request, webhookRunId, ['awaiting_confirmation']);

    const failing = await request('/api/integration/leads', {
      method: 'POST',
      json: { lead: refused, flightRequirements: trip() },
    });
    expect(failing.status).toBe(500);
    failedErrorId = ((await failing.json()) as { errorId: string }).errorId;

    child.process.kill('SIGTERM');
    await expect(child.exited).resolves.toBe(0);
    output = child.output();
  }, 60_000);

  afterAll(async () => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) await child.kill();
    await database?.drop();
  });

  it('logged what happened, as JSON lines', () => {
    const lines = output.trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(output).toContain('"msg":"query"');
    // The run's insert (inside the statement that also inserts its first step's job) is logged, without its values.
    expect(output).toMatch(/"sql":"WITH \\"run\\" AS \(\\n\s*INSERT INTO \\"pipeline_runs\\"/);
    expect(output).toContain('test_refused_lead');
    expect(output).toContain(failedErrorId);
  });

  it.each([
    ['booked lead', booked],
    ['webhook lead', hooked],
    ['refused lead', refused],
  ])('prints nothing of the %s', (_label, seeded) => {
    for (const value of [seeded.email, seeded.firstName, seeded.lastName, seeded.phone]) {
      expect(output).not.toContain(value);
      expect(output.toLowerCase()).not.toContain(value.toLowerCase());
    }
    // Nor the phone number in another spelling: its digits, with or without the country code.
    const digits = seeded.phone.replace(/\D/g, '');
    expect(output).not.toContain(digits.slice(1));
  });

  it('prints neither the API key nor the webhook secret', () => {
    expect(output).not.toContain(API_KEY);
    expect(output).not.toContain(WEBHOOK_SECRET);
    expect(output).not.toContain(WEBHOOK_SECRET.slice('whsec_'.length));
  });
});
