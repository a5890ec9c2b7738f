// Shared by the pipeline benchmarks: the sandbox servers in a child process, the app under test, and the trips.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../src/bootstrap.js';
import { AppConfig } from '../src/common/config/app-config.js';

export const BENCH_API_KEY = 'bench-key-0123456789abcdef';

const ROUTES: Array<[string, string]> = [
  ['KTEB', 'KPBI'],
  ['KHPN', 'KMIA'],
  ['KBOS', 'KIAD'],
  ['KORD', 'KDAL'],
  ['KVNY', 'KLAS'],
];

function isoDay(offset: number): string {
  return new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
}

/** The i-th trip of a load: 5 routes, 40 departure days, 1–6 passengers. */
export function benchTrip(i: number): Record<string, unknown> {
  const [from, to] = ROUTES[i % ROUTES.length] as [string, string];
  return {
    departureAirport: from,
    arrivalAirport: to,
    departureDate: isoDay(20 + (i % 40)),
    departureTime: '10:00',
    passengers: 1 + (i % 6),
  };
}

export interface BenchApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** http://127.0.0.1:<port> */
  base: string;
}

/** The app in this process against the sandboxes, upstream and API rate limits lifted, listening on a free port. */
export async function startBenchApp(sandboxes: Sandboxes, env: Record<string, string>): Promise<BenchApp> {
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: '0',
    API_KEYS: BENCH_API_KEY,
    RATE_LIMIT_PER_MINUTE: '1000000',
    APOLLO_MCP_SERVER_URL: sandboxes.urls.apollo,
    AVAINODE_MCP_SERVER_URL: sandboxes.urls.avinode,
    N8N_MCP_SERVER_URL: sandboxes.urls.n8n,
    // The sandboxes have no rate limits; the real upstreams' budgets are a deployment setting, not the pipeline's.
    APOLLO_RATE_LIMIT_PER_MINUTE: '1000000',
    AVAINODE_RATE_LIMIT_PER_MINUTE: '1000000',
    N8N_RATE_LIMIT_PER_MINUTE: '1000000',
    // n8n's webhooks come from one address at the pipeline's pace (more than the default 1,200 a minute per address):
    // refused with 429, they would be retried with backoff or given up, and the runs would not learn their outcome.
    WEBHOOK_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '1000000',
    WEBHOOK_RATE_LIMIT_PER_SOURCE_PER_MINUTE: '1000000',
    SYNC_ENABLED: 'false',
    ...env,
  });
  const app = await createApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  return { app, config, base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

export interface Sandboxes {
  urls: Record<'apollo' | 'avinode' | 'n8n', string>;
  stop(): Promise<void>;
}

/** The three sandboxes in their own process, as real upstreams would be (not sharing the app's event loop). */
export async function startSandboxes(latencyMs: number): Promise<Sandboxes> {
  const child: ChildProcess = spawn(process.execPath, [resolve(process.cwd(), 'dist/src/sandbox/main.js')], {
    env: {
      ...process.env,
      SANDBOX_APOLLO_PORT: '0',
      SANDBOX_AVINODE_PORT: '0',
      SANDBOX_N8N_PORT: '0',
      SANDBOX_ADMIN: 'true',
      SANDBOX_SEED: '42',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const urls = await new Promise<Sandboxes['urls']>((resolveUrls, reject) => {
    let output = '';
    const found: Partial<Sandboxes['urls']> = {};
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      for (const match of output.matchAll(/\] (apollo|avinode|n8n) MCP server on (http:\/\/\S+\/mcp)/g)) {
        found[match[1] as keyof Sandboxes['urls']] = match[2];
      }
      if (found.apollo && found.avinode && found.n8n) resolveUrls(found as Sandboxes['urls']);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}: ${output}`)));
  });
  for (const url of Object.values(urls)) {
    const response = await fetch(url.replace(/\/mcp$/, '/admin/faults'), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs }),
    });
    if (!response.ok) throw new Error(`could not set latency on ${url}: ${response.status}`);
  }
  return {
    urls,
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
