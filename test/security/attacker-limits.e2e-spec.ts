import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { WebhookRejectionLedger } from '../../src/modules/webhook/webhook-rejection-ledger.js';
import { rawRequest, type RawResponse } from '../support/raw-http.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { apolloLead, signed, testSecret } from '../webhook/support/webhook-client.js';

const SECRET = testSecret();
const STATUS = '/api/integration/status';

const portOf = (t: TestApp): number => Number(new URL(t.baseUrl).port);

const withKey = (t: TestApp, key: string, headers: Record<string, string> = {}): Promise<RawResponse> =>
  rawRequest(portOf(t), STATUS, { headers: { authorization: `Bearer ${key}`, ...headers } });

const postWebhook = (
  t: TestApp,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> =>
  rawRequest(portOf(t), path, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

interface RejectionRow {
  subject: string;
  details: {
    count: number;
    byStatus: Record<string, number>;
    byAddress: Record<string, number>;
    sampleMessageIds: string[];
  };
}

describe('limits an attacker meets (no trusted proxy)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        AUTH_FAILURES_BEFORE_LOCKOUT: '3',
        AUTH_LOCKOUT_SECONDS: '1',
        AUTH_LOCKOUT_MAX_SECONDS: '8',
        WEBHOOK_APOLLO_SECRETS: SECRET,
        WEBHOOK_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '5',
        WEBHOOK_BODY_LIMIT_BYTES: '2048',
      },
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('locks an address out after refused keys, refuses even the right key meanwhile, and doubles the next lockout', async () => {
    // A new X-Forwarded-For on every guess changes nothing: no proxy is trusted, so the address is the TCP peer.
    const guess = (n: number): Promise<RawResponse> =>
      withKey(t, `wrong-key-${n}-0123456789abcdef`, { 'x-forwarded-for': `203.0.113.${n}` });
    expect((await guess(1)).status).toBe(401);
    expect((await guess(2)).status).toBe(401);
    expect((await guess(3)).status).toBe(401);
    const locked = await guess(4);
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBe('1');
    expect(locked.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(locked.body)).toMatchObject({ code: 'rate_limited', reason: 'auth_lockout' });
    expect((await withKey(t, t.apiKey)).status).toBe(429);

    // After the lockout the right key works again; three more refusals lock the address out twice as long (a valid key
    // in between does not forgive: only a quiet period as long as the longest lockout does).
    await eventually(async () => (await withKey(t, t.apiKey)).status === 200, 5_000);
    for (const n of [5, 6, 7]) expect((await guess(n)).status).toBe(401);
    const again = await guess(8);
    expect(again.status).toBe(429);
    expect(again.headers['retry-after']).toBe('2');

    const audit = await eventually(async () => {
      const rows = await t.app
        .get(DataSource)
        .query<Array<{ subject: string; details: Record<string, unknown> }>>(
          `SELECT subject, details FROM audit_log WHERE type = 'auth.locked_out' ORDER BY occurred_at`,
        );
      return rows.length >= 2 ? rows : undefined;
    });
    expect(audit.map((row) => row.details['lockouts'])).toEqual([1, 2]);
    expect(audit[0]).toMatchObject({
      subject: '127.0.0.1',
      details: { client: '127.0.0.1', peer: '127.0.0.1', forwardedFor: '203.0.113.3', lockoutSeconds: 1 },
    });
  });

  it('does not count a request without a key, and never locks out public probes', async () => {
    for (let i = 0; i < 10; i++) expect((await rawRequest(portOf(t), STATUS)).status).toBe(401);
    expect((await rawRequest(portOf(t), '/health/live', { headers: { 'x-api-key': 'wrong' } })).status).toBe(200);
  });

  it('limits webhook deliveries per address with 429 and Retry-After before reading the body', async () => {
    // The fifth delivery is the last one the minute allows (some of the budget may be spent already in this minute).
    let refused: RawResponse | undefined;
    for (let i = 0; i < 6 && !refused; i++) {
      // A fresh X-Forwarded-For each time does not make a fresh address: no proxy is trusted.
      const response = await postWebhook(t, '/api/integration/webhook/apollo', '{}', {
        'x-forwarded-for': `203.0.113.${100 + i}`,
      });
      if (response.status === 429) refused = response;
      else expect(response.status).toBe(401);
    }
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused?.headers['content-type']).toContain('application/problem+json');
    // A correctly signed delivery and an oversized one are refused alike: no signature or body work was done.
    const good = signed(SECRET, { type: 'lead_created', data: apolloLead('limited', new Date().toISOString()) });
    expect((await postWebhook(t, '/api/integration/webhook/apollo', good.body, good.headers)).status).toBe(429);
    expect((await postWebhook(t, '/api/integration/webhook/apollo', 'x'.repeat(10_000))).status).toBe(429);
    const stored = await t.app
      .get(DataSource)
      .query<unknown[]>(`SELECT 1 FROM webhook_events WHERE message_id = $1`, [good.id]);
    expect(stored).toHaveLength(0);
  });
});

describe('limits behind a trusted proxy, and refusals audited as counted aggregates', () => {
  let t: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        TRUST_PROXY: '127.0.0.1/32',
        AUTH_FAILURES_BEFORE_LOCKOUT: '2',
        WEBHOOK_APOLLO_SECRETS: SECRET,
        WEBHOOK_RATE_LIMIT_PER_SOURCE_PER_MINUTE: '40',
        WEBHOOK_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000',
      },
    });
    db = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('counts refused keys against the forwarded client a trusted proxy names', async () => {
    const from = (client: string, key: string): Promise<RawResponse> => withKey(t, key, { 'x-forwarded-for': client });
    expect((await from('203.0.113.10', 'wrong-key-a-0123456789abcdef')).status).toBe(401);
    expect((await from('203.0.113.10', 'wrong-key-b-0123456789abcdef')).status).toBe(401);
    expect((await from('203.0.113.10', t.apiKey)).status).toBe(429);
    // Another client behind the same proxy is not affected.
    expect((await from('203.0.113.11', t.apiKey)).status).toBe(200);
    const rows = await eventually(async () => {
      const found = await db.query<Array<{ details: Record<string, unknown> }>>(
        `SELECT details FROM audit_log WHERE type = 'auth.locked_out'`,
      );
      return found.length > 0 ? found : undefined;
    });
    expect(rows[0]?.details).toMatchObject({ client: '203.0.113.10', peer: '127.0.0.1', forwardedFor: '203.0.113.10' });
  });

  it('audits every refused delivery, however long its id, as one counted entry per source and minute', async () => {
    const ledger = t.app.get(WebhookRejectionLedger);
    await ledger.flush(true);
    const before = await db.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM audit_log`);
    const ids = [
      'short-id',
      `long-${'x'.repeat(150)}`, // the old audit column took 128: such refusals were not audited at all
      `longer-${'y'.repeat(4000)}`,
      ...Array.from({ length: 27 }, (_, i) => `plain-${i}`),
    ];
    const statuses = await Promise.all(
      ids.map(
        async (id, i) =>
          (
            await postWebhook(t, '/api/integration/webhook/apollo', '{"type":"lead_created"}', {
              'webhook-id': id,
              'x-forwarded-for': `198.51.100.${i % 3}`,
            })
          ).status,
      ),
    );
    expect(statuses.every((status) => status === 401)).toBe(true);
    await ledger.flush(true);
    const rows = await db.query<RejectionRow[]>(
      `SELECT subject, details FROM audit_log WHERE type = 'webhook.rejected' AND subject = 'apollo'`,
    );
    // Normally one row; two if the deliveries straddled a minute boundary.
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.length).toBeLessThanOrEqual(2);
    expect(rows.reduce((sum, row) => sum + row.details.count, 0)).toBe(ids.length);
    const after = await db.query<Array<{ n: string }>>(`SELECT count(*) AS n FROM audit_log`);
    expect(Number(after[0]?.n) - Number(before[0]?.n)).toBe(rows.length);
    const byAddress = rows.map((row) => row.details.byAddress);
    expect(Object.keys(Object.assign({}, ...byAddress) as Record<string, number>).sort()).toEqual([
      '198.51.100.0 via 127.0.0.1',
      '198.51.100.1 via 127.0.0.1',
      '198.51.100.2 via 127.0.0.1',
    ]);
    const samples = rows.flatMap((row) => row.details.sampleMessageIds);
    expect(samples.every((id) => id.length <= 128)).toBe(true);
  });

  it('limits one source across addresses, counting the 429s in the same aggregate', async () => {
    const ledger = t.app.get(WebhookRejectionLedger);
    await ledger.flush(true);
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        postWebhook(t, '/api/integration/webhook/apollo', '{}', { 'x-forwarded-for': `192.0.2.${i}` }),
      ),
    );
    const limited = answers.filter((answer) => answer.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(20);
    expect(answers.every((answer) => answer.status === 401 || answer.status === 429)).toBe(true);
    expect(JSON.parse(limited[0]?.body ?? '{}')).toMatchObject({ detail: expect.stringContaining('source "apollo"') });
    await ledger.flush(true);
    const rows = await db.query<RejectionRow[]>(
      `SELECT subject, details FROM audit_log WHERE type = 'webhook.rejected' AND details->'byStatus' ? '429'`,
    );
    expect(rows.reduce((sum, row) => sum + (row.details.byStatus['429'] ?? 0), 0)).toBe(limited.length);
  });
});
