import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type ChildApp, startChildApp } from '../support/child-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

describe('a second instance on the same embedded database', () => {
  let database: TestDatabase;
  let first: ChildApp | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('second-instance', { kind: 'embedded' });
    first = await startChildApp(database.env);
  }, 90_000);

  afterAll(async () => {
    await first?.kill();
    await database?.drop();
  });

  it('is refused in one line with exit code 78, without retries or stack traces', async () => {
    const second = spawn(process.execPath, [MAIN], {
      env: {
        PATH: process.env['PATH'] ?? '',
        NODE_ENV: 'production',
        MCP_EMBEDDED_SANDBOXES: 'true',
        HOST: '127.0.0.1',
        PORT: '0',
        ...database.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    second.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    second.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(second, 'exit')) as [number | null];

    expect(code).toBe(78);
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/already open by process \d+.*DATABASE_URL/);
    // The first instance is untouched.
    expect((await fetch(`${first!.baseUrl}/health/ready`)).status).toBe(200);
  }, 60_000);
});
