import type { z } from 'zod';
import type { UpstreamName } from '../config/app-config.js';

export type McpServerName = UpstreamName;
export const MCP_SERVER_NAMES: readonly McpServerName[] = ['apollo', 'avinode', 'n8n'];

/**
 * `read` tools can be repeated freely; `write` tools are repeated (retried, or replayed after a lost session) only when
 * the call carries an idempotency key.
 */
export type ToolMode = 'read' | 'write';

/** What a feature module declares about one upstream tool it depends on. */
export interface ToolContract<Result extends z.ZodType = z.ZodType, Args extends object = Record<string, unknown>> {
  readonly server: McpServerName;
  readonly name: string;
  readonly mode: ToolMode;
  /** Schema of the tool's JSON result (after unwrapping the `envelope`, when the contract names one). */
  readonly result: Result;
  /**
   * How the server wraps results: `n8n-mcp` answers `{success: true, data}` or `{success: false, error}` in a text item
   * (the client unwraps `data`, and `success: false` is a tool error). Absent: the result is taken as it is.
   */
  readonly envelope?: ResultEnvelope;
  /** Overrides the server-wide call timeout for this tool. */
  readonly timeoutMs?: number;
  /**
   * The argument name the upstream expects the idempotency key in (e.g. Avinode's `idempotencyKey`). When set and the
   * call has an `idempotencyKey`, the client puts it into the arguments.
   */
  readonly idempotencyKeyArgument?: string;
  /**
   * The tool profile this contract belongs to, for a server that comes in several tool sets (Apollo: the JetVision
   * contract or Apollo's hosted server). A server must offer the contracts without a profile and all of one profile's;
   * the profile it offers best is the one checked, so a server of the other profile is not `degraded` for lacking it.
   */
  readonly profile?: string;
  /** Phantom member carrying the argument type; never set at run time. */
  readonly __args?: Args;
}

/** Any contract, whatever its result and argument types (what registries and module declarations hold). */
export type AnyToolContract = ToolContract<z.ZodType, object>;

export type ToolResult<C> = C extends ToolContract<infer R, infer _A> ? z.infer<R> : never;
export type ToolArgs<C> = C extends ToolContract<infer _R, infer A> ? A : never;

export interface ToolDefinition<Result extends z.ZodType> {
  server: McpServerName;
  name: string;
  mode: ToolMode;
  result: Result;
  timeoutMs?: number;
  idempotencyKeyArgument?: string;
  envelope?: ResultEnvelope;
  profile?: string;
}

export type ResultEnvelope = 'n8n-mcp';

/**
 * Declares a tool contract. Give `input` (a zod schema of the arguments; used for typing only, the server validates)
 * to make `call()` type-check the arguments; without it arguments are a plain record.
 */
export function defineTool<Result extends z.ZodType, Args extends object>(
  definition: ToolDefinition<Result> & { input: z.ZodType<unknown, Args> },
): ToolContract<Result, Args>;
export function defineTool<Result extends z.ZodType>(definition: ToolDefinition<Result>): ToolContract<Result>;
export function defineTool<Result extends z.ZodType>(
  definition: ToolDefinition<Result> & { input?: z.ZodType },
): ToolContract<Result, object> {
  if (definition.timeoutMs !== undefined && (!Number.isInteger(definition.timeoutMs) || definition.timeoutMs <= 0)) {
    throw new Error(`Tool ${definition.server}/${definition.name}: timeoutMs must be a positive integer`);
  }
  const { input: _input, ...contract } = definition;
  return Object.freeze(contract);
}

/**
 * The tools every feature module said it needs, per server. Connections compare this with the server's `tools/list`;
 * registering after a connection is up re-checks it at once.
 */
export class McpToolRegistry {
  private readonly byServer = new Map<McpServerName, Map<string, AnyToolContract>>();
  private readonly listeners = new Set<(server: McpServerName) => void>();

  register(contracts: Iterable<AnyToolContract>): void {
    const touched = new Set<McpServerName>();
    for (const contract of contracts) {
      let tools = this.byServer.get(contract.server);
      if (!tools) {
        tools = new Map();
        this.byServer.set(contract.server, tools);
      }
      const existing = tools.get(contract.name);
      if (existing && existing.mode !== contract.mode) {
        throw new Error(
          `Tool ${contract.server}/${contract.name} is declared both as ${existing.mode} and ${contract.mode}`,
        );
      }
      tools.set(contract.name, contract);
      touched.add(contract.server);
    }
    for (const server of touched) for (const listener of this.listeners) listener(server);
  }

  /**
   * The tools a server must offer. Without `offered`: every registered tool. With the server's tool list: the tools
   * without a profile plus those of the profile the list covers best (the first registered on a tie).
   */
  requiredTools(server: McpServerName, offered?: ReadonlySet<string>): string[] {
    const contracts = [...(this.byServer.get(server)?.values() ?? [])];
    if (offered === undefined) return contracts.map((c) => c.name).sort();
    const profile = this.profileOf(server, offered);
    return contracts
      .filter((c) => c.profile === undefined || c.profile === profile)
      .map((c) => c.name)
      .sort();
  }

  /** The profile a tool list covers best (most of its tools offered), or undefined when the server has no profiles. */
  profileOf(server: McpServerName, offered: ReadonlySet<string>): string | undefined {
    const score = new Map<string, { offered: number; total: number }>();
    for (const contract of this.byServer.get(server)?.values() ?? []) {
      if (contract.profile === undefined) continue;
      const entry = score.get(contract.profile) ?? { offered: 0, total: 0 };
      entry.total++;
      if (offered.has(contract.name)) entry.offered++;
      score.set(contract.profile, entry);
    }
    let best: string | undefined;
    let bestShare = -1;
    for (const [profile, { offered: hits, total }] of score) {
      if (hits / total > bestShare) [best, bestShare] = [profile, hits / total];
    }
    return best;
  }

  /** Called with the server name whenever contracts for it are added. Returns an unsubscribe function. */
  onChange(listener: (server: McpServerName) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
