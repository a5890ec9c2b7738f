import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { SandboxTokenVerifier } from '../../src/sandbox/core/sandbox-oauth.js';
import { startSandboxServer, type SandboxServerHandle } from '../../src/sandbox/index.js';
import {
  M2M_CLIENT,
  OPERATOR_CLIENT,
  REDIRECT_URL,
  RESOURCE_CLIENT,
  startOAuthServer,
  type LocalOAuthServer,
} from '../support/oauth-server.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const AIRCRAFT = `/api/integration/aircraft?departureAirport=KTEB&arrivalAirport=KPBI&departureDate=${day(15)}&passengers=2`;
const WORKFLOWS = '/api/integration/workflows';

/** The token the server accepted most recently (the verifier counts tokens in the order first seen). */
function lastToken(verifier: SandboxTokenVerifier): string {
  const tokens = [...verifier.accepted.keys()];
  return tokens[tokens.length - 1]!;
}

/**
 * OAuth 2.1 for MCP servers against a real authorization server (oidc-provider on loopback) and sandbox MCP servers
 * that check every token by introspection: Avinode with client credentials, n8n with a one-time operator sign-in.
 */
describe('MCP servers behind OAuth 2.1', () => {
  let as: LocalOAuthServer;
  let avinode: SandboxServerHandle;
  let n8n: SandboxServerHandle;
  let avinodeTokens: SandboxTokenVerifier;
  let n8nTokens: SandboxTokenVerifier;
  let t: TestApp;

  beforeAll(async () => {
    as = await startOAuthServer();
    const verifier = (): SandboxTokenVerifier =>
      new SandboxTokenVerifier({
        issuer: as.issuer,
        introspectionEndpoint: `${as.issuer}/token/introspection`,
        clientId: RESOURCE_CLIENT.id,
        clientSecret: RESOURCE_CLIENT.secret,
      });
    avinodeTokens = verifier();
    n8nTokens = verifier();
    avinode = await startSandboxServer('avinode', { oauth: avinodeTokens });
    n8n = await startSandboxServer('n8n', { oauth: n8nTokens });
    t = await startTestApp({
      env: {
        AVAINODE_MCP_SERVER_URL: avinode.url,
        AVAINODE_MCP_AUTH: 'oauth',
        AVAINODE_MCP_OAUTH_CLIENT_ID: M2M_CLIENT.id,
        AVAINODE_MCP_OAUTH_CLIENT_SECRET: M2M_CLIENT.secret,
        N8N_MCP_SERVER_URL: n8n.url,
        N8N_MCP_AUTH: 'oauth',
        N8N_MCP_OAUTH_GRANT: 'authorization_code',
        N8N_MCP_OAUTH_CLIENT_ID: OPERATOR_CLIENT.id,
        N8N_MCP_OAUTH_CLIENT_SECRET: OPERATOR_CLIENT.secret,
        N8N_MCP_OAUTH_SCOPE: 'openid mcp',
        AVAINODE_MCP_OAUTH_SCOPE: 'mcp',
        MCP_OAUTH_REDIRECT_URL: REDIRECT_URL,
        MCP_TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
        MCP_OAUTH_REFRESH_SKEW_SECONDS: '25',
        MCP_MAX_RETRIES: '0',
      },
    });
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([avinode?.close(), n8n?.close()]);
    await as?.close();
  });

  const status = async (): Promise<
    Record<string, { state: string; auth?: { state: string; reason: string | null } }>
  > => ((await (await t.request('/api/integration/status')).json()) as { servers: never }).servers;

  it('gets a token with client credentials and calls tools with it', async () => {
    const response = await t.request(AIRCRAFT);
    expect(response.status).toBe(200);
    expect(as.grants['client_credentials']).toBe(1);
    expect(avinodeTokens.accepted.size).toBe(1);
    const servers = await status();
    expect(servers['avinode']).toMatchObject({ state: 'up', auth: { mode: 'oauth', state: 'authorized' } });
  });

  it('after a revocation, one 401 costs one token request and one retry, even for a burst of calls', async () => {
    await as.revoke(lastToken(avinodeTokens));
    const before = { grants: as.grants['client_credentials'] ?? 0, refused: avinodeTokens.refused };
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.request(AIRCRAFT)));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 200]);
    expect(as.grants['client_credentials']).toBe(before.grants + 1);
    expect(avinodeTokens.refused).toBeGreaterThanOrEqual(before.refused + 1);
    expect(avinodeTokens.accepted.size).toBe(2);
  });

  it('renews a token before it expires, so the server never refuses it', async () => {
    // From now on tokens live 30 s; the backend renews them 25 s before expiry, i.e. after about 5 s.
    as.accessTokenTtl = 30;
    await as.revoke(lastToken(avinodeTokens));
    expect((await t.request(AIRCRAFT)).status).toBe(200);
    const shortLived = lastToken(avinodeTokens);
    const refused = avinodeTokens.refused;
    await eventually(
      async () => (await t.request(AIRCRAFT)).status === 200 && lastToken(avinodeTokens) !== shortLived,
      30_000,
      250,
      'a token renewed before expiry',
    );
    expect(avinodeTokens.refused).toBe(refused);
    as.accessTokenTtl = 3600;
  });

  it('a refused client-credentials grant makes the server unauthorized until an operator asks for a reconnect', async () => {
    as.refuseTokens = true;
    await as.revoke(lastToken(avinodeTokens));
    const refused = await t.request(AIRCRAFT);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ server: 'avinode', reason: 'unauthorized' });
    expect((await status())['avinode']).toMatchObject({ state: 'unauthorized', auth: { state: 'unauthorized' } });

    as.refuseTokens = false;
    const reconnected = await t.request('/api/integration/status', { method: 'POST' });
    expect(reconnected.status).toBe(200);
    expect(await reconnected.json()).toMatchObject({ servers: { avinode: { state: 'up' } } });
    expect((await t.request(AIRCRAFT)).status).toBe(200);
  });

  it('signs an operator in through the admin endpoint (PKCE), then calls n8n; tokens are encrypted at rest', async () => {
    const before = await status();
    expect(before['n8n']).toMatchObject({ state: 'unauthorized', auth: { state: 'sign_in_required' } });
    const refused = await t.request(WORKFLOWS);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ server: 'n8n', reason: 'unauthorized' });

    expect((await t.request('/api/integration/mcp/n8n/oauth/start', { method: 'POST', auth: false })).status).toBe(401);
    const started = await t.request('/api/integration/mcp/n8n/oauth/start', { method: 'POST' });
    expect(started.status).toBe(200);
    const { authorizationUrl } = (await started.json()) as { authorizationUrl: string };
    const authorize = new URL(authorizationUrl);
    expect(authorize.origin).toBe(as.issuer);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('resource')).toBe(`${new URL(n8n.url).origin}/mcp`);

    const back = await as.signIn(authorizationUrl, 'operator-1');
    expect(back.searchParams.get('code')).toBeTruthy();
    const callback = await t.request(`/api/integration/mcp/oauth/callback${back.search}`, { auth: false });
    expect(callback.status).toBe(200);
    expect(await callback.json()).toMatchObject({ server: 'n8n', signedIn: true, state: 'up' });
    // The state is single-use.
    const replay = await t.request(`/api/integration/mcp/oauth/callback${back.search}`, { auth: false });
    expect(replay.status).toBe(422);

    expect((await t.request(WORKFLOWS)).status).toBe(200);
    expect(as.grants['authorization_code']).toBe(1);

    const rows = await t.app
      .get(DataSource)
      .query<{ server: string; access_token: string; refresh_token: string | null; status: string }[]>(
        `SELECT server, access_token, refresh_token, status FROM mcp_oauth_tokens ORDER BY server`,
      );
    expect(rows.map((row) => [row.server, row.status])).toEqual([
      ['avinode', 'authorized'],
      ['n8n', 'authorized'],
    ]);
    const plaintext = [...avinodeTokens.accepted.keys(), ...n8nTokens.accepted.keys()];
    for (const row of rows) {
      expect(row.access_token.startsWith('v1.')).toBe(true);
      for (const token of plaintext) {
        expect(row.access_token).not.toContain(token);
        expect(row.refresh_token ?? '').not.toContain(token);
      }
    }
    expect(rows.find((row) => row.server === 'n8n')?.refresh_token?.startsWith('v1.')).toBe(true);
  });

  it('when the refresh is refused, the server is unauthorized in status and readiness, audited, and calls answer 503', async () => {
    // Revoking the access token revokes the operator's whole grant, refresh token included.
    await as.revoke(lastToken(n8nTokens));
    const refusedRefreshes = as.refusals['refresh_token'] ?? 0;
    const answer = await t.request(WORKFLOWS);
    expect(answer.status).toBe(503);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await answer.json()) as { server: string; reason: string; detail: string };
    expect(problem).toMatchObject({ server: 'n8n', reason: 'unauthorized' });
    expect(problem.detail).toContain('/api/integration/mcp/n8n/oauth/start');
    expect(as.refusals['refresh_token']).toBe(refusedRefreshes + 1);

    // Further calls fail at once, without asking the authorization server again.
    expect((await t.request(WORKFLOWS)).status).toBe(503);
    expect(as.refusals['refresh_token']).toBe(refusedRefreshes + 1);

    const servers = await status();
    expect(servers['n8n']).toMatchObject({ state: 'unauthorized', auth: { state: 'unauthorized' } });
    expect(servers['avinode']?.state).toBe('up');
    const ready = (await (await t.request('/health/ready')).json()) as { details: Record<string, unknown> };
    expect(ready.details['mcp_n8n']).toMatchObject({ state: 'unauthorized', auth: 'unauthorized' });

    const audit = await eventually(async () => {
      const entries = await t.app
        .get(DataSource)
        .query<{ subject: string; outcome: string; details: { reason: string } }[]>(
          `SELECT subject, outcome, details FROM audit_log WHERE type = 'mcp.oauth.unauthorized' AND subject = 'n8n'`,
        );
      return entries.length > 0 ? entries : undefined;
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ subject: 'n8n', outcome: 'failure' });
    expect(audit[0]?.details.reason).toMatch(/refused/);
  });
});
