import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { McpClient } from '../../src/common/mcp/mcp-client.js';
import type { SandboxServerHandle } from '../../src/sandbox/index.js';
import { echoTool, startProbeServer, testConfig } from './probe.sandbox.js';

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

  // The heap and latency bounds of reliability check 12 are measured by `npm run bench -- mcp-soak` (10,000 calls):
  // a wall-clock or heap bound here would measure how busy the machine is. What a leak does to behaviour stays here.
  it('makes 2,000 calls on one long-lived client on one connection, without listener leaks', async () => {
    const discoversBefore = server.stats().requests.discover;
    await runCalls(client, 2_000, 16);

    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    const [diagnostics] = client.diagnostics();
    expect(diagnostics?.calls).toMatchObject({ succeeded: 2_000, failed: 0 });
    expect(diagnostics?.inFlight).toBe(0);
    // One connection throughout: no reconnect (each would probe again), one session or none by era.
    expect(server.stats().requests.discover).toBe(discoversBefore);
    expect(server.stats().sessions).toBe(server.stats().protocol === 'session' ? 1 : 0);
  });
});
