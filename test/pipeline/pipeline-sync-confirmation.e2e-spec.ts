import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { installFailOnceTrigger } from '../support/fail-once-trigger.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { callTool, getRun, startUpstreams, trip, type Upstreams, waitForStatus } from './pipeline-support.js';

/**
 * A booking confirmed or cancelled upstream reaches its run through the sync alone: these sandboxes send no webhooks
 * and the confirmation bypasses our API, so the only way the run can learn of it is the bookings stream. And a
 * confirmation through our API that the run could not record is not answered 200: it stays open until repeated.
 */
describe('pipeline: booking outcomes learned from the sync', () => {
  let upstreams: Upstreams;
  let app: TestApp;

  beforeAll(async () => {
    upstreams = await startUpstreams(7);
    app = await startTestApp({ env: upstreams.env });
  });

  afterAll(async () => {
    await app?.close();
    await upstreams?.close();
  });

  async function runAwaitingConfirmation(email: string): Promise<{ runId: string; requestId: string }> {
    const response = await app.request('/api/integration/leads', {
      method: 'POST',
      json: { lead: { email, firstName: 'Sam', lastName: 'Lee' }, flightRequirements: trip() },
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    const waiting = await waitForStatus(app.request, runId, ['awaiting_confirmation']);
    expect(waiting.charterRequestId).toEqual(expect.any(String));
    return { runId, requestId: waiting.charterRequestId! };
  }

  async function syncBookings(): Promise<void> {
    const response = await app.request('/api/integration/sync', {
      method: 'POST',
      json: { action: 'sync', streams: ['avinode_bookings'] },
    });
    expect(response.status).toBe(202);
  }

  it('moves a run to booked when the sync sees its booking confirmed upstream', async () => {
    const { runId, requestId } = await runAwaitingConfirmation('sam.lee@sync-confirm.example');
    await callTool(upstreams.avinode, 'manage-booking', {
      requestId,
      action: 'confirm',
      paymentMethod: 'wire_transfer',
    });
    // Nothing has told the backend yet.
    expect((await getRun(app.request, runId)).status).toBe('awaiting_confirmation');

    await syncBookings();
    const booked = await waitForStatus(app.request, runId, ['booked']);
    expect(booked.bookingId).toEqual(expect.stringMatching(/^bk-/));
  });

  it('moves a run to cancelled when the sync sees its request cancelled upstream', async () => {
    const { runId, requestId } = await runAwaitingConfirmation('kim.park@sync-cancel.example');
    await callTool(upstreams.avinode, 'manage-booking', {
      requestId,
      action: 'cancel',
      cancellationReason: 'Plans changed',
    });
    await syncBookings();
    await waitForStatus(app.request, runId, ['cancelled']);
  });

  it('answers 503 when a confirmation through the API cannot reach its run, and books the run when it is repeated', async () => {
    const { runId, requestId } = await runAwaitingConfirmation('lou.reed@api-confirm.example');
    const failNextOutcome = await installFailOnceTrigger(app.app.get(DataSource), 'pipeline_booking_outcomes');
    await failNextOutcome();
    const confirm = (): Promise<Response> =>
      app.request(`/api/integration/bookings/${requestId}/confirm`, {
        method: 'POST',
        json: { paymentMethod: 'wire_transfer' },
      });

    const first = await confirm();
    expect(first.status).toBe(503);
    expect(await first.json()).toMatchObject({ code: 'service_unavailable', resultRef: requestId });
    expect((await getRun(app.request, runId)).status).toBe('awaiting_confirmation');

    // The same request again resumes the open intent: no second confirmation upstream, the outcome reaches the run.
    const again = await confirm();
    expect(again.status).toBe(200);
    const booking = (await again.json()) as { requestId: string; status: string; history: Array<{ action: string }> };
    expect(booking).toMatchObject({ requestId, status: 'confirmed' });
    expect(booking.history.filter(({ action }) => action === 'confirm')).toHaveLength(1);
    const booked = await waitForStatus(app.request, runId, ['booked']);
    expect(booked.bookingId).toEqual(expect.stringMatching(/^bk-/));
  });
});
