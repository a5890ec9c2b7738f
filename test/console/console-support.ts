import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { startTestApp, type TestApp, type TestAppOptions } from '../support/test-app.js';

/** Debian's Chromium (`.ci/run` installs it when missing); nothing here downloads a browser. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Waits for the live event stream and the page on a loaded 2-core machine: generous, but never a fixed sleep. */
export const UI_TIMEOUT_MS = 30_000;

export interface ConsoleHarness {
  t: TestApp;
  browser: Browser;
  page: Page;
  /** Opens the console in the page (fresh tab state) and signs in with the app's key. */
  signIn(route?: string): Promise<void>;
  /** Goes to a console route (`/board`, `/runs/<id>`) in the signed-in page. */
  go(route: string): Promise<void>;
  /** Writes docs/console/<name>.png when CONSOLE_SCREENSHOTS=1 (README screenshots, fixed 1280×800). */
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export interface ConsoleOptions extends TestAppOptions {
  /** The page's size; 1280×800 unless a test checks a narrow screen. */
  viewport?: { width: number; height: number };
}

export async function startConsole(options: ConsoleOptions = {}): Promise<ConsoleHarness> {
  const t = await startTestApp(options);
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  } catch (error) {
    await t.close();
    throw error;
  }
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    locale: 'en-US',
  });
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  const page = await context.newPage();
  const harness: ConsoleHarness = {
    t,
    browser,
    page,
    signIn: async (route = '/') => {
      await page.goto(`${t.baseUrl}/console/#${route}`);
      await page.getByLabel('API key').fill(t.apiKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      // The stream is open before anything the test does next can emit an event.
      await page.locator('[data-live="on"]').waitFor();
    },
    go: async (route) => {
      // A string runs in the page (the tests' tsconfig has no DOM types).
      await page.evaluate(`location.hash = ${JSON.stringify(route)}`);
    },
    screenshot: async (name) => {
      if (process.env['CONSOLE_SCREENSHOTS'] !== '1') return;
      const dir = join(process.cwd(), 'docs', 'console');
      mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: join(dir, `${name}.png`) });
    },
    close: async () => {
      await browser.close();
      await t.close();
    },
  };
  return harness;
}

/** Waits until `locator` shows text matching `text`. */
export async function waitForText(locator: Locator, text: string | RegExp): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor();
}

export function futureDate(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

let leadCounter = 0;
/** Starts a pipeline run over REST, as a sales tool would; returns its id. */
export async function startRun(t: TestApp, name = `Lead ${++leadCounter}`): Promise<string> {
  const [first = 'Lead', last = 'Person'] = name.split(' ');
  const response = await t.request('/api/integration/leads', {
    method: 'POST',
    json: {
      lead: { email: `${first}.${last}.${Date.now()}@example.com`.toLowerCase(), firstName: first, lastName: last },
      flightRequirements: {
        departureAirport: 'KTEB',
        arrivalAirport: 'KPBI',
        departureDate: futureDate(30),
        departureTime: '09:30',
        passengers: 4,
      },
    },
  });
  if (response.status !== 202) throw new Error(`POST /leads answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { runId: string };
  return body.runId;
}
