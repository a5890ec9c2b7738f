import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { WebhookRejectionLedger } from '../../src/modules/webhook/webhook-rejection-ledger.js';
import { EventRecorder, EventRecorderModule } from './support/event-recorder.module.js';
import { apolloLead, deliver, signed, testSecret } from './support/webhook-client.js';

const OLD_SECRET = testSecret();
const NEW_SECRET = testSecret();
const N8N_SHARED = 'n8n-shared-secret-0123456789';
const AVINODE_USER = 'avinode';
const AVINODE_PASSWORD = 'correct horse battery staple';

describe('webhook intake', () => {
  let t: TestApp;
  let recorder: EventRecorder;
  let db: DataSource;

  const count = async (where = 'TRUE', params: unknown[] = []): Promise<number> => {
    const rows = await db.query<Array<{ n: string }>>(
      `SELECT count(*) AS n FROM webhook_events WHERE ${where}`,
      params,
    );
    return Number(rows[0]?.n ?? 0);
  };
  const now = (): string => new Date().toISOString();

  beforeAll(async () => {
    t = await startTestApp({
      imports: [EventRecorderModule],
      env: {
        // Rotation: both the old and the new secret are valid during the overlap.
        WEBHOOK_APOLLO_SECRETS: `${NEW_SECRET},${OLD_SECRET}`,
        WEBHOOK_AVAINODE_AUTH: 'basic',
        WEBHOOK_AVAINODE_BASIC_USER: AVINODE_USER,
        WEBHOOK_AVAINODE_BASIC_PASSWORD: AVINODE_PASSWORD,
        WEBHOOK_N8N_AUTH: 'shared-secret',
        WEBHOOK_N8N_SHARED_SECRET: N8N_SHARED,
        // lead: no credentials at all, so it must be refused.
        WEBHOOK_BODY_LIMIT_BYTES: '4096',
      },
    });
    recorder = t.app.get(EventRecorder);
    db = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('Standard Webhooks signatures (check 1)', () => {
    it('accepts a valid signature with 202 and the stored id, and processes it into a domain event', async () => {
      const leadId = `lead-${randomUUID()}`;
      const delivery = signed(NEW_SECRET, { type: 'lead_created', timestamp: now(), data: apolloLead(leadId, now()) });
      const response = await deliver(t.baseUrl, '/api/integration/webhook/apollo', delivery);
      expect(response.status).toBe(202);
      expect(response.json).toEqual({ id: expect.any(String), duplicate: false });
      await eventually(() =>
        recorder.named('apollo.lead_created').some((r) => r.event.meta.webhookEventId === response.json['id']),
      );
      const recorded = recorder
        .named('apollo.lead_created')
        .find((r) => r.event.meta.webhookEventId === response.json['id']);
      expect(recorded?.event.meta).toMatchObject({ source: 'apollo', messageId: delivery.id, type: 'lead_created' });
      expect((recorded?.event.payload as { lead: { id: string } }).lead.id).toBe(leadId);
    });

    it('refuses a body with one byte changed (401) and stores nothing', async () => {
      const delivery = signed(NEW_SECRET, { type: 'lead_created', data: apolloLead('tampered', now()) });
      const tampered = delivery.body.replace('"Ada"', '"Adb"');
      expect(tampered).not.toBe(delivery.body);
      const response = await deliver(t.baseUrl, '/api/integration/webhook/apollo', { ...delivery, body: tampered });
      expect(response.status).toBe(401);
      expect(response.json).toMatchObject({ status: 401, code: 'unauthorized', authScheme: 'standard' });
      expect(await count('message_id = $1', [delivery.id])).toBe(0);
    });

    it('refuses timestamps 301 s old or 301 s ahead (401), accepts 299 s old', async () => {
      const event = { type: 'lead_created', data: apolloLead('window', now()) };
      const old = signed(NEW_SECRET, event, { timestamp: new Date(Date.now() - 301_000) });
      // The header has whole seconds and up to one passes before the check: 302 s is still at least 301 s ahead then.
      const ahead = signed(NEW_SECRET, event, { timestamp: new Date(Date.now() + 302_000) });
      const inside = signed(NEW_SECRET, event, { timestamp: new Date(Date.now() - 299_000) });
      expect((await deliver(t.baseUrl, '/api/integration/webhook/apollo', old)).json).toMatchObject({
        status: 401,
        failure: 'timestamp_too_old',
      });
      expect((await deliver(t.baseUrl, '/api/integration/webhook/apollo', ahead)).json).toMatchObject({
        status: 401,
        failure: 'timestamp_too_new',
      });
      expect((await deliver(t.baseUrl, '/api/integration/webhook/apollo', inside)).status).toBe(202);
    });

    it('accepts both the old and the new secret during a rotation, and refuses an unknown one', async () => {
      const event = {
        type: 'lead_updated',
        data: { ...(apolloLead('rotation', now()) as object), changedFields: ['title'] },
      };
      expect((await deliver(t.baseUrl, '/api/integration/webhook/apollo', signed(OLD_SECRET, event))).status).toBe(202);
      expect((await deliver(t.baseUrl, '/api/integration/webhook/apollo', signed(NEW_SECRET, event))).status).toBe(202);
      expect((await deliver(t.baseUrl, '/api/integration/webhook/apollo', signed(testSecret(), event))).status).toBe(
        401,
      );
    });

    it('refuses a delivery without the signature headers (401)', async () => {
      const response = await deliver(t.baseUrl, '/api/integration/webhook/apollo', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'lead_created', data: apolloLead('unsigned', now()) }),
      });
      expect(response.status).toBe(401);
      expect(response.json['failure']).toBe('missing_headers');
    });
  });

  describe('authentication schemes per source', () => {
    const avinodeBooking = (requestId: string): unknown => ({
      type: 'booking_confirmed',
      data: { requestId, bookingId: `bk-${requestId}`, status: 'confirmed', total: 4_200_000, updatedAt: now() },
    });

    it('Avinode: HTTP Basic with the right credentials is accepted, wrong or missing ones are 401', async () => {
      const body = JSON.stringify(avinodeBooking(`rq-${randomUUID()}`));
      const basic = (user: string, password: string): string =>
        `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      const send = (authorization?: string): Promise<{ status: number; json: Record<string, unknown> }> =>
        deliver(t.baseUrl, '/api/integration/webhook/avainode', {
          headers: {
            'content-type': 'application/json',
            'webhook-id': `av-${randomUUID()}`,
            ...(authorization ? { authorization } : {}),
          },
          body,
        });
      expect((await send(basic(AVINODE_USER, AVINODE_PASSWORD))).status).toBe(202);
      expect((await send(basic(AVINODE_USER, 'wrong'))).status).toBe(401);
      expect((await send(basic('someone', AVINODE_PASSWORD))).status).toBe(401);
      expect((await send()).json).toMatchObject({ status: 401, authScheme: 'basic' });
      // A Standard Webhooks signature is not what this source is configured for.
      const standard = signed(NEW_SECRET, avinodeBooking('x'));
      expect((await deliver(t.baseUrl, '/api/integration/webhook/avainode', standard)).status).toBe(401);
    });

    it("Avinode's thin notification {type, id, href} is accepted and emitted for the consumer to re-fetch", async () => {
      const id = `bk-thin-${randomUUID()}`;
      const response = await deliver(t.baseUrl, '/api/integration/webhook/avinode', {
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${AVINODE_USER}:${AVINODE_PASSWORD}`).toString('base64')}`,
        },
        body: JSON.stringify({ type: 'booking_cancelled', id, href: `https://api.avinode.com/api/trips/${id}` }),
      });
      expect(response.status).toBe(202);
      await eventually(() =>
        recorder.named('avinode.booking_cancelled').some((r) => (r.event.payload as { id?: string }).id === id),
      );
    });

    it('n8n: the shared-secret header is accepted, a wrong one is 401', async () => {
      const body = JSON.stringify({
        type: 'workflow_completed',
        timestamp: now(),
        data: { executionId: `ex-${randomUUID()}`, workflowId: 'wf-1', status: 'success', stoppedAt: now() },
      });
      const send = (secret: string): Promise<{ status: number; json: Record<string, unknown> }> =>
        deliver(t.baseUrl, '/api/integration/webhook/n8n', {
          headers: { 'content-type': 'application/json', 'x-webhook-secret': secret, 'webhook-id': randomUUID() },
          body,
        });
      expect((await send(N8N_SHARED)).status).toBe(202);
      expect((await send(`${N8N_SHARED}x`)).json).toMatchObject({ status: 401, authScheme: 'shared-secret' });
    });

    it('a source with no credentials configured is refused (403), and an unknown source is 404', async () => {
      const delivery = signed(NEW_SECRET, { lead: { email: 'ada@example.com' } });
      const refused = await deliver(t.baseUrl, '/api/integration/webhook/lead', delivery);
      expect(refused.status).toBe(403);
      expect(refused.json).toMatchObject({ code: 'forbidden', source: 'lead' });
      expect((await deliver(t.baseUrl, '/api/integration/webhook/salesforce', delivery)).status).toBe(404);
    });
  });

  describe('validation (nothing stored; the refusal audited without secrets)', () => {
    it('answers a malformed event with 400 problem+json naming the field', async () => {
      const delivery = signed(NEW_SECRET, {
        type: 'lead_created',
        data: { lead: { id: 'x', updatedAt: 'yesterday' } },
      });
      const response = await fetch(`${t.baseUrl}/api/integration/webhook/apollo`, {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.body,
      });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      const problem = (await response.json()) as { errors: Array<{ field: string }> };
      expect(problem.errors).toEqual([expect.objectContaining({ field: 'lead.updatedAt' })]);
      expect(await count('message_id = $1', [delivery.id])).toBe(0);
    });

    it('answers an unknown event type with 422 listing the supported ones', async () => {
      const delivery = signed(NEW_SECRET, { type: 'lead_merged', data: {} });
      const response = await deliver(t.baseUrl, '/api/integration/webhook/apollo', delivery);
      expect(response.status).toBe(422);
      expect(response.json).toMatchObject({ code: 'unsupported_event_type', eventType: 'lead_merged' });
      expect(response.json['supportedTypes']).toEqual(expect.arrayContaining(['lead_created', 'sequence_completed']));
      expect(await count('message_id = $1', [delivery.id])).toBe(0);
    });

    it('answers an oversized body with 413 problem+json', async () => {
      const big = { type: 'lead_created', data: apolloLead('big', now(), { notes: 'x'.repeat(5000) }) };
      const delivery = signed(NEW_SECRET, big);
      const response = await fetch(`${t.baseUrl}/api/integration/webhook/apollo`, {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.body,
      });
      expect(response.status).toBe(413);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(await count('message_id = $1', [delivery.id])).toBe(0);
    });

    it('records refusals in the audit log with the reason and message id, never the credentials', async () => {
      const delivery = signed(OLD_SECRET, { type: 'lead_created', data: apolloLead('audited', now()) });
      const messageId = `audit-${randomUUID()}`;
      await deliver(t.baseUrl, '/api/integration/webhook/n8n', {
        headers: {
          'content-type': 'application/json',
          'x-webhook-secret': 'wrong-secret-value',
          'webhook-id': messageId,
        },
        body: delivery.body,
      });
      // Refusals are counted per source and minute; the open minute is written when flushed (or at shutdown).
      await t.app.get(WebhookRejectionLedger).flush(true);
      const rows = await db.query<Array<{ subject: string; details: Record<string, unknown> }>>(
        `SELECT subject, details FROM audit_log WHERE type = 'webhook.rejected' AND details->'sampleMessageIds' ? $1`,
        [messageId],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ subject: 'n8n', details: { byStatus: { '401': expect.any(Number) } } });
      expect(JSON.stringify(rows)).not.toContain('wrong-secret-value');
      expect(JSON.stringify(rows)).not.toContain(N8N_SHARED);
      const oversized = await db.query<Array<{ n: string }>>(
        `SELECT count(*) AS n FROM audit_log WHERE type = 'webhook.rejected' AND details->'byStatus' ? '413'`,
      );
      expect(Number(oversized[0]?.n)).toBeGreaterThan(0);
    });
  });

  describe('duplicates (check 2)', () => {
    it('100 deliveries of one message id, 50 at a time: all 2xx, one stored, one processed', async () => {
      const leadId = `storm-${randomUUID()}`;
      const delivery = signed(NEW_SECRET, { type: 'lead_created', timestamp: now(), data: apolloLead(leadId, now()) });
      const statuses: number[] = [];
      const ids = new Set<unknown>();
      for (let wave = 0; wave < 2; wave++) {
        const responses = await Promise.all(
          Array.from({ length: 50 }, () => deliver(t.baseUrl, '/api/integration/webhook/apollo', delivery)),
        );
        for (const response of responses) {
          statuses.push(response.status);
          ids.add(response.json['id']);
        }
      }
      expect(statuses.filter((s) => s === 202)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(99);
      expect(ids.size).toBe(1);
      expect(await count('source = $1 AND message_id = $2', ['apollo', delivery.id])).toBe(1);
      await eventually(async () => (await count('message_id = $1 AND status = $2', [delivery.id, 'processed'])) === 1);
      const rows = await db.query<Array<{ processed_count: number }>>(
        `SELECT processed_count FROM webhook_events WHERE message_id = $1`,
        [delivery.id],
      );
      expect(rows).toEqual([{ processed_count: 1 }]);
      expect(recorder.named('apollo.lead_created').filter((r) => r.event.meta.messageId === delivery.id)).toHaveLength(
        1,
      );
    });
  });

  describe('the original query-string form', () => {
    it('POST /api/integration/webhook?source=…&type=… with the event data as the body', async () => {
      const leadId = `legacy-${randomUUID()}`;
      const delivery = signed(NEW_SECRET, apolloLead(leadId, now()));
      const response = await deliver(t.baseUrl, '/api/integration/webhook?source=apollo&type=lead_updated', delivery);
      expect(response.status).toBe(202);
      await eventually(() =>
        recorder
          .named('apollo.lead_updated')
          .some((r) => (r.event.payload as { lead: { id: string } }).lead.id === leadId),
      );
      const missing = await deliver(t.baseUrl, '/api/integration/webhook?type=lead_updated', signed(NEW_SECRET, {}));
      expect(missing.status).toBe(400);
    });
  });

  describe('operations API', () => {
    it('requires an API key', async () => {
      expect((await t.request('/api/integration/webhook', { auth: false })).status).toBe(401);
      expect((await t.request('/api/integration/webhook/events', { auth: false })).status).toBe(401);
    });

    it('describes sources, event types, auth schemes and counts by status', async () => {
      const response = await t.request('/api/integration/webhook');
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        sources: Array<{
          name: string;
          authScheme: string;
          credentialsConfigured: boolean;
          eventTypes: Array<{ eventName: string }>;
        }>;
        counts: Record<string, number>;
      };
      const byName = Object.fromEntries(body.sources.map((s) => [s.name, s]));
      expect(byName['apollo']).toMatchObject({ authScheme: 'standard', credentialsConfigured: true });
      expect(byName['avainode']).toMatchObject({ authScheme: 'basic', credentialsConfigured: true });
      expect(byName['n8n']).toMatchObject({ authScheme: 'shared-secret', credentialsConfigured: true });
      expect(byName['lead']).toMatchObject({ credentialsConfigured: false });
      expect(byName['avainode']?.eventTypes.map((e) => e.eventName)).toEqual(
        expect.arrayContaining([
          'avinode.booking_confirmed',
          'avinode.booking_cancelled',
          'avinode.availability_updated',
        ]),
      );
      expect(body.counts['total']).toBe(await count());
    });

    it('lists events with filters and cursor pages, and shows one', async () => {
      const first = await t.request('/api/integration/webhook/events?source=apollo&limit=2');
      const page1 = (await first.json()) as {
        items: Array<{ id: string; source: string }>;
        page: { nextCursor: string | null };
      };
      expect(page1.items).toHaveLength(2);
      expect(page1.items.every((e) => e.source === 'apollo')).toBe(true);
      expect(page1.page.nextCursor).not.toBeNull();
      const second = await t.request(
        `/api/integration/webhook/events?source=apollo&limit=2&cursor=${page1.page.nextCursor}`,
      );
      const page2 = (await second.json()) as { items: Array<{ id: string }> };
      expect(page2.items.length).toBeGreaterThan(0);
      expect(page2.items.map((e) => e.id)).not.toContain(page1.items[0]?.id);
      const allApollo = await count('source = $1', ['apollo']);
      let seen = 0;
      let cursor: string | null = null;
      do {
        const response = await t.request(
          `/api/integration/webhook/events?source=apollo&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
        );
        const page = (await response.json()) as { items: unknown[]; page: { nextCursor: string | null } };
        seen += page.items.length;
        cursor = page.page.nextCursor;
      } while (cursor);
      expect(seen).toBe(allApollo);

      const one = await t.request(`/api/integration/webhook/events/${page1.items[0]?.id}`);
      expect(one.status).toBe(200);
      expect(await one.json()).toMatchObject({ id: page1.items[0]?.id, payload: expect.any(Object) });
      expect((await t.request(`/api/integration/webhook/events/${randomUUID()}`)).status).toBe(404);
      expect((await t.request('/api/integration/webhook/events?status=bogus')).status).toBe(400);
    });

    it('replays a processed event (processed twice, same event id) and refuses other states', async () => {
      const delivery = signed(NEW_SECRET, { type: 'lead_created', data: apolloLead(`replay-${randomUUID()}`, now()) });
      const { json } = await deliver(t.baseUrl, '/api/integration/webhook/apollo', delivery);
      const id = json['id'] as string;
      await eventually(async () => (await count('id = $1 AND status = $2', [id, 'processed'])) === 1);
      const replay = await t.request(`/api/integration/webhook/events/${id}/replay`, { method: 'POST' });
      expect(replay.status).toBe(202);
      await eventually(async () => (await count('id = $1 AND processed_count = 2', [id])) === 1);
      expect(recorder.received.filter((r) => r.event.meta.webhookEventId === id)).toHaveLength(2);
      const missing = await t.request(`/api/integration/webhook/events/${randomUUID()}/replay`, { method: 'POST' });
      expect(missing.status).toBe(404);
    });

    it('sends a signed test event through the whole path', async () => {
      const response = await t.request('/api/integration/webhook/test', { method: 'POST', json: { source: 'apollo' } });
      expect(response.status).toBe(200);
      const result = (await response.json()) as {
        ok: boolean;
        eventId: string;
        eventStatus: string;
        httpStatus: number;
      };
      expect(result).toMatchObject({ ok: true, httpStatus: 202, eventStatus: 'processed' });
      expect(recorder.named('webhook.test_received').some((r) => r.event.meta.webhookEventId === result.eventId)).toBe(
        true,
      );
      const basic = await t.request('/api/integration/webhook/test', { method: 'POST', json: { source: 'avainode' } });
      expect(await basic.json()).toMatchObject({ ok: true });
      const refused = await t.request('/api/integration/webhook/test', { method: 'POST', json: { source: 'lead' } });
      expect(refused.status).toBe(409);
    });
  });
});
