import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsEmail, IsInt, IsString, Max, Min, ValidateNested } from 'class-validator';
import { DataSource } from 'typeorm';
import { Public } from '../../src/common/auth/public.decorator.js';
import { startTestApp, eventually, type TestApp } from '../support/test-app.js';

class Contact {
  @IsString()
  name: string;

  @IsEmail()
  email: string;
}

class EchoRequest {
  @IsInt()
  @Min(1)
  @Max(19)
  passengers: number;

  @ValidateNested()
  @Type(() => Contact)
  contact: Contact;
}

/** Routes that exist only in this test: one that validates, one that fails in an unplanned way. */
@Controller('api/test')
class TestOnlyController {
  @Post('echo')
  echo(@Body() body: EchoRequest): EchoRequest {
    return body;
  }

  @Get('ping')
  ping(): { pong: true } {
    return { pong: true };
  }

  // Public on purpose: exercises the per-address limit for unauthenticated callers.
  @Public()
  @Get('public')
  open(): { open: true } {
    return { open: true };
  }

  @Get('boom')
  boom(): never {
    throw new Error('database password=hunter2 leaked in a stack');
  }
}

@Module({ controllers: [TestOnlyController] })
class TestOnlyModule {}

describe('application over HTTP', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ imports: [TestOnlyModule], env: { RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000' } });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('answers liveness and readiness with 200', async () => {
    const live = await t.request('/health/live', { auth: false });
    expect(live.status).toBe(200);
    const ready = await t.request('/health/ready', { auth: false });
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; details: Record<string, { status: string }> };
    expect(body.status).toBe('ok');
    expect(body.details['database']?.status).toBe('up');
    expect(body.details['jobs']?.status).toBe('up');
  });

  it('serves the OpenAPI document with the API-key security schemes', async () => {
    const response = await t.request('/docs/openapi.json', { auth: false });
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual(['apiKey', 'bearer']);
  });

  it('serves Prometheus metrics including HTTP requests by route', async () => {
    await t.request('/health/live', { auth: false });
    const response = await t.request('/metrics', { auth: false });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('http_requests_total{method="GET",route="/health/live",status="200"}');
    expect(text).toContain('http_request_duration_seconds_bucket');
    expect(text).toContain('process_cpu_seconds_total');
  });

  it('refuses an /api route without a key or with a wrong one, as problem+json', async () => {
    const missing = await t.request('/api/test/boom', { auth: false });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    const wrong = await t.request('/api/test/boom', { headers: { 'x-api-key': 'not-the-key-0123456789' } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { detail: string }).detail).toBe('The API key is not valid');
  });

  it('accepts the key as a bearer token and as X-API-Key', async () => {
    const body = { passengers: 4, contact: { name: 'Ada', email: 'ada@example.com' } };
    const bearer = await t.request('/api/test/echo', { method: 'POST', json: body });
    expect(bearer.status).toBe(201);
    expect(await bearer.json()).toEqual(body);
    const header = await t.request('/api/test/echo', {
      method: 'POST',
      json: body,
      auth: false,
      headers: { 'x-api-key': t.apiKey },
    });
    expect(header.status).toBe(201);
  });

  it('answers a validation failure with 400 naming each field and rule', async () => {
    const response = await t.request('/api/test/echo', {
      method: 'POST',
      json: { passengers: 40, contact: { name: 'Ada', email: 'not-an-email' }, extra: true },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { errors: Array<{ field: string; rule: string }>; requestId: string };
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'passengers', rule: 'max' }),
        expect.objectContaining({ field: 'contact.email', rule: 'isEmail' }),
        expect.objectContaining({ field: 'extra', rule: 'unknownProperty' }),
      ]),
    );
    expect(problem.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const response = await t.request('/api/test/echo', {
      method: 'POST',
      body: '{"passengers": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers an oversized body with 413 problem+json', async () => {
    const response = await t.request('/api/test/echo', {
      method: 'POST',
      body: JSON.stringify({ padding: 'x'.repeat(t.config.http.bodyLimitBytes + 10) }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers an unexpected error with 500, an error id and no stack or message', async () => {
    const response = await t.request('/api/test/boom');
    expect(response.status).toBe(500);
    const text = await response.text();
    const problem = JSON.parse(text) as { errorId: string; detail: string };
    expect(problem.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(problem.detail).toContain(problem.errorId);
    expect(text).not.toContain('hunter2');
    expect(text).not.toMatch(/at .+\.(ts|js):\d+/);
  });

  it('echoes a caller request id and generates one otherwise', async () => {
    const given = await t.request('/health/live', { auth: false, headers: { 'x-request-id': 'trace-abc.123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-abc.123');
    const generated = await t.request('/health/live', {
      auth: false,
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('writes an audit entry when the application starts', async () => {
    const dataSource = t.app.get(DataSource);
    const rows = await eventually(async () => {
      const found = await dataSource.query<unknown[]>(
        `SELECT type, source, outcome FROM audit_log WHERE type = 'application.started'`,
      );
      return found.length > 0 ? found : undefined;
    });
    expect(rows[0]).toEqual({ type: 'application.started', source: 'system', outcome: 'info' });
  });
});

describe('rate limiting', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      imports: [TestOnlyModule],
      env: { RATE_LIMIT_PER_MINUTE: '3', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '2' },
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  it('limits per API key and answers 429 problem+json with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await t.request('/api/test/ping')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await t.request('/api/test/ping');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('limits unauthenticated public routes per address, separately from keys', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await t.request('/api/test/public', { auth: false })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('never limits health probes', async () => {
    for (let i = 0; i < 5; i++) expect((await t.request('/health/live', { auth: false })).status).toBe(200);
  });
});
