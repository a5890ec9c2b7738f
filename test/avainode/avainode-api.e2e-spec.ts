import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { AuditLogEntry } from '../../src/modules/audit/audit-log.entity.js';
import { CharterRequestCreated } from '../../src/modules/avainode/avainode.events.js';
import { AvainodeService } from '../../src/modules/avainode/avainode.service.js';
import { CharterRequest } from '../../src/modules/avainode/charter-request.entity.js';
import { type SandboxServerHandle, startSandboxServer } from '../../src/sandbox/index.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';

interface Problem {
  status: number;
  code: string;
  detail: string;
  errors?: Array<{ field: string; rule: string; message: string }>;
  [key: string]: unknown;
}
interface AircraftOption {
  aircraftId: string;
  seats: number;
  category: string;
  hourlyRate: number;
  operator: { id: string };
  estimatedTotal: number;
}
interface SearchPage {
  search: { departureAirport: string; arrivalAirport: string; departureDate: string; passengers: number };
  items: AircraftOption[];
  page: { page: number; perPage: number; totalItems: number; totalPages: number };
}
interface Quote {
  id: string;
  aircraftId: string;
  lineItems: Array<{ code: string; kind: string; amount: number }>;
  subtotal: number;
  taxes: number;
  total: number;
  validUntil: string;
}
interface Booking {
  id: string;
  recordId: string | null;
  requestId: string;
  bookingId: string | null;
  status: string;
  operator: { id: string };
  route: { departureAirport: string; arrivalAirport: string };
  departureTime: string;
  passengers: number;
  quoteId: string;
  pricing: { total: number };
  payment: { method: string; depositAmount: number } | null;
  cancellation: { reason: string; feeAmount: number } | null;
  specialRequests: string | null;
}

const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

describe('Avainode REST API', () => {
  let sandbox: SandboxServerHandle;
  let app: TestApp;
  let rows: () => Promise<CharterRequest[]>;

  const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;
  const createCalls = (): number => sandbox.stats().calls['create-charter-request'] ?? 0;

  /** An aircraft free on `date` for the trip, and a request body for it. */
  async function tripOn(date: string, index = 0, passengers = 3): Promise<Record<string, unknown>> {
    const response = await app.request(
      `/api/integration/aircraft?departureAirport=KTEB&arrivalAirport=KPBI&departureDate=${date}&passengers=${passengers}`,
    );
    expect(response.status).toBe(200);
    const { items } = await json<SearchPage>(response);
    const option = items[index];
    if (!option) throw new Error(`no aircraft #${index} on ${date}`);
    return {
      aircraftId: option.aircraftId,
      departureAirport: 'KTEB',
      arrivalAirport: 'KPBI',
      departureDate: date,
      departureTime: '10:15',
      passengers,
      contact: { name: 'Jane Doe', email: 'jane.doe@summitcapital.com', company: 'Summit Capital' },
    };
  }

  async function createRequest(body: unknown, key?: string): Promise<Response> {
    return app.request('/api/integration/aircraft', {
      method: 'POST',
      json: body,
      ...(key !== undefined ? { headers: { 'idempotency-key': key } } : {}),
    });
  }

  beforeAll(async () => {
    sandbox = await startSandboxServer('avinode', { port: 0, admin: true });
    app = await startTestApp({ env: { AVAINODE_MCP_SERVER_URL: sandbox.url } });
    const dataSource = app.app.get(DataSource);
    rows = () => dataSource.getRepository(CharterRequest).find();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await sandbox?.close();
  });

  it('documents every route in OpenAPI with examples', async () => {
    const document = await json<{
      paths: Record<string, Record<string, { responses: Record<string, unknown>; tags?: string[] }>>;
    }>(await fetch(`${app.baseUrl}/docs/openapi.json`));
    const routes: Array<[string, string]> = [
      ['/api/integration/aircraft', 'get'],
      ['/api/integration/aircraft', 'post'],
      ['/api/integration/quotes', 'post'],
      ['/api/integration/bookings/{id}', 'get'],
      ['/api/integration/bookings/{id}', 'patch'],
      ['/api/integration/bookings/{id}/confirm', 'post'],
      ['/api/integration/bookings/{id}/cancel', 'post'],
      ['/api/integration/operators/{id}', 'get'],
      ['/api/integration/empty-legs', 'get'],
    ];
    for (const [path, method] of routes) {
      const operation = document.paths[path]?.[method];
      expect({ path, method, tags: operation?.tags }).toEqual({ path, method, tags: ['avainode'] });
      const success = Object.entries(operation?.responses ?? {}).find(([status]) => status.startsWith('2'));
      expect(JSON.stringify(success?.[1])).toContain('"example"');
    }
    expect(JSON.stringify(document.paths['/api/integration/aircraft']?.post)).toContain('Idempotency-Key');
  });

  describe('authentication', () => {
    it.each([
      [
        'GET',
        '/api/integration/aircraft?departureAirport=KTEB&arrivalAirport=KPBI&departureDate=2030-01-01&passengers=2',
      ],
      ['POST', '/api/integration/aircraft'],
      ['POST', '/api/integration/quotes'],
      ['GET', '/api/integration/bookings/cr-1'],
      ['POST', '/api/integration/bookings/cr-1/confirm'],
      ['GET', '/api/integration/operators/op-palmetto-sky'],
      ['GET', '/api/integration/empty-legs'],
    ])('%s %s needs an API key', async (method, path) => {
      const response = await app.request(path, { method, auth: false });
      expect(response.status).toBe(401);
      expect((await json<Problem>(response)).code).toBe('unauthorized');
    });
  });

  describe('GET /api/integration/aircraft', () => {
    it('searches with lowercase ICAO codes, answering upper case, paged', async () => {
      const date = day(12);
      const response = await app.request(
        `/api/integration/aircraft?departureAirport=kteb&arrivalAirport=kPbI&departureDate=${date}&passengers=4&perPage=5`,
      );
      expect(response.status).toBe(200);
      const body = await json<SearchPage>(response);
      expect(body.search).toMatchObject({
        departureAirport: 'KTEB',
        arrivalAirport: 'KPBI',
        departureDate: date,
        passengers: 4,
      });
      expect(body.items.length).toBeGreaterThan(0);
      expect(body.items.length).toBeLessThanOrEqual(5);
      expect(body.page).toMatchObject({ page: 1, perPage: 5 });
      expect(body.page.totalPages).toBe(Math.ceil(body.page.totalItems / 5));
      for (const item of body.items) expect(item.seats).toBeGreaterThanOrEqual(4);
      const totals = body.items.map((i) => i.estimatedTotal);
      expect(totals).toEqual([...totals].sort((a, b) => a - b));
    });

    it('filters by category and maximum hourly rate, round trips included', async () => {
      const response = await app.request(
        `/api/integration/aircraft?departureAirport=KTEB&arrivalAirport=KPBI&departureDate=${day(14)}&returnDate=${day(16)}&passengers=2&aircraftCategory=light_jet&maxHourlyRate=600000`,
      );
      expect(response.status).toBe(200);
      const body = await json<SearchPage>(response);
      expect(body.items.length).toBeGreaterThan(0);
      for (const item of body.items) {
        expect(item.category).toBe('light_jet');
        expect(item.hourlyRate).toBeLessThanOrEqual(600000);
      }
    });

    it.each([
      ['departureAirport=KTE1', 'departureAirport', 'isIcaoCode'],
      ['departureAirport=KTEBX', 'departureAirport', 'isIcaoCode'],
      ['arrivalAirport=12', 'arrivalAirport', 'isIcaoCode'],
      [`departureDate=${day(-3)}`, 'departureDate', 'notInPast'],
      ['departureDate=2030-02-30', 'departureDate', 'isCalendarDate'],
      [`returnDate=${day(8)}`, 'returnDate', 'isOnOrAfter'],
      ['passengers=20', 'passengers', 'max'],
      ['passengers=0', 'passengers', 'min'],
      ['passengers=2.5', 'passengers', 'isInt'],
      ['aircraftCategory=blimp', 'aircraftCategory', 'isIn'],
      ['perPage=101', 'perPage', 'max'],
    ])('rejects %s naming %s', async (override, field, rule) => {
      const params = new URLSearchParams({
        departureAirport: 'KTEB',
        arrivalAirport: 'KPBI',
        departureDate: day(10),
        passengers: '2',
      });
      const [name, value] = override.split('=') as [string, string];
      params.set(name, value);
      const response = await app.request(`/api/integration/aircraft?${params.toString()}`);
      expect(response.status).toBe(400);
      const problem = await json<Problem>(response);
      expect(problem.code).toBe('validation_failed');
      expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule })]));
      expect(problem.errors?.find((e) => e.field === field)?.message).toContain(field);
    });

    it('explains a return date before departure with a message naming returnDate', async () => {
      const response = await app.request(
        `/api/integration/aircraft?departureAirport=KTEB&arrivalAirport=KPBI&departureDate=${day(10)}&returnDate=${day(9)}&passengers=2`,
      );
      const problem = await json<Problem>(response);
      expect(problem.errors).toEqual([
        { field: 'returnDate', rule: 'isOnOrAfter', message: 'returnDate must be on or after departureDate' },
      ]);
    });

    it('reports a missing parameter by name', async () => {
      const response = await app.request(
        `/api/integration/aircraft?departureAirport=KTEB&departureDate=${day(10)}&passengers=2`,
      );
      expect(response.status).toBe(400);
      expect((await json<Problem>(response)).errors?.map((e) => e.field)).toContain('arrivalAirport');
    });

    it('turns an upstream rejection of a valid-looking airport into a 400 naming the field', async () => {
      const response = await app.request(
        `/api/integration/aircraft?departureAirport=ZZZZ&arrivalAirport=KPBI&departureDate=${day(10)}&passengers=2`,
      );
      expect(response.status).toBe(400);
      const problem = await json<Problem>(response);
      expect(problem.errors?.[0]).toMatchObject({ field: 'departureAirport', rule: 'upstream' });
      expect(problem.server).toBe('avinode');
    });
  });

  describe('POST /api/integration/quotes', () => {
    it('quotes a trip with its fee breakdown (total = subtotal + taxes = sum of lines)', async () => {
      const trip = await tripOn(day(20));
      const response = await app.request('/api/integration/quotes', {
        method: 'POST',
        json: {
          aircraftId: trip.aircraftId,
          departureAirport: 'kteb',
          arrivalAirport: 'kpbi',
          departureDate: day(20),
          passengers: 3,
        },
      });
      expect(response.status).toBe(201);
      const quote = await json<Quote>(response);
      expect(quote.id).toMatch(/^qt-/);
      expect(quote.aircraftId).toBe(trip.aircraftId);
      expect(quote.lineItems.map((l) => l.code)).toEqual(expect.arrayContaining(['FLIGHT_TIME', 'FET']));
      const charges = quote.lineItems.filter((l) => l.kind === 'charge').reduce((s, l) => s + l.amount, 0);
      const taxes = quote.lineItems.filter((l) => l.kind === 'tax').reduce((s, l) => s + l.amount, 0);
      expect(quote.subtotal).toBe(charges);
      expect(quote.taxes).toBe(taxes);
      expect(quote.total).toBe(charges + taxes);
      expect(Date.parse(quote.validUntil)).toBeGreaterThan(Date.now());
    });

    it('answers 404 for an unknown aircraft', async () => {
      const response = await app.request('/api/integration/quotes', {
        method: 'POST',
        json: {
          aircraftId: 'ac-nope',
          departureAirport: 'KTEB',
          arrivalAirport: 'KPBI',
          departureDate: day(20),
          passengers: 2,
        },
      });
      expect(response.status).toBe(404);
      expect(await json<Problem>(response)).toMatchObject({
        code: 'not_found',
        server: 'avinode',
        field: 'aircraftId',
      });
    });

    it('rejects unknown properties and bad values by name', async () => {
      const response = await app.request('/api/integration/quotes', {
        method: 'POST',
        json: {
          aircraftId: 'ac-x',
          departureAirport: 'KTEB',
          arrivalAirport: 'KPBI',
          departureDate: day(20),
          passengers: 20,
          color: 'red',
        },
      });
      expect(response.status).toBe(400);
      const fields = (await json<Problem>(response)).errors?.map((e) => `${e.field}:${e.rule}`);
      expect(fields).toEqual(expect.arrayContaining(['passengers:max', 'color:unknownProperty']));
    });
  });

  describe('charter request → booking lifecycle', () => {
    it('walks search → quote → request → details → modify → confirm → cancel, storing and auditing each change', async () => {
      const date = day(25);
      const trip = await tripOn(date);
      const quoteResponse = await app.request('/api/integration/quotes', {
        method: 'POST',
        json: {
          aircraftId: trip.aircraftId,
          departureAirport: 'KTEB',
          arrivalAirport: 'KPBI',
          departureDate: date,
          passengers: 3,
        },
      });
      const quote = await json<Quote>(quoteResponse);

      const created = await createRequest({
        ...trip,
        departureAirport: 'kteb',
        quoteId: quote.id,
        specialRequests: 'Vegetarian catering',
      });
      expect(created.status).toBe(201);
      const request = await json<Booking>(created);
      expect(request).toMatchObject({ status: 'pending', bookingId: null, quoteId: quote.id, passengers: 3 });
      expect(request.route).toEqual({ departureAirport: 'KTEB', arrivalAirport: 'KPBI' });
      expect(request.id).toBe(request.requestId);
      expect(request.pricing.total).toBe(quote.total);
      expect(request.recordId).toEqual(expect.any(String));

      const stored = (await rows()).find((r) => r.id === request.recordId);
      expect(stored).toMatchObject({
        upstreamRequestId: request.requestId,
        status: 'pending',
        origin: 'api',
        departureAirport: 'KTEB',
        arrivalAirport: 'KPBI',
        departureDate: date,
        departureTime: '10:15',
        passengers: 3,
        quoteId: quote.id,
        totalCents: quote.total,
        version: 1,
      });
      expect(stored?.idempotencyKey).toEqual(expect.any(String));

      const byRecord = await app.request(`/api/integration/bookings/${request.recordId}`);
      expect(byRecord.status).toBe(200);
      expect(await json<Booking>(byRecord)).toMatchObject({ requestId: request.requestId, recordId: request.recordId });

      const modified = await app.request(`/api/integration/bookings/${request.id}`, {
        method: 'PATCH',
        json: { departureTime: '11:45', passengers: 2 },
      });
      expect(modified.status).toBe(200);
      const afterModify = await json<Booking>(modified);
      expect(afterModify).toMatchObject({ status: 'pending', departureTime: '11:45', passengers: 2 });
      expect(afterModify.pricing.total).toBeLessThan(quote.total);

      const confirmed = await app.request(`/api/integration/bookings/${request.id}/confirm`, {
        method: 'POST',
        json: { paymentMethod: 'wire_transfer' },
      });
      expect(confirmed.status).toBe(200);
      const booking = await json<Booking>(confirmed);
      expect(booking.status).toBe('confirmed');
      expect(booking.bookingId).toMatch(/^bk-/);
      expect(booking.payment).toMatchObject({ method: 'wire_transfer' });

      const byBookingId = await app.request(`/api/integration/bookings/${booking.bookingId}`);
      expect(await json<Booking>(byBookingId)).toMatchObject({ requestId: request.requestId, status: 'confirmed' });

      const cancelled = await app.request(`/api/integration/bookings/${booking.bookingId}/cancel`, {
        method: 'POST',
        json: { reason: 'Client postponed the trip' },
      });
      expect(cancelled.status).toBe(200);
      expect(await json<Booking>(cancelled)).toMatchObject({
        status: 'cancelled',
        cancellation: { reason: 'Client postponed the trip' },
      });

      const row = (await rows()).find((r) => r.id === request.recordId);
      expect(row).toMatchObject({
        status: 'cancelled',
        upstreamBookingId: booking.bookingId,
        passengers: 2,
        departureTime: '11:45',
      });
      expect(row?.statusHistory.map((h) => h.action)).toEqual(['create', 'modify', 'confirm', 'cancel']);
      expect(row?.version).toBe(4);

      const audit = app.app.get(DataSource).getRepository(AuditLogEntry);
      const types = await eventually(async () => {
        const entries = await audit.find({ where: { subject: request.requestId }, order: { occurredAt: 'ASC' } });
        return entries.length >= 4 ? entries.map((e) => e.type) : undefined;
      });
      expect(types).toEqual([
        'avainode.charter_request_created',
        'avainode.booking_modified',
        'avainode.booking_confirmed',
        'avainode.booking_cancelled',
      ]);
    });

    it('refuses to confirm a cancelled booking with 409 naming the current status', async () => {
      const created = await createRequest(await tripOn(day(26)));
      const request = await json<Booking>(created);
      const cancel = await app.request(`/api/integration/bookings/${request.id}/cancel`, {
        method: 'POST',
        json: { reason: 'Changed plans' },
      });
      expect(cancel.status).toBe(200);
      const confirm = await app.request(`/api/integration/bookings/${request.id}/confirm`, {
        method: 'POST',
        json: { paymentMethod: 'card' },
      });
      expect(confirm.status).toBe(409);
      const problem = await json<Problem>(confirm);
      expect(problem).toMatchObject({
        code: 'invalid_state_transition',
        currentStatus: 'cancelled',
        action: 'confirm',
        server: 'avinode',
      });
      expect(problem.detail).toContain('cancelled');

      const modify = await app.request(`/api/integration/bookings/${request.id}`, {
        method: 'PATCH',
        json: { passengers: 2 },
      });
      expect(modify.status).toBe(409);
      expect((await json<Problem>(modify)).currentStatus).toBe('cancelled');
      const row = (await rows()).find((r) => r.upstreamRequestId === request.requestId);
      expect(row?.status).toBe('cancelled');
    });

    it('answers 404 for unknown bookings (upstream id or record id)', async () => {
      const upstream = await app.request('/api/integration/bookings/cr-does-not-exist');
      expect(upstream.status).toBe(404);
      expect((await json<Problem>(upstream)).server).toBe('avinode');
      const record = await app.request(`/api/integration/bookings/${randomUUID()}/confirm`, {
        method: 'POST',
        json: { paymentMethod: 'card' },
      });
      expect(record.status).toBe(404);
    });

    it('validates booking actions by field', async () => {
      const confirm = await app.request('/api/integration/bookings/cr-1/confirm', { method: 'POST', json: {} });
      expect(confirm.status).toBe(400);
      expect((await json<Problem>(confirm)).errors?.[0]?.field).toBe('paymentMethod');
      const cancel = await app.request('/api/integration/bookings/cr-1/cancel', {
        method: 'POST',
        json: { reason: '' },
      });
      expect((await json<Problem>(cancel)).errors?.[0]?.field).toBe('reason');
      const empty = await app.request('/api/integration/bookings/cr-1', { method: 'PATCH', json: {} });
      expect(empty.status).toBe(400);
      expect((await json<Problem>(empty)).errors?.[0]).toMatchObject({ field: 'modifications', rule: 'atLeastOne' });
      const time = await app.request('/api/integration/bookings/cr-1', {
        method: 'PATCH',
        json: { departureTime: '25:00' },
      });
      expect((await json<Problem>(time)).errors?.[0]?.field).toBe('departureTime');
    });

    it.each([
      [{ departureAirport: 'kte' }, 'departureAirport'],
      [{ departureDate: day(-2) }, 'departureDate'],
      [{ returnDate: day(1) }, 'returnDate'],
      [{ passengers: 20 }, 'passengers'],
      [{ departureTime: '9am' }, 'departureTime'],
      [{ contact: { name: 'Jane', email: 'not-an-email' } }, 'contact.email'],
      [{ contact: { email: 'jane@x.com' } }, 'contact.name'],
    ])('rejects a charter request with %j naming %s, calling nothing upstream', async (override, field) => {
      const before = createCalls();
      const body = {
        aircraftId: 'ac-n413ec',
        departureAirport: 'KTEB',
        arrivalAirport: 'KPBI',
        departureDate: day(5),
        departureTime: '10:00',
        passengers: 2,
        contact: { name: 'Jane', email: 'jane@x.com' },
        ...override,
      };
      const response = await createRequest(body, randomUUID());
      expect(response.status).toBe(400);
      expect((await json<Problem>(response)).errors?.map((e) => e.field)).toContain(field);
      expect(createCalls()).toBe(before);
    });
  });

  describe('POST /api/integration/aircraft with Idempotency-Key', () => {
    it('replays the first response for the same key and body: one upstream request, one row', async () => {
      const trip = await tripOn(day(30));
      const key = randomUUID();
      const callsBefore = createCalls();
      const first = await createRequest(trip, key);
      expect(first.status).toBe(201);
      const firstBody = await first.text();
      const second = await createRequest({ ...trip }, key);
      expect(second.status).toBe(201);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(await second.text()).toBe(firstBody);
      expect(createCalls() - callsBefore).toBe(1);
      const requestId = (JSON.parse(firstBody) as Booking).requestId;
      expect((await rows()).filter((r) => r.upstreamRequestId === requestId)).toHaveLength(1);
    });

    it('runs 20 concurrent requests with one key once: one upstream request, one row, 20 equal answers', async () => {
      const trip = await tripOn(day(31));
      const key = randomUUID();
      const callsBefore = createCalls();
      const rowsBefore = (await rows()).length;
      const responses = await Promise.all(Array.from({ length: 20 }, () => createRequest(trip, key)));
      expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 201));
      const bodies = await Promise.all(responses.map((r) => r.text()));
      expect(new Set(bodies).size).toBe(1);
      expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);
      expect(createCalls() - callsBefore).toBe(1);
      expect((await rows()).length - rowsBefore).toBe(1);
    });

    it('answers 422 for the same key with a different body, without calling upstream', async () => {
      const trip = await tripOn(day(32));
      const key = randomUUID();
      expect((await createRequest(trip, key)).status).toBe(201);
      const callsBefore = createCalls();
      const reused = await createRequest({ ...trip, passengers: 2 }, key);
      expect(reused.status).toBe(422);
      expect(await json<Problem>(reused)).toMatchObject({ code: 'idempotency_key_reused', idempotencyKey: key });
      expect(createCalls()).toBe(callsBefore);
    });

    it('keeps keys apart per route: the same key on a different route is a different request', async () => {
      const created = await json<Booking>(await createRequest(await tripOn(day(33))));
      const key = randomUUID();
      const first = await app.request(`/api/integration/bookings/${created.id}/confirm`, {
        method: 'POST',
        json: { paymentMethod: 'card' },
        headers: { 'idempotency-key': key },
      });
      expect(first.status).toBe(200);
      const again = await app.request(`/api/integration/bookings/${created.id}/confirm`, {
        method: 'POST',
        json: { paymentMethod: 'card' },
        headers: { 'idempotency-key': key },
      });
      // Without the key this would be 409 (already confirmed); with it the first answer is replayed.
      expect(again.status).toBe(200);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect((await json<Booking>(again)).status).toBe('confirmed');
    });

    it('creates distinct requests without a key and rejects a malformed key', async () => {
      const trip = await tripOn(day(34));
      const one = await json<Booking>(await createRequest(trip));
      const two = await json<Booking>(await createRequest(trip));
      expect(one.requestId).not.toBe(two.requestId);
      const bad = await createRequest(trip, 'x'.repeat(256));
      expect(bad.status).toBe(400);
      expect((await json<Problem>(bad)).errors?.[0]?.field).toBe('Idempotency-Key');
    });
  });

  describe('AvainodeService.createCharterRequest (as the pipeline calls it)', () => {
    it('turns 20 concurrent calls with one key into one upstream request, one row and one created event', async () => {
      const trip = await tripOn(day(35));
      const service = app.app.get(AvainodeService);
      const events: CharterRequestCreated[] = [];
      const emitter = app.app.get(EventEmitter2);
      const listener = (event: CharterRequestCreated): void => {
        events.push(event);
      };
      emitter.on(CharterRequestCreated.eventName, listener);
      const key = `pipeline-${randomUUID()}`;
      const rowsBefore = (await rows()).length;
      try {
        const results = await Promise.all(
          Array.from({ length: 20 }, () =>
            service.createCharterRequest(
              {
                aircraftId: String(trip.aircraftId),
                departureAirport: 'KTEB',
                arrivalAirport: 'KPBI',
                departureDate: day(35),
                departureTime: '07:30',
                passengers: 3,
                contact: { name: 'Pipeline Lead', email: 'lead@example.com' },
              },
              { idempotencyKey: key, origin: 'pipeline' },
            ),
          ),
        );
        expect(new Set(results.map((r) => r.view.requestId)).size).toBe(1);
        expect(new Set(results.map((r) => r.record.id)).size).toBe(1);
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect((await rows()).length - rowsBefore).toBe(1);
        const row = (await rows()).find((r) => r.idempotencyKey === key);
        expect(row).toMatchObject({ origin: 'pipeline', upstreamRequestId: results[0]?.view.requestId });
        expect(events.filter((e) => e.record.upstreamRequestId === row?.upstreamRequestId)).toHaveLength(1);
      } finally {
        emitter.off(CharterRequestCreated.eventName, listener);
      }
    });
  });

  describe('GET /api/integration/operators/:id', () => {
    it('returns the profile with safety records, fleet on request, cached until a booking of the operator changes', async () => {
      const metric = async (name: string): Promise<number> => {
        const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith(`${name}{namespace="avinode.operator"}`));
        return line ? Number(line.split(' ').pop()) : 0;
      };
      const trip = await tripOn(day(40));
      const search = await json<SearchPage>(
        await app.request(
          `/api/integration/aircraft?departureAirport=KTEB&arrivalAirport=KPBI&departureDate=${day(40)}&passengers=3`,
        ),
      );
      const operatorId = search.items.find((i) => i.aircraftId === trip.aircraftId)?.operator.id ?? '';
      const calls = (): number => sandbox.stats().calls['get-operator-info'] ?? 0;
      const before = calls();
      const [hits0, misses0] = [await metric('cache_hits_total'), await metric('cache_misses_total')];

      const first = await app.request(`/api/integration/operators/${operatorId}`);
      expect(first.status).toBe(200);
      const profile = await json<Record<string, unknown>>(first);
      expect(profile).toMatchObject({ id: operatorId, safety: expect.any(Object), insurance: expect.any(Object) });
      expect(profile.safetyRecords).toMatchObject({ incidents: expect.any(Array) });
      expect(profile.fleet).toBeUndefined();

      const withFleet = await json<Record<string, unknown>>(
        await app.request(`/api/integration/operators/${operatorId}?includeFleet=true&includeSafetyRecords=false`),
      );
      expect(Array.isArray(withFleet.fleet)).toBe(true);
      expect(withFleet.safetyRecords).toBeUndefined();
      expect(calls() - before).toBe(1);
      expect(await metric('cache_hits_total')).toBe(hits0 + 1);
      expect(await metric('cache_misses_total')).toBe(misses0 + 1);

      const created = await json<Booking>(await createRequest(trip));
      expect(created.operator.id).toBe(operatorId);
      await app.request(`/api/integration/operators/${operatorId}`);
      expect(calls() - before).toBe(2);
    });

    it('answers 404 for an unknown operator and 400 for a bad flag', async () => {
      expect((await app.request('/api/integration/operators/op-nobody')).status).toBe(404);
      const bad = await app.request('/api/integration/operators/op-palmetto-sky?includeFleet=maybe');
      expect(bad.status).toBe(400);
      expect((await json<Problem>(bad)).errors?.[0]?.field).toBe('includeFleet');
    });
  });

  describe('GET /api/integration/empty-legs', () => {
    it('lists empty legs, filtered and paged', async () => {
      const all = await json<{
        items: Array<{ departureAirport: string; price: number }>;
        page: { totalItems: number };
      }>(await app.request('/api/integration/empty-legs?perPage=100'));
      expect(all.items.length).toBeGreaterThan(0);
      const from = all.items[0]?.departureAirport ?? 'KTEB';
      const filtered = await app.request(
        `/api/integration/empty-legs?departureAirport=${from.toLowerCase()}&perPage=2`,
      );
      expect(filtered.status).toBe(200);
      const body = await json<{
        items: Array<{ departureAirport: string }>;
        page: { perPage: number; totalItems: number };
      }>(filtered);
      expect(body.page.perPage).toBe(2);
      expect(body.items.length).toBeLessThanOrEqual(2);
      for (const leg of body.items) expect(leg.departureAirport).toBe(from);
      const cheap = await json<{ items: Array<{ price: number }> }>(
        await app.request('/api/integration/empty-legs?maxPrice=1000000'),
      );
      for (const leg of cheap.items) expect(leg.price).toBeLessThanOrEqual(1000000);
    });

    it('rejects an end date before the start date naming endDate', async () => {
      const response = await app.request(`/api/integration/empty-legs?startDate=${day(5)}&endDate=${day(4)}`);
      expect(response.status).toBe(400);
      expect((await json<Problem>(response)).errors?.[0]).toMatchObject({ field: 'endDate', rule: 'isOnOrAfter' });
    });
  });
});
