import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ConsoleHarness, startConsole, waitForText } from './console-support.js';

interface Report {
  total: number;
  booked: number;
  inProgress: number;
  failed: unknown[];
  leads: Array<{ index: number; status: string }>;
}

// Where a run rests without a person: waiting for the operator's confirmation, or failed.
const AT_REST = ['awaiting_confirmation', 'booked', 'failed', 'dead_lettered', 'cancelled'];

describe('console: batches (real browser)', () => {
  let h: ConsoleHarness;

  beforeAll(async () => {
    h = await startConsole();
    await h.signIn('/batches');
  });

  afterAll(async () => {
    await h?.close();
  });

  it('starts a batch from the lead search form and shows its progress and every lead’s outcome live', async () => {
    const form = h.page.getByTestId('start-batch');
    await form.getByLabel('Job title').fill('CEO');
    await form.getByLabel('Leads (at most)').fill('3');
    await form.getByRole('button', { name: 'Start batch' }).click();

    const leads = h.page.getByTestId('batch-leads').locator('tr[data-lead]');
    await leads.nth(2).waitFor();
    const working = AT_REST.map((s) => `:not([data-status="${s}"])`).join('');
    await h.page.locator(`[data-testid="batch-leads"] tr[data-lead]${working}`).first().waitFor({ state: 'detached' });
    expect(await leads.count()).toBe(3);

    // What the page shows is what the API reports.
    const batchId = (await h.page.evaluate<string>('location.hash')).split('/').pop() ?? '';
    const report = (await (await h.t.request(`/api/integration/pipeline/batches/${batchId}`)).json()) as Report;
    expect(report.total).toBe(3);
    for (const lead of report.leads) {
      expect(await leads.nth(lead.index).getAttribute('data-status')).toBe(lead.status);
    }
    await waitForText(h.page.locator('[data-count="found"]'), /^3$/);
    await waitForText(h.page.locator('[data-count="in progress"]'), new RegExp(`^${report.inProgress}$`));
    const bar = h.page.getByRole('progressbar', { name: 'Batch progress' });
    expect(await bar.getAttribute('aria-valuemax')).toBe('3');
    expect(await bar.getAttribute('aria-valuenow')).toBe(String(report.booked + report.failed.length));
    await h.screenshot('batches');

    await h.page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Batches' }).click();
    const row = h.page.getByTestId('batches').locator(`[data-batch="${batchId}"]`);
    await waitForText(row, 'jobTitle: CEO');
    expect(await row.getByRole('progressbar').getAttribute('aria-valuemax')).toBe('3');
  });

  it('names the field when the search has no criterion', async () => {
    const form = h.page.getByTestId('start-batch');
    await form.getByLabel('Job title').fill('');
    await form.getByRole('button', { name: 'Start batch' }).click();
    await waitForText(form.getByRole('alert'), 'searchCriteria');
  });
});
