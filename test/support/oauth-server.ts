import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { errors } from 'oidc-provider';

export const M2M_CLIENT = { id: 'jv-backend-m2m', secret: 'm2m-secret-0123456789abcdef' };
export const OPERATOR_CLIENT = { id: 'jv-backend-operator', secret: 'operator-secret-0123456789abcdef' };
export const RESOURCE_CLIENT = { id: 'mcp-resource-server', secret: 'resource-secret-0123456789abcdef' };
export const REDIRECT_URL = 'http://127.0.0.1:9/api/integration/mcp/oauth/callback';

export interface LocalOAuthServer {
  issuer: string;
  /** Successful token requests by grant type, as the authorization server counted them. */
  grants: Record<string, number>;
  /** Refused token requests by grant type. */
  refusals: Record<string, number>;
  /** Lifetime in seconds of access tokens issued from now on (both grants). */
  accessTokenTtl: number;
  /** While true, every token request is refused (`invalid_target`): the MCP servers are not known to it. */
  refuseTokens: boolean;
  /** Revokes an access token; with its grant (refresh token included) when it came from a sign-in. */
  revoke(token: string): Promise<void>;
  /** Drives the sign-in page as an operator would: returns where the authorization server sent the browser back. */
  signIn(authorizationUrl: string, login: string): Promise<URL>;
  close(): Promise<void>;
}

/**
 * A real OAuth 2.1 / OpenID authorization server (oidc-provider) on loopback: metadata discovery, client credentials,
 * authorization code with PKCE required, refresh tokens, introspection and revocation, with its development sign-in
 * pages (driven programmatically by `signIn`).
 */
export async function startOAuthServer(): Promise<LocalOAuthServer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const grants: Record<string, number> = {};
  const refusals: Record<string, number> = {};
  const state = { accessTokenTtl: 3600, refuseTokens: false };
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: M2M_CLIENT.id,
        client_secret: M2M_CLIENT.secret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      },
      {
        client_id: OPERATOR_CLIENT.id,
        client_secret: OPERATOR_CLIENT.secret,
        grant_types: ['authorization_code', 'refresh_token'],
        redirect_uris: [REDIRECT_URL],
        response_types: ['code'],
      },
      {
        client_id: RESOURCE_CLIENT.id,
        client_secret: RESOURCE_CLIENT.secret,
        grant_types: [],
        redirect_uris: [],
        response_types: [],
      },
    ],
    features: {
      clientCredentials: { enabled: true },
      // Only the MCP servers' own client may ask about tokens; revocation stands for the authorization server's
      // administrator (the test), who may revoke any token.
      introspection: { enabled: true, allowedPolicy: (_ctx, client) => client.clientId === RESOURCE_CLIENT.id },
      revocation: { enabled: true, allowedPolicy: (_ctx, client) => client.clientId === RESOURCE_CLIENT.id },
      devInteractions: { enabled: true },
      // RFC 8707, as the MCP authorization specification asks: every token is for one MCP server (`resource`).
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (state.refuseTokens || !/^http:\/\/127\.0\.0\.1:\d+\/mcp$/.test(indicator)) {
            throw new errors.InvalidTarget();
          }
          return { scope: 'mcp', audience: indicator, accessTokenFormat: 'opaque' };
        },
      },
    },
    pkce: { required: () => true },
    ttl: {
      AccessToken: () => state.accessTokenTtl,
      ClientCredentials: () => state.accessTokenTtl,
      AuthorizationCode: 60,
      RefreshToken: 86_400,
      Grant: 86_400,
      Session: 86_400,
      Interaction: 600,
      IdToken: 3600,
    },
    // The backend's sign-in is one-time: it always needs a refresh token.
    issueRefreshToken: () => true,
    // Revoking an access token revokes its whole grant (refresh token included), as an operator's "revoke access" does.
    revokeGrantPolicy: () => true,
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    cookies: { keys: ['local-oauth-server-cookie-key'] },
  });
  const grantOf = (ctx: { oidc: { params?: Record<string, unknown> } }): string => {
    const grant = ctx.oidc.params?.['grant_type'];
    return typeof grant === 'string' ? grant : 'unknown';
  };
  provider.on('grant.success', (ctx) => {
    const grant = grantOf(ctx);
    grants[grant] = (grants[grant] ?? 0) + 1;
  });
  provider.on('grant.error', (ctx) => {
    const grant = grantOf(ctx);
    refusals[grant] = (refusals[grant] ?? 0) + 1;
  });
  const handle = provider.callback();
  server.on('request', (req, res) => void handle(req, res));

  const basic = (client: { id: string; secret: string }): string =>
    `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;

  return {
    issuer,
    grants,
    refusals,
    get accessTokenTtl() {
      return state.accessTokenTtl;
    },
    set accessTokenTtl(seconds: number) {
      state.accessTokenTtl = seconds;
    },
    get refuseTokens() {
      return state.refuseTokens;
    },
    set refuseTokens(refuse: boolean) {
      state.refuseTokens = refuse;
    },
    async revoke(token) {
      const response = await fetch(`${issuer}/token/revocation`, {
        method: 'POST',
        headers: { authorization: basic(RESOURCE_CLIENT), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
      });
      if (!response.ok) throw new Error(`revocation failed: ${response.status} ${await response.text()}`);
    },
    async signIn(authorizationUrl, login) {
      const cookies = new Map<string, string>();
      const go = async (url: string, init: RequestInit = {}): Promise<Response & { text: string }> => {
        const headers = new Headers(init.headers);
        headers.set('cookie', [...cookies].map(([name, value]) => `${name}=${value}`).join('; '));
        const response = await fetch(url, { ...init, headers, redirect: 'manual' });
        for (const line of response.headers.getSetCookie()) {
          const [pair = ''] = line.split(';');
          const at = pair.indexOf('=');
          cookies.set(pair.slice(0, at), pair.slice(at + 1));
        }
        return Object.assign(response, { text: await response.text() });
      };
      let url = authorizationUrl;
      for (let step = 0; step < 12; step++) {
        const response = await go(url);
        const location = response.headers.get('location');
        if (!location) throw new Error(`sign-in stopped at ${url} with HTTP ${response.status}`);
        const next = new URL(location, url);
        if (next.href.startsWith(REDIRECT_URL)) return next;
        const interaction = /^\/interaction\/([^/]+)$/.exec(next.pathname);
        if (!interaction) {
          url = next.href;
          continue;
        }
        // The sign-in page, then the consent page: submit each as the operator would.
        const page = await go(next.href);
        if (page.status !== 200) throw new Error(`interaction page answered HTTP ${page.status}`);
        const prompt = /name="prompt" value="login"/.test(page.text) ? 'login' : 'consent';
        const submitted = await go(next.href, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt }).toString(),
        });
        const resume = submitted.headers.get('location');
        if (!resume) throw new Error(`submitting ${prompt} answered HTTP ${submitted.status}`);
        url = new URL(resume, next.href).href;
      }
      throw new Error('sign-in did not come back to the redirect URL');
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
