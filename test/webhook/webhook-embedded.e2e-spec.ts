import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { DataSource } from 'typeorm';
import { EmbeddedSandboxes } from '../../src/common/mcp/embedded-sandbox.provider.js';
import { WebhookHttpSetup } from '../../src/modules/webhook/webhook-http.setup.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { EventRecorder, EventRecorderModule } from './support/event-recorder.module.js';
import { signed, testSecret } from './support/webhook-client.js';

/**
 * The embedded default: no webhook secrets and no MCP URLs configured. The in-process sandbox servers get generated
 * secrets and this app's own URL, so their signed events arrive with no configuration at all.
 */
describe('webhooks from the embedded sandboxes', () => {
  let t: TestApp;
  let client: Client;

  beforeAll(async () => {
    t = await startTestApp({ imports: [EventRecorderModule] });
    await t.app.get(WebhookHttpSetup).embeddedWired;
  });

  afterAll(async () => {
    await client?.close();
    await t?.close();
  });

  it('describes apollo, avainode and n8n as embedded Standard Webhooks sources, and lead as refused', async () => {
    const body = (await (await t.request('/api/integration/webhook')).json()) as {
      sources: Array<{ name: string; authScheme: string; credentialsConfigured: boolean; embedded: boolean }>;
    };
    expect(
      body.sources.map(({ name, authScheme, credentialsConfigured, embedded }) => ({
        name,
        authScheme,
        credentialsConfigured,
        embedded,
      })),
    ).toEqual([
      { name: 'apollo', authScheme: 'standard', credentialsConfigured: true, embedded: true },
      { name: 'avainode', authScheme: 'standard', credentialsConfigured: true, embedded: true },
      { name: 'n8n', authScheme: 'standard', credentialsConfigured: true, embedded: true },
      { name: 'lead', authScheme: 'standard', credentialsConfigured: false, embedded: false },
    ]);
    // The generated secret is not guessable: a delivery signed with any other one is refused.
    const refused = await fetch(`${t.baseUrl}/api/integration/webhook/apollo`, {
      method: 'POST',
      ...signed(testSecret(), { type: 'test', data: {} }),
    });
    expect(refused.status).toBe(401);
  });

  it('an Apollo MCP tool call that creates a contact arrives as a signed lead_created webhook, stored and processed', async () => {
    const apollo = t.app.get(EmbeddedSandboxes).get('apollo');
    expect(apollo).toBeDefined();
    client = new Client({ name: 'webhook-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(apollo!.url)));
    const email = `grace.hopper.${Date.now()}@example.com`;
    const result = await client.callTool({
      name: 'create-email-sequence',
      arguments: { name: 'Webhook e2e', emails: [email], steps: [{ delayDays: 1, subject: 'Hello' }] },
    });
    expect(result.isError).toBeFalsy();

    const recorder = t.app.get(EventRecorder);
    const received = await eventually(
      () =>
        recorder
          .named('apollo.lead_created')
          .find((r) => (r.event.payload as { lead: { email?: string } }).lead.email === email),
      15_000,
    );
    expect(received.event.meta).toMatchObject({ source: 'apollo', type: 'lead_created' });
    // The handlers see the event before the job that ran them marks the row processed, so the row is polled.
    const rows = await eventually(
      async () => {
        const found = await t.app
          .get(DataSource)
          .query<Array<{ status: string; auth_scheme: string; message_id: string }>>(
            `SELECT status, auth_scheme, message_id FROM webhook_events WHERE id = $1`,
            [received.event.meta.webhookEventId],
          );
        return found[0]?.status === 'processed' ? found : undefined;
      },
      15_000,
      25,
      'the webhook row marked processed',
    );
    expect(rows).toEqual([
      { status: 'processed', auth_scheme: 'standard', message_id: expect.stringMatching(/^msg_/) },
    ]);
    expect(apollo!.stats().webhooks).toMatchObject({ configured: true, failed: 0 });
  });
});
