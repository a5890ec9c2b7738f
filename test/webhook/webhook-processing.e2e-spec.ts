import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { EventRecorder, EventRecorderModule } from './support/event-recorder.module.js';
import { apolloLead, deliver, signed, testSecret } from './support/webhook-client.js';

const SECRET = testSecret();
const LEAD_SECRET = testSecret();
const MAX_ATTEMPTS = 3;
const RETRY_DELAY_SECONDS = 1;

describe('webhook processing', () => {
  let t: TestApp;
  let recorder: EventRecorder;
  let db: DataSource;

  const statusOf = async (id: unknown): Promise<{ status: string; attempts: number; processed_count: number }> => {
    const rows = await db.query<Array<{ status: string; attempts: number; processed_count: number }>>(
      `SELECT status, attempts, processed_count FROM webhook_events WHERE id = $1`,
      [id],
    );
    if (!rows[0]) throw new Error(`no event ${String(id)}`);
    return rows[0];
  };
  const settled = (id: unknown): Promise<string> =>
    eventually(async () => {
      const { status } = await statusOf(id);
      return status === 'received' || status === 'failed' ? undefined : status;
    }, 20_000);
  const send = async (source: string, event: unknown, secret = SECRET): Promise<string> => {
    const response = await deliver(t.baseUrl, `/api/integration/webhook/${source}`, signed(secret, event));
    expect(response.status).toBe(202);
    return response.json['id'] as string;
  };
  const at = (offsetMs: number): string => new Date(Date.parse('2026-01-01T10:00:00.000Z') + offsetMs).toISOString();

  beforeAll(async () => {
    t = await startTestApp({
      imports: [EventRecorderModule],
      env: {
        WEBHOOK_APOLLO_SECRETS: SECRET,
        WEBHOOK_AVAINODE_SECRETS: SECRET,
        WEBHOOK_N8N_SECRETS: SECRET,
        WEBHOOK_LEAD_SECRETS: LEAD_SECRET,
        WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
        WEBHOOK_RETRY_DELAY_SECONDS: String(RETRY_DELAY_SECONDS),
        WEBHOOK_RETRY_BACKOFF: 'true',
      },
    });
    recorder = t.app.get(EventRecorder);
    db = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('out-of-order and stale events (check 5)', () => {
    it('`updated` before `created` and an older update: only newer versions are applied, final state as in order', async () => {
      const leadId = `ooo-${randomUUID()}`;
      const appliedTitles = (): string[] =>
        recorder.received
          .filter((r) => (r.event.payload as { lead?: { id?: string } }).lead?.id === leadId)
          .map((r) => (r.event.payload as { lead: { title: string } }).lead.title);
      // In order this would be: created (v1) → updated (v2) → updated (v3). Delivered: v2, v1, v3, then v2 again
      // under a new message id (a sender's late retry with a fresh id).
      const v2 = await send('apollo', { type: 'lead_updated', data: apolloLead(leadId, at(2000), { title: 'v2' }) });
      expect(await settled(v2)).toBe('processed');
      const v1 = await send('apollo', { type: 'lead_created', data: apolloLead(leadId, at(1000), { title: 'v1' }) });
      expect(await settled(v1)).toBe('stale');
      const v3 = await send('apollo', { type: 'lead_updated', data: apolloLead(leadId, at(3000), { title: 'v3' }) });
      expect(await settled(v3)).toBe('processed');
      const late = await send('apollo', { type: 'lead_updated', data: apolloLead(leadId, at(2000), { title: 'v2' }) });
      expect(await settled(late)).toBe('stale');
      const equal = await send('apollo', {
        type: 'lead_updated',
        data: apolloLead(leadId, at(3000), { title: 'v3b' }),
      });
      expect(await settled(equal)).toBe('stale');
      // The consumer saw versions only in increasing order and ends on the newest, as with in-order delivery.
      expect(appliedTitles()).toEqual(['v2', 'v3']);
      const version = await db.query<Array<{ version: string }>>(
        `SELECT version FROM webhook_entity_versions WHERE source = 'apollo' AND entity_type = 'lead' AND entity_id = $1`,
        [leadId],
      );
      expect(version).toEqual([{ version: String(Date.parse(at(3000))) }]);
    });

    it('Avinode: a cancellation applied first makes the older confirmation stale; thin events are never stale', async () => {
      const requestId = `rq-${randomUUID()}`;
      const booking = (status: string, updatedAt: string): unknown => ({
        requestId,
        bookingId: `bk-${requestId}`,
        status,
        total: 1_250_000,
        currency: 'USD',
        updatedAt,
      });
      const cancelled = await send('avainode', { type: 'booking_cancelled', data: booking('cancelled', at(5000)) });
      expect(await settled(cancelled)).toBe('processed');
      const confirmed = await send('avainode', { type: 'booking_confirmed', data: booking('confirmed', at(4000)) });
      expect(await settled(confirmed)).toBe('stale');
      const thin = { type: 'booking_confirmed', id: requestId, href: `https://api.avinode.com/api/trips/${requestId}` };
      expect(await settled(await send('avainode', thin))).toBe('processed');
      expect(await settled(await send('avainode', thin))).toBe('processed');
    });

    it('n8n: a status change older than the one applied is stale', async () => {
      const executionId = `ex-${randomUUID()}`;
      const status = (value: string, previous: string | null, timestamp: string): unknown => ({
        type: 'execution_status',
        timestamp,
        data: { executionId, workflowId: 'wf-1', status: value, previousStatus: previous, startedAt: at(0) },
      });
      expect(await settled(await send('n8n', status('success', 'running', at(9000))))).toBe('processed');
      expect(await settled(await send('n8n', status('running', 'new', at(1000))))).toBe('stale');
      // Same instant: the rank of the status orders them (running before success).
      const other = `ex-${randomUUID()}`;
      const same = (value: string): unknown => ({
        type: 'execution_status',
        timestamp: at(7000),
        data: { executionId: other, workflowId: 'wf-1', status: value, startedAt: at(7000) },
      });
      expect(await settled(await send('n8n', same('running')))).toBe('processed');
      expect(await settled(await send('n8n', same('success')))).toBe('processed');
    });
  });

  describe('poison messages (check 6)', () => {
    it('dead-letters an always-failing event after the configured attempts with backoff, while others flow', async () => {
      const poisonId = await send('apollo', {
        type: 'lead_updated',
        data: apolloLead(`poison-${randomUUID()}`, new Date().toISOString(), { poison: true }),
      });
      // Sent after the poison event: all processed before it is dead-lettered.
      const others = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          send('apollo', {
            type: 'lead_created',
            data: apolloLead(`flow-${i}-${randomUUID()}`, new Date().toISOString()),
          }),
        ),
      );
      await eventually(async () => {
        for (const id of others) if ((await statusOf(id)).status !== 'processed') return false;
        return true;
      }, 20_000);
      // Ordered by what happened, not by the clock: the poison event was still being retried when the others were done.
      const poisonAttemptsWhenOthersDone = recorder.poisonAttempts.length;
      expect(await settled(poisonId)).toBe('dead_lettered');
      const poison = await statusOf(poisonId);
      expect(poison.attempts).toBe(MAX_ATTEMPTS);
      expect(poison.processed_count).toBe(0);
      expect(recorder.poisonAttempts).toHaveLength(MAX_ATTEMPTS);
      // Backoff: retry n waits retryDelay × 2^(n-1) × (1 + jitter), so at least 1 s, then at least 2 s.
      const gaps = recorder.poisonAttempts.slice(1).map((t1, i) => t1 - (recorder.poisonAttempts[i] ?? 0));
      expect(gaps[0]).toBeGreaterThanOrEqual(RETRY_DELAY_SECONDS * 1000 - 50);
      expect(gaps[1]).toBeGreaterThanOrEqual(2 * RETRY_DELAY_SECONDS * 1000 - 50);
      expect(poisonAttemptsWhenOthersDone).toBeLessThan(MAX_ATTEMPTS);

      // Visible through the operations API, with the error.
      const list = await t.request('/api/integration/webhook/events?status=dead_lettered');
      const page = (await list.json()) as { items: Array<{ id: string; lastError: string; attempts: number }> };
      expect(page.items).toEqual([
        expect.objectContaining({ id: poisonId, attempts: MAX_ATTEMPTS, lastError: expect.stringContaining('poison') }),
      ]);
      const describe = (await (await t.request('/api/integration/webhook')).json()) as {
        counts: Record<string, number>;
      };
      expect(describe.counts['dead_lettered']).toBe(1);
      const audit = await eventually(async () => {
        const rows = await db.query<Array<{ subject: string }>>(
          `SELECT subject FROM audit_log WHERE type = 'webhook.dead_lettered'`,
        );
        return rows.length > 0 ? rows : undefined;
      });
      expect(audit).toEqual([{ subject: poisonId }]);

      // Replaying it runs the attempts again (the consumer still fails).
      const replay = await t.request(`/api/integration/webhook/events/${poisonId}/replay`, { method: 'POST' });
      expect(replay.status).toBe(202);
      await eventually(async () => (await statusOf(poisonId)).attempts === 2 * MAX_ATTEMPTS, 20_000);
      expect(await settled(poisonId)).toBe('dead_lettered');
      const again = await t.request(`/api/integration/webhook/events/${others[0]}/replay`, { method: 'POST' });
      expect(again.status).toBe(202);
    }, 60_000);
  });

  describe('the lead source', () => {
    const lead = {
      lead: { email: 'ada.byron@example.com', firstName: 'Ada', lastName: 'Byron', company: 'Analytical Engines' },
      flightRequirements: {
        departureAirport: 'KTEB',
        arrivalAirport: 'KMIA',
        departureDate: '2026-03-14',
        departureTime: '09:30',
        passengers: 4,
      },
    };

    it('emits lead.received with the lead and its flight requirements (the pipeline starts a run on it)', async () => {
      // No type: the lead source has one business type, and the body may be the lead itself.
      const id = await send('lead', lead, LEAD_SECRET);
      expect(await settled(id)).toBe('processed');
      const received = recorder.named('lead.received').find((r) => r.event.meta.webhookEventId === id);
      expect(received?.event.payload).toEqual(lead);
      expect(received?.event.meta).toMatchObject({ source: 'lead', type: 'lead_received' });
    });

    it('refuses a lead with bad flight requirements (400 naming the fields)', async () => {
      const bad = {
        ...lead,
        flightRequirements: { ...lead.flightRequirements, departureAirport: 'teb', passengers: 0 },
      };
      const response = await deliver(t.baseUrl, '/api/integration/webhook/lead', signed(LEAD_SECRET, bad));
      expect(response.status).toBe(400);
      const fields = (response.json['errors'] as Array<{ field: string }>).map((e) => e.field).sort();
      expect(fields).toEqual(['flightRequirements.departureAirport', 'flightRequirements.passengers']);
      // The Apollo secret does not authenticate the lead source.
      expect((await deliver(t.baseUrl, '/api/integration/webhook/lead', signed(SECRET, lead))).status).toBe(401);
    });
  });
});
