import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rawRequest, type RawResponse } from '../support/raw-http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Authentication is decided by the route the router matched, so no spelling of a protected path reaches it without a
 * key. Every operation of the OpenAPI document that is not public is requested, without a key, through every trick
 * below, over a bare socket (the path goes out byte for byte); the answer must be 401 or 404, never anything else.
 */

interface Operation {
  method: string;
  /** The OpenAPI path template, e.g. `/api/integration/bookings/{id}`. */
  template: string;
  /** The template with sample parameter values: a path the router matches. */
  path: string;
}

interface Variant {
  trick: string;
  target: string;
  /** The answers this spelling may get; none is 2xx or 3xx. */
  allowed: readonly number[];
}

/**
 * Not a route, or a route that needs a key; or refused at the edge before any guard or handler runs: 400 for a
 * parameter holding text that cannot be stored (a trailing %00), 405 for a path only other methods have.
 */
const DENIED = [400, 401, 404, 405] as const;
/** Spellings the router decodes back to the protected route itself: they must meet the key check, not miss the route. */
const MATCHES_ROUTE = [401] as const;
/** Bytes the HTTP parser or URL decoder refuses before any routing (raw non-ASCII, backslash, invalid UTF-8). */
const MALFORMED = [400] as const;
/** Longer than the router takes for one parameter (414), a path no route has (404) or only other methods have (405). */
const OVERLONG = [404, 405, 414] as const;

interface OpenApiParameter {
  name: string;
  in: string;
  schema?: { format?: string; enum?: unknown[]; example?: unknown };
  example?: unknown;
}

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  security?: Array<Record<string, unknown>>;
}

type OpenApiDocument = { paths: Record<string, Record<string, OpenApiOperation>> };

const SAMPLE_UUID = '3f0c8a52-5d4e-4a7b-9c1d-2e6f7a8b9c0d';
const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

const hex = (char: string, lower = false): string => {
  const encoded = [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
  return lower ? encoded : encoded.toUpperCase();
};

/** Every way we know of to spell `path` differently; each entry is one raw request target. */
function variantsOf(path: string): Variant[] {
  const variants: Variant[] = [{ trick: 'as documented', target: path, allowed: MATCHES_ROUTE }];
  const segments = path.split('/').slice(1);
  const add = (trick: string, target: string, allowed: readonly number[] = DENIED): void => {
    variants.push({ trick, target, allowed });
  };

  // Percent-encoding of each single character, then of all of them (upper- and lower-case hex).
  for (let i = 0; i < path.length; i++) {
    const char = path[i] ?? '';
    if (char === '/') continue;
    add(`percent-encoded character ${i} ("${char}")`, path.slice(0, i) + hex(char) + path.slice(i + 1), MATCHES_ROUTE);
  }
  const encodeAll = (lower: boolean): string =>
    [...path].map((char) => (char === '/' ? '/' : hex(char, lower))).join('');
  add('every character percent-encoded', encodeAll(false), MATCHES_ROUTE);
  add('every character percent-encoded, lower-case hex', encodeAll(true), MATCHES_ROUTE);

  // Double encoding, encoded slashes and dots.
  for (const [index, segment] of segments.entries()) {
    const first = segment[0] ?? '';
    const before = segments.slice(0, index).join('/');
    const after = segments.slice(index + 1).join('/');
    const join = (replacement: string): string => `/${[before, replacement, after].filter(Boolean).join('/')}`;
    add(`double-encoded first character of segment ${index}`, join(`%25${hex(first).slice(1)}${segment.slice(1)}`));
    add(`";" parameter on segment ${index}`, join(`${segment};jsessionid=1`));
    add(`"/./" before segment ${index}`, join(`.${segment ? `/${segment}` : ''}`));
    add(`"/x/../" before segment ${index}`, join(`x/../${segment}`));
    add(`encoded "/%2e%2e/" before segment ${index}`, join(`x/%2e%2e/${segment}`));
    add(`"//" before segment ${index}`, path.replace(`/${segment}`, `//${segment}`));
    add(`upper-case segment ${index}`, join(segment.toUpperCase()));
    add(`capitalised segment ${index}`, join(first.toUpperCase() + segment.slice(1)));
    add(`backslash before segment ${index}`, join(segment).replace(`/${segment}`, `\\${segment}`), [
      ...MALFORMED,
      ...DENIED,
    ]);
  }
  for (let i = 1; i < path.length; i++) {
    if (path[i] === '/') {
      add(`encoded slash %2F at ${i}`, `${path.slice(0, i)}%2F${path.slice(i + 1)}`);
      add(`encoded slash %2f at ${i}`, `${path.slice(0, i)}%2f${path.slice(i + 1)}`);
    }
  }
  add('leading "//"', `/${path}`);
  add('trailing slash', `${path}/`);
  add('trailing "//"', `${path}//`);
  add('trailing "/."', `${path}/.`);
  add('trailing ";"', `${path};`);
  add('trailing ";" parameter', `${path};a=b`);
  add('trailing encoded NUL', `${path}%00`);
  add('upper-case path', path.toUpperCase());
  add('absolute-form target, encoded', `http://127.0.0.1${path.replace('/api/', '/%61pi/')}`);

  // Overlong forms (within the header size limit, so the router sees them).
  add('4,000 leading slashes', `${'/'.repeat(4000)}${path.slice(1)}`);
  add('4,000 "/./" segments', `${'/.'.repeat(2000)}${path}`);
  add('overlong trailing segment', `${path}/${'a'.repeat(4000)}`, OVERLONG);
  add('overlong parameter', `${path}${'%61'.repeat(1000)}`, OVERLONG);

  // Unicode look-alikes and normalisation forms, encoded and as raw UTF-8 bytes.
  const lookalikes: Array<[string, string, string]> = [
    ['a', '\uff41', 'fullwidth a'],
    ['a', 'a\u0301', 'a with combining acute'],
    ['s', '\u017f', 'long s'],
    ['i', '\u0131', 'dotless i'],
    ['i', '\u0130', 'dotted capital I'],
    ['t', '\u1d57', 'modifier t'],
  ];
  for (const [ascii, lookalike, name] of lookalikes) {
    const at = path.indexOf(ascii);
    if (at < 0) continue;
    const replaced = (form: string): string => path.slice(0, at) + form + path.slice(at + 1);
    add(`${name}, percent-encoded`, replaced(hex(lookalike)));
    add(`${name}, raw UTF-8`, replaced(lookalike), MALFORMED);
    add(`${name}, NFKD-normalised then encoded`, replaced(hex(lookalike.normalize('NFKD'))));
  }
  add('overlong UTF-8 slash %C0%AF', path.replace('/integration', '%C0%AFintegration'), MALFORMED);
  add('overlong UTF-8 "a" %C1%A1', path.replace('/api', '/%C1%A1pi'), MALFORMED);
  return variants;
}

function sampleValue(parameter: OpenApiParameter): string {
  const example = parameter.example ?? parameter.schema?.example ?? parameter.schema?.enum?.[0];
  if (typeof example === 'string' || typeof example === 'number') return encodeURIComponent(String(example));
  return parameter.schema?.format === 'uuid' ? SAMPLE_UUID : 'sample-1';
}

function protectedOperations(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method)) continue;
      // Public operations carry an empty security requirement; the rest inherit the document's API-key schemes.
      if (operation.security?.some((requirement) => Object.keys(requirement).length === 0)) continue;
      const path = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
        const parameter = operation.parameters?.find((p) => p.in === 'path' && p.name === name);
        return parameter ? sampleValue(parameter) : SAMPLE_UUID;
      });
      operations.push({ method: method.toUpperCase(), template, path });
      if (method === 'get') operations.push({ method: 'HEAD', template, path });
    }
  }
  return operations;
}

/** Runs `work` over `items` with at most `width` in flight (the suite sends thousands of requests). */
async function inPool<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index] as T);
      }
    }),
  );
  return results;
}

describe('path tricks never reach a protected route without a key', () => {
  let t: TestApp;
  let port: number;
  let operations: Operation[];
  const routes: Array<{ method: string; url: string }> = [];

  beforeAll(async () => {
    t = await startTestApp({
      onRoute: ({ method, url }) => {
        for (const one of [method].flat()) routes.push({ method: one, url });
      },
    });
    port = Number(new URL(t.baseUrl).port);
    const docs = await rawRequest(port, '/docs/openapi.json');
    expect(docs.status).toBe(200);
    operations = protectedOperations(JSON.parse(docs.body) as OpenApiDocument);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('finds the protected operations in the OpenAPI document, the event stream among them', () => {
    expect(operations.length).toBeGreaterThan(40);
    expect(operations).toContainEqual(expect.objectContaining({ method: 'GET', path: '/api/integration/events' }));
    expect(operations).toContainEqual(expect.objectContaining({ method: 'DELETE', path: '/api/integration/sync' }));
    expect(operations).toContainEqual(expect.objectContaining({ method: 'POST', path: '/api/integration/workflows' }));
  });

  it('answers every spelling of every protected operation with 401 or 404', async () => {
    const requests = operations.flatMap((operation) =>
      variantsOf(operation.path).map((variant) => ({ operation, variant })),
    );
    const answers = await inPool(requests, 8, async ({ operation, variant }) => {
      const response: RawResponse = await rawRequest(port, variant.target, {
        method: operation.method,
        // A valid JSON body, so nothing but the missing key can be refused.
        ...(operation.method === 'GET' || operation.method === 'HEAD'
          ? {}
          : { body: '{}', headers: { 'content-type': 'application/json' } }),
        // Only the status line matters; an event stream that wrongly opened would never end.
        maxBodyBytes: 0,
      });
      return { operation: `${operation.method} ${operation.template}`, ...variant, status: response.status };
    });
    const wrong = answers.filter(({ status, allowed }) => !allowed.includes(status));
    expect(
      wrong.map(
        ({ operation, trick, target, status }) => `${status} ${operation} via ${trick}: ${target.slice(0, 120)}`,
      ),
    ).toEqual([]);
    expect(answers.length).toBeGreaterThan(2000);
    // Over 2,000 requests: a generous bound for a loaded CI machine, not a speed check.
  }, 240_000);

  it('keeps the event stream closed to a percent-encoded path and answers 401 as problem+json', async () => {
    const response = await rawRequest(port, '/%61pi/integration/events', { maxBodyBytes: 1 });
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.headers['content-type']).not.toContain('text/event-stream');
  });

  it('answers a path beyond the header size limit with 414 or 431, never 2xx', async () => {
    const response = await rawRequest(port, `/%61pi/integration/status/${'a'.repeat(20_000)}`);
    expect([414, 431]).toContain(response.status);
  });

  it('registers no route outside the documented API except health, metrics and the docs', () => {
    const documented = new Set(
      operations
        .map(({ template }) => template.replace(/\{([^}]+)\}/g, ':$1'))
        .concat([
          // Public operations are documented too, but filtered out of `operations` above.
          '/api/integration/webhook',
          '/api/integration/webhook/:source',
          // The OAuth sign-in's return address: the single-use state and PKCE protect it, not an API key.
          '/api/integration/mcp/oauth/callback',
        ]),
    );
    const elsewhere = [...new Set(routes.map(({ url }) => url))].filter((url) => !documented.has(url));
    expect(elsewhere.sort()).toEqual([
      // The console's static files (no data; every call the page makes meets the key check).
      '/console',
      '/console/*',
      // Swagger UI and the OpenAPI document: the API's description, no data (DOCS_ENABLED=false removes them).
      '/docs',
      '/docs/',
      '/docs/*',
      '/docs/LICENSE',
      '/docs/docs/swagger-ui-init.js',
      '/docs/index.html',
      '/docs/openapi.json',
      '/docs/openapi.yaml',
      '/docs/swagger-ui-init.js',
      '/health/live',
      '/health/ready',
      '/metrics',
    ]);
  });

  it('serves no file outside the docs assets through the docs static route', async () => {
    const targets = [
      '/docs/../package.json',
      '/docs/%2e%2e/%2e%2e/%2e%2e/package.json',
      '/docs/..%2f..%2f..%2fpackage.json',
      '/docs/%2e%2e%2f%2e%2e%2f%2e%2e%2f.env',
      '/docs/....//....//package.json',
    ];
    const answers = await Promise.all(targets.map(async (target) => ({ target, ...(await rawRequest(port, target)) })));
    expect(answers.filter(({ status }) => status < 400).map(({ target, status }) => `${status} ${target}`)).toEqual([]);
    expect(answers.map(({ body }) => body).join('')).not.toContain('jetvision-integration');
  });
});
