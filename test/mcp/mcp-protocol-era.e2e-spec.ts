import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { McpClient } from '../../src/common/mcp/mcp-client.js';
import { McpToolRegistry } from '../../src/common/mcp/tool-contract.js';
import type { SandboxServerHandle } from '../../src/sandbox/index.js';
import { DomainError } from '../../src/common/errors/domain-error.js';
import { describeErrorCode } from '../../src/common/errors/error-catalog.js';
import { confirmWriteTool, echoTool, recordWriteTool, startProbeServer, testConfig, waitFor } from './probe.sandbox.js';

/**
 * The era is chosen per endpoint by discovery: one server with a 2026-07-28 endpoint and a session-only one (what
 * n8n-mcp 2.87 is) is spoken to in both eras at once, whatever `SANDBOX_MCP_PROTOCOL` the lane runs with.
 */
describe('McpClient protocol era per endpoint (2026-07-28 and session-based)', () => {
  let modern: SandboxServerHandle;
  let session: SandboxServerHandle;
  let client: McpClient;

  beforeAll(async () => {
    modern = await startProbeServer('avinode', { protocol: '2026-07-28' });
    session = await startProbeServer('avinode', { protocol: 'session' });
    const registry = new McpToolRegistry();
    registry.register([echoTool, recordWriteTool]);
    client = new McpClient(testConfig(`${modern.url}, ${session.url}`), { registry });
    await client.start();
    // A first connect can miss its deadline on a busy machine; the background reconnect then brings it up.
    await waitFor(
      () => client.diagnostics()[0]?.endpoints.every((e) => e.state === 'up') === true,
      10_000,
      'both endpoints up',
    );
  });

  afterAll(async () => {
    await client.close();
    await modern.close();
    await session.close();
  });

  it('speaks 2026-07-28 to the server that answers server/discover and falls back with the one that does not', () => {
    const [avinode] = client.diagnostics();
    const byUrl = Object.fromEntries((avinode?.endpoints ?? []).map((e) => [e.url, e]));
    expect(byUrl[modern.url]).toMatchObject({ state: 'up', protocolEra: '2026-07-28', protocolVersion: '2026-07-28' });
    expect(byUrl[session.url]).toMatchObject({ state: 'up', protocolEra: 'session', protocolVersion: '2025-11-25' });
    expect(avinode?.protocolEra).toEqual(expect.stringMatching(/^(2026-07-28|session)$/));
  });

  it('on the wire: the new era sends no initialize and no session id, the old one refuses the probe and gets a session', async () => {
    const sessionsBefore = session.stats().sessions;
    // Enough calls that both endpoints take some (ties between idle endpoints are taken in turn).
    for (let i = 0; i < 10; i++) await client.call(echoTool, { value: `v${i}`, n: i });

    const modernStats = modern.stats();
    expect(modernStats.requests.discover).toBeGreaterThanOrEqual(1);
    // Every POST it got carried the per-request envelope: none was `initialize` or sent on a session.
    expect(modernStats.requests.session).toBe(0);
    expect(modernStats.sessions).toBe(0);
    expect(modernStats.calls.echo ?? 0).toBeGreaterThan(0);

    const sessionStats = session.stats();
    expect(sessionStats.requests.discover).toBeGreaterThanOrEqual(1);
    expect(sessionStats.requests.modern).toBe(0);
    expect(sessionStats.sessions).toBe(sessionsBefore);
    expect(sessionStats.sessions).toBeGreaterThanOrEqual(1);
    expect(sessionStats.calls.echo ?? 0).toBeGreaterThan(0);
  });

  it('keeps the promises in both eras: a write with an idempotency key replays once after the endpoint restarts', async () => {
    for (const server of [modern, session]) {
      await server.stop();
      await server.start();
    }
    // The stale keep-alive socket (either era) or lost session (session era) is replaced and the call goes through.
    for (let i = 0; i < 4; i++) {
      await expect(
        client.call(recordWriteTool, { key: `after-restart-${i}` }, { idempotencyKey: `after-restart-${i}` }),
      ).resolves.toMatchObject({ key: `after-restart-${i}`, count: 1 });
    }
    const endpoints = client.diagnostics()[0]?.endpoints ?? [];
    expect(endpoints.map((e) => e.protocolEra).sort()).toEqual(['2026-07-28', 'session']);
  });

  it('an input_required result is a "needs input" outcome (409, what is asked), not an error or a hang', async () => {
    const own = new McpClient(testConfig(modern.url), { registry: new McpToolRegistry() });
    try {
      await own.start();
      const before = modern.stats().calls['confirm-write'] ?? 0;
      const error = await own.call(confirmWriteTool, { key: 'k' }, { idempotencyKey: 'k' }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DomainError);
      const needs = error as DomainError;
      expect(needs.code).toBe('upstream_needs_input');
      expect(describeErrorCode(needs.code).status).toBe(409);
      expect(needs.message).toContain('Really write k?');
      expect(needs.extensions).toMatchObject({
        server: 'avinode',
        tool: 'confirm-write',
        reason: 'needs_input',
        inputRequests: [
          { key: 'confirm', kind: 'elicitation', message: 'Really write k?', fields: ['confirm', 'reason'] },
        ],
      });
      // Asked once: a question is not an outage, so it is neither retried nor counted against the breaker.
      expect((modern.stats().calls['confirm-write'] ?? 0) - before).toBe(1);
      expect(own.diagnostics()[0]).toMatchObject({ breaker: 'closed', calls: { byOutcome: { needs_input: 1 } } });
    } finally {
      await own.close();
    }
  });
});
