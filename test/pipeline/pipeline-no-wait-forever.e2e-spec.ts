import { describe, expect, it } from '@jest/globals';
import type { TestApp } from '../support/test-app.js';
import { getRun, trip, usePipelineApp, waitForStatus } from './pipeline-support.js';

type Request = TestApp['request'];

async function submit(request: Request, name: string, flight: Record<string, unknown>): Promise<string> {
  const response = await request('/api/integration/leads', {
    method: 'POST',
    json: { lead: { email: `${name}@no-wait-e2e.example`, firstName: name }, flightRequirements: flight },
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { runId: string }).runId;
}

async function confirm(request: Request, charterRequestId: string | null): Promise<number> {
  const response = await request(`/api/integration/bookings/${charterRequestId ?? ''}/confirm`, {
    method: 'POST',
    json: { paymentMethod: 'wire_transfer' },
  });
  return response.status;
}

/**
 * Several leads for one trip, one step worker (so each run is priced after the previous one asked for its aircraft).
 * Three candidates are priced per run: three runs ask for three different aircraft, the fourth finds all three taken.
 */
describe('no run waits forever: requests spread over the candidates, a booked aircraft ends the other waits', () => {
  const harness = usePipelineApp({ PIPELINE_CONCURRENCY: '1', PIPELINE_CANDIDATES_TO_PRICE: '3' });
  const request: Request = (...args) => harness.app.request(...args);

  it('spreads one trip over the candidates and ends the run left on a booked aircraft', async () => {
    const flight = trip({ passengers: 3, departureDate: trip().departureDate });
    const ids: string[] = [];
    for (const name of ['ana', 'ben', 'cleo', 'dev']) ids.push(await submit(request, name, flight));
    const runs = [];
    for (const id of ids) runs.push(await waitForStatus(request, id, ['awaiting_confirmation'], 60_000));

    const chosen = runs.map((run) => run.choice?.aircraftId);
    expect(new Set(chosen.slice(0, 3)).size).toBe(3);
    // The fourth finds every candidate taken and asks for the best one anyway (the first run's).
    expect(chosen[3]).toBe(chosen[0]);
    expect(runs[1]?.choice?.reason).toMatch(/passed over: already requested by another run/);
    expect(runs[3]?.choice?.reason).toMatch(/every candidate is already requested/);

    const [first, second, third, fourth] = runs;
    expect(await confirm(request, first?.charterRequestId ?? null)).toBe(200);
    await waitForStatus(request, first?.id ?? '', ['booked']);
    const ended = await waitForStatus(request, fourth?.id ?? '', ['failed']);
    expect(ended.failureReason).toBe('aircraft_unavailable');
    expect(ended.failureMessage).toContain(`booked by run ${first?.id ?? ''}`);
    // The runs on other aircraft are untouched.
    expect((await getRun(request, second?.id ?? '')).status).toBe('awaiting_confirmation');
    expect((await getRun(request, third?.id ?? '')).status).toBe('awaiting_confirmation');
    // Confirming the ended run's request upstream is refused: its aircraft is booked.
    expect(await confirm(request, fourth?.charterRequestId ?? null)).toBe(409);
  }, 120_000);
});

describe('no run waits forever: an unconfirmed charter request expires', () => {
  const harness = usePipelineApp({ PIPELINE_CONFIRMATION_TIMEOUT_SECONDS: '1' });
  const request: Request = (...args) => harness.app.request(...args);

  it('ends the run with confirmation_expired; a later upstream confirmation still books it', async () => {
    const id = await submit(request, 'eve', trip({ passengers: 2 }));
    const waiting = await waitForStatus(request, id, ['awaiting_confirmation', 'failed'], 60_000);
    const expired = await waitForStatus(request, id, ['failed'], 30_000);
    expect(expired.failureReason).toBe('confirmation_expired');
    expect(expired.failureMessage).toContain(`No one confirmed charter request ${expired.charterRequestId ?? ''}`);
    expect(waiting.charterRequestId).toBe(expired.charterRequestId);

    const pipeline = (await (await request('/api/integration/pipeline/status')).json()) as {
      byStatus: Record<string, number>;
    };
    expect(pipeline.byStatus.awaiting_confirmation ?? 0).toBe(0);

    expect(await confirm(request, expired.charterRequestId)).toBe(200);
    expect((await waitForStatus(request, id, ['booked'])).status).toBe('booked');
  }, 120_000);
});
