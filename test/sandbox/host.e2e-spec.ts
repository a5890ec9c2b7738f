import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';

import { startSandboxHost, type SandboxServerHandle } from '../../src/sandbox/core/sandbox-handle.js';
import { echoSandbox } from './support/echo.sandbox.js';
import {
  connectClient,
  httpStatusOf,
  rejectionOf,
  resultText,
  waitFor,
  type TestClient,
} from './support/sandbox-client.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

/** Raw JSON-RPC tools/call on an existing session, to see status codes and headers the SDK hides. */
async function rawToolCall(handle: SandboxServerHandle, sessionId: string, name: string): Promise<Response> {
  return fetch(handle.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2025-06-18',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/call', params: { name, arguments: { text: 'x' } } }),
  });
}

describe('sandbox host', () => {
  let handle: SandboxServerHandle;
  const clients: TestClient[] = [];
  const connect = async (): Promise<TestClient> => {
    const c = await connectClient(handle.url);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    handle = await startSandboxHost(echoSandbox, { admin: true, seed: 7 });
  });

  afterEach(async () => {
    handle.clearFaults();
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await handle.close();
  });

  it('answers /health and serves tools over a stateful session', async () => {
    const health = await fetch(`${handle.baseUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', name: 'apollo' });
    expect(handle.url).toBe(`http://127.0.0.1:${handle.port}/mcp`);

    const c = await connect();
    expect(c.transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await c.json('echo', { text: 'hi' })).toEqual({ text: 'hi' });
    expect(handle.stats().sessions).toBeGreaterThanOrEqual(1);
  });

  it('answers 404 to an unknown session id and 400 to a non-initialize request without one', async () => {
    const unknown = await rawToolCall(handle, '00000000-0000-4000-8000-000000000000', 'echo');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { message: 'Session not found' } });

    const noSession = await fetch(handle.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(noSession.status).toBe(400);
  });

  it('gives 404 to every old session after dropSessions, like a restarted server', async () => {
    const c = await connect();
    await c.json('echo', { text: 'before' });
    const admin = await fetch(`${handle.baseUrl}/admin/sessions/drop`, { method: 'POST' });
    expect(await admin.json()).toEqual({ dropped: expect.any(Number) });

    const error = await rejectionOf(c.call('echo', { text: 'after' }));
    expect(httpStatusOf(error)).toBe(404);
    const fresh = await connect();
    expect(await fresh.json('echo', { text: 'again' })).toEqual({ text: 'again' });
  });

  it('counts tool calls per tool in /admin/stats', async () => {
    const before = handle.stats().calls.echo ?? 0;
    const c = await connect();
    await c.json('echo', { text: 'a' });
    await c.json('echo', { text: 'b' });
    const stats = (await (await fetch(`${handle.baseUrl}/admin/stats`)).json()) as { calls: Record<string, number> };
    expect(stats.calls.echo).toBe(before + 2);
  });

  describe('faults', () => {
    it('adds latency with jitter to tool calls', async () => {
      const c = await connect();
      handle.setFaults({ latencyMs: 200, jitterMs: 50 });
      const started = Date.now();
      await c.json('echo', { text: 'slow' });
      const elapsed = Date.now() - started;
      // A lower bound only: the injected delay happened (how much longer the machine took is not the point).
      expect(elapsed).toBeGreaterThanOrEqual(200);
    });

    it('answers a tool error result', async () => {
      const c = await connect();
      handle.setFaults({ toolErrorRate: 1 });
      const result = await c.call('echo', { text: 'x' });
      expect(result.isError).toBe(true);
      expect(resultText(result)).toContain('injected fault');
    });

    it('answers HTTP 500', async () => {
      const c = await connect();
      handle.setFaults({ httpErrorRate: 1 });
      expect(httpStatusOf(await rejectionOf(c.call('echo', { text: 'x' })))).toBe(500);
      handle.clearFaults();
      expect(await c.json('echo', { text: 'ok' })).toEqual({ text: 'ok' });
    });

    it('answers 429 with Retry-After to the next `count` calls only', async () => {
      const c = await connect();
      handle.setFaults({ rateLimit: { retryAfterSeconds: 3, count: 2 } });
      const raw = await rawToolCall(handle, c.transport.sessionId!, 'echo');
      expect(raw.status).toBe(429);
      expect(raw.headers.get('retry-after')).toBe('3');
      expect(httpStatusOf(await rejectionOf(c.call('echo', { text: 'x' })))).toBe(429);
      expect(await c.json('echo', { text: 'third' })).toEqual({ text: 'third' });
    });

    it('hangs tool calls until the faults are cleared, then answers them', async () => {
      const c = await connect();
      const before = handle.stats().calls.echo ?? 0;
      handle.setFaults({ hang: true });
      let settled = false;
      const pending = c.json('echo', { text: 'patient' }).finally(() => {
        settled = true;
      });
      await waitFor(() => (handle.stats().calls.echo ?? 0) > before, 5_000, 'the hung call to arrive');
      // Other requests still work while a call hangs.
      expect((await fetch(`${handle.baseUrl}/health`)).status).toBe(200);
      expect(settled).toBe(false);
      const cleared = await fetch(`${handle.baseUrl}/admin/faults`, { method: 'DELETE' });
      expect(await cleared.json()).toEqual({});
      expect(await pending).toEqual({ text: 'patient' });
    });

    it('answers 200 with a malformed body', async () => {
      const c = await connect();
      handle.setFaults({ malformedRate: 1 });
      const raw = await rawToolCall(handle, c.transport.sessionId!, 'echo');
      expect(raw.status).toBe(200);
      expect(raw.headers.get('content-type')).toBe('application/json');
      const rawText = await raw.text();
      expect(() => JSON.parse(rawText) as unknown).toThrow(SyntaxError);
      await expect(c.call('echo', { text: 'x' })).rejects.toThrow();
    });

    it('restricts tool-level faults to the listed tools', async () => {
      const c = await connect();
      handle.setFaults({ toolErrorRate: 1, tools: ['bump'] });
      expect((await c.call('echo', { text: 'spared' })).isError).toBeFalsy();
      expect((await c.call('bump')).isError).toBe(true);
    });

    it('draws the same faults for the same seed', async () => {
      const c = await connect();
      const run = async (seed: number): Promise<boolean[]> => {
        handle.setFaults({ seed, toolErrorRate: 0.5 });
        const outcomes: boolean[] = [];
        for (let i = 0; i < 24; i++) outcomes.push((await c.call('echo', { text: `${i}` })).isError === true);
        return outcomes;
      };
      const first = await run(1234);
      expect(await run(1234)).toEqual(first);
      expect(first.filter(Boolean).length).toBeGreaterThan(0);
      expect(first.filter((x) => !x).length).toBeGreaterThan(0);
      expect(await run(99)).not.toEqual(first);
    });

    it('sets, reads and validates faults through the admin endpoint', async () => {
      const put = await fetch(`${handle.baseUrl}/admin/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ latencyMs: 5, toolErrorRate: 0.25 }),
      });
      expect(put.status).toBe(200);
      expect(await (await fetch(`${handle.baseUrl}/admin/faults`)).json()).toEqual({
        latencyMs: 5,
        toolErrorRate: 0.25,
      });

      const bad = await fetch(`${handle.baseUrl}/admin/faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ toolErrorRate: 2 }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toContain('toolErrorRate');
    });
  });

  describe('admin data, reset and webhook settings', () => {
    it('applies a data change and reports unknown ids as 404', async () => {
      const ok = await fetch(`${handle.baseUrl}/admin/data`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'update', collection: 'items', id: 'item-1', patch: { value: 'edited' } }),
      });
      expect(await ok.json()).toEqual({ id: 'item-1', value: 'edited' });

      const missing = await fetch(`${handle.baseUrl}/admin/data`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'update', collection: 'items', id: 'nope', patch: {} }),
      });
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: string }).error).toContain('nope');

      const invalid = await fetch(`${handle.baseUrl}/admin/data`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'upsert', collection: 'items', id: 'item-1' }),
      });
      expect(invalid.status).toBe(400);
      expect(((await invalid.json()) as { error: string }).error).toContain('action');
    });

    it('rebuilds state from the seed on reset', async () => {
      const c = await connect();
      await c.json('bump');
      const reset = await fetch(`${handle.baseUrl}/admin/reset`, { method: 'POST' });
      expect(reset.status).toBe(200);
      const fresh = await connect();
      expect(await fresh.json('bump')).toEqual({ counter: 1 });
    });

    it('validates webhook settings', async () => {
      const bad = await fetch(`${handle.baseUrl}/admin/webhook`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: 'http://127.0.0.1:9/x', secret: 'plain' }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toContain('secret');
    });
  });
});

describe('sandbox host options', () => {
  it('requires the bearer token on /mcp and /admin when one is configured', async () => {
    const handle = await startSandboxHost(echoSandbox, { authToken: 'secret-token', admin: true });
    try {
      const none = await fetch(handle.url, { method: 'POST', body: '{}' });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      const wrong = await fetch(handle.url, { method: 'POST', headers: { authorization: 'Bearer nope' }, body: '{}' });
      expect(wrong.status).toBe(401);
      expect((await fetch(`${handle.baseUrl}/admin/stats`)).status).toBe(401);
      expect((await fetch(`${handle.baseUrl}/health`)).status).toBe(200);

      expect(httpStatusOf(await rejectionOf(connectClient(handle.url, { token: 'wrong' })))).toBe(401);
      const c = await connectClient(handle.url, { token: 'secret-token' });
      expect(await c.json('echo', { text: 'authorized' })).toEqual({ text: 'authorized' });
      await c.close();
    } finally {
      await handle.close();
    }
  });

  it('hides /admin unless admin is enabled', async () => {
    const handle = await startSandboxHost(echoSandbox);
    try {
      expect((await fetch(`${handle.baseUrl}/admin/stats`)).status).toBe(404);
      expect((await fetch(`${handle.baseUrl}/admin/faults`, { method: 'PUT', body: '{}' })).status).toBe(404);
    } finally {
      await handle.close();
    }
  });

  it('forgets idle sessions (their ids then get 404)', async () => {
    const handle = await startSandboxHost(echoSandbox, { sessionIdleMs: 150 });
    const c = await connectClient(handle.url);
    try {
      await c.json('echo', { text: 'alive' });
      await waitFor(() => handle.stats().sessions === 0, 5_000, 'the idle session to expire');
      expect(httpStatusOf(await rejectionOf(c.call('echo', { text: 'late' })))).toBe(404);
    } finally {
      await c.close();
      await handle.close();
    }
  });

  it('restarts on the same port with its state kept and old sessions gone', async () => {
    const handle = await startSandboxHost(echoSandbox);
    const c = await connectClient(handle.url);
    let fresh: TestClient | undefined;
    try {
      expect(await c.json('bump')).toEqual({ counter: 1 });
      const port = handle.port;
      await handle.stop();
      await expect(fetch(`${handle.baseUrl}/health`)).rejects.toThrow();
      await handle.start();
      expect(handle.port).toBe(port);
      // The first call may die on the client's stale keep-alive socket ("fetch failed"), as after a real restart.
      let error = await rejectionOf(c.call('bump'));
      if (httpStatusOf(error) === undefined) error = await rejectionOf(c.call('bump'));
      expect(httpStatusOf(error)).toBe(404);
      fresh = await connectClient(handle.url);
      expect(await fresh.json('bump')).toEqual({ counter: 2 });
    } finally {
      await fresh?.close();
      await c.close();
      await handle.close();
    }
  });

  it('fails a hung call when the server stops', async () => {
    const handle = await startSandboxHost(echoSandbox);
    const c = await connectClient(handle.url);
    try {
      handle.setFaults({ hang: true });
      const pending = c.call('echo', { text: 'never' });
      await waitFor(() => (handle.stats().calls.echo ?? 0) === 1, 5_000, 'the hung call to arrive');
      await handle.stop();
      await expect(pending).rejects.toThrow();
    } finally {
      await c.close();
      await handle.close();
    }
  });
});

describe('sandbox host webhooks', () => {
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });

  afterAll(async () => {
    await receiver.close();
  });

  it('delivers signed events and retries a failed delivery with backoff', async () => {
    const handle = await startSandboxHost(echoSandbox, {
      now: new Date('2026-03-01T12:00:00Z'),
      webhook: { url: receiver.url, secret: receiver.secret, attempts: 3, baseDelayMs: 20 },
    });
    const c = await connectClient(handle.url);
    try {
      receiver.respondWith([500]);
      await c.json('bump');
      await waitFor(() => handle.stats().webhooks.delivered === 1, 5_000, 'the delivery to succeed');

      expect(receiver.received).toHaveLength(2);
      const [first, second] = receiver.received;
      expect(first!.headers['webhook-id']).toBe(second!.headers['webhook-id']);
      expect(second!.verified).toEqual({
        ok: true,
        payload: {
          type: 'counter_bumped',
          timestamp: expect.stringMatching(/^2026-03-01T12:00/),
          data: { counter: 1 },
        },
      });
      expect(second!.headers['webhook-signature']).toMatch(/^v1,/);
      expect(handle.stats().webhooks).toMatchObject({ queued: 1, delivered: 1, failed: 0, pending: 0, attempts: 2 });
    } finally {
      await c.close();
      await handle.close();
    }
  });

  it('gives up after the configured attempts and can be reconfigured at runtime', async () => {
    const handle = await startSandboxHost(echoSandbox, { admin: true });
    const c = await connectClient(handle.url);
    try {
      await c.json('bump');
      expect(handle.stats().webhooks).toMatchObject({ configured: false, queued: 0 });

      const put = await fetch(`${handle.baseUrl}/admin/webhook`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, secret: receiver.secret, attempts: 2, baseDelayMs: 10 }),
      });
      expect(await put.json()).toEqual({ url: receiver.url, attempts: 2, baseDelayMs: 10 });
      const before = receiver.received.length;
      receiver.respondWith([503, 503]);
      await c.json('bump');
      await waitFor(() => handle.stats().webhooks.failed === 1, 5_000, 'the delivery to be given up');
      expect(receiver.received.length - before).toBe(2);
      expect(handle.stats().webhooks.lastError).toBe('HTTP 503');

      await fetch(`${handle.baseUrl}/admin/webhook`, { method: 'DELETE' });
      await c.json('bump');
      expect(handle.stats().webhooks.queued).toBe(1);
    } finally {
      await c.close();
      await handle.close();
    }
  });
  it('sends only the event types subscribed to, and the admin endpoint shows the subscription', async () => {
    const handle = await startSandboxHost(echoSandbox, { admin: true });
    const c = await connectClient(handle.url);
    try {
      const subscribe = (types: string[]): Promise<Response> =>
        fetch(`${handle.baseUrl}/admin/webhook`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ url: receiver.url, secret: receiver.secret, baseDelayMs: 10, types }),
        });
      const put = await subscribe(['something_else']);
      expect(await put.json()).toEqual({ url: receiver.url, attempts: 5, baseDelayMs: 10, types: ['something_else'] });
      const before = receiver.received.length;
      await c.json('bump');
      expect(handle.stats().webhooks).toMatchObject({ queued: 0, pending: 0 });

      await subscribe(['something_else', 'counter_bumped']);
      await c.json('bump');
      await waitFor(() => handle.stats().webhooks.delivered === 1, 5_000, 'the subscribed event to be delivered');
      expect(receiver.received.length - before).toBe(1);
      expect(receiver.received.at(-1)?.verified).toMatchObject({ ok: true, payload: { type: 'counter_bumped' } });

      const empty = await subscribe([]);
      expect(empty.status).toBe(400);
    } finally {
      await c.close();
      await handle.close();
    }
  });
});
