import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { JobQueueService } from '../../src/common/jobs/job-queue.service.js';
import { UpstreamMutation } from '../../src/common/mutations/upstream-mutation.entity.js';
import { upstreamMutationReconcileQueue } from '../../src/common/mutations/upstream-mutations.module.js';
import { UpstreamMutationsService } from '../../src/common/mutations/upstream-mutations.service.js';
import { AuditLogEntry } from '../../src/modules/audit/audit-log.entity.js';
import { CharterRequest } from '../../src/modules/avainode/charter-request.entity.js';
import { type SandboxServerHandle, startSandboxServer } from '../../src/sandbox/index.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { installFailOnceTrigger } from '../support/fail-once-trigger.js';

interface Problem {
  status: number;
  code: string;
  detail: string;
  intentId?: string;
  resultRef?: string;
}
interface SearchPage {
  items: Array<{ aircraftId: string }>;
}
interface Booking {
  requestId: string;
  recordId: string | null;
  status: string;
  passengers: number;
  history: Array<{ action: string }>;
}

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/**
 * No half-writes (issue 12): the local write after Avinode created a charter request or changed a booking fails once (a
 * trigger on `charter_request`), and the upstream's change is still accounted for — by the intent record, by a retry
 * (same Idempotency-Key, or the same request again without one) and by the reconcile job — made exactly once upstream.
 */
describe('charter requests and booking changes: no half-writes', () => {
  let sandbox: SandboxServerHandle;
  let app: TestApp;
  let dataSource: DataSource;

  const createCalls = (): number => sandbox.stats().calls['create-charter-request'] ?? 0;
  const auditOf = (type: string, correlationId: string): Promise<AuditLogEntry[]> =>
    dataSource.getRepository(AuditLogEntry).findBy({ type, correlationId });

  let failNextCharterRequestInsert: () => Promise<void>;

  async function tripOn(date: string, index: number): Promise<Record<string, unknown>> {
    const response = await app.request(
      `/api/integration/aircraft?departureAirport=KTEB&arrivalAirport=KPBI&departureDate=${date}&passengers=2`,
    );
    expect(response.status).toBe(200);
    const option = ((await response.json()) as SearchPage).items[index];
    if (!option) throw new Error(`no aircraft #${index} on ${date}`);
    return {
      aircraftId: option.aircraftId,
      departureAirport: 'KTEB',
      arrivalAirport: 'KPBI',
      departureDate: date,
      departureTime: '09:30',
      passengers: 2,
      contact: { name: 'Jane Doe', email: 'jane.doe@summitcapital.com' },
    };
  }

  const create = (body: unknown, key: string): Promise<Response> =>
    app.request('/api/integration/aircraft', { method: 'POST', json: body, headers: { 'idempotency-key': key } });

  /** A fresh pending charter request (stored), for the booking-change cases. */
  async function pendingRequest(date: string): Promise<Booking> {
    const response = await create(await tripOn(date, 0), `half-write-booking-${date}`);
    expect(response.status).toBe(201);
    return (await response.json()) as Booking;
  }

  const change = (path: string, method: 'POST' | 'PATCH', body: unknown, key?: string): Promise<Response> =>
    app.request(`/api/integration/bookings/${path}`, {
      method,
      json: body,
      ...(key !== undefined ? { headers: { 'idempotency-key': key } } : {}),
    });

  const upstreamActions = (booking: Booking, action: string): number =>
    booking.history.filter((entry) => entry.action === action).length;

  async function bookingIntent(operation: string, requestId: string): Promise<UpstreamMutation> {
    return dataSource.getRepository(UpstreamMutation).findOneByOrFail({ operation, subject: requestId });
  }

  /** Past the grace period, as if the job had not run for a while. */
  async function age(intent: UpstreamMutation): Promise<void> {
    await dataSource.query(
      `UPDATE "upstream_mutation" SET "updated_at" = now() - interval '10 minutes' WHERE "id" = $1`,
      [intent.id],
    );
  }

  /** The intent row of the request created with this HTTP key (the upstream key is derived from it). */
  async function intentFor(requestId: string): Promise<UpstreamMutation> {
    return dataSource
      .getRepository(UpstreamMutation)
      .findOneByOrFail({ operation: 'create_charter_request', resultRef: requestId });
  }

  beforeAll(async () => {
    sandbox = await startSandboxServer('avinode', { port: 0, admin: true });
    app = await startTestApp({ env: { AVAINODE_MCP_SERVER_URL: sandbox.url } });
    dataSource = app.app.get(DataSource);
    failNextCharterRequestInsert = await installFailOnceTrigger(dataSource, 'charter_request');
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
  });

  it('records the intent, answers 503, and a retry with the same key returns the one upstream request', async () => {
    const body = await tripOn(day(40), 0);
    await failNextCharterRequestInsert();
    const callsBefore = createCalls();

    const first = await create(body, 'half-write-retry-0001');
    expect(first.status).toBe(503);
    expect(first.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await first.json()) as Problem;
    expect(problem.code).toBe('service_unavailable');
    expect(problem.resultRef).toMatch(/^cr-/);
    expect(createCalls()).toBe(callsBefore + 1);

    // The intent says what happened upstream.
    const intent = await intentFor(problem.resultRef ?? '');
    expect(intent).toMatchObject({ id: problem.intentId, upstream: 'avinode', status: 'pending' });
    expect(intent.upstreamAnsweredAt).not.toBeNull();
    expect(intent.error).toContain('injected local failure');
    expect(intent.requestSummary).toMatchObject({ origin: 'api', aircraftId: body['aircraftId'], passengers: 2 });
    expect(JSON.stringify(intent.requestSummary)).not.toContain('jane.doe');
    expect(
      await dataSource.getRepository(CharterRequest).findOneBy({ upstreamRequestId: intent.resultRef ?? '' }),
    ).toBeNull();
    await eventually(async () => (await auditOf('upstream_mutation.left_open', intent.id)).length === 1);

    const retry = await create(body, 'half-write-retry-0001');
    expect(retry.status).toBe(201);
    const booking = (await retry.json()) as Booking;
    expect(booking.requestId).toBe(problem.resultRef);
    expect(booking.recordId).not.toBeNull();
    // The retry read the request Avinode had made; it did not ask for another one.
    expect(createCalls()).toBe(callsBefore + 1);
    expect(await dataSource.getRepository(CharterRequest).countBy({ upstreamRequestId: booking.requestId })).toBe(1);

    const settled = await intentFor(booking.requestId);
    expect(settled.status).toBe('reconciled');
    expect(settled.completedAt).not.toBeNull();
    await eventually(
      async () =>
        (await auditOf('upstream_mutation.reconciled', intent.id)).length === 1 &&
        (await auditOf('avainode.charter_request_created', booking.recordId ?? '')).length === 1,
    );

    // A third call with the key is a plain replay of the stored answer.
    const replay = await create(body, 'half-write-retry-0001');
    expect(replay.status).toBe(201);
    expect(((await replay.json()) as Booking).requestId).toBe(booking.requestId);
    expect(createCalls()).toBe(callsBefore + 1);
  });

  it('the reconcile job completes an intent nobody retried', async () => {
    const body = await tripOn(day(41), 1);
    await failNextCharterRequestInsert();
    const first = await create(body, 'half-write-reconcile-0001');
    expect(first.status).toBe(503);
    const { resultRef } = (await first.json()) as Problem;
    const intent = await intentFor(resultRef ?? '');
    expect(intent.status).toBe('pending');

    await age(intent);
    await app.app.get(JobQueueService).send(upstreamMutationReconcileQueue, {});

    await eventually(async () => (await intentFor(resultRef ?? '')).status === 'reconciled', 20_000);
    const record = await dataSource
      .getRepository(CharterRequest)
      .findOneByOrFail({ upstreamRequestId: resultRef ?? '' });
    expect(record.idempotencyKey).toBe(intent.idempotencyKey);
    expect(record.origin).toBe('api');
    const [entry] = await eventually(async () => {
      const entries = await auditOf('upstream_mutation.reconciled', intent.id);
      return entries.length > 0 ? entries : undefined;
    });
    expect(entry?.details).toMatchObject({ by: 'reconcile', resultRef });
  });

  it('an upstream refusal fails the intent (nothing changed upstream)', async () => {
    const body = { ...(await tripOn(day(42), 0)), aircraftId: 'ac-doesnotexist' };
    const response = await create(body, 'half-write-refused-0001');
    expect(response.status).toBe(404);
    const [intent] = await dataSource
      .getRepository(UpstreamMutation)
      .findBy({ operation: 'create_charter_request', subject: 'ac-doesnotexist' });
    expect(intent).toMatchObject({ status: 'failed', resultRef: null });
  });

  it('confirm: 503 with the intent open, and a retry with the same key returns the booking confirmed once', async () => {
    const request = await pendingRequest(day(43));
    await failNextCharterRequestInsert();
    const first = await change(`${request.requestId}/confirm`, 'POST', { paymentMethod: 'wire' }, 'half-confirm-01');
    expect(first.status).toBe(503);
    const problem = (await first.json()) as Problem;
    expect(problem).toMatchObject({ code: 'service_unavailable', resultRef: request.requestId });

    const intent = await bookingIntent('confirm_booking', request.requestId);
    expect(intent).toMatchObject({ id: problem.intentId, status: 'pending', resultRef: request.requestId });
    expect(intent.upstreamAnsweredAt).not.toBeNull();
    expect(intent.error).toContain('injected local failure');
    await eventually(async () => (await auditOf('upstream_mutation.left_open', intent.id)).length === 1);
    // Confirmed upstream, not yet locally.
    expect(
      (await dataSource.getRepository(CharterRequest).findOneByOrFail({ upstreamRequestId: request.requestId })).status,
    ).toBe('pending');

    const retry = await change(`${request.requestId}/confirm`, 'POST', { paymentMethod: 'wire' }, 'half-confirm-01');
    expect(retry.status).toBe(200);
    const confirmed = (await retry.json()) as Booking;
    expect(confirmed).toMatchObject({ requestId: request.requestId, status: 'confirmed', recordId: request.recordId });
    expect(upstreamActions(confirmed, 'confirm')).toBe(1);
    expect((await bookingIntent('confirm_booking', request.requestId)).status).toBe('reconciled');
    await eventually(
      async () =>
        (await auditOf('upstream_mutation.reconciled', intent.id)).length === 1 &&
        (await auditOf('avainode.booking_confirmed', request.recordId ?? '')).length === 1,
    );
  });

  it('cancel without a key: repeating the same request converges on the one upstream cancellation', async () => {
    const request = await pendingRequest(day(44));
    await failNextCharterRequestInsert();
    const first = await change(`${request.requestId}/cancel`, 'POST', { reason: 'plans changed' });
    expect(first.status).toBe(503);
    expect(((await first.json()) as Problem).detail).toContain('repeat the same request');

    // Cancelling a cancelled booking would be 409: the open intent is resumed instead.
    const again = await change(`${request.requestId}/cancel`, 'POST', { reason: 'plans changed' });
    expect(again.status).toBe(200);
    const cancelled = (await again.json()) as Booking;
    expect(cancelled.status).toBe('cancelled');
    expect(upstreamActions(cancelled, 'cancel')).toBe(1);
    const intent = await bookingIntent('cancel_booking', request.requestId);
    expect(intent).toMatchObject({ status: 'reconciled', attempts: 2 });
    expect(JSON.stringify(intent.requestSummary)).not.toContain('plans changed');
    expect(
      (await dataSource.getRepository(CharterRequest).findOneByOrFail({ upstreamRequestId: request.requestId })).status,
    ).toBe('cancelled');

    // With nothing left open, the same request again is the honest 409.
    expect((await change(`${request.requestId}/cancel`, 'POST', { reason: 'plans changed' })).status).toBe(409);
  });

  it('modify: the reconcile job stores the change nobody retried, with an audit entry', async () => {
    const request = await pendingRequest(day(45));
    await failNextCharterRequestInsert();
    const first = await change(request.requestId, 'PATCH', { passengers: 3 }, 'half-modify-01');
    expect(first.status).toBe(503);
    const intent = await bookingIntent('modify_booking', request.requestId);
    expect(intent).toMatchObject({ status: 'pending', requestSummary: { action: 'modify', passengers: 3 } });

    await age(intent);
    // What the job runs, without waiting for its polling (the test above goes through the job).
    await app.app.get(UpstreamMutationsService).reconcilePending();
    await eventually(async () => (await bookingIntent('modify_booking', request.requestId)).status === 'reconciled');
    const record = await dataSource
      .getRepository(CharterRequest)
      .findOneByOrFail({ upstreamRequestId: request.requestId });
    expect(record.passengers).toBe(3);
    const [entry] = await eventually(async () => {
      const entries = await auditOf('upstream_mutation.reconciled', intent.id);
      return entries.length > 0 ? entries : undefined;
    });
    expect(entry?.details).toMatchObject({ by: 'reconcile', operation: 'modify_booking' });
    await eventually(async () => (await auditOf('avainode.booking_modified', record.id)).length === 1);
  });
});
