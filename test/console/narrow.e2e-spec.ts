import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ConsoleHarness, startConsole, startRun, waitForText } from './console-support.js';

const WIDTH = 390;

describe('console: usable on a 390 px wide screen (real browser)', () => {
  let h: ConsoleHarness;

  beforeAll(async () => {
    h = await startConsole({ viewport: { width: WIDTH, height: 844 } });
    await startRun(h.t, 'Lena Park');
    await h.signIn('/');
  });

  afterAll(async () => {
    await h?.close();
  });

  const views: Array<[route: string, ready: string]> = [
    ['/', 'servers'],
    ['/board', 'board'],
    ['/batches', 'batches'],
    ['/charter', 'trip-search'],
    ['/sync', 'sync-runs'],
    ['/webhooks', 'dead-letters'],
    ['/audit', 'audit-results'],
  ];

  it.each(views)(
    '%s: no horizontal overflow of the page, every view reachable from the navigation',
    async (route, ready) => {
      await h.go(route);
      await h.page.locator(`[data-testid="${ready}"], .${ready}`).first().waitFor();
      if (route === '/') await waitForText(h.page.locator('[data-server="apollo"]'), 'up');
      // A string runs in the page (the tests' tsconfig has no DOM types).
      const overflow = await h.page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      // When the page is too wide, the elements that stick out are named in the failure.
      const wide =
        overflow > 0
          ? await h.page.evaluate<string>(
              "[...document.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > 391).slice(0, 12).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).join('\\n')",
            )
          : '';
      expect({ overflow: Math.max(overflow, 0), wide }).toEqual({ overflow: 0, wide: '' });
      const nav = h.page.getByRole('navigation', { name: 'Views' });
      for (const link of await nav.getByRole('link').all()) {
        const box = await link.boundingBox();
        expect(box).not.toBeNull();
        expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= WIDTH).toBe(true);
      }
      if (route === '/') await h.screenshot('narrow');
    },
  );

  it('navigates by the links at this width', async () => {
    await h.page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'Sync' }).click();
    await h.page.getByRole('heading', { name: 'Sync', exact: true }).waitFor();
  });
});
