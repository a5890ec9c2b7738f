import { describe, expect, it } from '@jest/globals';
import { McpMalformedReplyError } from './mcp-errors.js';
import { parseSseMessages } from './mcp-fetch.js';

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
