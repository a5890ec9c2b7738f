import { describe, expect, it } from '@jest/globals';

import { startSandbox } from '../../src/sandbox/index.js';
import { connectClient } from './support/sandbox-client.js';

describe('startSandbox', () => {
  it('starts Apollo, Avinode and n8n on free ports, each serving its own tools', async () => {
    const sandbox = await startSandbox({
      seed: 42,
      now: new Date('2026-06-15T09:00:00Z'),
      authTokens: { n8n: 'n8n-token-0123456789-0123456789-xx' },
    });
    try {
      const ports = new Set([sandbox.apollo.port, sandbox.avinode.port, sandbox.n8n.port]);
      expect(ports.size).toBe(3);
      const expected = { apollo: 'search-leads', avinode: 'search-aircraft', n8n: 'n8n_list_workflows' } as const;
      for (const name of ['apollo', 'avinode', 'n8n'] as const) {
        const handle = sandbox[name];
        expect(handle.name).toBe(name);
        expect(handle.url).toBe(`http://127.0.0.1:${handle.port}/mcp`);
        const health = await fetch(`${handle.baseUrl}/health`);
        expect(await health.json()).toEqual({ status: 'ok', name });
        const client = await connectClient(
          handle.url,
          name === 'n8n' ? { token: 'n8n-token-0123456789-0123456789-xx' } : {},
        );
        const { tools } = await client.client.listTools();
        expect(tools.map((t) => t.name)).toContain(expected[name]);
        await client.close();
      }
      expect((await fetch(sandbox.n8n.url, { method: 'POST', body: '{}' })).status).toBe(401);
    } finally {
      await sandbox.close();
    }
  });

  it('closes the servers it started when one port is taken', async () => {
    const first = await startSandbox();
    try {
      await expect(startSandbox({ ports: { avinode: first.avinode.port } })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
