import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JobQueueService } from '../../src/common/jobs/job-queue.service.js';
import { EmbeddedSandboxes } from '../../src/common/mcp/embedded-sandbox.provider.js';
import { AvinodeTripsService } from '../../src/modules/avainode/avinode-trips.service.js';
import { PipelineRunsService } from '../../src/modules/pipeline/pipeline-runs.service.js';
import { TripReconciliationJob, tripReconcileQueue } from '../../src/modules/pipeline/trip-reconciliation.job.js';
import type { SandboxServerHandle } from '../../src/sandbox/index.js';
import { eventually, startTestApp, type TestApp } from '../support/test-app.js';
import { getRun, trip, waitForStatus, type RunBody } from './pipeline-support.js';

interface TripRun extends RunBody {
  choice: (RunBody['choice'] & { rfqId: string }) | null;
  avinodeTrip: {
    tripId: string;
    quotesDueAt: string | null;
    quotes?: Array<{ rfqId: string; status: string; quote: { total: number } | null; firstSeenAt: string }>;
  } | null;
}

/**
 * Avinode's trip flow when quotes arrive faster than the deadline, and when their webhooks never arrive. The quote
 * deadline is 10 minutes, longer than this file runs: a run that chooses did so because PIPELINE_QUOTES_ENOUGH (2)
 * quotes arrived. One simulated minute lasts 20 ms, so operators answer within a second.
 */
describe('pipeline: enough quotes end the wait; reconciliation picks up answers whose webhooks were given up', () => {
  let t: TestApp;
  let avinode: SandboxServerHandle;

  const submit = async (email: string): Promise<string> => {
    const response = await t.request('/api/integration/leads', {
      method: 'POST',
      json: { lead: { email, firstName: 'Ana', lastName: 'Ruiz' }, flightRequirements: trip() },
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { runId: string }).runId;
  };
  const run = (id: string): Promise<TripRun> => getRun(t.request, id) as Promise<TripRun>;
  const awaitingQuotes = (id: string): Promise<TripRun> =>
    eventually(async () => {
      const current = await run(id);
      return current.status === 'awaiting_quotes' ? current : undefined;
    }, 20_000);

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        AVINODE_QUOTE_FLOW: 'trip',
        SANDBOX_AVINODE_MINUTE_MS: '20',
        PIPELINE_QUOTE_DEADLINE_SECONDS: '600',
        PIPELINE_QUOTES_ENOUGH: '2',
        WEBHOOK_AVAINODE_AUTH: 'basic',
        WEBHOOK_AVAINODE_BASIC_USER: 'avinode-client',
        WEBHOOK_AVAINODE_BASIC_PASSWORD: 'avinode-secret-1',
      },
    });
    avinode = t.app.get(EmbeddedSandboxes).get('avinode')!;
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('schedules the reconciliation once per cluster, every PIPELINE_TRIP_RECONCILE_MINUTES (default 5)', async () => {
    const schedules = await t.app.get(JobQueueService).schedules();
    expect(schedules).toContainEqual({ name: tripReconcileQueue.name, cron: '*/5 * * * *' });
  });

  it('a run stops waiting once enough quotes arrived by webhook, long before its deadline', async () => {
    const id = await submit('enough.quotes@example.com');
    const waiting = await awaitingQuotes(id);
    const dueAt = Date.parse(waiting.avinodeTrip?.quotesDueAt ?? '');
    expect(dueAt - Date.now()).toBeGreaterThan(60_000);

    const chosen = (await waitForStatus(t.request, id, ['awaiting_confirmation'], 30_000)) as TripRun;
    expect(chosen.avinodeTrip?.quotesDueAt).toBeNull();
    expect(chosen.steps?.find((s) => s.step === 'price')?.status).toBe('succeeded');
    const quotes = chosen.avinodeTrip?.quotes ?? [];
    expect(quotes.filter((q) => q.quote !== null).length).toBeGreaterThanOrEqual(2);
    expect(quotes.find((q) => q.rfqId === chosen.choice?.rfqId)?.quote?.total).toBe(chosen.choice?.total);
  });

  it('answers whose webhooks Avinode gave up on are stored by the reconciliation, once, and the run proceeds', async () => {
    // Avinode gives up on every notification from now on.
    avinode.setFaults({ dropWebhooks: {} });
    const droppedBefore = avinode.stats().webhooks.dropped;
    try {
      const id = await submit('lost.webhooks@example.com');
      const waiting = await awaitingQuotes(id);
      const tripId = waiting.avinodeTrip!.tripId;
      // The trip as read before any seller answered: a picture a slow notification handler may still be holding.
      const unanswered = await t.app.get(AvinodeTripsService).getTrip(tripId);
      // Every seller answered upstream (the late one after 6 to 14 s, after any revision), but nothing reached the run.
      const upstream = await eventually(async () => {
        const current = await t.app.get(AvinodeTripsService).getTrip(tripId);
        return current.rfqs.length > 0 && current.rfqs.every((r) => r.status !== 'sent') ? current : undefined;
      }, 30_000);
      expect(avinode.stats().webhooks.dropped).toBeGreaterThan(droppedBefore);
      const before = await run(id);
      expect(before.status).toBe('awaiting_quotes');
      expect(before.avinodeTrip?.quotes).toEqual([]);

      // One pass of the scheduled job (sent now rather than waiting for its slot) stores them; enough quotes end the wait.
      await t.app.get(JobQueueService).send(tripReconcileQueue, {});
      const chosen = (await waitForStatus(t.request, id, ['awaiting_confirmation'], 30_000)) as TripRun;
      const stored = chosen.avinodeTrip?.quotes ?? [];
      expect(stored.map((q) => q.rfqId).sort()).toEqual(upstream.rfqs.map((r) => r.id).sort());
      expect(stored.filter((q) => q.status === 'quoted').length).toBeGreaterThanOrEqual(2);
      expect(chosen.choice?.rfqId).toEqual(expect.any(String));

      // That older picture, committed last, does not turn the answers back into silence.
      await t.app.get(PipelineRunsService).recordTripQuotes(tripId, unanswered.rfqs, false);
      // The answers, not when they were last written: a seller who had answered before that picture was taken is in it
      // with the same answer, which may be written again.
      const answers = (quotes: typeof stored): unknown[] =>
        quotes.map((quote) => Object.fromEntries(Object.entries(quote).filter(([key]) => key !== 'updatedAt')));
      expect(answers((await run(id)).avinodeTrip?.quotes ?? [])).toEqual(answers(stored));

      // A second pass leaves alone what is stored (nothing changed upstream since).
      const second = await t.app.get(TripReconciliationJob).reconcile();
      expect(second.failed).toBe(0);
      expect(second.pickedByRun[id]).toBeUndefined();
    } finally {
      avinode.clearFaults();
    }
  });
});
