/**
 * The Avinode MCP server in live mode: the same MCP endpoint, sessions, bearer auth and admin endpoint as the
 * simulated server (the sandbox host), with tools that call the real Avinode REST API instead of simulated data.
 */
import { SandboxDataChangeError, type SandboxDefinition } from '../core/sandbox-definition.js';
import { startSandboxHost, type SandboxServerHandle } from '../core/sandbox-handle.js';
import type { SandboxTokenVerifier } from '../core/sandbox-oauth.js';
import type { AvinodeLiveSettings } from './avinode-live.config.js';
import { registerAvinodeLiveTools } from './avinode-live.tools.js';
import { AvinodeRestClient } from './avinode-rest.client.js';

interface AvinodeLiveState {
  client: AvinodeRestClient;
}

export function avinodeLiveDefinition(settings: AvinodeLiveSettings): SandboxDefinition<AvinodeLiveState> {
  return {
    name: 'avinode',
    createState: () => ({ client: new AvinodeRestClient(settings) }),
    registerTools: (server, state) => registerAvinodeLiveTools(server, state.client),
    applyDataChange: () => {
      throw new SandboxDataChangeError('the live Avinode server holds no simulated data to change', 404);
    },
    // Nothing of the upstream is kept here: the data lives in Avinode.
    saveState: () => null,
  };
}

export interface AvinodeLiveServerOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** When set, `/mcp` requires `Authorization: Bearer <authToken>` (the backend's AVAINODE_API_KEY). */
  authToken?: string;
  /** Serve `/admin/*` (fault injection in front of the real API, stats). */
  admin?: boolean;
  sessionIdleMs?: number;
  /** Make `/mcp` an OAuth protected resource checked by this verifier, as the simulated server can be. */
  oauth?: SandboxTokenVerifier;
}

export function startAvinodeLiveServer(
  settings: AvinodeLiveSettings,
  options: AvinodeLiveServerOptions = {},
): Promise<SandboxServerHandle> {
  return startSandboxHost(avinodeLiveDefinition(settings), options);
}
