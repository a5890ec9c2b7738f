import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@modelcontextprotocol/client';
import { InMemoryTransport, McpServer, type Tool } from '@modelcontextprotocol/server';

import { n8nSandbox } from '../../src/sandbox/n8n/n8n.sandbox.js';
import { N8N_MCP_TOOL_NAMES } from '../../src/sandbox/n8n/n8n.tools.js';

/**
 * The sandbox's tools/list against what n8n-mcp 2.87.0 itself lists (captured by scripts/extract-n8n-mcp-tools.mjs):
 * same tools, same property names, same required inputs, same JSON types and enums.
 */
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
}

interface FixtureTool {
  name: string;
  description: string;
  inputSchema: JsonSchema;
  outputSchema?: unknown;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/n8n-mcp/tools-2.87.0.json', import.meta.url), 'utf8')) as {
  version: string;
  tools: FixtureTool[];
  allToolNames: string[];
};

/** Compares the parts of two JSON schemas a caller depends on; returns the differences as readable lines. */
function schemaDiff(path: string, theirs: JsonSchema, ours: JsonSchema | undefined): string[] {
  if (!ours) return [`${path}: missing in the sandbox`];
  const diffs: string[] = [];
  const type = (s: JsonSchema): string => JSON.stringify(s.type ?? null);
  if (type(theirs) !== type(ours)) diffs.push(`${path}: type ${type(theirs)} in n8n-mcp, ${type(ours)} in the sandbox`);
  if (theirs.enum || ours.enum) {
    const a = JSON.stringify([...(theirs.enum ?? [])].sort());
    const b = JSON.stringify([...(ours.enum ?? [])].sort());
    if (a !== b) diffs.push(`${path}: enum ${a} in n8n-mcp, ${b} in the sandbox`);
  }
  for (const bound of ['minimum', 'maximum'] as const) {
    if (theirs[bound] !== ours[bound]) diffs.push(`${path}: ${bound} ${theirs[bound]} vs ${ours[bound]}`);
  }
  const requiredTheirs = JSON.stringify([...(theirs.required ?? [])].sort());
  const requiredOurs = JSON.stringify([...(ours.required ?? [])].sort());
  if (requiredTheirs !== requiredOurs)
    diffs.push(`${path}: required ${requiredTheirs} in n8n-mcp, ${requiredOurs} in the sandbox`);
  if (theirs.properties) {
    const extra = Object.keys(ours.properties ?? {}).filter((k) => !(k in (theirs.properties ?? {})));
    if (extra.length > 0) diffs.push(`${path}: sandbox-only properties ${extra.join(', ')}`);
    for (const [key, sub] of Object.entries(theirs.properties)) {
      diffs.push(...schemaDiff(`${path}.${key}`, sub, ours.properties?.[key]));
    }
  }
  if (theirs.items) diffs.push(...schemaDiff(`${path}[]`, theirs.items, ours.items));
  return diffs;
}

describe('n8n sandbox tools/list matches n8n-mcp 2.87.0', () => {
  let client: Client;
  let server: McpServer;
  let tools: Tool[];

  beforeAll(async () => {
    const state = n8nSandbox.createState({ seed: 1, now: new Date('2026-03-01T12:00:00Z') });
    server = new McpServer({ name: 'n8n-sandbox', version: '1.0.0' });
    n8nSandbox.registerTools(
      server,
      state,
      { now: () => new Date('2026-03-01T12:00:00Z'), random: () => 0.5, emit: () => undefined },
      'session',
    );
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    client = new Client({ name: 'contract-test', version: '1.0.0' });
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    tools = (await client.listTools()).tools;
  });

  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('the fixture was captured from n8n-mcp 2.87.0 and holds the whole subset', () => {
    expect(fixture.version).toBe('2.87.0');
    expect(fixture.tools.map((t) => t.name).sort()).toEqual([...N8N_MCP_TOOL_NAMES].sort());
    for (const name of N8N_MCP_TOOL_NAMES) expect(fixture.allToolNames).toContain(name);
  });

  it('lists exactly the subset, under n8n-mcp names', () => {
    expect(tools.map((t) => t.name).sort()).toEqual([...N8N_MCP_TOOL_NAMES].sort());
  });

  it.each(N8N_MCP_TOOL_NAMES)('%s: same properties, required inputs, types and enums', (name) => {
    const theirs = fixture.tools.find((t) => t.name === name);
    const ours = tools.find((t) => t.name === name);
    expect(theirs).toBeDefined();
    expect(ours).toBeDefined();
    expect(schemaDiff(name, theirs!.inputSchema, ours!.inputSchema as JsonSchema)).toEqual([]);
  });

  it('declares no outputSchema, like n8n-mcp (structuredContent is then allowed but not validated)', () => {
    for (const t of fixture.tools) expect(t.outputSchema).toBeUndefined();
    for (const t of tools) expect(t.outputSchema).toBeUndefined();
  });
});
