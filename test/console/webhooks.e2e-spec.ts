import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { EventRecorderModule } from '../webhook/support/event-recorder.module.js';
import { apolloLead, deliver, signed, testSecret } from '../webhook/support/webhook-client.js';
import { type ConsoleHarness, startConsole, waitForText } from './console-support.js';

const SECRET = testSecret();

describe('console: the webhooks view (real browser)', () => {
  let h: ConsoleHarness;

  const send = async (event: unknown): Promise<string> => {
    const response = await deliver(h.t.baseUrl, '/api/integration/webhook/apollo', signed(SECRET, event));
    expect(response.status).toBe(202);
    return response.json['id'] as string;
  };

  const filter = (name: string) => h.page.getByTestId('webhook-events').locator(`select[name="${name}"]`);

  beforeAll(async () => {
    // The recorder is a consumer that always fails on a `poison` lead, as in the webhook processing tests.
    h = await startConsole({
      imports: [EventRecorderModule],
      env: { WEBHOOK_APOLLO_SECRETS: SECRET, WEBHOOK_MAX_ATTEMPTS: '1', WEBHOOK_RETRY_DELAY_SECONDS: '1' },
    });
    await h.signIn('/webhooks');
  });

  afterAll(async () => {
    await h?.close();
  });

  it('lists events live, filters them and shows a payload', async () => {
    const okId = await send({ type: 'lead_created', data: apolloLead(`ok-${randomUUID()}`, new Date().toISOString()) });
    const events = h.page.getByTestId('event-table');
    await h.page.locator(`[data-testid="event-table"] [data-webhook="${okId}"][data-status="processed"]`).waitFor();
    await filter('status').selectOption('stale');
    await h.page.locator(`[data-testid="event-table"] [data-webhook="${okId}"]`).waitFor({ state: 'detached' });
    await filter('status').selectOption('processed');
    await filter('source').selectOption('apollo');
    await filter('type').selectOption('lead_created');
    await events
      .locator(`[data-webhook="${okId}"]`)
      .getByRole('button', { name: /^Payload/ })
      .click();
    await waitForText(h.page.getByTestId('payload'), 'Chief of Staff');
  });

  it('replays a dead-lettered event from the dead-letter queue after a confirmation', async () => {
    const poisonId = await send({
      type: 'lead_updated',
      data: apolloLead(`poison-${randomUUID()}`, new Date().toISOString(), { poison: true }),
    });
    const row = h.page.getByTestId('dead-letters').locator(`[data-webhook="${poisonId}"]`);
    await waitForText(row, 'poison');
    await waitForText(h.page.locator('[data-count="dead_lettered"]'), /^1$/);
    await filter('status').selectOption('');
    await filter('source').selectOption('');
    await h.screenshot('webhooks');
    await row.getByRole('button', { name: 'Replay' }).click();
    await row.getByRole('dialog', { name: 'Replay' }).getByRole('button', { name: 'Replay' }).click();
    // The consumer still fails: processed again (two attempts now) and back in the dead-letter queue.
    await waitForText(row.locator('td').nth(4), /^2$/);
    const event = (await (await h.t.request(`/api/integration/webhook/events/${poisonId}`)).json()) as {
      status: string;
      replayCount: number;
    };
    expect(event.replayCount).toBe(1);
    expect(event.status).toBe('dead_lettered');
  });
});
