import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { traceOf, type Trace } from '../support/trace.js';
import { signed, testSecret } from '../webhook/support/webhook-client.js';

/**
 * Every operation of the OpenAPI document, called with generated hostile input: text PostgreSQL cannot store, huge
 * strings, deep nesting, wrong types, unknown and forbidden keys, boundary numbers and dates, repeated query
 * parameters, odd content types; webhook routes with correctly signed bodies holding the same. Every answer must be
 * below 500, every 4xx problem+json, and a 4xx must leave no trace (no row, no upstream call).
 *
 * Replay: FUZZ_SEED=<seed> FUZZ_RUNS=<n> npm test -- test/foundation/fuzz.e2e-spec.ts (a failure prints its seed).
 */

const SEED = Number(process.env['FUZZ_SEED'] ?? 20261205);
const RUNS = Number(process.env['FUZZ_RUNS'] ?? 300);

interface SchemaObject {
  $ref?: string;
  type?: string;
  properties?: Record<string, SchemaObject>;
  items?: SchemaObject;
  example?: unknown;
  enum?: unknown[];
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: SchemaObject;
  example?: unknown;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body: SchemaObject | undefined;
}

interface OpenApi {
  paths: Record<
    string,
    Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: SchemaObject }> } }>
  >;
  components: { schemas: Record<string, SchemaObject> };
}

/** Routes that are not request/answer (a live event stream) or not ours to fuzz (probes, docs). */
const SKIPPED = new Set(['/api/integration/events', '/health/live', '/health/ready']);

// ---- hostile values -------------------------------------------------------------------------------------------------
const unstorable = fc.constantFrom('a\u0000b', '\u0000', '\ud800', 'x\udfffy', 'tail \ud83d');
const hugeString = fc.constantFrom('x'.repeat(70_000), 'é'.repeat(20_000));
const oddDate = fc.constantFrom(
  '2026-02-30',
  '2026-13-01',
  '0000-00-00',
  '9999-12-31',
  '2026-02-29T25:61:00Z',
  '1970-01-01',
);
const boundaryNumber = fc.constantFrom(0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e308, -1e308, 0.5, 5e-324);
const wrongType = fc.constantFrom<unknown>(null, true, false, [], {}, 42, 'text', [null], { a: 1 });
const plainString = fc.string({ maxLength: 24 });

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  unstorable,
  hugeString,
  oddDate,
  boundaryNumber,
  wrongType,
  plainString,
  fc.string({ unit: 'binary', maxLength: 16 }),
);

/** A raw JSON text nested `depth` levels deep (built as text: a value that deep would break the serialiser's stack). */
const deepJson = fc
  .tuple(fc.integer({ min: 40, max: 5000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  );

function resolve(schema: SchemaObject | undefined, document: OpenApi): SchemaObject | undefined {
  if (!schema?.$ref) return schema;
  return document.components.schemas[schema.$ref.split('/').pop() ?? ''];
}

/** A body shaped like the operation's schema, each field either its example or a hostile value; extra keys sometimes. */
function bodyFor(schema: SchemaObject | undefined, document: OpenApi, depth = 0): fc.Arbitrary<unknown> {
  const resolved = resolve(schema, document);
  if (!resolved || depth > 3) return hostileValue;
  if (resolved.type === 'array') return fc.array(bodyFor(resolved.items, document, depth + 1), { maxLength: 3 });
  if (!resolved.properties) {
    return resolved.example !== undefined ? fc.oneof(fc.constant(resolved.example), hostileValue) : hostileValue;
  }
  const fields = Object.entries(resolved.properties).map(([name, property]) => {
    const example = resolve(property, document)?.example ?? property.example;
    const value =
      property.$ref || property.type === 'object' || property.type === 'array'
        ? bodyFor(property, document, depth + 1)
        : example !== undefined
          ? fc.oneof({ weight: 2, arbitrary: fc.constant(example) }, { weight: 1, arbitrary: hostileValue })
          : hostileValue;
    return fc.option(
      value.map((v) => [name, v] as const),
      { freq: 6, nil: undefined },
    );
  });
  const extra = fc.option(
    fc.oneof(
      fc.tuple(fc.constantFrom('unknownField', 'color', '__proto__', 'constructor', 'k\u0000'), hostileValue),
      fc.constant(['many', 'x'] as const),
    ),
    { freq: 3, nil: undefined },
  );
  return fc.tuple(fc.tuple(...fields), extra).map(([entries, more]) => {
    const object: Record<string, unknown> = {};
    for (const entry of entries)
      if (entry) Object.defineProperty(object, entry[0], { value: entry[1], enumerable: true });
    if (more?.[0] === 'many') for (let i = 0; i < 5000; i++) object[`unknown${i}`] = i;
    else if (more) Object.defineProperty(object, more[0], { value: more[1], enumerable: true });
    return object;
  });
}

function paramValue(parameter: Parameter): fc.Arbitrary<string> {
  const example = parameter.example ?? parameter.schema?.example ?? parameter.schema?.enum?.[0];
  const plausible =
    example !== undefined
      ? fc.constant(typeof example === 'string' ? example : JSON.stringify(example))
      : plainString.filter((s) => s.length > 0);
  return fc.oneof(
    { weight: 3, arbitrary: plausible },
    { weight: 2, arbitrary: unstorable },
    { weight: 1, arbitrary: oddDate },
    { weight: 1, arbitrary: boundaryNumber.map(String) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('x'.repeat(300), '..', '%', ' ', 'ü', '3f0c8a52-5d4e-4a7b-9c1d-2e6f7a8b9c0d'),
    },
  );
}

interface Generated {
  operation: Operation;
  path: Record<string, string>;
  query: Array<[string, string]>;
  body: { kind: 'json'; value: unknown } | { kind: 'raw'; text: string } | undefined;
  contentType: string;
}

function requestFor(operation: Operation, document: OpenApi): fc.Arbitrary<Generated> {
  const path = fc.record(
    Object.fromEntries(operation.parameters.filter((p) => p.in === 'path').map((p) => [p.name, paramValue(p)])),
  ) as fc.Arbitrary<Record<string, string>>;
  const query = fc
    .tuple(
      ...operation.parameters
        .filter((p) => p.in === 'query')
        .map((p) =>
          fc.option(
            fc
              .tuple(paramValue(p), fc.boolean())
              .map(([value, twice]) =>
                twice
                  ? [[p.name, value] as [string, string], [p.name, value] as [string, string]]
                  : [[p.name, value] as [string, string]],
              ),
            { freq: 3, nil: [] },
          ),
        ),
    )
    .map((lists) => lists.flat());
  const hasBody = operation.body !== undefined || ['POST', 'PUT', 'PATCH'].includes(operation.method);
  const body = hasBody
    ? fc.oneof(
        { weight: 6, arbitrary: bodyFor(operation.body, document).map((value) => ({ kind: 'json' as const, value })) },
        { weight: 1, arbitrary: deepJson.map((text) => ({ kind: 'raw' as const, text })) },
        {
          weight: 1,
          arbitrary: fc
            .constantFrom('{"a":', '', 'null', '[]', '"\\ud800"')
            .map((text) => ({ kind: 'raw' as const, text })),
        },
      )
    : fc.constant(undefined);
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/xml',
        'application/json; charset=latin1',
      ),
    },
  );
  return fc.record({ operation: fc.constant(operation), path, query, body, contentType });
}

const encodeUnit = (value: string): string =>
  // encodeURIComponent throws on lone surrogates; send their UTF-8-looking bytes the way a careless client would.
  value.replace(/[^\ud800-\udfff]+|[\ud800-\udfff]/g, (part) =>
    /^[\ud800-\udfff]$/.test(part)
      ? `%ED%${(0xa0 + ((part.charCodeAt(0) >> 6) & 0x1f)).toString(16)}%80`
      : encodeURIComponent(part),
  );

describe('OpenAPI-driven fuzzing of the HTTP edge', () => {
  let t: TestApp;
  let document: OpenApi;
  const secret = testSecret();
  let tried = 0;
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        WEBHOOK_APOLLO_SECRETS: secret,
        WEBHOOK_AVAINODE_SECRETS: secret,
        WEBHOOK_N8N_SECRETS: secret,
        WEBHOOK_LEAD_SECRETS: secret,
        RATE_LIMIT_PER_MINUTE: '1000000',
        RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000000',
      },
    });
    document = (await (await t.request('/docs/openapi.json', { auth: false })).json()) as OpenApi;
  });

  afterAll(async () => {
    await t?.close();
    process.stdout.write(
      `fuzz: seed ${SEED}, ${tried} inputs, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}` +
        '\n',
    );
    // Closing drains what the last inputs started; a loaded CI machine has been seen to need more than a minute.
  }, 180_000);

  function operations(): Operation[] {
    return Object.entries(document.paths).flatMap(([path, methods]) =>
      SKIPPED.has(path)
        ? []
        : Object.entries(methods).map(([method, operation]) => ({
            method: method.toUpperCase(),
            path,
            parameters: operation.parameters ?? [],
            body: operation.requestBody?.content['application/json']?.schema,
          })),
    );
  }

  async function send(generated: Generated): Promise<Response> {
    const { operation } = generated;
    const pathText = operation.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeUnit(generated.path[name] ?? 'x'));
    const queryText = generated.query.map(([name, value]) => `${name}=${encodeUnit(value)}`).join('&');
    const url = `${pathText}${queryText ? `?${queryText}` : ''}`;
    const text =
      generated.body === undefined
        ? undefined
        : generated.body.kind === 'raw'
          ? generated.body.text
          : JSON.stringify(generated.body.value);
    const webhookSource = /^\/api\/integration\/webhook\/\{source\}$/.test(operation.path)
      ? generated.path['source']
      : undefined;
    if (webhookSource !== undefined && text !== undefined) {
      // Correctly signed: the signature must not be what refuses the delivery.
      const delivery = signed(secret, undefined, { body: text });
      return fetch(`${t.baseUrl}${url}`, {
        method: 'POST',
        headers: { ...delivery.headers, 'content-type': generated.contentType },
        body: text,
      });
    }
    return t.request(url, {
      method: operation.method,
      ...(text !== undefined ? { body: text, headers: { 'content-type': generated.contentType } } : {}),
    });
  }

  it('never answers 5xx; every 4xx is problem+json and leaves no trace', async () => {
    const all = operations();
    expect(all.length).toBeGreaterThan(30);
    let quiet = true;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...all).chain((operation) => requestFor(operation, document)),
        async (generated) => {
          tried++;
          const before: Trace | undefined = quiet ? await traceOf(t.app) : undefined;
          const response = await send(generated);
          const body = await response.text();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          const label = `${generated.operation.method} ${generated.operation.path} → ${response.status} ${body.slice(0, 300)}`;
          expect([label, response.status < 500]).toEqual([label, true]);
          if (response.status >= 400) {
            expect([label, response.headers.get('content-type')]).toEqual([
              label,
              expect.stringContaining('application/problem+json'),
            ]);
            if (before) {
              // A 4xx the upstream gave (a well-formed id it does not know) needed that call; it names the server.
              const upstreamAnswered = typeof (JSON.parse(body) as { server?: unknown }).server === 'string';
              const after = await traceOf(t.app);
              if (upstreamAnswered) expect([label, after.rows]).toEqual([label, before.rows]);
              else expect([label, after]).toEqual([label, before]);
            }
          } else if (generated.operation.method !== 'GET') {
            // An accepted write may start background work; later traces would not be this request's alone.
            quiet = false;
          }
        },
      ),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  }, 300_000);
});
