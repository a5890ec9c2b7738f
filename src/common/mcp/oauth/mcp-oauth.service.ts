import { randomBytes } from 'node:crypto';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource, type Repository } from 'typeorm';
import { AppConfig } from '../../config/app-config.js';
import { DomainError } from '../../errors/domain-error.js';
import { publish } from '../../events/publish.js';
import { MCP_SERVER_NAMES, type McpServerName } from '../tool-contract.js';
import { McpOAuthToken } from './mcp-oauth-token.entity.js';
import { McpOAuthAuthorized, McpOAuthUnauthorized } from './mcp-oauth.events.js';
import { type McpOAuthStore, McpOAuthSession, type StoredOAuthState, hashState } from './mcp-oauth-session.js';
import { TokenCipher } from './token-cipher.js';

export const MCP_OAUTH_CALLBACK_PATH = '/api/integration/mcp/oauth/callback';

/** The `mcp_oauth_tokens` table behind the sessions. */
class McpOAuthTokenStore implements McpOAuthStore {
  constructor(private readonly repository: Repository<McpOAuthToken>) {}

  async load(server: McpServerName): Promise<StoredOAuthState | null> {
    return this.repository.findOneBy({ server });
  }

  async save(server: McpServerName, patch: Partial<StoredOAuthState>): Promise<void> {
    await this.repository.upsert({ server, ...patch, updatedAt: new Date() }, ['server']);
  }

  async serverForState(state: string): Promise<McpServerName | undefined> {
    const row = await this.repository.findOneBy({ pendingStateHash: hashState(state) });
    return row?.server as McpServerName | undefined;
  }
}

/**
 * One `McpOAuthSession` per MCP server configured with `<SERVER>_MCP_AUTH=oauth`, over the `mcp_oauth_tokens` table,
 * publishing audited events when a server becomes unauthorized or authorized again.
 */
@Injectable()
export class McpOAuthService {
  private readonly logger = new Logger('McpOAuth');
  private readonly sessions = new Map<McpServerName, McpOAuthSession>();
  private readonly store: McpOAuthTokenStore | undefined;

  constructor(
    private readonly config: AppConfig,
    @Optional() dataSource?: DataSource,
    @Optional() private readonly events?: EventEmitter2,
  ) {
    const oauthServers = MCP_SERVER_NAMES.filter((name) => {
      const server = config.mcp.servers[name];
      return server.auth.mode === 'oauth' && server.urls.length > 0;
    });
    if (oauthServers.length === 0) return;
    if (!dataSource) throw new Error('OAuth for MCP servers needs the database (tokens are stored there)');
    this.store = new McpOAuthTokenStore(dataSource.getRepository(McpOAuthToken));
    let key = config.mcp.oauth.encryptionKey;
    if (!key) {
      // Refused in production at boot (AppConfig); elsewhere tokens last as long as the process.
      this.logger.warn(
        'MCP_TOKEN_ENCRYPTION_KEY is not set: OAuth tokens are encrypted with a key of this process only',
      );
      key = randomBytes(32);
    }
    const cipher = new TokenCipher(key);
    for (const name of oauthServers) {
      const server = config.mcp.servers[name];
      if (server.auth.mode !== 'oauth') continue;
      const { grant, clientId, clientSecret, scope } = server.auth;
      this.sessions.set(
        name,
        new McpOAuthSession({
          server: name,
          serverUrl: server.urls[0]!,
          client: { grant, clientId, clientSecret, scope },
          store: this.store,
          cipher,
          refreshSkewMs: config.mcp.oauth.refreshSkewSeconds * 1000,
          redirectUrl: () => this.redirectUrl(),
          requestTimeoutMs: config.mcp.connectTimeoutMs,
          onUnauthorized: (reason) => {
            this.logger.warn(`mcp ${name}: unauthorized (${reason})`);
            if (this.events) publish(this.events, new McpOAuthUnauthorized(name, reason));
          },
          onAuthorized: () => {
            if (this.events) publish(this.events, new McpOAuthAuthorized(name, grant));
          },
        }),
      );
    }
  }

  /** Before an operator's reconnect: client-credentials servers that were refused ask the authorization server again. */
  async retryRefused(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((session) => session.retryAuthorization()));
  }

  session(name: McpServerName): McpOAuthSession | undefined {
    return this.sessions.get(name);
  }

  redirectUrl(): string {
    const configured = this.config.mcp.oauth.redirectUrl;
    if (configured) return configured;
    const host = ['0.0.0.0', '::', ''].includes(this.config.http.host) ? '127.0.0.1' : this.config.http.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.config.http.port}${MCP_OAUTH_CALLBACK_PATH}`;
  }

  async startSignIn(name: McpServerName): Promise<{ server: McpServerName; authorizationUrl: string }> {
    const session = this.sessions.get(name);
    if (!session || session.grant !== 'authorization_code') {
      throw new DomainError(
        'precondition_failed',
        `MCP server ${name} does not use an operator sign-in: set ${envPrefix(name)}_MCP_AUTH=oauth and ` +
          `${envPrefix(name)}_MCP_OAUTH_GRANT=authorization_code`,
        { extensions: { server: name } },
      );
    }
    try {
      const { authorizationUrl } = await session.startSignIn();
      return { server: name, authorizationUrl };
    } catch (error) {
      throw upstreamAuthError(name, error);
    }
  }

  /** Redeems the code of the sign-in `state` names; resolves with the server it was for. */
  async completeSignIn(state: string, code: string, iss: string | undefined): Promise<McpServerName> {
    const name = this.store ? await this.store.serverForState(state) : undefined;
    const session = name === undefined ? undefined : this.sessions.get(name);
    if (name === undefined || !session) {
      throw new DomainError('precondition_failed', 'no sign-in is waiting for this state (expired or already used)', {
        extensions: { field: 'state' },
      });
    }
    try {
      await session.completeSignIn(code, iss);
    } catch (error) {
      throw upstreamAuthError(name, error);
    }
    return name;
  }
}

function envPrefix(name: McpServerName): string {
  return name === 'avinode' ? 'AVAINODE' : name.toUpperCase();
}

function upstreamAuthError(server: McpServerName, error: unknown): DomainError {
  if (error instanceof DomainError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new DomainError('upstream_error', `${server} authorization server refused the sign-in: ${message}`, {
    extensions: { server, reason: 'oauth' },
    cause: error,
  });
}
