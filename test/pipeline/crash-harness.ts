import { afterAll, beforeAll } from '@jest/globals';
import type { ChildApp } from '../support/child-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startUpstreams, type Upstreams } from './pipeline-support.js';

export type Requester = (path: string, init?: RequestInit & { json?: unknown }) => Promise<Response>;

/** Calls a child app's API with its key; `json` is sent as the JSON body. */
export function childRequester(app: ChildApp): Requester {
  return (path, init = {}) => {
    const { json, ...rest } = init;
    const headers = new Headers(rest.headers);
    headers.set('authorization', `Bearer ${app.apiKey}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return fetch(`${app.baseUrl}${path}`, {
      ...rest,
      headers,
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
  };
}

export interface CrashHarness {
  upstreams: Upstreams;
  database: TestDatabase;
  /** The child app of the moment; killed after the file's tests. */
  child: ChildApp | undefined;
  /** The child's environment: short step expiry and retry delay, and the crash hook after `crashAfter` when given. */
  env(crashAfter?: string): Record<string, string>;
}

/**
 * Sandbox servers in this process and a database of its own for a file of tests that kill a child app mid-run
 * (`PIPELINE_CRASH_AFTER_STEP`) and start another; set up before the file's tests, torn down after.
 */
export function crashHarness(label: string, options: { avinodeTripFlow?: { minuteMs: number } } = {}): CrashHarness {
  const harness = {
    child: undefined,
    env(crashAfter?: string): Record<string, string> {
      return {
        ...harness.database.env,
        ...harness.upstreams.env,
        NODE_ENV: 'test',
        PIPELINE_STEP_TIMEOUT_SECONDS: '10',
        PIPELINE_STEP_RETRY_DELAY_SECONDS: '1',
        ...(crashAfter ? { PIPELINE_CRASH_AFTER_STEP: crashAfter } : {}),
      };
    },
  } as CrashHarness;
  beforeAll(async () => {
    harness.upstreams = await startUpstreams(42, options);
    harness.database = await createTestDatabase(label);
  }, 60_000);
  afterAll(async () => {
    await harness.child?.kill();
    await harness.database?.drop();
    await harness.upstreams?.close();
  });
  return harness;
}

/** Resolves with how the child ended, or 'still running' after `ms`. */
export function exitWithin(child: ChildApp, ms: number): Promise<unknown> {
  return Promise.race([child.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), ms).unref())]);
}
