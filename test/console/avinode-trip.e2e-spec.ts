import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ConsoleHarness, startConsole, startRun, waitForText } from './console-support.js';

/**
 * A run in Avinode's trip flow on its console page: the trip, the broker's deep link into Avinode (where RFQs are sent)
 * and the sellers' answers as they arrive. One simulated minute lasts 20 ms and the quote deadline is long, so the run
 * moves on when PIPELINE_QUOTES_ENOUGH (2) quotes have arrived.
 */
describe('console: a run’s Avinode trip and its deep link (real browser)', () => {
  let h: ConsoleHarness;

  beforeAll(async () => {
    h = await startConsole({
      env: {
        AVINODE_QUOTE_FLOW: 'trip',
        SANDBOX_AVINODE_MINUTE_MS: '20',
        PIPELINE_QUOTE_DEADLINE_SECONDS: '600',
        PIPELINE_QUOTES_ENOUGH: '2',
        WEBHOOK_AVAINODE_AUTH: 'basic',
        WEBHOOK_AVAINODE_BASIC_USER: 'avinode-client',
        WEBHOOK_AVAINODE_BASIC_PASSWORD: 'avinode-secret-1',
      },
    });
    await h.signIn('/board');
  });

  afterAll(async () => {
    await h?.close();
  });

  it('shows the trip with a “Search in Avinode” link to the run’s searchInAvinode, and the quotes arriving', async () => {
    const runId = await startRun(h.t, 'Ivy Park');
    await h.go(`/runs/${runId}`);
    const trip = h.page.getByTestId('avinode-trip');
    await waitForText(trip, /Avinode trip atrip-\d+/);
    await waitForText(trip, /[2-9] of \d+ sellers quoted/);
    const run = (await (await h.t.request(`/api/integration/pipeline/runs/${runId}`)).json()) as {
      avinodeTrip: { tripId: string; searchInAvinode: string };
    };
    const link = trip.getByRole('link', { name: 'Search in Avinode' });
    expect(await link.getAttribute('href')).toBe(run.avinodeTrip.searchInAvinode);
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await trip.textContent()).toContain(run.avinodeTrip.tripId);
    await h.screenshot('run-avinode-trip');
  });
});
