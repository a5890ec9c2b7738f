import type { SandboxTokenVerifier } from './core/sandbox-oauth.js';
import { join } from 'node:path';

import { apolloOfficialSandbox, apolloSandbox, type ApolloProfile } from './apollo/apollo.sandbox.js';
import { avinodeSandbox } from './avinode/avinode.sandbox.js';
import type { SandboxDefinition, SandboxName } from './core/sandbox-definition.js';
import { n8nSandbox } from './n8n/n8n.sandbox.js';
import { startSandboxHost, type SandboxServerHandle } from './core/sandbox-handle.js';
import type { SandboxMcpProtocol } from './core/sandbox-host.js';
import type { SandboxWebhookConfig } from './core/webhook-dispatcher.js';

export type {
  SandboxDataChange,
  SandboxDefinition,
  SandboxName,
  SandboxToolContext,
} from './core/sandbox-definition.js';
export { APOLLO_PROFILES, type ApolloProfile } from './apollo/apollo.sandbox.js';
export type { SandboxFaults } from './core/sandbox-faults.js';
export type { SandboxStats } from './core/sandbox-host.js';
export type { SandboxReplicaHandle, SandboxServerHandle } from './core/sandbox-handle.js';
export type { SandboxWebhookConfig, WebhookStats } from './core/webhook-dispatcher.js';

export { startAvinodeLiveServer, type AvinodeLiveServerOptions } from './avinode-live/avinode-live.server.js';
export type { AvinodeLiveSettings } from './avinode-live/avinode-live.config.js';

export const SANDBOX_NAMES = ['apollo', 'avinode', 'n8n'] as const satisfies readonly SandboxName[];

/** Default standalone ports, as in mcp-contracts.md. */
export const SANDBOX_DEFAULT_PORTS: Record<SandboxName, number> = { apollo: 8123, avinode: 8124, n8n: 8125 };

const definitions: Record<SandboxName, SandboxDefinition<unknown>> = {
  apollo: apolloSandbox,
  avinode: avinodeSandbox,
  n8n: n8nSandbox,
};

export interface SandboxServerOptions {
  /** MCP protocol era served: `2026-07-28` or `session`; default `SANDBOX_MCP_PROTOCOL`, else `2026-07-28`. */
  protocol?: SandboxMcpProtocol;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 42. */
  seed?: number;
  /** "Today" of the generated data; default the real date. */
  now?: Date;
  /** Dataset size (Apollo: number of people, default 2,000). */
  size?: number;
  authToken?: string;
  /** Make `/mcp` an OAuth protected resource checked by this verifier (see sandbox-oauth.ts). */
  oauth?: SandboxTokenVerifier;
  admin?: boolean;
  sessionIdleMs?: number;
  webhook?: SandboxWebhookConfig;
  /** Keep the data in this file across restarts (see `sandboxStateFile`); default: built from the seed each start. */
  stateFile?: string;
  /**
   * Apollo only: which tools the server offers — `jetvision` (default, the contract of mcp-contracts.md) or `official`
   * (the tools of Apollo's hosted MCP server, `apollo_people_match` and so on). Other servers ignore it.
   */
  profile?: ApolloProfile;
  /**
   * Avinode only: serve the marketplace's broker flow (trips, RFQs, seller quotes arriving over time, thin webhooks)
   * beside the instant tools; operators answer after seeded delays in simulated minutes of `minuteMs` real ms.
   */
  tripFlow?: { minuteMs: number };
}

/** The file a server's data is kept in under a data directory: `<dir>/<name>.state`. */
export function sandboxStateFile(dataDir: string, name: SandboxName): string {
  return join(dataDir, `${name}.state`);
}

export async function startSandboxServer(
  name: SandboxName,
  options: SandboxServerOptions = {},
): Promise<SandboxServerHandle> {
  const definition = name === 'apollo' && options.profile === 'official' ? apolloOfficialSandbox : definitions[name];
  const { tripFlow, ...rest } = options;
  return startSandboxHost(definition, {
    ...rest,
    ...(name === 'avinode' && tripFlow ? { avinodeTripFlow: tripFlow } : {}),
  });
}

export interface StartSandboxOptions {
  host?: string;
  ports?: Partial<Record<SandboxName, number>>;
  seed?: number;
  now?: Date;
  apolloSize?: number;
  /** Tool profile of the Apollo server (see `SandboxServerOptions.profile`); default `jetvision`. */
  apolloProfile?: ApolloProfile;
  authTokens?: Partial<Record<SandboxName, string>>;
  admin?: boolean;
  webhooks?: Partial<Record<SandboxName, SandboxWebhookConfig>>;
  sessionIdleMs?: number;
  /** Keep each server's data under this directory across restarts (`<dir>/<name>.state`). */
  dataDir?: string;
  /** The Avinode server's broker flow (see `SandboxServerOptions.tripFlow`). */
  avinodeTripFlow?: { minuteMs: number };
}

export interface SandboxServers {
  apollo: SandboxServerHandle;
  avinode: SandboxServerHandle;
  n8n: SandboxServerHandle;
  close(): Promise<void>;
}

/** Starts all three servers (free ports unless given); if one fails to start, the others are closed again. */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<SandboxServers> {
  const started: SandboxServerHandle[] = [];
  const startOne = async (name: SandboxName): Promise<SandboxServerHandle> => {
    const handle = await startSandboxServer(name, {
      host: options.host,
      port: options.ports?.[name] ?? 0,
      seed: options.seed,
      now: options.now,
      size: name === 'apollo' ? options.apolloSize : undefined,
      ...(name === 'apollo' && options.apolloProfile ? { profile: options.apolloProfile } : {}),
      authToken: options.authTokens?.[name],
      admin: options.admin,
      sessionIdleMs: options.sessionIdleMs,
      webhook: options.webhooks?.[name],
      ...(name === 'avinode' && options.avinodeTripFlow ? { tripFlow: options.avinodeTripFlow } : {}),
      ...(options.dataDir ? { stateFile: sandboxStateFile(options.dataDir, name) } : {}),
    });
    started.push(handle);
    return handle;
  };
  const results = await Promise.allSettled([startOne('apollo'), startOne('avinode'), startOne('n8n')]);
  const [apollo, avinode, n8n] = results;
  if (apollo.status === 'rejected' || avinode.status === 'rejected' || n8n.status === 'rejected') {
    await Promise.all(started.map((h) => h.close()));
    const failure = results.find((r) => r.status === 'rejected');
    const reason: unknown = failure?.reason;
    // String() rather than instanceof: errors from node:net may come from another realm (e.g. under Jest).
    throw new Error(`sandbox failed to start: ${String(reason)}`, { cause: reason });
  }
  return {
    apollo: apollo.value,
    avinode: avinode.value,
    n8n: n8n.value,
    close: async () => {
      await Promise.all(started.map((h) => h.close()));
    },
  };
}
