import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from '../support/test-app.js';
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
  });
});
