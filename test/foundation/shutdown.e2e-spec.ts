import { afterAll, describe, expect, it } from '@jest/globals';
import { connect } from 'node:net';
import { DataSource } from 'typeorm';
import { startChildApp } from '../support/child-app.js';
import { startTestApp } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe('graceful shutdown', () => {
  let database: TestDatabase | undefined;

  afterAll(async () => {
    await database?.drop();
  });

  it('on SIGTERM finishes, records that it stopped, closes everything and exits 0', async () => {
    database = await createTestDatabase('shutdown');
    const child = await startChildApp(database.env);
    const ok = await fetch(`${child.baseUrl}/health/live`);
    expect(ok.status).toBe(200);

    child.process.kill('SIGTERM');
    // Exit 0 on its own means every handle (server, pools, timers, job workers) was closed: nothing forced it.
    await expect(child.exited).resolves.toBe(0);
    expect(child.output()).toContain('Shutdown complete');

    const after = await startTestApp({ database });
    try {
      const rows = await after.app
        .get(DataSource)
        .query<Array<{ signal: string }>>(
          `SELECT details->>'signal' AS signal FROM audit_log WHERE type = 'application.stopping'`,
        );
      expect(rows).toEqual([{ signal: 'SIGTERM' }]);
    } finally {
      await after.close();
    }
  });
});

describe('graceful shutdown with a client that stops reading', () => {
  let database: TestDatabase | undefined;

  afterAll(async () => {
    await database?.drop();
  });

  it('closes the connection at the bound instead of waiting for the client, and still exits 0', async () => {
    database = await createTestDatabase('shutdown_stalled');
    const child = await startChildApp({ ...database.env, SHUTDOWN_TIMEOUT_MS: '1000' });
    // The API docs' script is 1.5 MB; read no further than its first bytes and the server's writes back up, so the
    // response in progress never finishes on its own.
    const script = await fetch(`${child.baseUrl}/docs/swagger-ui-bundle.js`, { method: 'HEAD' });
    expect(Number(script.headers.get('content-length'))).toBeGreaterThan(1_000_000);
    const socket = connect(Number(new URL(child.baseUrl).port), '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.write(`GET /docs/swagger-ui-bundle.js HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
    await new Promise<void>((resolve) => socket.once('data', () => resolve()));
    socket.pause();

    child.process.kill('SIGTERM');
    // Without the bound the process waits for the client until its own deadline and exits 1.
    await expect(child.exited).resolves.toBe(0);
    expect(child.output()).toContain('Responses still in progress after 1000 ms; closing their connections');
    expect(child.output()).toContain('Shutdown complete');
    // The server ended the connection: reading what is left reaches its end.
    socket.resume();
    await closed;
  });
});
