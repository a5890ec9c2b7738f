#!/usr/bin/env node
/**
 * Captures the contract of the community `n8n-mcp` server for the tools the backend uses, so tests can compare the
 * sandbox against it without the package installed.
 *
 * Usage (n8n-mcp is deliberately NOT a dependency of this project; install it in a throwaway directory):
 *   mkdir /tmp/n8nmcp && cd /tmp/n8nmcp && npm init -y && npm install n8n-mcp@2.87.0
 *   node scripts/extract-n8n-mcp-tools.mjs /tmp/n8nmcp/node_modules/n8n-mcp
 *
 * It starts n8n-mcp in HTTP mode (management tools appear only when an n8n URL and key are configured; the URL need
 * not answer for tools/list), calls tools/list through the MCP SDK client and writes
 * test/fixtures/n8n-mcp/tools-<version>.json with name, description, inputSchema and annotations of the subset.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const SUBSET = [
  'n8n_list_workflows',
  'n8n_get_workflow',
  'n8n_create_workflow',
  'n8n_update_partial_workflow',
  'n8n_delete_workflow',
  'n8n_test_workflow',
  'n8n_executions',
  'n8n_health_check',
];

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packageDir = resolve(process.argv[2] ?? '/tmp/n8nmcp/node_modules/n8n-mcp');
const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const outFile = resolve(process.argv[3] ?? join(repoRoot, 'test/fixtures/n8n-mcp', `tools-${pkg.version}.json`));

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

async function waitForHealth(url, child) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`n8n-mcp exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`n8n-mcp did not become healthy at ${url}`);
}

const port = await freePort();
const token = 'extract-n8n-mcp-tools-token-0123456789abcdef';
const child = spawn(process.execPath, [join(packageDir, 'dist/mcp/index.js')], {
  env: {
    ...process.env,
    MCP_MODE: 'http',
    AUTH_TOKEN: token,
    PORT: String(port),
    // Any URL works for tools/list: the management tools are listed whenever a URL and key are configured.
    N8N_API_URL: 'http://127.0.0.1:9',
    N8N_API_KEY: 'not-a-real-key',
    WEBHOOK_SECURITY_MODE: 'moderate',
    N8N_MCP_TELEMETRY_DISABLED: 'true',
    LOG_LEVEL: 'error',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});

try {
  await waitForHealth(`http://127.0.0.1:${port}/health`, child);
  const client = new Client({ name: 'extract-n8n-mcp-tools', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  const { tools } = await client.listTools();
  const byName = new Map(tools.map((t) => [t.name, t]));
  const missing = SUBSET.filter((n) => !byName.has(n));
  if (missing.length > 0) throw new Error(`tools/list lacks ${missing.join(', ')}`);
  const fixture = {
    package: 'n8n-mcp',
    version: pkg.version,
    source: 'tools/list over Streamable HTTP (MCP_MODE=http) with N8N_API_URL and N8N_API_KEY set',
    serverInfo: client.getServerVersion(),
    allToolNames: tools.map((t) => t.name).sort(),
    tools: SUBSET.map((name) => {
      const t = byName.get(name);
      return {
        name: t.name,
        description: t.description,
        inputSchema: t.inputSchema,
        ...(t.outputSchema ? { outputSchema: t.outputSchema } : {}),
        ...(t.annotations ? { annotations: t.annotations } : {}),
      };
    }),
  };
  await transport.terminateSession().catch(() => undefined);
  await client.close();
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(fixture, null, 2)}\n`);
  console.log(`wrote ${outFile}: ${fixture.tools.length} of ${tools.length} tools from n8n-mcp ${pkg.version}`);
} finally {
  child.kill('SIGTERM');
}
