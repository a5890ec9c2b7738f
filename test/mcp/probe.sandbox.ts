import { acceptedContent, inputRequired } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { SandboxDefinition, SandboxName } from '../../src/sandbox/core/sandbox-definition.js';
import { type SandboxServerHandle, startSandboxHost } from '../../src/sandbox/core/sandbox-handle.js';
import type { SandboxMcpProtocol } from '../../src/sandbox/core/sandbox-host.js';
import { AppConfig } from '../../src/common/config/app-config.js';
import { type McpServerName, defineTool } from '../../src/common/mcp/tool-contract.js';

/**
 * A sandbox server (the project's real sandbox host: HTTP, sessions, fault injection) with a few small tools shaped for
 * client tests. Hosted as the `avinode` server so fault settings and names behave exactly as for the real ones.
 */
interface ProbeState {
  writes: Map<string, number>;
  writeCount: number;
}

const probeDefinition = (name: SandboxName): SandboxDefinition<ProbeState> => ({
  name,
  createState: () => ({ writes: new Map(), writeCount: 0 }),
  registerTools(server, state) {
    server.registerTool(
      'echo',
      { description: 'Echoes its input', inputSchema: z.object({ value: z.string(), n: z.number().int().optional() }) },
      ({ value, n }) => {
        const result = { value, n: n ?? 0, items: [{ id: 'a', price: 1 }] };
        return { structuredContent: result, content: [{ type: 'text', text: JSON.stringify(result) }] };
      },
    );
    server.registerTool(
      'envelope',
      {
        description: 'n8n-mcp style: JSON text with {success, data|error}',
        inputSchema: z.object({ fail: z.boolean().optional() }),
      },
      ({ fail }) => {
        const body = fail
          ? { success: false, error: 'Workflow not found' }
          : { success: true, data: { workflows: [] } };
        return { content: [{ type: 'text', text: JSON.stringify(body) }] };
      },
    );
    server.registerTool(
      'wrong-shape',
      { description: 'Returns a price that is a string', inputSchema: z.object({}) },
      () => {
        const result = { value: 'x', n: 1, items: [{ id: 'a', price: 'cheap' }] };
        return { structuredContent: result, content: [{ type: 'text', text: JSON.stringify(result) }] };
      },
    );
    server.registerTool(
      'record-write',
      { description: 'Counts writes', inputSchema: z.object({ key: z.string() }) },
      ({ key }) => {
        state.writeCount++;
        state.writes.set(key, (state.writes.get(key) ?? 0) + 1);
        const result = { key, count: state.writes.get(key) ?? 0 };
        return { structuredContent: result, content: [{ type: 'text', text: JSON.stringify(result) }] };
      },
    );
    server.registerTool(
      'confirm-write',
      {
        description: 'Asks a person to confirm before writing (2026-07-28 input_required)',
        inputSchema: z.object({ key: z.string() }),
      },
      ({ key }, ctx) => {
        const confirmation = z.object({ confirm: z.boolean(), reason: z.string() });
        const given = acceptedContent(ctx.mcpReq.inputResponses, 'confirm', confirmation);
        if (given?.confirm !== true) {
          return inputRequired({
            inputRequests: {
              confirm: inputRequired.elicit({ message: `Really write ${key}?`, requestedSchema: confirmation }),
            },
          });
        }
        return { structuredContent: { key, count: 1 }, content: [{ type: 'text', text: key }] };
      },
    );
  },
  applyDataChange: () => {
    throw new Error('the probe sandbox has no collections');
  },
});

/** `protocol` pins the era a test is about; otherwise the lane's `SANDBOX_MCP_PROTOCOL` decides. */
export function startProbeServer(
  name: SandboxName = 'avinode',
  options: { protocol?: SandboxMcpProtocol } = {},
): Promise<SandboxServerHandle> {
  return startSandboxHost(probeDefinition(name), { port: 0, admin: true, ...options });
}

/** The echo contract, declared for another server. */
export function echoOn(server: McpServerName): typeof echoTool {
  return defineTool({ ...echoTool, server, input: z.object({ value: z.string(), n: z.number().optional() }) });
}

const echoResult = z.object({
  value: z.string(),
  n: z.number(),
  items: z.array(z.object({ id: z.string(), price: z.number() })),
});

export const echoTool = defineTool({
  server: 'avinode',
  name: 'echo',
  mode: 'read',
  input: z.object({ value: z.string(), n: z.number().optional() }),
  result: echoResult,
});

export const wrongShapeTool = defineTool({ server: 'avinode', name: 'wrong-shape', mode: 'read', result: echoResult });

export const envelopeTool = defineTool({
  server: 'avinode',
  envelope: 'n8n-mcp',
  name: 'envelope',
  mode: 'read',
  result: z.object({ workflows: z.array(z.unknown()) }),
});

export const recordWriteTool = defineTool({
  server: 'avinode',
  name: 'record-write',
  mode: 'write',
  result: z.object({ key: z.string(), count: z.number() }),
});

export const missingTool = defineTool({
  server: 'avinode',
  name: 'not-offered',
  mode: 'read',
  result: z.unknown(),
});

const URL_VARIABLES: Record<McpServerName, string> = {
  apollo: 'APOLLO_MCP_SERVER_URL',
  avinode: 'AVAINODE_MCP_SERVER_URL',
  n8n: 'N8N_MCP_SERVER_URL',
};

/** Config for client tests: fast backoffs, generous rate limits, only the given servers configured. */
export function testConfig(
  urls: string | Partial<Record<McpServerName, string>>,
  overrides: Record<string, string> = {},
): AppConfig {
  const byServer = typeof urls === 'string' ? { avinode: urls } : urls;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    APOLLO_RATE_LIMIT_PER_MINUTE: '10000000',
    AVAINODE_RATE_LIMIT_PER_MINUTE: '10000000',
    N8N_RATE_LIMIT_PER_MINUTE: '10000000',
    MCP_CALL_TIMEOUT_MS: '5000',
    MCP_CONNECT_TIMEOUT_MS: '2000',
    MCP_RECONNECT_MIN_DELAY_MS: '50',
    MCP_RECONNECT_MAX_DELAY_MS: '500',
    MCP_RETRY_BASE_DELAY_MS: '20',
    MCP_RETRY_MAX_DELAY_MS: '200',
    MCP_BREAKER_THRESHOLD: '5',
    MCP_BREAKER_COOLDOWN_MS: '500',
  };
  for (const [server, url] of Object.entries(byServer) as [McpServerName, string][]) env[URL_VARIABLES[server]] = url;
  return AppConfig.fromEnvironment({ ...env, ...overrides });
}

export { waitFor } from '../support/eventually.js';

export const confirmWriteTool = defineTool({
  server: 'avinode',
  name: 'confirm-write',
  mode: 'write',
  result: z.object({ key: z.string(), count: z.number() }),
});
