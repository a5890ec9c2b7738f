import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Agent } from 'undici';
import { McpMalformedReplyError } from './mcp-errors.js';
import { callScope, createMcpAgent, createMcpFetch, isJsonRpcResponse, parseSseMessages } from './mcp-fetch.js';

describe('parseSseMessages', () => {
  it('collects the JSON of message events, joining multi-line data and skipping others', () => {
    const text =
      'event: message\nid: 1\ndata: {"jsonrpc":"2.0","method":"notifications/progress"}\n\n' +
      ': keep-alive\n\n' +
      'event: ping\ndata: {}\n\n' +
      'data: {"jsonrpc":"2.0",\r\ndata: "id":3,"result":{}}\r\n\r\n';
    expect(parseSseMessages(text)).toEqual([
      { jsonrpc: '2.0', method: 'notifications/progress' },
      { jsonrpc: '2.0', id: 3, result: {} },
    ]);
  });

  it('throws on data that is not JSON', () => {
    expect(() => parseSseMessages('data: {"jsonrpc":\n\n')).toThrow(McpMalformedReplyError);
  });
});

describe('isJsonRpcResponse', () => {
  it('accepts results and errors, alone or in a batch', () => {
    expect(isJsonRpcResponse('{"jsonrpc":"2.0","id":1,"result":{}}')).toBe(true);
    expect(isJsonRpcResponse('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}')).toBe(true);
    expect(
      isJsonRpcResponse('[{"jsonrpc":"2.0","method":"notifications/progress"},{"jsonrpc":"2.0","id":2,"result":1}]'),
    ).toBe(true);
  });

  it('refuses notifications and requests that mention "result" or "error", and text that is not JSON', () => {
    expect(
      isJsonRpcResponse(
        '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"error","data":{"error":1}}}',
      ),
    ).toBe(false);
    expect(isJsonRpcResponse('{"jsonrpc":"2.0","id":4,"method":"sampling/createMessage","params":{"result":1}}')).toBe(
      false,
    );
    expect(isJsonRpcResponse('{"jsonrpc":"2.0","id":1,"result":')).toBe(false);
    expect(isJsonRpcResponse('"error"')).toBe(false);
  });
});

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('createMcpFetch: long-lived streams are handed on unread', () => {
  let server: Server;
  let url: string;
  let agent: Agent;
  let streamAgent: Agent;
  /** Responses still open on the server side (ended in afterEach). */
  const open = new Set<ServerResponse>();
  const closedByClient: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const method = req.method === 'GET' ? 'GET' : ((JSON.parse(body) as { method: string }).method ?? '');
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: {"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged","params":{}}\n\n`);
        // Never ended by the server: only the client's abort (or the test's teardown) closes it.
        open.add(res);
        res.on('close', () => {
          open.delete(res);
          closedByClient.push(method);
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    agent = createMcpAgent({ connections: 1, connectTimeoutMs: 1_000 });
    streamAgent = createMcpAgent({ connections: 2, connectTimeoutMs: 1_000 });
  });

  afterAll(async () => {
    for (const res of open) res.destroy();
    await Promise.all([agent.destroy(), streamAgent.destroy()]);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const firstEvent = async (response: Response): Promise<string> => {
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    reader.releaseLock();
    return new TextDecoder().decode(value);
  };

  it.each([
    [
      'a subscriptions/listen POST',
      'POST',
      JSON.stringify({ jsonrpc: '2.0', id: 'listen:0', method: 'subscriptions/listen' }),
    ],
    ['the standalone GET', 'GET', undefined],
  ])(
    '%s: the response comes back while the stream is open, tied to its own signal, not the call scope',
    async (_, method, body) => {
      const mcpFetch = createMcpFetch(agent, streamAgent);
      const own = new AbortController();
      const call = new AbortController();
      const response = await callScope.run(call.signal, () => mcpFetch(url, { method, body, signal: own.signal }));
      expect(await firstEvent(response)).toContain('notifications/subscriptions/acknowledged');
      // The call that happened to be running ends: the stream stays.
      call.abort(new Error('call over'));
      expect(open.size).toBe(1);
      const before = closedByClient.length;
      own.abort();
      await waitFor(() => closedByClient.length > before, 5_000, 'stream closed by its own signal');
      expect(open.size).toBe(0);
    },
  );

  it('any other POST answered with SSE is still read to its end (a call reply), so it waits for the stream', async () => {
    const mcpFetch = createMcpFetch(agent, streamAgent);
    const call = new AbortController();
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call' });
    const pending = callScope.run(call.signal, () => mcpFetch(url, { method: 'POST', body }));
    await waitFor(() => open.size === 1, 5_000, 'call stream open');
    call.abort(new Error('deadline'));
    await expect(pending).rejects.toThrow();
  });
});
