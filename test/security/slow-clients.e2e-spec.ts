import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, Query } from '@nestjs/common';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A route that answers after a while, so pipelined requests are in flight together. */
@Controller('api/test-slow')
class SlowController {
  @Get('wait')
  async wait(@Query('ms') ms: string): Promise<{ waited: number }> {
    await sleep(Number(ms));
    return { waited: Number(ms) };
  }
}

@Module({ controllers: [SlowController] })
class SlowModule {}

interface Exchange {
  socket: Socket;
  /** Everything received until the server closed the connection (or the bound passed). */
  received: Promise<string>;
}

/** A loopback connection whose bytes the test writes by hand; `received` resolves when the server closes it. */
function open(port: number, boundMs = 15_000): Exchange {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
  const received = new Promise<string>((resolve, reject) => {
    const bound = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${boundMs} ms; received: ${data.slice(0, 300)}`));
    }, boundMs);
    socket.on('close', () => {
      clearTimeout(bound);
      resolve(data);
    });
    socket.on('error', () => undefined);
  });
  return { socket, received };
}

function statusLines(data: string): number[] {
  // Pipelined answers follow each other with no line break after a body.
  return [...data.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
}

function problemIn(data: string): Record<string, unknown> {
  const body = data.slice(data.indexOf('\r\n\r\n') + 4);
  return JSON.parse(body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1)) as Record<string, unknown>;
}

describe('slow and greedy clients', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    t = await startTestApp({
      imports: [SlowModule],
      env: {
        HTTP_HEADERS_TIMEOUT_MS: '500',
        HTTP_BODY_READ_TIMEOUT_MS: '500',
        HTTP_REQUEST_TIMEOUT_MS: '2000',
        HTTP_MAX_CONCURRENT_REQUESTS_PER_CONNECTION: '2',
      },
    });
    port = Number(new URL(t.baseUrl).port);
  });

  afterAll(async () => {
    await t?.close();
  });

  const postHead = (length: number): string =>
    `POST /api/integration/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.apiKey}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

  it('answers a body that stops arriving with 408 problem+json and closes the connection', async () => {
    const exchange = open(port);
    exchange.socket.write(postHead(100_000));
    exchange.socket.write('{');
    const data = await exchange.received;
    expect(statusLines(data)).toEqual([408]);
    expect(data).toMatch(/content-type: application\/problem\+json/i);
    expect(problemIn(data)).toMatchObject({ status: 408, code: 'request_timeout' });
  });

  it('answers a body trickled just fast enough to dodge the silence limit with 408 at the whole-request limit', async () => {
    const exchange = open(port);
    exchange.socket.write(postHead(100_000));
    let closed = false;
    void exchange.received.finally(() => (closed = true));
    // One byte every 200 ms (under the 500 ms silence limit), for at most 40 bytes (8 s): bounded either way.
    for (let i = 0; i < 40 && !closed; i++) {
      exchange.socket.write(i === 0 ? '{' : ' ');
      await sleep(200);
    }
    const data = await exchange.received;
    expect(statusLines(data)).toEqual([408]);
    expect(data).toMatch(/content-type: application\/problem\+json/i);
  });

  it('answers headers that never finish with 408 problem+json', async () => {
    const exchange = open(port);
    exchange.socket.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const data = await exchange.received;
    expect(statusLines(data)).toEqual([408]);
    expect(problemIn(data)).toMatchObject({ status: 408, code: 'request_timeout' });
  });

  it('refuses pipelined requests beyond the per-connection cap with 429 and closes the connection', async () => {
    const exchange = open(port);
    const request = `GET /api/test-slow/wait?ms=300 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.apiKey}\r\n\r\n`;
    exchange.socket.write(request.repeat(4));
    const data = await exchange.received;
    const statuses = statusLines(data);
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses[2]).toBe(429);
    expect(data).toMatch(/connection: close/i);
    // The connection's count went back down: a new connection is served normally.
    const fresh = await t.request('/api/test-slow/wait?ms=1');
    expect(fresh.status).toBe(200);
  });

  it('survives bodies nobody reads and bodies the client abandons, past the silence limit', async () => {
    // Refused before its body is read (unsupported media type), and the rest never sent.
    const unread = open(port);
    unread.socket.write(
      `POST /api/integration/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.apiKey}\r\n` +
        'Content-Type: application/x-unknown\r\nContent-Length: 1000\r\n\r\nabc',
    );
    // Abandoned halfway.
    const abandoned = open(port);
    abandoned.socket.write(postHead(1000));
    abandoned.socket.write('{"a":');
    await sleep(50);
    abandoned.socket.destroy();
    await Promise.all([unread.received, abandoned.received]);
    // Longer than the 500 ms silence limit: a stray timeout error would surface here (and fail this test file).
    await sleep(800);
    expect((await t.request('/health/live', { auth: false })).status).toBe(200);
  });

  it('still serves ordinary requests with bodies', async () => {
    const response = await t.request('/api/integration/leads', { method: 'POST', json: {} });
    expect(response.status).toBe(400);
  });
});
