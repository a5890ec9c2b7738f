import { createHash, randomBytes } from 'node:crypto';
import {
  type AuthorizationServerMetadata,
  ClientCredentialsProvider,
  type FetchLike,
  OAuthError,
  type OAuthTokens,
  discoverOAuthServerInfo,
  exchangeAuthorization,
  fetchToken,
  refreshAuthorization,
  startAuthorization,
} from '@modelcontextprotocol/client';
import type { McpOAuthGrant } from '../../config/environment.js';
import { McpFailure } from '../mcp-errors.js';
import type { McpServerName } from '../tool-contract.js';
import type { McpOAuthStatus } from './mcp-oauth-token.entity.js';
import type { TokenCipher } from './token-cipher.js';

/** The stored row as the session sees it: secrets sealed. */
export interface StoredOAuthState {
  issuer: string | null;
  accessToken: string | null;
  refreshToken: string | null;
  tokenType: string | null;
  scope: string | null;
  expiresAt: Date | null;
  status: McpOAuthStatus;
  statusReason: string | null;
  pendingStateHash: string | null;
  pendingVerifier: string | null;
  pendingStartedAt: Date | null;
}

/** Where a session keeps its state (Postgres in the app: `McpOAuthTokenStore`). */
export interface McpOAuthStore {
  load(server: McpServerName): Promise<StoredOAuthState | null>;
  save(server: McpServerName, patch: Partial<StoredOAuthState>): Promise<void>;
}

export interface McpOAuthClientSettings {
  grant: McpOAuthGrant;
  clientId: string;
  clientSecret: string | undefined;
  scope: string | undefined;
}

export interface McpOAuthSessionOptions {
  server: McpServerName;
  /** The MCP endpoint (the protected resource). */
  serverUrl: string;
  client: McpOAuthClientSettings;
  store: McpOAuthStore;
  cipher: TokenCipher;
  refreshSkewMs: number;
  redirectUrl: () => string;
  /** For discovery and the authorization server's token endpoint; bounded by `requestTimeoutMs`. */
  fetch?: FetchLike;
  requestTimeoutMs: number;
  /** The authorization server refused to renew the tokens: the server is `unauthorized` until an operator acts. */
  onUnauthorized?: (reason: string) => void;
  /** Tokens were obtained after the server had been `unauthorized` or had none (sign-in, client credentials). */
  onAuthorized?: () => void;
}

/** What status and readiness show about a server's authorization. */
export interface McpAuthDiagnostics {
  mode: 'oauth';
  grant: McpOAuthGrant;
  state: 'authorized' | 'unauthorized' | 'sign_in_required';
  issuer: string | null;
  expiresAt: string | null;
  reason: string | null;
}

/** What the MCP fetch wrapper needs: a current token, and a way to report one the server refused. */
export interface McpRequestAuth {
  accessToken(): Promise<string>;
  /** The server answered 401 to `token`: renew it once (shared by every caller that saw it), or fail `unauthorized`. */
  rejected(token: string): Promise<void>;
  diagnostics?(): McpAuthDiagnostics;
  /** The server refused a freshly renewed token as well: the error to fail the call with. */
  refusedAfterRenewal(reason: string): Error;
}

interface Tokens {
  access: string;
  refresh: string | undefined;
  type: string;
  scope: string | undefined;
  expiresAt: number | undefined;
}

/** A pending operator sign-in (PKCE) is forgotten after this long. */
const SIGN_IN_TTL_MS = 15 * 60_000;

export function hashState(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

/**
 * OAuth 2.1 for one MCP server, following the MCP authorization specification: the authorization server is found
 * from the server's protected-resource metadata (RFC 9728) and its own metadata (RFC 8414 / OIDC discovery); tokens
 * come from client credentials or from a one-time operator sign-in (authorization code with PKCE), carry the server as
 * `resource` (RFC 8707), are renewed `refreshSkewMs` before they expire, and live encrypted in the store.
 *
 * Renewal is single-flight: however many calls need a new token at once (expiry, or a burst of 401s after a
 * revocation), the authorization server sees one request. A refusal by the authorization server makes the server
 * `unauthorized`; from then on calls fail at once, without asking it again, until an operator signs in (or, for client
 * credentials, asks for a reconnect).
 */
export class McpOAuthSession implements McpRequestAuth {
  readonly server: McpServerName;
  private tokens: Tokens | undefined;
  private status: McpOAuthStatus = 'none';
  private reason: string | null = null;
  private issuer: string | null = null;
  private loaded: Promise<void> | undefined;
  private renewing: Promise<string> | undefined;
  private discovery:
    | Promise<{ asUrl: string; metadata: AuthorizationServerMetadata | undefined; resource: string | undefined }>
    | undefined;
  private readonly fetchFn: FetchLike;

  constructor(private readonly options: McpOAuthSessionOptions) {
    this.server = options.server;
    const base = options.fetch ?? ((url, init) => fetch(url, init));
    this.fetchFn = (url, init) =>
      base(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(options.requestTimeoutMs) });
  }

  get grant(): McpOAuthGrant {
    return this.options.client.grant;
  }

  diagnostics(): McpAuthDiagnostics {
    const state =
      this.status === 'unauthorized'
        ? 'unauthorized'
        : this.tokens !== undefined || this.grant === 'client_credentials'
          ? 'authorized'
          : 'sign_in_required';
    return {
      mode: 'oauth',
      grant: this.grant,
      state,
      issuer: this.issuer,
      expiresAt: this.tokens?.expiresAt === undefined ? null : new Date(this.tokens.expiresAt).toISOString(),
      reason: state === 'authorized' ? null : (this.reason ?? 'no operator sign-in yet'),
    };
  }

  /** Loads the stored tokens (once); a value that no longer opens (other key) counts as none. */
  load(): Promise<void> {
    return (this.loaded ??= this.readStore());
  }

  async accessToken(): Promise<string> {
    await this.load();
    if (this.status === 'unauthorized') throw this.unauthorizedFailure();
    const tokens = this.tokens;
    if (tokens && !this.expiring(tokens)) return tokens.access;
    if (!tokens && this.grant === 'authorization_code') throw this.unauthorizedFailure('no operator sign-in yet');
    return this.renew();
  }

  async rejected(token: string): Promise<void> {
    if (this.renewing) {
      await this.renewing;
      return;
    }
    // Someone renewed already since this token was sent: the caller just retries with the current one.
    if (this.tokens && this.tokens.access !== token) return;
    if (this.status === 'unauthorized') throw this.unauthorizedFailure();
    await this.renew();
  }

  refusedAfterRenewal(reason: string): Error {
    void this.markUnauthorized(`the server refused a freshly issued token (${reason})`);
    return this.unauthorizedFailure();
  }

  /** Starts an operator sign-in: the authorization URL to open; the PKCE verifier is stored sealed. */
  async startSignIn(): Promise<{ authorizationUrl: string; state: string }> {
    const { asUrl, metadata, resource } = await this.discover();
    const state = randomBytes(32).toString('base64url');
    const { authorizationUrl, codeVerifier } = await startAuthorization(asUrl, {
      metadata,
      clientInformation: this.clientInformation(),
      redirectUrl: this.options.redirectUrl(),
      scope: this.options.client.scope,
      state,
      resource,
    });
    await this.options.store.save(this.server, {
      pendingStateHash: hashState(state),
      pendingVerifier: this.options.cipher.seal(codeVerifier, this.context('verifier')),
      pendingStartedAt: new Date(),
    });
    return { authorizationUrl: authorizationUrl.toString(), state };
  }

  /** Finishes the sign-in whose `state` the store matched to this server: redeems the code and stores the tokens. */
  async completeSignIn(code: string, iss: string | undefined): Promise<void> {
    await this.load();
    const stored = await this.options.store.load(this.server);
    const verifier =
      stored?.pendingVerifier &&
      stored.pendingStartedAt &&
      Date.now() - stored.pendingStartedAt.getTime() < SIGN_IN_TTL_MS
        ? this.options.cipher.open(stored.pendingVerifier, this.context('verifier'))
        : undefined;
    // Single use: whatever happens next, this state cannot be redeemed again.
    await this.options.store.save(this.server, {
      pendingStateHash: null,
      pendingVerifier: null,
      pendingStartedAt: null,
    });
    if (verifier === undefined) throw new OAuthError('invalid_request', 'the sign-in expired or was already used');
    const { asUrl, metadata, resource } = await this.discover();
    const tokens = await exchangeAuthorization(asUrl, {
      metadata,
      clientInformation: this.clientInformation(),
      authorizationCode: code,
      ...(iss === undefined ? {} : { iss }),
      codeVerifier: verifier,
      redirectUri: this.options.redirectUrl(),
      resource,
      fetchFn: this.fetchFn,
    });
    await this.store(tokens, metadata?.issuer ?? asUrl);
  }

  /** For client credentials: forget an `unauthorized` verdict so the next call asks the authorization server again. */
  async retryAuthorization(): Promise<void> {
    await this.load();
    if (this.status !== 'unauthorized' || this.grant !== 'client_credentials') return;
    this.status = 'none';
    this.reason = null;
    await this.options.store.save(this.server, { status: 'none', statusReason: null });
  }

  private expiring(tokens: Tokens): boolean {
    return tokens.expiresAt !== undefined && tokens.expiresAt - Date.now() <= this.options.refreshSkewMs;
  }

  private renew(): Promise<string> {
    this.renewing ??= this.obtain().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async obtain(): Promise<string> {
    let tokens: OAuthTokens;
    let issuer: string;
    try {
      const { asUrl, metadata, resource } = await this.discover();
      issuer = metadata?.issuer ?? asUrl;
      if (this.grant === 'client_credentials') {
        const { clientId, clientSecret, scope } = this.options.client;
        const provider = new ClientCredentialsProvider({
          clientId,
          clientSecret: clientSecret ?? '',
          ...(scope === undefined ? {} : { scope }),
          expectedIssuer: issuer,
        });
        tokens = await fetchToken(provider, asUrl, { metadata, resource, scope, fetchFn: this.fetchFn });
      } else {
        const refresh = this.tokens?.refresh;
        if (refresh === undefined) throw new OAuthError('invalid_grant', 'no refresh token: sign in again');
        tokens = await refreshAuthorization(asUrl, {
          metadata,
          clientInformation: this.clientInformation(),
          refreshToken: refresh,
          resource,
          fetchFn: this.fetchFn,
        });
      }
    } catch (error) {
      if (isRefusal(error)) {
        const message = error instanceof Error ? error.message : String(error);
        await this.markUnauthorized(`the authorization server refused to issue a token: ${message}`);
        throw this.unauthorizedFailure();
      }
      // The authorization server could not be asked (down, timeout): not a verdict on our credentials.
      this.discovery = undefined;
      throw new McpFailure('unreachable', `authorization server unreachable: ${errorText(error)}`, {
        server: this.server,
        cause: error,
      });
    }
    await this.store(tokens, issuer);
    return tokens.access_token;
  }

  private async store(tokens: OAuthTokens, issuer: string): Promise<void> {
    const wasAuthorized = this.status === 'authorized';
    const next: Tokens = {
      access: tokens.access_token,
      refresh: tokens.refresh_token ?? this.tokens?.refresh,
      type: tokens.token_type,
      scope: tokens.scope,
      expiresAt: tokens.expires_in === undefined ? undefined : Date.now() + tokens.expires_in * 1000,
    };
    const { cipher } = this.options;
    await this.options.store.save(this.server, {
      issuer,
      accessToken: cipher.seal(next.access, this.context('access')),
      refreshToken: next.refresh === undefined ? null : cipher.seal(next.refresh, this.context('refresh')),
      tokenType: next.type,
      scope: next.scope ?? null,
      expiresAt: next.expiresAt === undefined ? null : new Date(next.expiresAt),
      status: 'authorized',
      statusReason: null,
    });
    this.tokens = next;
    this.issuer = issuer;
    this.status = 'authorized';
    this.reason = null;
    if (!wasAuthorized) this.options.onAuthorized?.();
  }

  private async markUnauthorized(reason: string): Promise<void> {
    if (this.status === 'unauthorized') return;
    this.status = 'unauthorized';
    this.reason = reason;
    this.options.onUnauthorized?.(reason);
    await this.options.store.save(this.server, { status: 'unauthorized', statusReason: reason }).catch(() => undefined);
  }

  private unauthorizedFailure(reason = this.reason ?? 'not authorized'): McpFailure {
    const action =
      this.grant === 'authorization_code'
        ? `an operator must sign in again (POST /api/integration/mcp/${this.server}/oauth/start)`
        : 'check the OAuth client settings, then POST /api/integration/status to retry';
    return new McpFailure('unauthorized', `not authorized: ${reason}; ${action}`, { server: this.server, status: 401 });
  }

  private discover(): Promise<{
    asUrl: string;
    metadata: AuthorizationServerMetadata | undefined;
    resource: string | undefined;
  }> {
    this.discovery ??= discoverOAuthServerInfo(this.options.serverUrl, { fetchFn: this.fetchFn }).then((info) => ({
      asUrl: info.authorizationServerUrl,
      metadata: info.authorizationServerMetadata,
      resource: info.resourceMetadata?.resource,
    }));
    const pending = this.discovery;
    pending.catch(() => {
      if (this.discovery === pending) this.discovery = undefined;
    });
    return pending;
  }

  private clientInformation(): { client_id: string; client_secret?: string } {
    const { clientId, clientSecret } = this.options.client;
    return clientSecret === undefined ? { client_id: clientId } : { client_id: clientId, client_secret: clientSecret };
  }

  private context(column: 'access' | 'refresh' | 'verifier'): string {
    return `mcp-oauth:${this.server}:${column}`;
  }

  private async readStore(): Promise<void> {
    const row = await this.options.store.load(this.server);
    if (!row) return;
    this.issuer = row.issuer;
    this.status = row.status;
    this.reason = row.statusReason;
    const { cipher } = this.options;
    const access = row.accessToken ? cipher.open(row.accessToken, this.context('access')) : undefined;
    if (access === undefined) {
      if (this.status === 'authorized') this.status = 'none';
      return;
    }
    const refresh = row.refreshToken ? cipher.open(row.refreshToken, this.context('refresh')) : undefined;
    this.tokens = {
      access,
      refresh,
      type: row.tokenType ?? 'Bearer',
      scope: row.scope ?? undefined,
      expiresAt: row.expiresAt?.getTime(),
    };
  }
}

/** An answer from the authorization server that no retry will change (OAuth error, bad issuer, refused client). */
function isRefusal(error: unknown): boolean {
  // A 5xx or "try later" from the authorization server is an outage, not a refusal.
  if (error instanceof OAuthError) return error.code !== 'server_error' && error.code !== 'temporarily_unavailable';
  return error instanceof Error && /OAuthClientFlowError|IssuerMismatch|InsecureTokenEndpoint/.test(error.name);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
