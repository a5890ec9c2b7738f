import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, Post, Req } from '@nestjs/common';
import type { AuthenticatedRequest } from '../../src/common/auth/api-key.guard.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const KEYS = {
  reader: 'reader-key-0123456789abcdef',
  operator: 'operator-key-0123456789abcdef',
  admin: 'admin-key-0123456789abcdef',
  legacy: 'legacy-bare-key-0123456789abcdef',
} as const;
type Who = keyof typeof KEYS;

/** Routes that declare no scope: the defaults (read for GET, admin for anything else) apply. */
@Controller('api/test-scopes')
class UndeclaredScopeController {
  @Get('whoami')
  whoami(@Req() request: AuthenticatedRequest): { name: string | undefined; scope: string | undefined } {
    return { name: request.apiKeyName, scope: request.apiKeyScope };
  }

  @Post('write')
  write(): { written: true } {
    return { written: true };
  }
}

@Module({ controllers: [UndeclaredScopeController] })
class UndeclaredScopeModule {}

interface Problem {
  status: number;
  detail: string;
  requiredScope?: string;
}

describe('scoped API keys', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      imports: [UndeclaredScopeModule],
      env: {
        API_KEYS: [
          `dashboard:read:${KEYS.reader}`,
          `ops-bot:operate:${KEYS.operator}`,
          `platform:admin:${KEYS.admin}`,
          KEYS.legacy,
        ].join(','),
      },
    });
  });

  afterAll(async () => {
    await t?.close();
  });

  const call = (who: Who, method: string, path: string, json?: unknown): Promise<Response> =>
    t.request(path, {
      method,
      auth: false,
      headers: { authorization: `Bearer ${KEYS[who]}` },
      ...(json !== undefined ? { json } : {}),
    });

  /** Each case: the call, and the lowest scope that passes the key check (a 400 after it shows the check passed). */
  const cases: Array<{ method: string; path: string; body?: unknown; needs: 'read' | 'operate' | 'admin' }> = [
    { method: 'GET', path: '/api/integration/status', needs: 'read' },
    { method: 'GET', path: '/api/integration/pipeline/runs', needs: 'read' },
    { method: 'POST', path: '/api/integration/quotes', body: {}, needs: 'read' },
    { method: 'POST', path: '/api/integration/leads', body: {}, needs: 'operate' },
    { method: 'PUT', path: '/api/integration/leads', body: {}, needs: 'operate' },
    { method: 'POST', path: '/api/integration/aircraft', body: {}, needs: 'operate' },
    { method: 'POST', path: '/api/integration/bookings/bk-1/confirm', body: { nope: 1 }, needs: 'operate' },
    { method: 'POST', path: '/api/integration/sync', body: { action: 'sync', streams: ['nope'] }, needs: 'operate' },
    { method: 'POST', path: '/api/integration/workflows', body: { action: 'execute' }, needs: 'operate' },
    { method: 'POST', path: '/api/integration/workflows', body: { action: 'create' }, needs: 'admin' },
    { method: 'POST', path: '/api/integration/workflows', body: { action: 'anything-else' }, needs: 'admin' },
    { method: 'PUT', path: '/api/integration/workflows', body: { action: 'activate' }, needs: 'admin' },
    { method: 'POST', path: '/api/integration/sync', body: { action: 'start', streams: ['nope'] }, needs: 'admin' },
    { method: 'POST', path: '/api/integration/sync', body: { action: 'stop', streams: ['nope'] }, needs: 'admin' },
    { method: 'DELETE', path: '/api/integration/sync?action=audit_log', needs: 'admin' },
    { method: 'POST', path: '/api/integration/webhook/events/not-a-uuid/replay', needs: 'admin' },
    { method: 'POST', path: '/api/test-scopes/write', needs: 'admin' },
  ];
  const rank = { read: 0, operate: 1, admin: 2 } as const;
  const scopeOf: Record<Who, keyof typeof rank> = {
    reader: 'read',
    operator: 'operate',
    admin: 'admin',
    legacy: 'admin',
  };

  it.each(cases)('$method $path ($needs) is refused to lower scopes with 403 naming the scope', async (c) => {
    for (const who of Object.keys(KEYS) as Who[]) {
      const response = await call(who, c.method, c.path, c.body);
      if (rank[scopeOf[who]] >= rank[c.needs]) {
        expect({ who, status: response.status }).not.toEqual({ who, status: 403 });
        expect({ who, status: response.status }).not.toEqual({ who, status: 401 });
      } else {
        expect({ who, status: response.status }).toEqual({ who, status: 403 });
        expect(response.headers.get('content-type')).toContain('application/problem+json');
        const problem = (await response.json()) as Problem;
        expect(problem.requiredScope).toBe(c.needs);
        expect(problem.detail).toContain(`"${c.needs}" scope`);
        expect(problem.detail).not.toContain(KEYS[who]);
      }
    }
  });

  it('lets an admin key and a bare key clear the audit log', async () => {
    for (const who of ['admin', 'legacy'] as const) {
      const response = await call(who, 'DELETE', '/api/integration/sync?action=audit_log&confirm=yes');
      expect(response.status).toBe(200);
    }
  });

  it('puts the acting key’s name and scope on the request, never the key', async () => {
    const response = await call('operator', 'GET', '/api/test-scopes/whoami');
    expect(await response.json()).toEqual({ name: 'ops-bot', scope: 'operate' });
    const legacy = (await (await call('legacy', 'GET', '/api/test-scopes/whoami')).json()) as { name: string };
    expect(legacy.name).toMatch(/^key-[0-9a-f]{12}$/);
    expect(KEYS.legacy).not.toContain(legacy.name.slice(4));
  });

  it('shows every protected operation’s scope in the OpenAPI document', async () => {
    const document = (await (await t.request('/docs/openapi.json', { auth: false })).json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const scopes: Record<string, unknown> = {};
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        scopes[`${method.toUpperCase()} ${path}`] = operation['x-required-scope'] ?? 'public';
        if (operation['x-required-scope']) expect(operation['description']).toMatch(/API key scope/);
      }
    }
    expect(scopes).toMatchObject({
      'GET /api/integration/status': 'read',
      'POST /api/integration/status': 'admin',
      'POST /api/integration/leads': 'operate',
      'POST /api/integration/quotes': 'read',
      'DELETE /api/integration/sync': 'admin',
      'PUT /api/integration/workflows': 'admin',
      'POST /api/integration/webhook/events/{id}/replay': 'admin',
      'POST /api/integration/webhook/{source}': 'public',
      'GET /health/live': 'public',
      'POST /api/test-scopes/write': 'admin',
    });
    expect(document.paths['/api/integration/workflows']?.['post']?.['x-required-scope-by-action']).toEqual({
      in: 'body',
      execute: 'operate',
      create: 'admin',
    });
    expect(new Set(Object.values(scopes))).toEqual(new Set(['read', 'operate', 'admin', 'public']));
  });
});
