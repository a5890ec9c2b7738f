/**
 * Settings of the Avinode MCP server in live mode: where the real Avinode REST API is and the credentials Avinode
 * issued (developer.avinodegroup.com/docs/api-basics). Read from the environment by the callers that own it (the
 * backend's AppConfig, the standalone server, live-check); this module only validates and names what is missing.
 */

export interface AvinodeLiveSettings {
  /** e.g. https://sandbox.avinode.com/api or https://services.avinode.com/api (no trailing slash). */
  baseUrl: string;
  /** `X-Avinode-ApiToken`. */
  apiToken: string;
  /**
   * The authentication token, sent as `Authorization: Bearer <token>`; empty when `oauth` is set, which then gets
   * short-lived tokens instead (docs/oauth-management).
   */
  authToken: string;
  /** OAuth 2.0 client credentials of the API connection: bearer tokens from `POST /oauth/token`, renewed before expiry. */
  oauth?: { clientId: string; clientSecret: string } | undefined;
  /** `X-Avinode-Product`: the calling product and version, e.g. `JetVision-Integration/0.1.0`. */
  product: string;
  /** `X-Avinode-ActAsAccount`: the Avinode user login to act for (optional). */
  actAsAccount?: string | undefined;
  /** Bound of one REST call; default 15 s. */
  timeoutMs?: number | undefined;
}

/** The variables live mode reads, in the order they are reported. */
export const AVINODE_LIVE_VARIABLES = {
  baseUrl: 'AVINODE_API_BASE_URL',
  apiToken: 'AVINODE_API_TOKEN',
  authToken: 'AVINODE_AUTH_TOKEN',
  product: 'AVINODE_PRODUCT',
  actAsAccount: 'AVINODE_ACT_AS_ACCOUNT',
  oauthClientId: 'AVINODE_OAUTH_CLIENT_ID',
  oauthClientSecret: 'AVINODE_OAUTH_CLIENT_SECRET',
} as const;

export const DEFAULT_AVINODE_PRODUCT = 'JetVision-Integration/0.1.0';

export type AvinodeLiveSettingsResult =
  { ok: true; settings: AvinodeLiveSettings } | { ok: false; missing: string[]; invalid: string[] };

/**
 * Settings from an environment-like record. Required: base URL, API token and auth token; the product defaults. The
 * answer names variables only, never their values.
 */
export function avinodeLiveSettingsFrom(env: Readonly<Record<string, string | undefined>>): AvinodeLiveSettingsResult {
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw ? raw : undefined;
  };
  const missing: string[] = [];
  const invalid: string[] = [];
  const baseUrl = value(AVINODE_LIVE_VARIABLES.baseUrl);
  const apiToken = value(AVINODE_LIVE_VARIABLES.apiToken);
  const authToken = value(AVINODE_LIVE_VARIABLES.authToken);
  if (!baseUrl) missing.push(AVINODE_LIVE_VARIABLES.baseUrl);
  else if (!isHttpUrl(baseUrl))
    invalid.push(`${AVINODE_LIVE_VARIABLES.baseUrl} must be an http(s) URL without credentials`);
  const clientId = value(AVINODE_LIVE_VARIABLES.oauthClientId);
  const clientSecret = value(AVINODE_LIVE_VARIABLES.oauthClientSecret);
  const oauth = clientId && clientSecret ? { clientId, clientSecret } : undefined;
  if (!apiToken) missing.push(AVINODE_LIVE_VARIABLES.apiToken);
  if (!authToken && !oauth) {
    // Either the static token, or both OAuth client credentials; name the half-given pair's other half.
    if (clientId) missing.push(AVINODE_LIVE_VARIABLES.oauthClientSecret);
    else if (clientSecret) missing.push(AVINODE_LIVE_VARIABLES.oauthClientId);
    else missing.push(AVINODE_LIVE_VARIABLES.authToken);
  }
  if (!baseUrl || !apiToken || (!authToken && !oauth) || invalid.length > 0) return { ok: false, missing, invalid };
  return {
    ok: true,
    settings: {
      baseUrl: baseUrl.replace(/\/+$/, ''),
      apiToken,
      authToken: authToken ?? '',
      oauth,
      product: value(AVINODE_LIVE_VARIABLES.product) ?? DEFAULT_AVINODE_PRODUCT,
      actAsAccount: value(AVINODE_LIVE_VARIABLES.actAsAccount),
    },
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !url.username && !url.password && !url.search;
  } catch {
    return false;
  }
}
