import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { EventStreamService } from '../../src/modules/events/event-stream.service.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { startUpstreams, trip, type Upstreams, waitForStatus } from './pipeline-support.js';

interface StreamEvent {
  id: string;
  event: string;
  data: Record<string, unknown>;
}

/** Reads an SSE response into a growing list of events until aborted or ended. */
function collect(response: Response): { events: StreamEvent[]; ended: Promise<void> } {
  const events: StreamEvent[] = [];
  const reader = response.body?.getReader();
  if (!reader) throw new Error('no body');
  const decoder = new TextDecoder();
  let buffer = '';
  const ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const fields = Object.fromEntries(
            frame
              .split('\n')
              .filter((line) => !line.startsWith(':') && line.includes(': '))
              .map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]),
          );
          if (fields.data)
            events.push({ id: fields.id ?? '', event: fields.event ?? '', data: JSON.parse(fields.data) });
        }
      }
    } catch {
      // aborted by the test
    }
  })();
  return { events, ended };
}

describe('GET /api/integration/events (server-sent events)', () => {
  let upstreams: Upstreams;
  let app: TestApp;

  beforeAll(async () => {
    upstreams = await startUpstreams();
    app = await startTestApp({ env: upstreams.env });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await upstreams?.close();
  });

  it('needs the API key', async () => {
    const response = await app.request('/api/integration/events', { auth: false });
    expect(response.status).toBe(401);
  });

  it("delivers a run's progress in order, and only that run's with ?runId=", async () => {
    const all = new AbortController();
    const everything = await app.request('/api/integration/events?types=pipeline.**', { signal: all.signal });
    expect(everything.status).toBe(200);
    expect(everything.headers.get('content-type')).toContain('text/event-stream');
    const stream = collect(everything);

    const started = await app.request('/api/integration/leads', {
      method: 'POST',
      json: { lead: { email: 'sse@pipeline-e2e.example' }, flightRequirements: trip() },
    });
    const { runId } = (await started.json()) as { runId: string };
    // A second client following only this run (from now on).
    const one = new AbortController();
    const filtered = collect(
      await app.request(`/api/integration/events?runId=${runId}&types=pipeline.run.*`, { signal: one.signal }),
    );

    const waiting = await waitForStatus(app.request, runId, ['awaiting_confirmation']);
    await app.app.get(EventEmitter2).emitAsync('avinode.booking_confirmed', {
      payload: { requestId: waiting.charterRequestId, bookingId: 'bk-sse', status: 'confirmed' },
    });
    await eventually(() => stream.events.some((e) => e.data.runId === runId && e.data.to === 'booked'));

    const ofRun = stream.events.filter((e) => e.data.runId === runId);
    const transitions = ofRun
      .filter((e) => e.event === 'pipeline.run.status_changed')
      .map((e) => `${String(e.data.from)}>${String(e.data.to)}`);
    expect(transitions).toEqual([
      'enriching>searching',
      'searching>pricing',
      'pricing>requesting',
      'requesting>notifying',
      'notifying>awaiting_confirmation',
      'awaiting_confirmation>booked',
    ]);
    // Each step starts, then succeeds, before the run moves on; ids increase.
    const label = (value: unknown): string => (typeof value === 'string' ? value : '');
    const names = ofRun.map((e) => `${e.event}:${label(e.data.step) || label(e.data.to)}`);
    expect(names[0]).toBe('pipeline.run.created:');
    expect(names.indexOf('pipeline.step.started:enrich')).toBeLessThan(names.indexOf('pipeline.step.succeeded:enrich'));
    expect(names.indexOf('pipeline.step.succeeded:enrich')).toBeLessThan(
      names.indexOf('pipeline.run.status_changed:searching'),
    );
    expect(names.at(-1)).toBe('pipeline.run.finished:');
    const ids = ofRun.map((e) => Number(e.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);

    await eventually(() => filtered.events.some((e) => e.data.to === 'booked'));
    expect(filtered.events.every((e) => e.data.runId === runId && e.event.startsWith('pipeline.run.'))).toBe(true);

    // Client disconnects end their subscriptions.
    const service = app.app.get(EventStreamService);
    expect(service.size).toBe(2);
    all.abort();
    one.abort();
    await eventually(() => service.size === 0);
  });

  it('ends open streams when the application shuts down', async () => {
    const local = await startTestApp({ env: upstreams.env });
    const response = await local.request('/api/integration/events');
    const stream = collect(response);
    await eventually(() => local.app.get(EventStreamService).size === 1);
    await local.close();
    await stream.ended;
    expect(local.app.get(EventStreamService).size).toBe(0);
  });
});
