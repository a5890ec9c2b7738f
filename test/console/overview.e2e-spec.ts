import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rawRequest } from '../support/raw-http.js';
import { type ConsoleHarness, startConsole, startRun, waitForText } from './console-support.js';

describe('console: serving, sign-in and the overview (real browser)', () => {
  let h: ConsoleHarness;

  beforeAll(async () => {
    h = await startConsole();
  });

  afterAll(async () => {
    await h?.close();
  });

  it('serves the page and its assets without a key, with a strict content security policy', async () => {
    const index = await fetch(`${h.t.baseUrl}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await index.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${h.t.baseUrl}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // Read to the end: an unread 150 KB body keeps the connection busy, and the app's close waits for it.
    expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(0);
    const redirect = await fetch(`${h.t.baseUrl}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/console/');
    await redirect.body?.cancel();
  });

  it('keeps the API behind the key and serves nothing outside the console folder', async () => {
    const port = Number(new URL(h.t.baseUrl).port);
    expect((await rawRequest(port, '/api/integration/pipeline/runs/counts')).status).toBe(401);
    expect((await rawRequest(port, '/api/integration/sync/consistency')).status).toBe(401);
    for (const target of ['/console/../package.json', '/console/%2e%2e/%2e%2e/package.json', '/console/..%2f.env']) {
      const response = await rawRequest(port, target);
      expect(response.status).not.toBe(200);
      expect(response.body).not.toContain('"name": "jetvision-integration"');
    }
  });

  it('shows a clear message for a wrong key and stays signed out', async () => {
    await h.page.goto(`${h.t.baseUrl}/console/`);
    await h.page.getByLabel('API key').fill('not-the-right-key-0000');
    await h.page.getByRole('button', { name: 'Sign in' }).click();
    await waitForText(h.page.getByRole('alert'), 'The API key is not valid');
    expect(await h.page.evaluate('sessionStorage.length')).toBe(0);
    expect(await h.page.getByRole('navigation', { name: 'Views' }).count()).toBe(0);
  });

  it('signs in and shows the three MCP servers up, the stream live', async () => {
    await h.signIn('/');
    for (const server of ['apollo', 'avinode', 'n8n']) {
      await waitForText(h.page.locator(`[data-server="${server}"]`), 'up');
    }
    expect(await h.page.locator('[data-testid="servers"].attention').count()).toBe(0);
    await waitForText(h.page.getByTestId('sync-streams'), 'apollo contacts');
  });

  it("counts a run started over REST in today's runs, live", async () => {
    await waitForText(h.page.getByTestId('runs-today'), /^0$/);
    await startRun(h.t, 'Ana Ruiz');
    await waitForText(h.page.getByTestId('runs-today'), /^1$/);
    // The run goes on to await confirmation; the board row for it follows without a reload.
    await waitForText(h.page.locator('[data-status="awaiting_confirmation"] [data-window="today"]'), /^1$/);
  });

  it('draws the consistency history chart with a point per validation', async () => {
    for (let i = 0; i < 2; i++) {
      const response = await h.t.request('/api/integration/sync?action=validate');
      expect(response.status).toBe(200);
    }
    await h.page.locator('[data-testid="consistency"] [data-testid="chart"][data-points="2"] canvas').waitFor();
    await waitForText(h.page.getByTestId('consistency-score'), '/ 100');
    await h.screenshot('overview');
  });
});
