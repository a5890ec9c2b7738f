import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { trip, waitForStatus } from './pipeline-support.js';

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
    const response = await app.request('/api/integration/leads', {
      method: 'POST',
      json: { lead: { email: 'ana.ruiz@example.com', firstName: 'Ana', lastName: 'Ruiz' }, flightRequirements: trip() },
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    const waiting = await waitForStatus(app.request, runId, ['awaiting_confirmation'], 20_000);
    const confirm = await app.request(`/api/integration/bookings/${waiting.charterRequestId ?? ''}/confirm`, {
      method: 'POST',
      json: { paymentMethod: 'wire_transfer' },
    });
    expect(confirm.status).toBe(200);
    const booked = await waitForStatus(app.request, runId, ['booked'], 20_000);
    expect(booked.bookingId).toEqual(expect.any(String));
  });
});
