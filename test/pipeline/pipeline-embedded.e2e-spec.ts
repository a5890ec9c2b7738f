import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EmbeddedSandboxes } from '../../src/common/mcp/embedded-sandbox.provider.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { bookRun } from './pipeline-support.js';

/** The README's path: no upstream configured (embedded sandboxes, their webhooks to this app), one curl per step. */
describe('the embedded default, as a newcomer runs it', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ env: { SYNC_ENABLED: 'false' } });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('starts a run, confirms the booking through the API, and ends booked', async () => {
    const booked = await bookRun(app.request, { email: 'ana.ruiz@example.com', firstName: 'Ana', lastName: 'Ruiz' });
    expect(booked.bookingId).toEqual(expect.any(String));
    // n8n tells this app how the notification ended, and nothing else: its status changes are not subscribed to.
    await eventually(async () => {
      const run = (await (await app.request(`/api/integration/pipeline/runs/${booked.id}`)).json()) as {
        notification: { status: string };
      };
      return run.notification.status === 'succeeded' ? run : undefined;
    }, 30_000);
    const n8n = app.app.get(EmbeddedSandboxes).get('n8n');
    expect(n8n?.stats().webhooks).toMatchObject({ queued: 1, delivered: 1, failed: 0 });
  });
});
