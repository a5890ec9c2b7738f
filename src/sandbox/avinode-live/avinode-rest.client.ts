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

export class AvinodeRestClient {
  private readonly timeoutMs: number;

  constructor(private readonly settings: AvinodeLiveSettings) {
    this.timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  get baseUrl(): string {
    return this.settings.baseUrl;
  }

  /** The text with the tokens masked: a second guard, since no message built here quotes them. */
  scrub(text: string): string {
    let scrubbed = text;
    for (const secret of [this.settings.apiToken, this.settings.authToken]) {
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

  /** Sends one request; resolves with the envelope's `data`, or throws `AvinodeApiError`. */
  async send(request: AvinodeRequest): Promise<unknown> {
    const url = new URL(`${this.settings.baseUrl}${request.path}`);
    for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
    const what = `${request.method} ${url.pathname}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: this.headers(request.body !== undefined),
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

  /** The documented headers (docs/api-basics, reference pages): built per call for a fresh SentTimestamp. */
  private headers(withBody: boolean): Record<string, string> {
    return {
      accept: 'application/json',
      ...(withBody ? { 'content-type': 'application/json' } : {}),
      authorization: `Bearer ${this.settings.authToken}`,
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
