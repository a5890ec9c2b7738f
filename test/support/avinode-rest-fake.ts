/**
 * A recorded-contract fake of Avinode's REST API on loopback, answering from the documented examples in
 * test/fixtures/avinode-rest/ (each file names its documentation pages in `$source`). It checks the headers every call
 * needs, records each request for the test to assert, and plays injected error answers (401, 403, 429, 400, 404).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  return JSON.parse(readFileSync(new URL(`../fixtures/avinode-rest/${name}.json`, import.meta.url), 'utf8')) as Json;
}

export const AVINODE_FIXTURES = {
  trips: fixture('trips'),
  rfqs: fixture('rfqs'),
  tripmsgs: fixture('tripmsgs'),
  referenceData: fixture('reference-data'),
  errors: fixture('errors') as Record<string, { status: number; headers?: Record<string, string>; body: Json }>,
};

export type AvinodeFakeError = 'unauthorized' | 'forbidden' | 'rateLimited' | 'invalidAirport' | 'notFound';

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  body: unknown;
}

interface Injected {
  method: string | undefined;
  path: RegExp;
  error: AvinodeFakeError;
  times: number;
}

export class AvinodeRestFake {
  readonly requests: RecordedRequest[] = [];
  private server: Server | null = null;
  private readonly injected: Injected[] = [];
  private readonly cancelled = new Map<string, Json>();
  private readonly outcomes = new Map<string, Json>();

  private readonly issued = new Set<string>();
  private tokenCount = 0;

  /** `oauth`: client credentials `POST /api/oauth/token` accepts (docs/oauth-management); its tokens are bearers too. */
  constructor(
    readonly credentials: { apiToken: string; authToken: string; oauth?: { clientId: string; clientSecret: string } },
  ) {}

  /** Every OAuth token issued so far stops working, as when they expire or are revoked. */
  revokeTokens(): void {
    this.issued.clear();
  }

  get baseUrl(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('the Avinode fake is not listening');
    return `http://127.0.0.1:${address.port}/api`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** The next `times` requests matching answer the documented error instead. */
  failNext(path: RegExp, error: AvinodeFakeError, options: { method?: string; times?: number } = {}): void {
    this.injected.push({ method: options.method, path, error, times: options.times ?? 1 });
  }

  clear(): void {
    this.requests.length = 0;
    this.injected.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const raw = await new Promise<string>((resolve, reject) => {
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (data += chunk));
      req.on('end', () => resolve(data));
      req.on('error', reject);
    });
    const form = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const body: unknown =
      raw === '' ? undefined : form ? Object.fromEntries(new URLSearchParams(raw)) : (JSON.parse(raw) as unknown);
    const headers: Record<string, string | undefined> = {};
    for (const [key, value] of Object.entries(req.headers))
      headers[key] = Array.isArray(value) ? value.join(',') : value;
    this.requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body });

    if (method === 'POST' && url.pathname === '/api/oauth/token') return this.issueToken(body as Json, res);
    // docs/error-handling-guide: a missing X-Avinode-SentTimestamp is the most common 400.
    if (!headers['x-avinode-senttimestamp']) return this.error(res, 'timestampMissing');
    const bearer = headers.authorization?.startsWith('Bearer ') ? headers.authorization.slice('Bearer '.length) : '';
    if (
      (bearer !== this.credentials.authToken && !this.issued.has(bearer)) ||
      headers['x-avinode-apitoken'] !== this.credentials.apiToken
    ) {
      return this.error(res, 'unauthorized');
    }
    const injected = this.injected.find((i) => i.path.test(url.pathname) && (!i.method || i.method === method));
    if (injected) {
      injected.times -= 1;
      if (injected.times <= 0) this.injected.splice(this.injected.indexOf(injected), 1);
      return this.error(res, injected.error);
    }
    this.route(method, url.pathname.replace(/^\/api/, ''), body, res);
  }

  private route(method: string, path: string, body: unknown, res: ServerResponse): void {
    const trip = /^\/trips\/([\w-]+)$/.exec(path);
    const tripAction = /^\/trips\/([\w-]+)\/(cancel|outcome)$/.exec(path);
    const rfq = /^\/rfqs\/([\w-]+)$/.exec(path);
    const message = /^\/tripmsgs\/([\w-]+)$/.exec(path);
    if (method === 'POST' && path === '/trips') {
      const request = body as Json;
      return this.json(res, 201, this.fill(AVINODE_FIXTURES.trips.created, request));
    }
    if (method === 'GET' && trip) {
      const known = this.fill(AVINODE_FIXTURES.trips.trip);
      if ((known.data as Json).id !== trip[1]) return this.error(res, 'notFound');
      const cancellation = this.cancelled.get(trip[1] ?? '');
      const outcome = this.outcomes.get(trip[1] ?? '');
      return this.json(res, 200, {
        ...known,
        data: {
          ...(known.data as Json),
          ...(cancellation ? { status: 'CANCELLED', cancellation } : {}),
          ...(outcome ? { outcome } : {}),
        },
      });
    }
    if (method === 'PUT' && tripAction) {
      const [, id = '', action] = tripAction;
      if (id !== 'atrip-64956151') return this.error(res, 'notFound');
      const request = body as Json;
      if (action === 'cancel') {
        this.cancelled.set(id, { ...request, cancelledOn: '2026-12-05T23:00:00.000Z' });
      } else {
        this.outcomes.set(id, { ...request, reportedOn: '2026-12-05T23:30:00.000Z' });
      }
      return this.json(res, 200, { meta: { errors: [], warnings: [], infos: [] }, data: { id, type: 'trips' } });
    }
    if (method === 'GET' && rfq) {
      const found = AVINODE_FIXTURES.rfqs[rfq[1] ?? ''];
      return found ? this.json(res, 200, this.fill(found)) : this.error(res, 'notFound');
    }
    if (method === 'GET' && message) {
      const found = AVINODE_FIXTURES.tripmsgs[message[1] ?? ''];
      return found ? this.json(res, 200, this.fill(found)) : this.error(res, 'notFound');
    }
    if (method === 'GET' && path === '/airports/search')
      return this.json(res, 200, AVINODE_FIXTURES.referenceData.airports);
    if (method === 'GET' && path === '/webhooks/settings') {
      return this.json(res, 200, AVINODE_FIXTURES.referenceData.webhookSettings);
    }
    if (method === 'GET' && path === '/aircrafttypes') {
      return this.json(res, 200, AVINODE_FIXTURES.referenceData.aircraftTypes);
    }
    return this.error(res, 'notFound');
  }

  private issueToken(form: Json, res: ServerResponse): void {
    const oauth = this.credentials.oauth;
    if (
      !oauth ||
      form.grant_type !== 'client_credentials' ||
      form.client_id !== oauth.clientId ||
      form.client_secret !== oauth.clientSecret
    ) {
      return this.json(res, 401, { error: 'invalid_client' });
    }
    this.tokenCount += 1;
    const token = `fake-access-${this.tokenCount}`;
    this.issued.add(token);
    const minutes = Number(form.expiresInMinutes ?? 30);
    this.json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: minutes * 60 });
  }

  /** The fixture with `{base}` and the request's own values put in. */
  private fill(value: unknown, request?: Json): Json {
    const text = JSON.stringify(value).replaceAll('{base}', this.baseUrl);
    const filled = JSON.parse(text) as Json;
    if (request) {
      const data = filled.data as Json;
      data.externalTripId = request.externalTripId;
      data.segments = request.segments;
      data.criteria = request.criteria;
    }
    return filled;
  }

  private error(res: ServerResponse, name: string): void {
    const answer = AVINODE_FIXTURES.errors[name];
    if (!answer) throw new Error(`no error fixture ${name}`);
    this.json(res, answer.status, answer.body, answer.headers);
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }
}
