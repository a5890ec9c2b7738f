import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '../support/test-app.js';
import { type ConsoleHarness, startConsole, startRun, waitForText } from './console-support.js';

describe('console: the audit view (real browser)', () => {
  let h: ConsoleHarness;
  let runId: string;
  let charterRequestId: string;

  beforeAll(async () => {
    h = await startConsole();
    // A run booked over REST: it leaves audit entries under its run id and under its charter request id.
    runId = await startRun(h.t, 'Iris Okafor');
    charterRequestId = await eventually(async () => {
      const run = (await (await h.t.request(`/api/integration/pipeline/runs/${runId}`)).json()) as {
        status: string;
        charterRequestId: string | null;
      };
      return run.status === 'awaiting_confirmation' ? (run.charterRequestId ?? undefined) : undefined;
    }, 30_000);
    const confirmed = await h.t.request(`/api/integration/bookings/${charterRequestId}/confirm`, {
      method: 'POST',
      json: { paymentMethod: 'wire_transfer' },
    });
    expect(confirmed.status).toBeLessThan(300);
    await h.signIn(`/runs/${runId}`);
  });

  afterAll(async () => {
    await h?.close();
  });

  it("shows a run's whole history from its run page: the request, the booking and the finished run", async () => {
    await waitForText(h.page.getByTestId('run-status'), 'booked');
    await h.page.getByRole('link', { name: 'Audit history of this run' }).click();
    const history = h.page.getByTestId('audit-history');
    for (const type of ['pipeline.run.finished', 'avainode.charter_request_created', 'avainode.booking_confirmed']) {
      await history.locator(`[data-audit-type="${type}"]`).first().waitFor();
    }
    await h.screenshot('audit');
  });

  it('searches by subject (the run id) and by correlation id (the charter request id)', async () => {
    await h.go('/audit');
    const form = h.page.getByRole('form', { name: 'Search the audit log' });
    await form.getByLabel('Subject').fill(runId);
    await form.getByRole('button', { name: 'Search' }).click();
    const results = h.page.getByTestId('audit-results');
    await waitForText(results.locator('[data-audit-type="pipeline.run.finished"]'), runId);
    // The run's creation, each status change and its end all have the run as subject.
    expect(await results.locator('tbody tr').count()).toBeGreaterThan(1);

    // The run's id is the correlation id of its whole history, the charter request included; a type filter narrows it.
    await form.getByLabel('Subject').fill('');
    await form.getByLabel('Correlation id').fill(runId);
    await form.getByLabel('Type (prefix*)').fill('pipeline.*');
    await form.getByRole('button', { name: 'Search' }).click();
    await results.locator('[data-audit-type="pipeline.run.finished"]').first().waitFor();
    expect(await results.locator('[data-audit-type^="avainode."]').count()).toBe(0);
  });
});
