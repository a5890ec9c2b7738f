import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rawRequest } from '../support/raw-http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { traceOf } from '../support/trace.js';
import { signed, testSecret } from '../webhook/support/webhook-client.js';

interface Problem {
  status: number;
  code: string;
  detail: string;
  instance: string;
  errors?: Array<{ field: string; rule: string; message: string }>;
  errorCount?: number;
}

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

const charterRequest = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  aircraftId: 'ac-n965pz',
  departureAirport: 'KTEB',
  arrivalAirport: 'KPBI',
  departureDate: day(20),
  departureTime: '10:00',
  passengers: 3,
  contact: { name: 'Ada Byron', email: 'ada@example.com' },
  ...extra,
});

const lead = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  lead: { email: 'ada@example.com', firstName: 'Ada', ...extra },
  flightRequirements: {
    departureAirport: 'KTEB',
    arrivalAirport: 'KPBI',
    departureDate: day(20),
    departureTime: '10:00',
    passengers: 3,
  },
});

async function problemOf(response: Response): Promise<Problem> {
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  return (await response.json()) as Problem;
}

describe('the HTTP edge', () => {
  let t: TestApp;
  const leadSecret = testSecret();

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        WEBHOOK_LEAD_SECRETS: leadSecret,
        RATE_LIMIT_PER_MINUTE: '100000',
        RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100000',
      },
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('text the database cannot hold is refused before any upstream call or write', () => {
    const json = (method: string, body: unknown, headers: Record<string, string> = {}): RequestInit => ({
      method,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });

    const cases: Array<[string, string, () => RequestInit, string]> = [
      [
        'a NUL in a lead name',
        '/api/integration/leads',
        () => json('POST', lead({ firstName: 'a\u0000b' })),
        'lead.firstName',
      ],
      [
        'a NUL in special requests of a charter request',
        '/api/integration/aircraft',
        () => json('POST', charterRequest({ specialRequests: 'a\u0000b' }), { 'idempotency-key': 'edge-nul-1' }),
        'specialRequests',
      ],
      [
        'a lone surrogate escape in a contact name',
        '/api/integration/aircraft',
        () => json('POST', JSON.stringify(charterRequest()).replace('"Ada Byron"', '"Ada \\ud800 Byron"')),
        'contact.name',
      ],
      [
        'a NUL in a booking modification',
        '/api/integration/bookings/cr-4f7a2c',
        () => json('PATCH', { specialRequests: 'x\u0000' }, { 'idempotency-key': 'edge-nul-2' }),
        'specialRequests',
      ],
      [
        'a NUL in a cancellation reason',
        '/api/integration/bookings/cr-4f7a2c/cancel',
        () => json('POST', { reason: '\u0000' }),
        'reason',
      ],
      ['a NUL in a property name', '/api/integration/leads', () => json('POST', { 'le\u0000ad': 1 }), '(body)'],
      ['a NUL in a query parameter', '/api/integration/workflows?cursor=a%00b', () => ({}), 'cursor'],
      ['a NUL in a path parameter', '/api/integration/workflows/a%00b', () => ({}), 'id'],
    ];

    it.each(cases)('%s → 400 naming the field', async (_name, path, init, field) => {
      const before = await traceOf(t.app);
      const response = await t.request(path, init());
      expect(response.status).toBe(400);
      const problem = await problemOf(response);
      expect(problem.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field, rule: 'storableText' })]),
      );
      expect(await traceOf(t.app)).toEqual(before);
    });

    it('refuses a correctly signed webhook whose data holds a NUL, storing nothing', async () => {
      const before = await traceOf(t.app);
      const delivery = signed(leadSecret, { type: 'lead_received', data: lead({ lastName: 'By\u0000ron' }) });
      const response = await fetch(`${t.baseUrl}/api/integration/webhook/lead`, {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.body,
      });
      expect(response.status).toBe(400);
      const problem = await problemOf(response);
      expect(problem.errors).toEqual([expect.objectContaining({ field: 'data.lead.lastName', rule: 'storableText' })]);
      expect(await traceOf(t.app)).toEqual(before);
    });

    it('answers a header holding a control character with 400 problem+json', async () => {
      // fetch refuses to send such a header; Node's HTTP parser refuses to read it.
      const answer = await rawRequest(Number(new URL(t.baseUrl).port), '/api/integration/leads', {
        method: 'POST',
        headers: { 'idempotency-key': 'a\u0000b' },
      });
      expect(answer.status).toBe(400);
      expect(answer.headers['content-type']).toContain('application/problem+json');
    });
  });

  describe('limits', () => {
    it.each([
      ['5,000 nested arrays', '['.repeat(5000) + ']'.repeat(5000)],
      ['3,000 nested objects', '{"a":'.repeat(3000) + '1' + '}'.repeat(3000)],
    ])('answers %s with 400 maxDepth', async (_name, body) => {
      const response = await t.request('/api/integration/leads', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(400);
      expect((await problemOf(response)).errors).toEqual([expect.objectContaining({ rule: 'maxDepth' })]);
    });

    it('lets 64 levels through, not counting brackets inside strings', async () => {
      const nested = `${'['.repeat(63)}"[[[[{{{{"${']'.repeat(63)}`;
      const response = await t.request('/api/integration/leads', {
        method: 'POST',
        body: `{"extra":${nested},"lead":{"email":"ada@example.com"}}`,
        headers: { 'content-type': 'application/json' },
      });
      // Past the edge: the DTO names the unknown property, not the depth.
      const rules = (await problemOf(response)).errors?.map((e) => `${e.field}:${e.rule}`);
      expect(rules).toContain('extra:unknownProperty');
      expect(rules).not.toContain('(body):maxDepth');
    });

    it.each(['__proto__', 'constructor'])('refuses a %s key naming it', async (key) => {
      const response = await t.request('/api/integration/leads', {
        method: 'POST',
        body: `{"lead":{"email":"ada@example.com","${key}":{"isAdmin":true}}}`,
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(400);
      expect((await problemOf(response)).errors).toEqual([
        { field: `lead.${key}`, rule: 'forbiddenKey', message: expect.any(String) },
      ]);
    });

    it('answers 50,000 unknown keys with the first 50 problems and the total count', async () => {
      const body = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`k${i}`, 1]));
      const response = await t.request('/api/integration/leads', { method: 'POST', json: body });
      expect(response.status).toBe(400);
      const text = await response.text();
      expect(text.length).toBeLessThan(10_000);
      const problem = JSON.parse(text) as Problem;
      expect(problem.errors).toHaveLength(50);
      expect(problem.errorCount).toBeGreaterThanOrEqual(50_000);
    });

    it.each([
      ['text/plain', '{"lead":{"email":"ada@example.com"}}'],
      ['application/x-www-form-urlencoded', 'lead=1'],
    ])('answers JSON sent as %s with 415', async (type, body) => {
      const response = await t.request('/api/integration/leads', {
        method: 'POST',
        body,
        headers: { 'content-type': type },
      });
      expect(response.status).toBe(415);
      expect((await problemOf(response)).code).toBe('unsupported_media_type');
    });

    it('answers malformed JSON as a validation problem of the body', async () => {
      const response = await t.request('/api/integration/leads', {
        method: 'POST',
        body: '{"lead": ',
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(400);
      expect((await problemOf(response)).errors).toEqual([expect.objectContaining({ field: '(body)', rule: 'json' })]);
    });

    it('answers a 5,000-character path id with 414 problem+json that does not echo the path', async () => {
      const response = await t.request(`/api/integration/pipeline/runs/${'x'.repeat(5000)}`);
      expect(response.status).toBe(414);
      const problem = await problemOf(response);
      expect(problem.instance.length).toBeLessThan(300);
    });

    it('answers a URL that does not decode with 400 problem+json', async () => {
      const response = await t.request('/api/integration/workflows/a%ED%A0%80b');
      expect(response.status).toBe(400);
      expect((await problemOf(response)).detail).toContain('URL is not valid');
    });

    it('answers an oversized request line with 431 problem+json', async () => {
      const response = await t.request(`/api/integration/workflows?cursor=${'x'.repeat(100_000)}`);
      expect(response.status).toBe(431);
      await problemOf(response);
    });

    it('answers an unknown route with 404 problem+json without echoing a long path', async () => {
      const response = await t.request(`/api/${'nope/'.repeat(1000)}`);
      expect(response.status).toBe(404);
      expect((await problemOf(response)).detail.length).toBeLessThan(400);
    });

    it('answers a wrong method with 405 and Allow', async () => {
      const response = await t.request('/api/integration/status', { method: 'DELETE' });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD, POST');
      expect((await problemOf(response)).code).toBe('method_not_allowed');
    });
  });

  describe('small ones', () => {
    it('refuses createdAfter=2026-02-30 on pipeline runs, saying it is not a real date', async () => {
      const response = await t.request('/api/integration/pipeline/runs?createdAfter=2026-02-30');
      expect(response.status).toBe(400);
      expect((await problemOf(response)).errors).toEqual([
        expect.objectContaining({
          field: 'createdAfter',
          message: 'createdAfter 2026-02-30 is not a real calendar date',
        }),
      ]);
    });

    it('says a date in the right form that does not exist is not a real calendar date', async () => {
      const response = await t.request(
        '/api/integration/aircraft?departureAirport=KTEB&arrivalAirport=KPBI&departureDate=2026-02-30&passengers=4',
      );
      expect((await problemOf(response)).errors).toEqual([
        expect.objectContaining({
          field: 'departureDate',
          message: 'departureDate 2026-02-30 is not a real calendar date',
        }),
      ]);
    });

    it('names a repeated query parameter as repeated', async () => {
      const before = await traceOf(t.app);
      const response = await t.request(
        `/api/integration/aircraft?departureAirport=KTEB&arrivalAirport=KPBI&departureDate=${day(20)}&passengers=4&passengers=4`,
      );
      expect(response.status).toBe(400);
      expect((await problemOf(response)).errors).toEqual([
        { field: 'passengers', rule: 'repeatedParameter', message: 'passengers is given 2 times; give it once' },
      ]);
      expect(await traceOf(t.app)).toEqual(before);
    });

    it('names a repeated named parameter of the legacy webhook route as repeated (was a 500)', async () => {
      const response = await t.request('/api/integration/webhook?source=lead&source=lead', {
        method: 'POST',
        json: { type: 'test' },
        auth: false,
      });
      expect(response.status).toBe(400);
      expect((await problemOf(response)).errors).toEqual([
        expect.objectContaining({ field: 'source', rule: 'repeatedParameter' }),
      ]);
    });

    it.each(['/api/integration/pipeline/runs/abc', '/api/integration/pipeline/batches/abc'])(
      'answers a non-UUID id on %s with errors[]',
      async (path) => {
        const response = await t.request(path);
        expect(response.status).toBe(400);
        expect((await problemOf(response)).errors).toEqual([expect.objectContaining({ field: 'id', rule: 'isUuid' })]);
      },
    );

    it('answers 401 with WWW-Authenticate', async () => {
      const response = await t.request('/api/integration/status', { auth: false });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="api"/);
    });

    it('describes the bearer token as an opaque API key, not a JWT', async () => {
      const document = (await (await t.request('/docs/openapi.json', { auth: false })).json()) as {
        components: { securitySchemes: { bearer: { bearerFormat?: string } } };
      };
      expect(document.components.securitySchemes.bearer.bearerFormat).not.toBe('JWT');
    });

    it('serves the docs page and every asset it references at /docs/ too', async () => {
      for (const page of ['/docs', '/docs/']) {
        const response = await t.request(page, { auth: false });
        expect(response.status).toBe(200);
        const html = await response.text();
        const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
        expect(assets.length).toBeGreaterThan(2);
        for (const asset of assets) {
          const url = new URL(asset, `${t.baseUrl}${page}`);
          const served = await fetch(url);
          await served.arrayBuffer();
          expect([url.pathname, served.status]).toEqual([url.pathname, 200]);
        }
      }
    });
  });
});
