import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EmbeddedSandboxes } from '../../src/common/mcp/embedded-sandbox.provider.js';
import { AvinodeTripsService } from '../../src/modules/avainode/avinode-trips.service.js';
import { AVINODE_NATIVE_EVENT_TYPES } from '../../src/modules/webhook/webhook.payloads.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { deliver } from './support/webhook-client.js';

const USER = 'avinode-client-id';
const PASSWORD = 'avinode-client-secret-1';
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const inDays = (n: number): string => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

interface StoredRow {
  id: string;
  type: string;
  message_id: string;
  status: string;
  auth_scheme: string;
  payload: { id: string; href: string };
}

/**
 * Avinode's native webhooks end to end: the in-process sandbox runs the broker flow and sends thin `{id, href, type}`
 * notifications with HTTP Basic; the intake stores each before answering and processes it by reading `href` through the
 * MCP server.
 */
describe('webhook intake: native Avinode notifications', () => {
  let t: TestApp;
  let db: DataSource;
  const path = '/api/integration/webhook/avinode';
  const rows = (type: string): Promise<StoredRow[]> =>
    db.query<StoredRow[]>(
      `SELECT id, type, message_id, status, auth_scheme, payload FROM webhook_events
       WHERE source = 'avainode' AND type = $1 ORDER BY received_at`,
      [type],
    );

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        AVINODE_QUOTE_FLOW: 'trip',
        SANDBOX_AVINODE_MINUTE_MS: '2',
        WEBHOOK_AVAINODE_AUTH: 'basic',
        WEBHOOK_AVAINODE_BASIC_USER: USER,
        WEBHOOK_AVAINODE_BASIC_PASSWORD: PASSWORD,
      },
    });
    db = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('stores and processes the sandbox operators’ answers, reading each href through the MCP server', async () => {
    const trips = t.app.get(AvinodeTripsService);
    const created = await trips.createTrip({
      externalTripId: randomUUID(),
      departureAirport: 'KTEB',
      arrivalAirport: 'KPBI',
      departureDate: inDays(10),
      passengers: 4,
    });
    expect(created.searchInAvinode).toContain(created.trip.id);
    const responses = await eventually(async () => {
      const found = await rows('TripRequestSellerResponse');
      return found.length >= 4 && found.every((r) => r.status === 'processed') ? found : undefined;
    }, 20_000);
    for (const row of responses) {
      expect(row.auth_scheme).toBe('basic');
      // A trip message never changes: its type and id are the delivery's identity.
      expect(row.message_id).toBe(`TripRequestSellerResponse:${row.payload.id}`);
      expect(row.payload.href).toMatch(/\/tripmsgs\/atripmsg-\d+$/);
    }
    const sent = await rows('TripRequestMine');
    expect(sent.length).toBeGreaterThanOrEqual(4);
    // RFQ notifications repeat their id for every update: each delivery is its own event.
    expect(sent.every((r) => r.message_id.startsWith('gen_'))).toBe(true);
    const reads = t.app.get(EmbeddedSandboxes).get('avinode')?.stats().calls['read-href'] ?? 0;
    expect(reads).toBeGreaterThanOrEqual(responses.length);
  });

  it('answers a redelivered trip message 200 as a duplicate, storing nothing new', async () => {
    const [first] = await rows('TripRequestSellerResponse');
    const body = JSON.stringify({
      id: first!.payload.id,
      href: first!.payload.href,
      type: 'TripRequestSellerResponse',
    });
    // Operators keep answering meanwhile, so only the rows of this one message are counted.
    const sameMessage = async (): Promise<number> =>
      (await rows('TripRequestSellerResponse')).filter((row) => row.payload.id === first!.payload.id).length;
    const before = await sameMessage();
    const again = await deliver(t.baseUrl, path, {
      headers: { 'content-type': 'application/json', authorization: basic(USER, PASSWORD) },
      body,
    });
    expect(again).toMatchObject({ status: 200, json: { id: first!.id, duplicate: true } });
    expect(await sameMessage()).toBe(before);
  });

  it('refuses wrong credentials (401) and unknown types (422 naming the nine it takes)', async () => {
    const body = JSON.stringify({
      id: 'atripmsg-1',
      href: 'https://sandbox.avinode.com/api/tripmsgs/atripmsg-1',
      type: 'TripRequestSellerResponse',
    });
    const none = await deliver(t.baseUrl, path, { headers: { 'content-type': 'application/json' }, body });
    expect(none.status).toBe(401);
    const wrong = await deliver(t.baseUrl, path, {
      headers: { 'content-type': 'application/json', authorization: basic(USER, 'not-the-secret') },
      body,
    });
    expect(wrong).toMatchObject({ status: 401, json: { code: 'unauthorized' } });
    const unknown = await deliver(t.baseUrl, path, {
      headers: { 'content-type': 'application/json', authorization: basic(USER, PASSWORD) },
      body: body.replace('TripRequestSellerResponse', 'TripRequestQuoteWithdrawn'),
    });
    expect(unknown.status).toBe(422);
    expect(unknown.json['supportedTypes']).toEqual(expect.arrayContaining([...AVINODE_NATIVE_EVENT_TYPES]));
    const thick = await deliver(t.baseUrl, path, {
      headers: { 'content-type': 'application/json', authorization: basic(USER, PASSWORD) },
      body: JSON.stringify({ id: 'atripmsg-1', href: 'not a url', type: 'TripChatFromSeller' }),
    });
    expect(thick).toMatchObject({ status: 400, json: { code: 'validation_failed' } });
  });
});
