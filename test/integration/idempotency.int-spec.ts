import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { requestFingerprint } from '../../src/common/idempotency/request-fingerprint.js';
import { IdempotencyKey } from '../../src/common/idempotency/idempotency-key.entity.js';
import {
  IdempotencyService,
  type IdempotentRequest,
  type IdempotentResponse,
} from '../../src/common/idempotency/idempotency.service.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

/** A handler the test lets finish, counting its runs. */
function gate(response: IdempotentResponse): {
  run: () => Promise<IdempotentResponse>;
  runs: () => number;
  open: () => void;
} {
  let runs = 0;
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    run: async () => {
      runs++;
      await opened;
      return response;
    },
    runs: () => runs,
    open: () => open(),
  };
}

/** IdempotencyService against the real database (PGlite, or PostgreSQL with DATABASE_URL). */
describe('IdempotencyService', () => {
  let app: TestApp;
  let dataSource: DataSource;
  let service: IdempotencyService;

  const requestFor = (body: unknown, key = randomUUID(), principal = 'client-a'): IdempotentRequest => ({
    scope: 'test',
    principal,
    key,
    fingerprint: requestFingerprint('POST', '/things', body),
  });
  const rowOf = (request: IdempotentRequest): Promise<IdempotencyKey | null> =>
    dataSource
      .getRepository(IdempotencyKey)
      .findOneBy({ scope: request.scope, principal: request.principal, key: request.key });

  beforeAll(async () => {
    app = await startTestApp();
    dataSource = app.app.get(DataSource);
    service = new IdempotencyService(dataSource, app.config, { waitMs: 300, pollIntervalMs: 10, staleClaimMs: 5_000 });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('runs once and replays the stored status and body', async () => {
    const request = requestFor({ a: 1 });
    let runs = 0;
    const handler = async (): Promise<IdempotentResponse> => ({
      status: 201,
      body: { id: `thing-${++runs}`, b: 2, a: 1 },
    });
    const first = await service.execute(request, handler);
    const second = await service.execute(request, handler);
    expect(first).toEqual({ status: 201, body: { id: 'thing-1', b: 2, a: 1 }, replayed: false });
    expect(second).toEqual({ ...first, replayed: true });
    expect(JSON.stringify(second.body)).toBe(JSON.stringify(first.body));
    expect(runs).toBe(1);
    const row = await rowOf(request);
    expect(row).toMatchObject({ status: 'completed', responseStatus: 201 });
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBeGreaterThan(23 * 3_600_000);
  });

  it('refuses the same key with a different request (422) and keeps principals apart', async () => {
    const request = requestFor({ a: 1 });
    await service.execute(request, async () => ({ status: 201, body: {} }));
    await expect(
      service.execute({ ...request, fingerprint: requestFingerprint('POST', '/things', { a: 2 }) }, async () => ({
        status: 201,
        body: {},
      })),
    ).rejects.toMatchObject({
      code: 'idempotency_key_reused',
    });
    const other = await service.execute({ ...request, principal: 'client-b' }, async () => ({
      status: 201,
      body: { mine: true },
    }));
    expect(other).toMatchObject({ replayed: false, body: { mine: true } });
  });

  it('lets concurrent requests wait for the first and replay it', async () => {
    const request = requestFor({ c: 1 });
    const handler = gate({ status: 201, body: { id: 'only' } });
    const first = service.execute(request, handler.run);
    const waiters = Array.from({ length: 5 }, () => service.execute(request, handler.run));
    await eventually(() => handler.runs() === 1);
    handler.open();
    const outcomes = await Promise.all([first, ...waiters]);
    expect(handler.runs()).toBe(1);
    expect(outcomes.filter((o) => o.replayed)).toHaveLength(5);
    for (const outcome of outcomes) expect(outcome.body).toEqual({ id: 'only' });
  });

  it('answers 409 in progress when the first request outlasts the wait', async () => {
    const request = requestFor({ d: 1 });
    const handler = gate({ status: 201, body: {} });
    const first = service.execute(request, handler.run);
    // The first request must hold the key before the second arrives (otherwise the second would claim it).
    await eventually(() => handler.runs() === 1);
    await expect(service.execute(request, handler.run)).rejects.toMatchObject({
      code: 'idempotency_request_in_progress',
      retryAfterSeconds: 1,
    });
    handler.open();
    await first;
    expect(handler.runs()).toBe(1);
  });

  it('stores nothing when the handler fails, so the key can be retried', async () => {
    const request = requestFor({ e: 1 });
    await expect(
      service.execute(request, async () => {
        throw new Error('upstream down');
      }),
    ).rejects.toThrow('upstream down');
    expect(await rowOf(request)).toBeNull();
    const retried = await service.execute(request, async () => ({ status: 201, body: { ok: true } }));
    expect(retried).toMatchObject({ replayed: false, body: { ok: true } });
  });

  it('takes over a claim left behind by a request that died', async () => {
    const request = requestFor({ f: 1 });
    const dead = gate({ status: 201, body: { from: 'dead' } });
    const deadOutcome = service.execute(request, dead.run);
    await eventually(() => dead.runs() === 1);
    await dataSource.query(
      `UPDATE "idempotency_key" SET "locked_at" = now() - interval '1 hour' WHERE "scope" = $1 AND "principal" = $2 AND "key" = $3`,
      [request.scope, request.principal, request.key],
    );
    const taken = await service.execute(request, async () => ({ status: 201, body: { from: 'retry' } }));
    expect(taken).toMatchObject({ replayed: false, body: { from: 'retry' } });
    // The dead holder's late completion must not overwrite the new owner's answer.
    dead.open();
    await deadOutcome;
    expect(await service.execute(request, async () => ({ status: 500, body: null }))).toMatchObject({
      replayed: true,
      body: { from: 'retry' },
    });
  });

  it('forgets expired keys: lazily on reuse and in the periodic purge', async () => {
    const reused = requestFor({ g: 1 });
    const purged = requestFor({ g: 2 });
    await service.execute(reused, async () => ({ status: 201, body: { n: 1 } }));
    await service.execute(purged, async () => ({ status: 201, body: { n: 1 } }));
    await dataSource.query(
      `UPDATE "idempotency_key" SET "expires_at" = now() - interval '1 second' WHERE "key" IN ($1, $2)`,
      [reused.key, purged.key],
    );
    expect(await service.execute(reused, async () => ({ status: 201, body: { n: 2 } }))).toMatchObject({
      replayed: false,
      body: { n: 2 },
    });
    expect(await service.purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await rowOf(purged)).toBeNull();
    expect(await rowOf(reused)).not.toBeNull();
  });

  it('derives a stable upstream key per scope, client and key', () => {
    const a = IdempotencyService.upstreamKey({ scope: 'charter-request', principal: 'p1', key: 'k' });
    expect(IdempotencyService.upstreamKey({ scope: 'charter-request', principal: 'p1', key: 'k' })).toBe(a);
    expect(IdempotencyService.upstreamKey({ scope: 'charter-request', principal: 'p2', key: 'k' })).not.toBe(a);
    expect(IdempotencyService.upstreamKey({ scope: 'other', principal: 'p1', key: 'k' })).not.toBe(a);
    expect(a.length).toBeLessThanOrEqual(200);
  });
});
