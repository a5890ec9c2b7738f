import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startChildApp, type ChildApp } from '../support/child-app.js';
import { eventually } from '../support/eventually.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { childRequester } from '../pipeline/crash-harness.js';
import { getRun, startUpstreams, trip, type Upstreams } from '../pipeline/pipeline-support.js';

interface BatchReport {
  total: number | null;
  finished: boolean;
  leads: Array<{ runId: string | null; status: string }>;
}

const STEPPING = ['enriching', 'searching', 'pricing', 'requesting', 'notifying'];
const WORKING = [...STEPPING, 'not_started'];
const LEADS = 8;

/**
 * SIGTERM while a batch's steps are running upstream: the steps in hand finish (nothing fails because the MCP client
 * or the job queue closed under them), the process exits 0, and a restarted instance carries the batch to its end.
 */
describe('SIGTERM drains running pipeline steps before closing', () => {
  let upstreams: Upstreams;
  let database: TestDatabase;
  let child: ChildApp | undefined;

  beforeAll(async () => {
    upstreams = await startUpstreams();
    database = await createTestDatabase('shutdown-drain');
  }, 60_000);

  afterAll(async () => {
    if (child && child.process.exitCode === null && child.process.signalCode === null) await child.kill();
    await database?.drop();
    await upstreams?.close();
  });

  const env = (): Record<string, string> => ({
    ...database.env,
    ...upstreams.env,
    NODE_ENV: 'test',
    PIPELINE_STEP_RETRY_DELAY_SECONDS: '1',
    SHUTDOWN_TIMEOUT_MS: '20000',
  });

  it('finishes the steps in hand, exits 0, and the batch completes after a restart', async () => {
    child = await startChildApp(env());
    let request = childRequester(child);
    // Slow upstreams, so that steps are in flight when the signal arrives.
    for (const server of [upstreams.apollo, upstreams.avinode, upstreams.n8n]) server.setFaults({ latencyMs: 300 });
    const started = await request('/api/integration/leads', {
      method: 'PUT',
      json: { searchCriteria: { location: 'United States', limit: LEADS }, flightTemplate: trip(), batchSize: LEADS },
    });
    expect(started.status).toBe(202);
    const { url } = (await started.json()) as { url: string };
    const report = async (): Promise<BatchReport> => (await (await request(url)).json()) as BatchReport;

    const inFlight = await eventually(async () => {
      const current = await report();
      return current.leads.some((lead) => STEPPING.includes(lead.status)) ? current : undefined;
    }, 60_000);
    child.process.kill('SIGTERM');
    await expect(child.exited).resolves.toBe(0);
    const output = child.output();
    expect(output).toContain('Shutdown complete');
    expect(output).not.toMatch(/shutting down|shut down while/i);
    for (const server of [upstreams.apollo, upstreams.avinode, upstreams.n8n]) server.clearFaults();

    child = await startChildApp(env());
    request = childRequester(child);
    const settled = await eventually(async () => {
      const current = await report();
      return current.total === LEADS && current.leads.every((lead) => !WORKING.includes(lead.status))
        ? current
        : undefined;
    }, 120_000);
    // Leads that were mid-way at the signal went on after the restart.
    const interrupted = inFlight.leads.filter((lead) => WORKING.includes(lead.status) && lead.runId !== null);
    expect(interrupted.length).toBeGreaterThan(0);
    for (const lead of settled.leads.filter((l) => l.runId !== null)) {
      const run = await getRun(request, lead.runId!);
      const errors = JSON.stringify(run.steps?.flatMap((step) => step.errors) ?? []);
      expect({ run: run.id, errors }).not.toEqual({ run: run.id, errors: expect.stringMatching(/shut|closing/i) });
      expect(run.failureMessage ?? '').not.toMatch(/shut|closing/i);
    }
    const resumed = settled.leads.filter((lead) => interrupted.some((i) => i.runId === lead.runId));
    expect(resumed.every((lead) => ['awaiting_confirmation', 'booked', 'failed'].includes(lead.status))).toBe(true);

    child.process.kill('SIGTERM');
    await expect(child.exited).resolves.toBe(0);
  }, 300_000);
});
