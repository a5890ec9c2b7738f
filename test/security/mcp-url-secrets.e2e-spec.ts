import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DomainError } from '../../src/common/errors/domain-error.js';
import { McpClient } from '../../src/common/mcp/mcp-client.js';
import { McpToolRegistry } from '../../src/common/mcp/tool-contract.js';
import type { SandboxServerHandle } from '../../src/sandbox/index.js';
import { echoTool, startProbeServer, testConfig, waitFor } from '../mcp/probe.sandbox.js';

const USER = 'alice-operator';
const PASSWORD = 'pa55word-0123456789';
const QUERY_KEY = 'querykey-0123456789';
const BEARER = 'bearer-token-0123456789';
const SECRETS = [USER, PASSWORD, QUERY_KEY, BEARER];

describe('MCP server URLs never leak their credentials', () => {
  let server: SandboxServerHandle;
  let client: McpClient;
  const logs: string[] = [];
  const events: unknown[] = [];
  let url: string;

  beforeAll(async () => {
    server = await startProbeServer();
    const port = new URL(server.url).port;
    // What an operator might paste: credentials in the URL. The boot check refuses this (below); the client must
    // still not leak it when handed one directly, and fetch refuses such URLs with a message that quotes them.
    url = `http://${USER}:${PASSWORD}@127.0.0.1:${port}/mcp?apikey=${QUERY_KEY}&region=eu`;
    const registry = new McpToolRegistry();
    registry.register([echoTool]);
    client = new McpClient(testConfig(server.url, { MCP_MAX_RETRIES: '0', MCP_BREAKER_THRESHOLD: '2' }), {
      registry,
      events: (_, event) => events.push(event),
      logger: { log: (line) => logs.push(line), warn: (line) => logs.push(line), debug: (line) => logs.push(line) },
    });
    await client.start({ avinode: { url, bearerToken: BEARER } });
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it('redacts them in errors, status, logs and audited events', async () => {
    const failures: DomainError[] = [];
    for (let i = 0; i < 3; i++) {
      failures.push(
        await client.call(echoTool, { value: 'x' }).then(
          () => {
            throw new Error('the call was expected to fail');
          },
          (error: unknown) => error as DomainError,
        ),
      );
    }
    await waitFor(() => events.length > 0, 5_000, 'a state change event');
    const [status] = client.diagnostics();
    expect(status?.url).toBe(`http://REDACTED@127.0.0.1:${new URL(server.url).port}/mcp?apikey=REDACTED&region=eu`);
    // The messages did quote the URL (the redacted form shows where it was): the scrubbing had something to remove.
    expect(failures[0]?.message).toContain('a URL that includes credentials: http://REDACTED@127.0.0.1');
    expect(logs.join('\n')).toContain('REDACTED');
    const everything = JSON.stringify({
      failures: failures.map((f) => ({ message: f.message, extensions: f.extensions })),
      status,
      logs,
      audit: events.map((event) => (event as { toAuditEntry(): unknown }).toAuditEntry()),
    });
    for (const secret of SECRETS) expect(everything).not.toContain(secret);
    expect(failures.every((failure) => failure instanceof DomainError)).toBe(true);
  });
});

describe('a URL carrying credentials is refused at boot', () => {
  it('exits 78 naming the variable and the token variable to use', async () => {
    const main = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));
    const child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env['PATH'] ?? '',
        NODE_ENV: 'production',
        N8N_MCP_SERVER_URL: `https://n8n.example.com/mcp?token=${BEARER}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(78);
    expect(output).toContain('N8N_MCP_SERVER_URL must not carry credentials (it has the query parameter "token")');
    expect(output).toContain('put the token in N8N_MCP_AUTH_TOKEN');
    expect(output).not.toContain(BEARER);
  });
});
