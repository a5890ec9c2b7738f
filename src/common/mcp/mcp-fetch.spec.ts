import { describe, expect, it } from '@jest/globals';
import { McpMalformedReplyError } from './mcp-errors.js';
import { isJsonRpcResponse, parseSseMessages } from './mcp-fetch.js';

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
