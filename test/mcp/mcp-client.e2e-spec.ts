import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { DomainError } from '../../src/common/errors/domain-error.js';
import { McpClient } from '../../src/common/mcp/mcp-client.js';
import { McpServerStateChanged } from '../../src/common/mcp/mcp-events.js';
import { McpToolRegistry } from '../../src/common/mcp/tool-contract.js';
import type { SandboxServerHandle } from '../../src/sandbox/index.js';
import {
  echoTool,
  envelopeTool,
  missingTool,
  recordWriteTool,
  startProbeServer,
  testConfig,
  wrongShapeTool,
} from './probe.sandbox.js';

async function failureOf(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('McpClient against a sandbox server', () => {
  let server: SandboxServerHandle;
  let client: McpClient;
  const metrics = new Registry();
  const events: { name: string; event: unknown }[] = [];

  beforeAll(async () => {
    server = await startProbeServer();
    const registry = new McpToolRegistry();
    registry.register([echoTool, envelopeTool, wrongShapeTool, recordWriteTool, missingTool]);
    client = new McpClient(testConfig(server.url), {
      registry,
      metricsRegistry: metrics,
      events: (name, event) => events.push({ name, event }),
    });
    await client.start();
  });

  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('calls a tool and returns the typed structuredContent', async () => {
    const result = await client.call(echoTool, { value: 'hello', n: 3 });
    expect(result).toEqual({ value: 'hello', n: 3, items: [{ id: 'a', price: 1 }] });
  });

  it('carries 100 concurrent calls on one connection (one session in the session era, none in 2026-07-28)', async () => {
    const before = server.stats();
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => client.call(echoTool, { value: `v${i}`, n: i })),
    );
    expect(results.map((r) => r.n)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const after = server.stats();
    // No new connection: every connect probes with `server/discover` first, in both eras.
    expect(after.requests.discover).toBe(before.requests.discover);
    expect(after.sessions).toBe(after.protocol === 'session' ? 1 : 0);
  });

  it('unwraps n8n-mcp style {success, data} text results and treats success:false as a tool error', async () => {
    await expect(client.call(envelopeTool, {})).resolves.toEqual({ workflows: [] });
    const error = await failureOf(client.call(envelopeTool, { fail: true }));
    expect(error.code).toBe('upstream_error');
    expect(error.message).toContain('Workflow not found');
    expect(error.extensions).toMatchObject({ server: 'avinode', tool: 'envelope' });
  });

  it('rejects a result that breaks the contract with a 502 naming the tool and the field', async () => {
    const error = await failureOf(client.call(wrongShapeTool, {}));
    expect(error.code).toBe('upstream_contract_violation');
    expect(error.extensions).toMatchObject({ server: 'avinode', tool: 'wrong-shape', field: 'items.0.price' });
    expect(error.message).toContain('items.0.price');
  });

  it('passes an upstream tool error (isError) through as upstream_error with its message, without retrying', async () => {
    server.setFaults({ toolErrorRate: 1, tools: ['record-write'] });
    try {
      const before = server.stats().calls['record-write'] ?? 0;
      const error = await failureOf(client.call(recordWriteTool, { key: 'k1' }, { idempotencyKey: 'k1' }));
      expect(error.code).toBe('upstream_error');
      expect(error.message).toContain('injected fault');
      expect((server.stats().calls['record-write'] ?? 0) - before).toBe(1);
    } finally {
      server.clearFaults();
    }
  });

  it('reports a missing tool: the server is degraded and names it; calling it fails fast', async () => {
    const [diagnostics] = client.diagnostics();
    expect(diagnostics?.state).toBe('degraded');
    expect(diagnostics?.missingTools).toEqual(['not-offered']);
    expect(diagnostics?.tools).toEqual(expect.arrayContaining(['echo', 'envelope', 'record-write', 'wrong-shape']));
    const error = await failureOf(client.call(missingTool, {}));
    expect(error.code).toBe('upstream_contract_violation');
    expect(error.message).toContain('not-offered');
    const degraded = events.find((e) => e.event instanceof McpServerStateChanged && e.event.to === 'degraded');
    expect(degraded?.name).toBe(McpServerStateChanged.eventName);
  });

  it('counts calls in diagnostics and Prometheus metrics', async () => {
    const [diagnostics] = client.diagnostics();
    expect(diagnostics?.calls.succeeded).toBeGreaterThanOrEqual(102);
    expect((await client.latency()).avinode?.p50).toEqual(expect.any(Number));
    expect(diagnostics?.breaker).toBe('closed');
    expect(diagnostics?.sessionAgeMs).toEqual(expect.any(Number));
    const text = await metrics.metrics();
    expect(text).toMatch(/mcp_calls_total\{server="avinode",tool="echo",outcome="success"\} \d+/);
    expect(text).toContain('mcp_call_duration_seconds_bucket');
    expect(text).toMatch(/mcp_server_up\{server="avinode"\} 1/);
    expect(text).toMatch(/mcp_breaker_state\{server="avinode"\} 0/);
  });
});
