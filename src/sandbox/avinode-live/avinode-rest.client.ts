/**
 * A small client of Avinode's REST API (developer.avinodegroup.com): the headers every call needs, the `{meta, data}`
 * envelope, and the error answers (docs/error-handling-guide) turned into an `AvinodeApiError` with a code the MCP
 * tools pass on. Credentials go into headers only; no message, error or log line built here contains them.
 */
import type { AvinodeLiveSettings } from './avinode-live.config.js';

/** What went wrong, as the MCP tool error's `_meta.errorCode` says it (the backend classifies these codes). */
export type AvinodeApiErrorCode =
  | 'validation' // 400 / 422, or a 200 the API marks invalid: the caller's input
  | 'not_found' // 404
  | 'conflict' // 409
  | 'unauthorized' // 401: the credentials were refused
  | 'forbidden' // 403: the API connection lacks the permission
  | 'rate_limited' // 429, with Retry-After when sent
  | 'upstream_unavailable'; // 5xx, timeout, connection failure, a body that is not the documented JSON

export class AvinodeApiError extends Error {
  constructor(
    readonly code: AvinodeApiErrorCode,
    message: string,
    readonly details: { status?: number; field?: string; retryAfterSeconds?: number; upstreamCode?: string } = {},
  ) {
    super(message);
    this.name = 'AvinodeApiError';
  }
}

interface ApiMessage {
  title?: unknown;
  code?: unknown;
  path?: unknown;
}

export interface AvinodeEnvelope {
  meta?: { errors?: ApiMessage[]; warnings?: ApiMessage[]; infos?: ApiMessage[] };
  data?: unknown;
}

export interface AvinodeRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Path under the base URL (`/trips/atrip-1`) or an absolute href under it. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** Renew an OAuth token this long before it expires, so a call never carries one that lapses on the way. */
const TOKEN_RENEW_MARGIN_MS = 60_000;
/** Lifetime asked for (1–120 minutes, default 30: docs/oauth-management). */
const TOKEN_LIFETIME_MINUTES = 30;

export class AvinodeRestClient {
  private readonly timeoutMs: number;
  private token: { value: string; renewAt: number } | undefined;
  /** One token request at a time: concurrent calls share it. */
  private tokenRequest: Promise<string> | undefined;

  constructor(private readonly settings: AvinodeLiveSettings) {
    this.timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  get baseUrl(): string {
    return this.settings.baseUrl;
  }

  /** The text with the tokens masked: a second guard, since no message built here quotes them. */
  scrub(text: string): string {
    let scrubbed = text;
    const secrets = [this.settings.apiToken, this.settings.authToken, this.settings.oauth?.clientSecret ?? ''];
    if (this.token) secrets.push(this.token.value);
    for (const secret of secrets) {
      if (secret.length >= 4) scrubbed = scrubbed.split(secret).join('[redacted]');
    }
    return scrubbed;
  }

  /**
   * The path under the base URL that an href names, or undefined when it points elsewhere: an href from a webhook is
   * followed only to the configured API, so the credentials are never sent to another host.
   */
  pathOfHref(href: string): string | undefined {
    let url: URL;
    let base: URL;
    try {
      url = new URL(href);
      base = new URL(`${this.settings.baseUrl}/`);
    } catch {
      return undefined;
    }
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname) || url.username || url.password) {
      return undefined;
    }
    return `/${url.pathname.slice(base.pathname.length)}`;
  }

  /**
   * Sends one request; resolves with the envelope's `data`, or throws `AvinodeApiError`. With OAuth client credentials
   * a 401 drops the token and the request is sent once more with a fresh one (it may have been revoked early).
   */
  async send(request: AvinodeRequest): Promise<unknown> {
    try {
      return await this.sendOnce(request, await this.bearer());
    } catch (error) {
      if (!(this.settings.oauth && error instanceof AvinodeApiError && error.code === 'unauthorized')) throw error;
      this.token = undefined;
      return this.sendOnce(request, await this.bearer());
    }
  }

  private async sendOnce(request: AvinodeRequest, bearer: string): Promise<unknown> {
    const url = new URL(`${this.settings.baseUrl}${request.path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
    const what = `${request.method} ${url.pathname}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: this.headers(bearer, request.body !== undefined),
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs} ms`
          : 'connection failed';
      throw new AvinodeApiError('upstream_unavailable', `Avinode API ${what}: ${reason}`);
    }
    const text = await response.text().catch(() => '');
    const envelope = parseEnvelope(text);
    if (response.ok) {
      if (envelope === undefined) {
        throw new AvinodeApiError(
          'upstream_unavailable',
          `Avinode API ${what} answered ${response.status} without JSON`,
          {
            status: response.status,
          },
        );
      }
      return envelope.data;
    }
    throw errorOf(what, response, envelope);
  }

  /** The static authentication token, or a current OAuth access token (requested when there is none or it is due). */
  private async bearer(): Promise<string> {
    if (!this.settings.oauth) return this.settings.authToken;
    if (this.token && Date.now() < this.token.renewAt) return this.token.value;
    this.tokenRequest ??= this.requestToken(this.settings.oauth).finally(() => {
      this.tokenRequest = undefined;
    });
    return this.tokenRequest;
  }

  /** `POST /oauth/token` with the client credentials grant (docs/oauth-management). */
  private async requestToken(oauth: { clientId: string; clientSecret: string }): Promise<string> {
    const what = 'POST /oauth/token';
    let response: Response;
    try {
      response = await fetch(`${this.settings.baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: oauth.clientId,
          client_secret: oauth.clientSecret,
          expiresInMinutes: String(TOKEN_LIFETIME_MINUTES),
        }).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
    } catch {
      throw new AvinodeApiError('upstream_unavailable', `Avinode API ${what}: connection failed`);
    }
    const text = await response.text().catch(() => '');
    if (response.status === 400 || response.status === 401 || response.status === 403) {
      throw new AvinodeApiError(
        'unauthorized',
        `Avinode API ${what} answered HTTP ${response.status}; the OAuth client id or secret was refused`,
        { status: response.status },
      );
    }
    if (!response.ok) throw errorOf(what, response, parseEnvelope(text));
    let body: { access_token?: unknown; expires_in?: unknown } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // Checked below.
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new AvinodeApiError('upstream_unavailable', `Avinode API ${what} answered without an access token`);
    }
    const seconds = typeof body.expires_in === 'number' ? body.expires_in : TOKEN_LIFETIME_MINUTES * 60;
    this.token = {
      value: body.access_token,
      renewAt: Date.now() + Math.max(0, seconds * 1000 - TOKEN_RENEW_MARGIN_MS),
    };
    return body.access_token;
  }

  /** The documented headers (docs/api-basics, reference pages): built per call for a fresh SentTimestamp. */
  private headers(bearer: string, withBody: boolean): Record<string, string> {
    return {
      accept: 'application/json',
      ...(withBody ? { 'content-type': 'application/json' } : {}),
      authorization: `Bearer ${bearer}`,
      'x-avinode-apitoken': this.settings.apiToken,
      'x-avinode-senttimestamp': new Date().toISOString(),
      'x-avinode-product': this.settings.product,
      ...(this.settings.actAsAccount ? { 'x-avinode-actasaccount': this.settings.actAsAccount } : {}),
    };
  }
}

function parseEnvelope(text: string): AvinodeEnvelope | undefined {
  if (text.trim() === '') return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function firstError(envelope: AvinodeEnvelope | undefined): { title?: string; code?: string; path?: string } {
  const error = envelope?.meta?.errors?.[0];
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, 300) : undefined;
  const title = text(error?.title);
  const code = text(error?.code);
  const path = text(error?.path);
  return { ...(title ? { title } : {}), ...(code ? { code } : {}), ...(path ? { path } : {}) };
}

/** Avinode's `activities[1].startAirport` as our dotted field path `activities.1.startAirport`. */
function fieldOf(path: string | undefined): string | undefined {
  return path?.replace(/\[(\d+)\]/g, '.$1');
}

/** Seconds of a Retry-After header (delta-seconds or HTTP date). */
function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function errorOf(what: string, response: Response, envelope: AvinodeEnvelope | undefined): AvinodeApiError {
  const status = response.status;
  const { title, code, path } = firstError(envelope);
  const said = [title, code ? `(${code})` : undefined].filter(Boolean).join(' ');
  const base = `Avinode API ${what} answered HTTP ${status}${said ? `: ${said}` : ''}`;
  const upstream = code ? { upstreamCode: code } : {};
  if (status === 401) {
    return new AvinodeApiError('unauthorized', `${base}; the API token or authentication token was refused`, {
      status,
      ...upstream,
    });
  }
  if (status === 403) {
    return new AvinodeApiError('forbidden', `${base}; the API connection lacks the permission for this operation`, {
      status,
      ...upstream,
    });
  }
  if (status === 429) {
    const seconds = retryAfterSeconds(response.headers.get('retry-after'));
    return new AvinodeApiError('rate_limited', `${base}; rate limited`, {
      status,
      ...upstream,
      ...(seconds === undefined ? {} : { retryAfterSeconds: seconds }),
    });
  }
  if (status === 404) return new AvinodeApiError('not_found', base, { status, ...upstream });
  if (status === 409) return new AvinodeApiError('conflict', base, { status, ...upstream });
  if (status === 400 || status === 422) {
    const field = fieldOf(path);
    return new AvinodeApiError('validation', base, { status, ...upstream, ...(field ? { field } : {}) });
  }
  return new AvinodeApiError('upstream_unavailable', base, { status, ...upstream });
}
