import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { type ConsoleHarness, startConsole, waitForText } from './console-support.js';

describe('console: the sync view (real browser)', () => {
  let h: ConsoleHarness;

  beforeAll(async () => {
    h = await startConsole();
    await h.signIn('/sync');
  });

  afterAll(async () => {
    await h?.close();
  });

  it('runs a full sync after a confirmation and shows the run finish live', async () => {
    await waitForText(h.page.getByRole('region', { name: 'Streams' }), 'apollo contacts');
    await h.page.getByRole('button', { name: 'Run full sync' }).click();
    await h.page.getByRole('dialog', { name: 'Run full sync' }).getByRole('button', { name: 'Start' }).click();
    await waitForText(h.page.getByTestId('sync-runs'), 'full');
    await waitForText(h.page.getByTestId('sync-runs'), 'success');
  });

  it('checks consistency from the page and draws the point on the history chart', async () => {
    await h.page.getByRole('button', { name: 'Check consistency' }).click();
    await h.page.getByRole('dialog', { name: 'Check consistency' }).getByRole('button', { name: 'Check' }).click();
    await h.page.locator('[data-testid="chart"][data-points="1"] canvas').waitFor();
    await h.screenshot('sync');
  });
});
