import type { DynamicModule, Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, type CreateAppOptions } from '../../src/bootstrap.js';
import { AppConfig } from '../../src/common/config/app-config.js';
import { closeHttpThenApp } from '../../src/common/lifecycle/graceful-shutdown.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const TEST_API_KEY = 'test-key-0123456789abcdef';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  baseUrl: string;
  apiKey: string;
  database: TestDatabase;
  /** fetch against the app with the API key set (pass `auth: false` to omit it). */
  request(path: string, init?: RequestInit & { auth?: boolean; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  imports?: Array<Type | DynamicModule>;
  /** Reuse a database (e.g. to restart an app on the same data); otherwise a fresh one is created and dropped. */
  database?: TestDatabase;
  onRoute?: CreateAppOptions['onRoute'];
}

/** Boots the real application over a real port on a fresh database (PostgreSQL when DATABASE_URL is set, else PGlite). */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  const ownsDatabase = !options.database;
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    API_KEYS: TEST_API_KEY,
    // The sync cron would fire in whichever test happened to span a slot boundary; tests that need it turn it on.
    SYNC_ENABLED: 'false',
    ...database.env,
    ...options.env,
  });
  let app: NestFastifyApplication;
  try {
    app = await createApp(config, {
      imports: options.imports ?? [],
      ...(options.onRoute ? { onRoute: options.onRoute } : {}),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    if (ownsDatabase) await database.drop();
    throw error;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  const apiKey = config.auth.apiKeys[0]?.key ?? TEST_API_KEY;
  return {
    app,
    config,
    baseUrl,
    apiKey,
    database,
    request: (path, init = {}) => {
      const { auth = true, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (auth && !headers.has('authorization') && !headers.has('x-api-key'))
        headers.set('authorization', `Bearer ${apiKey}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${baseUrl}${path}`, {
        ...rest,
        headers,
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
    },
    close: async () => {
      await closeHttpThenApp(app);
      if (ownsDatabase) await database.drop();
    },
  };
}

export { eventually } from './eventually.js';
