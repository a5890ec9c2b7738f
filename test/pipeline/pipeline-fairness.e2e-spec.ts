import { describe, expect, it } from '@jest/globals';
import { eventually, type TestApp } from '../support/test-app.js';
import { getRun, type RunBody, trip, usePipelineApp, waitForStatus } from './pipeline-support.js';

interface StepTimes {
  step: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface PipelineLoad {
  maxRunsInFlight: number;
  inFlight: number;
  queued: number;
  oldestQueuedAt: string | null;
  byStatus: Record<string, number>;
}

/**
 * One step worker and room for two runs in flight. Apollo's enrichment is held (the sandbox's `hang` fault) to line
 * submissions up behind a run that has started; releasing it shows the order in which the worker takes the work.
 */
describe('fair and bounded progress: later steps first, a cap on runs in flight', () => {
  const harness = usePipelineApp({
    PIPELINE_CONCURRENCY: '1',
    PIPELINE_MAX_RUNS_IN_FLIGHT: '2',
    PIPELINE_STEP_RETRY_DELAY_SECONDS: '1',
    MCP_CALL_TIMEOUT_MS: '60000',
  });
  const request: TestApp['request'] = (...args) => harness.app.request(...args);

  async function submit(name: string, passengers: number): Promise<{ runId: string; status: string }> {
    const response = await request('/api/integration/leads', {
      method: 'POST',
      json: {
        lead: { email: `${name}@fairness-e2e.example`, firstName: name },
        flightRequirements: trip({ passengers }),
      },
    });
    expect(response.status).toBe(202);
    return (await response.json()) as { runId: string; status: string };
  }

  /** Until the run's enrichment is under way (held by the fault). */
  async function enrichRunning(runId: string): Promise<void> {
    await eventually(async () => {
      const run = await getRun(request, runId);
      return run.steps?.some((s) => s.step === 'enrich' && s.status === 'running') ? true : undefined;
    });
  }

  async function load(): Promise<PipelineLoad> {
    const response = await request('/api/integration/pipeline/status');
    expect(response.status).toBe(200);
    return (await response.json()) as PipelineLoad;
  }

  async function steps(runId: string): Promise<StepTimes[]> {
    return ((await getRun(request, runId)).steps ?? []) as unknown as StepTimes[];
  }

  it('finishes a started run before the next run begins: later steps go before first steps', async () => {
    harness.upstreams.apollo.setFaults({ hang: true, tools: ['enrich-contact'] });
    const a = await submit('first', 1);
    await enrichRunning(a.runId);
    const b = await submit('second', 2);
    const c = await submit('third', 3);
    expect([a.status, b.status, c.status]).toEqual(['enriching', 'enriching', 'queued']);
    harness.upstreams.apollo.clearFaults();

    const order = [a.runId, b.runId, c.runId];
    for (const id of order) await waitForStatus(request, id, ['awaiting_confirmation'], 60_000);
    const timelines = await Promise.all(order.map((id) => steps(id)));
    for (const timeline of timelines) {
      expect(timeline.filter((s) => s.step !== 'confirmation').map((s) => s.step)).toEqual([
        'enrich',
        'search',
        'price',
        'request',
        'notify',
      ]);
    }
    // With one worker, every step of a run is done before the next run's first step starts.
    for (let i = 1; i < timelines.length; i++) {
      const previousNotify = timelines[i - 1]?.find((s) => s.step === 'notify')?.finishedAt ?? '';
      const nextEnrich = timelines[i]?.find((s) => s.step === 'enrich')?.startedAt ?? '';
      expect({
        run: i,
        previousNotify,
        nextEnrich,
        inOrder: Date.parse(previousNotify) <= Date.parse(nextEnrich),
      }).toEqual({ run: i, previousNotify, nextEnrich, inOrder: true });
    }
  }, 120_000);

  it('queues runs over the cap visibly and admits the oldest when a place frees up', async () => {
    harness.upstreams.apollo.setFaults({ hang: true, tools: ['enrich-contact'] });
    const d = await submit('fourth', 4);
    await enrichRunning(d.runId);
    const e = await submit('fifth', 5);
    const f = await submit('sixth', 6);
    const g = await submit('seventh', 7);
    expect([d.status, e.status, f.status, g.status]).toEqual(['enriching', 'enriching', 'queued', 'queued']);

    const waiting = await load();
    expect(waiting).toMatchObject({ maxRunsInFlight: 2, inFlight: 2, queued: 2 });
    expect(waiting.byStatus.queued).toBe(2);
    expect(waiting.oldestQueuedAt).toEqual(expect.any(String));
    const listed = (await (await request('/api/integration/pipeline/runs?status=queued')).json()) as {
      items: RunBody[];
    };
    expect(listed.items.map((run) => run.id).sort()).toEqual([f.runId, g.runId].sort());

    // A queued run can be cancelled while it waits; it never starts.
    const cancelQueued = await request(`/api/integration/pipeline/runs/${g.runId}/cancel`, {
      method: 'POST',
      json: { reason: 'not needed' },
    });
    expect(cancelQueued.status).toBe(200);
    expect(await load()).toMatchObject({ inFlight: 2, queued: 1 });

    // A run leaving the runs in flight hands its place to the oldest queued run.
    const cancelRunning = await request(`/api/integration/pipeline/runs/${d.runId}/cancel`, {
      method: 'POST',
      json: { reason: 'lead withdrew' },
    });
    expect(cancelRunning.status).toBe(200);
    expect((await getRun(request, f.runId)).status).toBe('enriching');
    expect(await load()).toMatchObject({ inFlight: 2, queued: 0, oldestQueuedAt: null });

    harness.upstreams.apollo.clearFaults();
    for (const id of [e.runId, f.runId]) await waitForStatus(request, id, ['awaiting_confirmation'], 60_000);
    const cancelled = await getRun(request, g.runId);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.steps).toEqual([]);
    expect((await getRun(request, d.runId)).status).toBe('cancelled');
    expect(await load()).toMatchObject({ inFlight: 0, queued: 0 });
  }, 120_000);
});
