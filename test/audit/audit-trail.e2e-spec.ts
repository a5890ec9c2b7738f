import { describe, expect, it } from '@jest/globals';
import { eventually } from '../support/eventually.js';
import { bookRun, usePipelineApp } from '../pipeline/pipeline-support.js';
import { apolloLead, deliver, signed, testSecret } from '../webhook/support/webhook-client.js';

const KEY = 'audit-trail-key-0123456789abcdef';
const KEY_NAME = 'night-ops';
const SECRET = testSecret();

interface Entry {
  occurredAt: string;
  source: string;
  type: string;
  subject: string | null;
  correlationId: string | null;
  details: Record<string, unknown>;
}

/** A history by correlation id, oldest first (the API pages newest first). */
describe('audit trail: a run, a webhook and an admin action, each with its history and the acting key name', () => {
  const harness = usePipelineApp({ API_KEYS: `${KEY_NAME}:admin:${KEY}`, WEBHOOK_APOLLO_SECRETS: SECRET });

  async function history(correlationId: string): Promise<Entry[]> {
    const response = await harness.app.request(`/api/integration/audit?correlationId=${correlationId}&limit=200`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: Entry[] }).items.reverse();
  }

  it('GET /audit?correlationId=<runId> returns every transition of a booked run in order', async () => {
    const booked = await bookRun(harness.app.request, {
      email: 'audit.trail@pipeline-e2e.example',
      firstName: 'Audit',
      lastName: 'Trail',
    });
    const entries = await eventually(async () => {
      const all = await history(booked.id);
      return all.some((e) => e.type === 'pipeline.run.finished') ? all : undefined;
    });
    const types = entries.map((e) => e.type);
    expect(types[0]).toBe('pipeline.run.created');
    expect(types).toContain('pipeline.run.finished');
    // Every status change, chained: each one starts where the previous ended, from created to booked.
    const changes = entries
      .filter((e) => e.type === 'pipeline.run.status_changed')
      .map((e) => [e.details['from'], e.details['to']] as [string, string]);
    const created = entries[0]!.details['status'];
    expect([created, ...changes.map(([, to]) => to)]).toEqual([
      'enriching',
      'searching',
      'pricing',
      'requesting',
      'notifying',
      'awaiting_confirmation',
      'booked',
    ]);
    expect(changes[0]![0]).toBe(created);
    for (let i = 1; i < changes.length; i++) expect(changes[i]![0]).toBe(changes[i - 1]![1]);
    // The upstream mutations of the run join its history: the charter request, the notification, the confirmation.
    for (const type of ['avainode.charter_request_created', 'n8n.workflow_executed', 'avainode.booking_confirmed']) {
      expect(types).toContain(type);
    }
    expect(types.indexOf('avainode.charter_request_created')).toBeLessThan(types.indexOf('avainode.booking_confirmed'));
    const times = entries.map((e) => Date.parse(e.occurredAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // What a request did names the key that asked; the steps the workers ran are the system's.
    const byType = (type: string): Entry => entries.find((e) => e.type === type)!;
    expect(byType('pipeline.run.created').details['actor']).toBe(KEY_NAME);
    expect(byType('avainode.booking_confirmed').details['actor']).toBe(KEY_NAME);
    expect(entries.find((e) => e.details['to'] === 'booked')?.details['actor']).toBe(KEY_NAME);
    expect(entries.find((e) => e.details['to'] === 'searching')?.details['actor']).toBeNull();
    expect(JSON.stringify(entries)).not.toContain(KEY);
  });

  it('a webhook event is audited as accepted, then processed, under its id', async () => {
    const delivery = signed(SECRET, {
      type: 'lead_created',
      data: apolloLead('audit-lead-1', new Date().toISOString()),
    });
    const accepted = await deliver(harness.app.baseUrl, '/api/integration/webhook/apollo', delivery);
    expect(accepted.status).toBe(202);
    const id = accepted.json['id'] as string;
    const entries = await eventually(async () => {
      const all = await history(id);
      return all.some((e) => e.type === 'webhook.processed') ? all : undefined;
    });
    expect(entries.map((e) => e.type)).toEqual(['webhook.accepted', 'webhook.processed']);
    expect(entries[0]!.details).toMatchObject({ source: 'apollo', messageId: delivery.id, eventType: 'lead_created' });
    expect(JSON.stringify(entries)).not.toContain(SECRET);
  });

  it('an administrative action records the name of the key that did it', async () => {
    const response = await harness.app.request('/api/integration/status', { method: 'POST' });
    expect(response.status).toBe(200);
    const page = (await (await harness.app.request('/api/integration/audit?type=mcp.reconnect_requested')).json()) as {
      items: Entry[];
    };
    expect(page.items).toHaveLength(1);
    expect(page.items[0]!.details['actor']).toBe(KEY_NAME);
    expect(JSON.stringify(page.items)).not.toContain(KEY);
  });
});
