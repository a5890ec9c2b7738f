import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ConsoleHarness, startConsole, waitForText } from './console-support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** "$20,134.05" → 2013405 cents (the page is in en-US). */
function cents(text: string): number {
  return Math.round(Number(text.replace(/[$,]/g, '')) * 100);
}

describe('console: the charter desk (real browser)', () => {
  let h: ConsoleHarness;

  beforeAll(async () => {
    h = await startConsole();
    await h.signIn('/charter');
  });

  afterAll(async () => {
    await h?.close();
  });

  it('walks search → quotes side by side → charter request → modify → confirm → cancel', async () => {
    const { page } = h;
    await page.getByRole('button', { name: 'Search aircraft' }).click();
    const rows = page.getByTestId('aircraft-results').locator('tr[data-aircraft]');
    await rows.nth(1).waitFor();
    await rows.nth(0).getByRole('checkbox').check();
    await rows.nth(1).getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Quote selected (2)' }).click();

    const quotes = page.getByTestId('quotes').locator('article[data-quote]');
    await quotes.nth(1).waitFor();
    expect(await quotes.count()).toBe(2);
    // Each quote's fees add up to its total, all shown in dollars from the API's cents.
    for (const quote of await quotes.all()) {
      const fees = await quote.locator('tr[data-fee] td.num').allTextContents();
      expect(fees.length).toBeGreaterThanOrEqual(5);
      const total = cents((await quote.getByTestId('quote-total').textContent()) ?? '');
      expect(fees.map(cents).reduce((a, b) => a + b, 0)).toBe(total);
    }
    await waitForText(quotes.first().locator('tr[data-fee="FLIGHT_TIME"]'), 'Flight time');

    // The operator's profile: safety ratings and fleet.
    await rows.nth(0).getByRole('button').click();
    const operator = page.getByTestId('operator-profile');
    await waitForText(operator.getByTestId('safety-rating'), /\S/);
    await operator.getByTestId('fleet').locator('tbody tr').first().waitFor();
    // The README shows the quotes with the operator's profile under them.
    await page.evaluate(`document.querySelector('[data-testid="quotes"]').parentElement.scrollIntoView()`);
    await h.screenshot('charter-desk');

    const quoteId = await quotes.first().getAttribute('data-quote');
    await quotes
      .first()
      .getByRole('button', { name: /^Request / })
      .click();
    const form = page.getByTestId('request-form');
    await form.getByLabel('Client name').fill('Ana Ruiz');
    await form.getByLabel('Client email').fill('ana.ruiz@summitcapital.com');
    const [sent] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && r.url().endsWith('/api/integration/aircraft')),
      form.getByRole('button', { name: 'Create charter request' }).click(),
    ]);
    expect(sent.headers()['idempotency-key']).toMatch(UUID);
    await waitForText(page.getByTestId('booking-status'), 'pending');
    const id = decodeURIComponent((await page.evaluate<string>('location.hash')).split('/').pop() ?? '');
    const stored = (await (await h.t.request(`/api/integration/bookings/${id}`)).json()) as {
      status: string;
      quoteId: string;
      contact: { name: string };
    };
    expect(stored).toMatchObject({ status: 'pending', quoteId, contact: { name: 'Ana Ruiz' } });

    await page.getByRole('button', { name: 'Modify' }).click();
    const modify = page.getByRole('dialog', { name: 'Modify' });
    await modify.getByLabel('New departure time').fill('11:15');
    await modify.getByRole('button', { name: 'Save changes' }).click();
    await waitForText(page.getByTestId('departure'), '11:15 local');

    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page
      .getByRole('dialog', { name: 'Confirm booking' })
      .getByRole('button', { name: 'Confirm', exact: true })
      .click();
    await waitForText(page.getByTestId('booking-status'), 'confirmed');
    await waitForText(page.getByTestId('booking-ref'), /\S{3,}/);
    await waitForText(page.getByTestId('payment'), 'deposit 50 %');

    await page.getByRole('button', { name: 'Cancel booking' }).click();
    const cancel = page.getByRole('dialog', { name: 'Cancel booking' });
    await cancel.getByLabel('Reason').fill('Client postponed the trip');
    await cancel.getByRole('button', { name: 'Cancel booking' }).click();
    await waitForText(page.getByTestId('booking-status'), 'cancelled');
    await waitForText(page.getByTestId('cancellation'), 'Client postponed the trip');
    const final = (await (await h.t.request(`/api/integration/bookings/${id}`)).json()) as {
      status: string;
      departureTime: string;
      history: Array<{ action: string }>;
    };
    expect(final.status).toBe('cancelled');
    expect(final.departureTime).toBe('11:15');
    expect(final.history.map((e) => e.action)).toEqual(['create', 'modify', 'confirm', 'cancel']);
  });
});
