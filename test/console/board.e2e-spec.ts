import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ConsoleHarness, startConsole, startRun, waitForText } from './console-support.js';

describe('console: the pipeline board and a run page (real browser)', () => {
  let h: ConsoleHarness;

  beforeAll(async () => {
    h = await startConsole();
    await h.signIn('/board');
  });

  afterAll(async () => {
    await h?.close();
  });

  it('shows a run started over REST on the board and moves it across the columns live', async () => {
    await h.page.locator('[data-column="awaiting_confirmation"]').waitFor();
    const runId = await startRun(h.t, 'Mia Chen');
    await h.page.locator(`[data-column="awaiting_confirmation"] [data-run="${runId}"]`).waitFor();
    expect(await h.page.locator(`[data-run="${runId}"]`).count()).toBe(1);
    await h.screenshot('board');
  });

  it('confirms the booking from the run page after a confirmation dialog, and the run is booked', async () => {
    const runId = await startRun(h.t, 'Noah Patel');
    await h.page.locator(`[data-column="awaiting_confirmation"] [data-run="${runId}"] a`).click();
    await waitForText(h.page.getByTestId('run-status'), 'awaiting confirmation');
    await waitForText(h.page.getByRole('region', { name: 'Priced candidates' }), 'Chosen:');
    await h.page.getByRole('button', { name: 'Confirm booking' }).click();
    const dialog = h.page.getByRole('dialog', { name: 'Confirm booking' });
    await waitForText(dialog, 'wire transfer');
    await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
    await waitForText(h.page.getByTestId('run-status'), 'booked');
    await waitForText(h.page.getByTestId('booking-id'), /\S{3,}/);
    const run = (await (await h.t.request(`/api/integration/pipeline/runs/${runId}`)).json()) as {
      status: string;
      bookingId: string | null;
    };
    expect(run.status).toBe('booked');
    expect(run.bookingId).not.toBeNull();
    await h.screenshot('run');
  });
});
