import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { McpClient } from '../../src/common/mcp/mcp-client.js';
import type { SandboxServerHandle } from '../../src/sandbox/index.js';
import { echoTool, startProbeServer, testConfig } from './probe.sandbox.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap after full collections, letting finalization callbacks (undici registers one per request) run in between. */
async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

async function runCalls(client: McpClient, total: number, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        await client.call(echoTool, { value: `s${i}`, n: i });
      }
    }),
  );
}

describe('McpClient soak (reliability check 12)', () => {
  let server: SandboxServerHandle;
  let client: McpClient;
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning);
  };

  beforeAll(async () => {
    process.on('warning', onWarning);
    server = await startProbeServer();
    client = new McpClient(testConfig(server.url));
    await client.start();
  });

  afterAll(async () => {
    process.off('warning', onWarning);
    await client.close();
    await server.close();
  });

  it('makes 10,000 calls on one long-lived client without listener leaks or unbounded heap growth', async () => {
    await runCalls(client, 1_000, 16);
    const heapBefore = await heapAfterGc();
    await runCalls(client, 10_000, 16);
    const heapAfter = await heapAfterGc();

    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    const [diagnostics] = client.diagnostics();
    expect(diagnostics?.calls).toMatchObject({ succeeded: 11_000, failed: 0 });
    expect(server.stats().sessions).toBe(1);
    // Per-call state must not accumulate: 10,000 leaked listeners/closures would be several MB.
    expect(heapAfter - heapBefore).toBeLessThan(8 * 1024 * 1024);
    // Alone it takes ~15 s; the bound is for a loaded CI machine running two test files at once on two cores.
  }, 300_000);
});
