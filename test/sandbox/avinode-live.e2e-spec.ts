import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { DomainError } from '../../src/common/errors/domain-error.js';
import { McpClient } from '../../src/common/mcp/mcp-client.js';
import { McpToolRegistry } from '../../src/common/mcp/tool-contract.js';
import { searchAircraftTool } from '../../src/modules/avainode/avainode.contracts.js';
import {
  AVINODE_TRIP_TOOLS,
  cancelTripTool,
  createTripTool,
  getTripRfqsTool,
  readHrefTool,
  reportTripOutcomeTool,
} from '../../src/modules/avainode/avinode-trips.contracts.js';
import { startAvinodeLiveServer, type SandboxServerHandle } from '../../src/sandbox/index.js';
import { AvinodeRestFake } from '../support/avinode-rest-fake.js';
import { testConfig } from '../mcp/probe.sandbox.js';

const API_TOKEN = 'apitok-5f0c9e1d-live-secret';
const AUTH_TOKEN = 'eyJhbGciOiJIUzUxMiJ9.live-auth-secret.sig';
const OAUTH = { clientId: 'jetvision-client', clientSecret: 'oauth-client-secret-4821' };
const TRIP = 'atrip-64956151';

async function failureOf(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/**
 * The live Avinode MCP server against the recorded-contract fake of Avinode's REST API, called through the backend's
 * own MCP client and trip-flow contracts: request shapes, replayed answers, and how each error answer is classified.
 */
describe('Avinode MCP server in live mode', () => {
  const fake = new AvinodeRestFake({ apiToken: API_TOKEN, authToken: AUTH_TOKEN, oauth: OAUTH });
  let live: SandboxServerHandle;
  let client: McpClient;
  const texts: string[] = [];

  const remember = (error: DomainError): DomainError => {
    texts.push(error.message, JSON.stringify(error.extensions), JSON.stringify(error.errors ?? []));
    return error;
  };
  const requestsTo = (method: string, path: string) =>
    fake.requests.filter((r) => r.method === method && r.path === path);

  beforeAll(async () => {
    await fake.start();
    live = await startAvinodeLiveServer(
      {
        baseUrl: fake.baseUrl,
        apiToken: API_TOKEN,
        authToken: AUTH_TOKEN,
        product: 'JetVision-Integration/test',
        actAsAccount: 'broker.jane',
      },
      { port: 0, admin: true },
    );
    const registry = new McpToolRegistry();
    registry.register([...AVINODE_TRIP_TOOLS, searchAircraftTool]);
    client = new McpClient(testConfig(live.url, { MCP_MAX_RETRIES: '1', MCP_CALL_TIMEOUT_MS: '20000' }), {
      registry,
      metricsRegistry: new Registry(),
      events: () => undefined,
    });
    await client.start();
  });

  afterAll(async () => {
    await client?.close();
    await live?.close();
    await fake.close();
  });

  beforeEach(() => fake.clear());

  it('creates a trip with POST /trips: the documented headers and body, the searchInAvinode link back', async () => {
    const result = await client.call(createTripTool, {
      externalTripId: 'jv-run-7f3a',
      segments: [
        { departureAirport: 'kteb', arrivalAirport: 'KMIA', departureDate: '2027-01-10', departureTime: '09:00' },
      ],
      passengers: 4,
      aircraftCategory: 'midsize_jet',
    });
    expect(result.trip.id).toBe(TRIP);
    expect(result.searchInAvinode).toBe('https://sandbox.avinode.com/marketplace/mvc/search#preSearch/atrip-64956151');
    expect(result.idempotentReplay).toBe(false);

    const [request, ...more] = requestsTo('POST', '/api/trips');
    expect(more).toHaveLength(0);
    expect(request?.headers).toMatchObject({
      authorization: `Bearer ${AUTH_TOKEN}`,
      'x-avinode-apitoken': API_TOKEN,
      'x-avinode-product': 'JetVision-Integration/test',
      'x-avinode-actasaccount': 'broker.jane',
      'content-type': 'application/json',
    });
    const sent = request?.headers['x-avinode-senttimestamp'] ?? '';
    expect(sent).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(request?.body).toEqual({
      externalTripId: 'jv-run-7f3a',
      sourcing: true,
      criteria: { requiredLift: [{ aircraftCategory: 'Midsize jet' }] },
      segments: [
        {
          startAirport: { icao: 'KTEB' },
          endAirport: { icao: 'KMIA' },
          dateTime: { date: '2027-01-10', time: '09:00', departure: true, local: true },
          paxCount: '4',
          paxSegment: true,
        },
      ],
    });
    expect(result.trip.rfqs).toEqual([]);
  });

  it('reads a trip and each RFQ with its quote breakdown: cents, positioning, safety, response time, a decline', async () => {
    const { trip } = await client.call(getTripRfqsTool, { tripId: TRIP });
    expect(requestsTo('GET', `/api/trips/${TRIP}`)).toHaveLength(1);
    const rfqRead = requestsTo('GET', '/api/rfqs/arfq-30181001')[0];
    expect(rfqRead?.query).toMatchObject({
      quotebreakdown: 'true',
      latestquote: 'true',
      aviquote: 'true',
      safety: 'true',
    });

    expect(trip).toMatchObject({ id: TRIP, externalTripId: 'jv-run-7f3a', status: 'open' });
    const [quoted, declined] = trip.rfqs;
    expect(quoted).toMatchObject({
      id: 'arfq-30181001',
      tripId: TRIP,
      status: 'quoted',
      responseMinutes: 42,
      sellerCompany: { id: 'acomp-2011', name: 'Northeast Executive Air' },
      sellerContact: { name: 'Maria Lopez', email: 'charter@northeast-air.example', phone: '+1 555 0100' },
      lift: {
        id: 'alift-5501',
        tailNumber: 'N450NE',
        aircraftType: 'Citation XLS+',
        category: 'Midsize jet',
        seats: 8,
      },
      safety: { argus: 'Platinum', wyvern: 'Wingman', isBao: null, rating: 'ARGUS Platinum' },
      latestQuote: {
        id: 'aquote-88101',
        total: 3_845_000,
        currency: 'USD',
        aviquote: { positioningCost: 195_000, positioningHours: 0.4 },
      },
      quoteRevisions: 1,
    });
    expect(quoted?.latestQuote?.lineItems.map((i) => [i.code, i.amount])).toEqual([
      ['FLIGHT', 3_150_000],
      ['POSITIONING', 195_000],
      ['CREW', 120_000],
      ['TAX', 380_000],
    ]);
    expect(declined).toMatchObject({
      id: 'arfq-30181002',
      status: 'declined',
      declineReason: 'AIRCRAFT_NOT_AVAILABLE',
      latestQuote: null,
      responseMinutes: 65,
      safety: { rating: 'IS-BAO Stage 2' },
    });
  });

  it('follows a seller-response href to its message and RFQ, and refuses an href of another host without calling it', async () => {
    const read = await client.call(readHrefTool, { href: `${fake.baseUrl}/tripmsgs/asellermsg-1000001` });
    expect(read.kind).toBe('tripmsg');
    expect(read.tripMessage?.rfq).toMatchObject({ id: 'arfq-30181001', status: 'quoted' });
    expect(read.tripMessage?.rfq.latestQuote?.total).toBe(3_845_000);
    expect(requestsTo('GET', '/api/rfqs/arfq-30181001')).toHaveLength(1);

    fake.clear();
    const error = remember(
      await failureOf(client.call(readHrefTool, { href: 'https://attacker.example/api/rfqs/arfq-30181001' })),
    );
    expect(error.code).toBe('validation_failed');
    expect(error.extensions).toMatchObject({ server: 'avinode', field: 'href' });
    expect(fake.requests).toHaveLength(0);
  });

  it('cancels the trip with PUT /trips/{id}/cancel and reports its outcome, each read back with its RFQs', async () => {
    const cancelled = await client.call(cancelTripTool, {
      tripId: TRIP,
      reason: 'BY_CLIENT',
      messageToSeller: 'Client changed plans',
    });
    expect(requestsTo('PUT', `/api/trips/${TRIP}/cancel`).map((r) => r.body)).toEqual([
      { reason: 'BY_CLIENT', messageToSeller: 'Client changed plans' },
    ]);
    expect(cancelled.trip).toMatchObject({ id: TRIP, status: 'cancelled' });

    const reported = await client.call(reportTripOutcomeTool, {
      tripId: TRIP,
      outcome: 'CONVERTED',
      winningSellerLiftId: 'alift-5501',
    });
    expect(requestsTo('PUT', `/api/trips/${TRIP}/outcome`).map((r) => r.body)).toEqual([
      { outcome: 'CONVERTED', winningSellerLiftId: 'alift-5501' },
    ]);
    expect(reported.trip).toMatchObject({ id: TRIP, status: 'cancelled' });
    expect(reported.trip.rfqs).toHaveLength(2);
  });

  it('401 and 403 are an unauthorized upstream: 502 naming the server, not retried', async () => {
    fake.failNext(/\/trips\//, 'unauthorized', { times: 5 });
    const unauthorized = remember(await failureOf(client.call(getTripRfqsTool, { tripId: TRIP })));
    expect(unauthorized.code).toBe('upstream_error');
    expect(unauthorized.extensions).toMatchObject({ server: 'avinode', tool: 'get-trip-rfqs', reason: 'unauthorized' });
    expect(unauthorized.message).toMatch(/HTTP 401.*refused/);
    expect(requestsTo('GET', `/api/trips/${TRIP}`)).toHaveLength(1);

    fake.clear();
    fake.failNext(/\/trips$/, 'forbidden', { times: 5 });
    const forbidden = remember(
      await failureOf(
        client.call(createTripTool, {
          externalTripId: 'jv-run-forbidden',
          segments: [{ departureAirport: 'KTEB', arrivalAirport: 'KMIA', departureDate: '2027-01-10' }],
          passengers: 2,
        }),
      ),
    );
    expect(forbidden.code).toBe('upstream_error');
    expect(forbidden.extensions).toMatchObject({
      server: 'avinode',
      reason: 'unauthorized',
      upstreamCode: 'forbidden',
    });
    expect(requestsTo('POST', '/api/trips')).toHaveLength(1);
    expect(requestsTo('POST', '/api/trips')[0]?.body).toMatchObject({
      segments: [{ dateTime: { date: '2027-01-10', time: 'TBD' } }],
    });
  });

  it('429 is retried after its Retry-After; when it persists, 503 rate limited with Retry-After', async () => {
    fake.failNext(/\/rfqs\/arfq-30181002$/, 'rateLimited', { times: 1 });
    const { trip } = await client.call(getTripRfqsTool, { tripId: TRIP });
    expect(trip.rfqs).toHaveLength(2);
    expect(requestsTo('GET', '/api/rfqs/arfq-30181002')).toHaveLength(2);

    fake.clear();
    fake.failNext(/\/trips\//, 'rateLimited', { times: 100 });
    const limited = remember(await failureOf(client.call(getTripRfqsTool, { tripId: TRIP })));
    expect(limited.code).toBe('upstream_unavailable');
    expect(limited.extensions).toMatchObject({ server: 'avinode', reason: 'rate_limited' });
    expect(limited.retryAfterSeconds).toBe(2);
  });

  it('Avinode refusing the input is a 4xx to our client: 400 naming the field, 404 naming the trip', async () => {
    fake.failNext(/\/trips$/, 'invalidAirport');
    const invalid = remember(
      await failureOf(
        client.call(createTripTool, {
          externalTripId: 'jv-run-bad-airport',
          segments: [{ departureAirport: 'ZZZZ', arrivalAirport: 'KMIA', departureDate: '2027-01-10' }],
          passengers: 2,
        }),
      ),
    );
    expect(invalid.code).toBe('validation_failed');
    expect(invalid.errors).toEqual([expect.objectContaining({ field: 'segments.0.startAirport', rule: 'upstream' })]);
    expect(invalid.message).toContain('Invalid start airport');

    const missing = remember(await failureOf(client.call(getTripRfqsTool, { tripId: 'atrip-1' })));
    expect(missing.code).toBe('not_found');
    expect(missing.extensions).toMatchObject({ server: 'avinode', upstreamCode: 'not_found' });
  });

  it('an instant tool without a REST equivalent is a clear "not supported in live mode" error, no REST call', async () => {
    const error = remember(
      await failureOf(
        client.call(searchAircraftTool, {
          departureAirport: 'KTEB',
          arrivalAirport: 'KMIA',
          departureDate: '2027-01-10',
          passengers: 4,
        }),
      ),
    );
    expect(error.code).toBe('upstream_error');
    expect(error.message).toContain('search-aircraft is not supported in live mode');
    expect(fake.requests).toHaveLength(0);
  });

  it('with OAuth client credentials: one token for many calls, a fresh one when it is refused, the secret sent only to /oauth/token', async () => {
    const oauthServer = await startAvinodeLiveServer(
      {
        baseUrl: fake.baseUrl,
        apiToken: API_TOKEN,
        authToken: '',
        oauth: OAUTH,
        product: 'JetVision-Integration/test',
      },
      { port: 0 },
    );
    const registry = new McpToolRegistry();
    registry.register(AVINODE_TRIP_TOOLS);
    const oauthClient = new McpClient(testConfig(oauthServer.url, { MCP_MAX_RETRIES: '0' }), {
      registry,
      metricsRegistry: new Registry(),
      events: () => undefined,
    });
    try {
      await oauthClient.start();
      await oauthClient.call(getTripRfqsTool, { tripId: TRIP });
      await oauthClient.call(getTripRfqsTool, { tripId: TRIP });
      const tokenRequests = () => requestsTo('POST', '/api/oauth/token');
      expect(tokenRequests().map((r) => r.body)).toEqual([
        {
          grant_type: 'client_credentials',
          client_id: OAUTH.clientId,
          client_secret: OAUTH.clientSecret,
          expiresInMinutes: '30',
        },
      ]);
      const reads = fake.requests.filter((r) => r.path !== '/api/oauth/token');
      expect(reads.length).toBe(6);
      expect(new Set(reads.map((r) => r.headers.authorization))).toEqual(new Set(['Bearer fake-access-1']));

      fake.revokeTokens();
      const { trip } = await oauthClient.call(getTripRfqsTool, { tripId: TRIP });
      expect(trip.rfqs).toHaveLength(2);
      expect(tokenRequests()).toHaveLength(2);
      expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer fake-access-2');
      const secretSeen = fake.requests.filter((r) => JSON.stringify(r).includes(OAUTH.clientSecret));
      expect(secretSeen.map((r) => r.path)).toEqual(['/api/oauth/token', '/api/oauth/token']);
    } finally {
      await oauthClient.close();
      await oauthServer.close();
    }
  });

  it('no error text, problem extension or status page carries either token', () => {
    expect(texts.length).toBeGreaterThan(10);
    const everything = [...texts, JSON.stringify(client.diagnostics()), JSON.stringify(live.stats())].join('\n');
    expect(everything).not.toContain(API_TOKEN);
    expect(everything).not.toContain(AUTH_TOKEN);
    expect(everything).not.toContain('live-auth-secret');
    expect(everything).not.toContain(OAUTH.clientSecret);
  });
});
