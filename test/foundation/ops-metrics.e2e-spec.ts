import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '../support/eventually.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { trip } from '../pipeline/pipeline-support.js';
import { apolloLead, deliver, signed, testSecret } from '../webhook/support/webhook-client.js';

const SECRET = testSecret();

/** The value of one series on /metrics, or undefined when it is not there. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((each) => each.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/**
 * The gauges the alert rules read from the database at scrape time: a webhook waiting to be processed and a run
 * waiting in a step show their age. Nothing processes here (no webhook workers; the Apollo upstream is not reachable).
 */
describe('operations metrics read at scrape time', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({
      env: {
        WEBHOOK_APOLLO_SECRETS: SECRET,
        WEBHOOK_CONCURRENCY: '0',
        APOLLO_MCP_SERVER_URL: 'http://127.0.0.1:9/mcp',
        PIPELINE_STEP_RETRY_DELAY_SECONDS: '60',
      },
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  const metrics = async (): Promise<string> => (await app.request('/metrics')).text();

  it('shows the age of the oldest unprocessed webhook and of the longest-waiting run in a step', async () => {
    const before = await metrics();
    expect(sample(before, 'webhook_backlog_oldest_age_seconds{source="apollo"}')).toBe(0);
    expect(sample(before, 'pipeline_run_oldest_in_status_age_seconds{status="enriching"}')).toBe(0);

    const delivery = signed(SECRET, { type: 'lead_created', data: apolloLead('ops-1', new Date().toISOString()) });
    expect((await deliver(app.baseUrl, '/api/integration/webhook/apollo', delivery)).status).toBe(202);
    const started = await app.request('/api/integration/leads', {
      method: 'POST',
      json: {
        lead: { email: 'ops.metrics@pipeline-e2e.example', firstName: 'Ops', lastName: 'Metrics' },
        flightRequirements: trip(),
      },
    });
    expect(started.status).toBe(202);

    const text = await eventually(
      async () => {
        const current = await metrics();
        const backlog = sample(current, 'webhook_backlog_oldest_age_seconds{source="apollo"}') ?? 0;
        const waiting = sample(current, 'pipeline_run_oldest_in_status_age_seconds{status="enriching"}') ?? 0;
        return backlog >= 1 && waiting >= 1 ? current : undefined;
      },
      15_000,
      200,
    );
    expect(sample(text, 'webhook_backlog_oldest_age_seconds{source="n8n"}')).toBe(0);
    expect(text).toContain('# TYPE pipeline_runs_finished_total counter');
  });
});
