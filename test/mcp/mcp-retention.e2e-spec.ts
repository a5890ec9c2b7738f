import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { getEventListeners } from 'node:events';
import { McpConnection } from '../../src/common/mcp/mcp-connection.js';
import { McpToolRegistry } from '../../src/common/mcp/tool-contract.js';
import type { SandboxServerHandle } from '../../src/sandbox/index.js';
import { echoTool, startProbeServer } from './probe.sandbox.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Full collections with turns of the event loop between them, so finalization callbacks run too. */
async function collect(): Promise<void> {
  for (let i = 0; i < 6; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * A finished call's result must be collectable once the caller drops it. The MCP SDK leaves an abort listener (whose
 * closure holds the request's promise, and so the result) on the signal it is given; undici keeps the signal of a
 * fetch alive in a FinalizationRegistry. When both were the call's own signal, every result outlived its call.
 */
describe('MCP results are not kept alive after the call', () => {
  let server: SandboxServerHandle;
  let connection: McpConnection;

  beforeAll(async () => {
    server = await startProbeServer();
    const registry = new McpToolRegistry();
    registry.register([echoTool]);
    connection = new McpConnection({
      server: 'avinode',
      endpoint: { url: server.url },
      registry,
      connectTimeoutMs: 2_000,
      reconnectMinDelayMs: 50,
      reconnectMaxDelayMs: 500,
      healthCheckIntervalMs: 60_000,
      maxSockets: 8,
      clientVersion: 'test',
    });
    await connection.start();
  });

  afterAll(async () => {
    await connection.close();
    await server.close();
  });

  it('leaves no listener on the call signal, and every raw result collectable', async () => {
    const signal = new AbortController().signal;
    const refs: WeakRef<object>[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const result = await connection.callTool(
          'echo',
          { value: `retained? ${i}`, n: i },
          { signal, timeoutMs: 5_000, safeToRepeat: true },
        );
        refs.push(new WeakRef(result));
      }),
    );
    await collect();
    expect(refs.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    // The caller's signal outlives its calls: whatever still listens on it stays reachable (undici's own listeners go
    // when their requests are collected; the SDK's never did).
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});
