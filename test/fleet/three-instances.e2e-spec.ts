import { afterAll, describe, expect, it } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import { type ChildApp, startChildApp } from '../support/child-app.js';
import { eventually } from '../support/eventually.js';
import { availableDatabaseKinds } from '../support/test-database.js';
import { childRequester, crashHarness, type Requester } from '../pipeline/crash-harness.js';
import { trip, upstreamRequests } from '../pipeline/pipeline-support.js';
import { apolloLead, signed, testSecret } from '../webhook/support/webhook-client.js';

const LEADS = 300;
const WEBHOOKS = 300;
const SECRET = testSecret();
const WORKING = ['not_started', 'queued', 'enriching', 'searching', 'pricing', 'requesting', 'notifying'];

interface LeadReport {
  runId: string | null;
  status: string;
}
interface BatchReport {
  total: number | null;
  started: number;
  leads: LeadReport[];
}
interface RunBody {
  status: string;
  lead: { email?: string } | null;
  charterRequestId: string | null;
}

/**
 * Three instances of the built app on one PostgreSQL and one set of upstreams, under load and a fault: a 300-lead
 * batch started on one is worked by all three, signed webhooks arrive round-robin, and the instance that started the
 * batch is killed (-9) mid-way. Several instances need a shared PostgreSQL (the embedded database belongs to one
 * process), so this runs where DATABASE_URL is set — as in CI.
 */
for (const kind of availableDatabaseKinds().filter((each) => each === 'postgres')) {
  describe(`three instances on one ${kind} database`, () => {
    const harness = crashHarness('fleet');
    const instances: ChildApp[] = [];

    afterAll(async () => {
      for (const child of instances) if (child.process.exitCode === null) await child.kill();
    });

    it('share a batch, take webhooks round-robin, and finish the work of one killed mid-batch', async () => {
      const env: Record<string, string> = {
        ...harness.env(),
        WEBHOOK_APOLLO_SECRETS: SECRET,
        WEBHOOK_RATE_LIMIT_PER_ADDRESS_PER_MINUTE: '100000',
        WEBHOOK_JOB_TIMEOUT_SECONDS: '5',
        PIPELINE_BATCH_PAUSE_MS: '50',
        PIPELINE_CONCURRENCY: '8',
      };
      // Started together: the migrations run once, under the lock, whoever comes first.
      instances.push(...(await Promise.all([0, 1, 2].map(() => startChildApp(env)))));
      const [first, second, third] = instances as [ChildApp, ChildApp, ChildApp];
      const startedAt = Date.now();
      const request: Requester = childRequester(second);

      const started = await childRequester(first)('/api/integration/leads', {
        method: 'PUT',
        json: { searchCriteria: { location: 'United States', limit: LEADS }, flightTemplate: trip(), batchSize: 50 },
      });
      expect(started.status).toBe(202);
      const { batchId } = (await started.json()) as { batchId: string };
      const report = async (): Promise<BatchReport> =>
        (await (await request(`/api/integration/pipeline/batches/${batchId}`)).json()) as BatchReport;

      // Signed webhooks, round-robin over the three, while the batch runs.
      let accepted = 0;
      const post = async (target: ChildApp, delivery: ReturnType<typeof signed>): Promise<number> => {
        const response = await fetch(`${target.baseUrl}/api/integration/webhook/apollo`, {
          method: 'POST',
          headers: delivery.headers,
          body: delivery.body,
        }).catch(() => undefined);
        await response?.arrayBuffer();
        return response?.status ?? 0;
      };
      const sending = (async () => {
        for (let n = 0; n < WEBHOOKS; n++) {
          const delivery = signed(SECRET, {
            type: 'lead_created',
            data: apolloLead(`fleet-${n}`, new Date().toISOString()),
          });
          const target = instances[n % 3]!;
          const alive = target.process.exitCode === null && target.process.signalCode === null ? target : second;
          // A target that died between the check and the request: the sender retries elsewhere, as senders do.
          const status = (await post(alive, delivery)) === 202 ? 202 : await post(second, delivery);
          if (status === 202) accepted++;
        }
      })();

      // Mid-batch, the instance that started it dies.
      await eventually(async () => (await report()).started >= LEADS / 3, 120_000, 100, 'a third of the batch started');
      await first.kill();
      const killedAt = Date.now();
      await sending;
      expect(accepted).toBe(WEBHOOKS);

      const settled = await eventually(
        async () => {
          const current = await report();
          return current.total === LEADS && current.leads.every((lead) => !WORKING.includes(lead.status))
            ? current
            : undefined;
        },
        240_000,
        250,
        'every lead of the batch settled',
      );

      const settledAt = Date.now();

      // Exactly one charter request upstream per run that made one, whoever ran (or re-ran) its steps.
      const runs = await Promise.all(
        settled.leads
          .filter((lead) => lead.runId !== null)
          .map(
            async (lead) => (await (await request(`/api/integration/pipeline/runs/${lead.runId!}`)).json()) as RunBody,
          ),
      );
      const requested = runs.filter((run) => run.charterRequestId !== null);
      expect(requested.length).toBeGreaterThan(LEADS / 2);
      const upstream = await upstreamRequests(harness.upstreams.avinode);
      for (const run of requested) {
        const made = upstream.filter((booking) => booking.contact.email === run.lead?.email);
        expect({ email: run.lead?.email, requests: made.map((booking) => booking.requestId) }).toEqual({
          email: run.lead?.email,
          requests: [run.charterRequestId],
        });
      }

      const db = new pg.Client({ connectionString: env['DATABASE_URL'] });
      await db.connect();
      try {
        // No webhook lost, none processed twice.
        await eventually(
          async () => {
            const { rows } = await db.query<{ n: string }>(
              `SELECT count(*) AS n FROM webhook_events WHERE status = 'processed' AND processed_count = 1`,
            );
            return Number(rows[0]?.n) === WEBHOOKS;
          },
          60_000,
          250,
          'every webhook processed once',
        );
        const { rows: statuses } = await db.query<{ status: string; n: string }>(
          `SELECT status, count(*) AS n FROM webhook_events GROUP BY status`,
        );
        expect(statuses).toEqual([{ status: 'processed', n: String(WEBHOOKS) }]);

        // No run is left in a working status (the settle check above); the work was shared: all three ran steps,
        // the two survivors finished the rest.
        const { rows: shares } = await db.query<{ instance: string; n: string }>(
          `SELECT instance, count(*) AS n FROM pipeline_steps WHERE run_id IN (
             SELECT run_id FROM pipeline_batch_leads WHERE batch_id = $1 AND run_id IS NOT NULL)
           GROUP BY instance`,
          [batchId],
        );
        const share = (child: ChildApp): number =>
          Number(shares.find((row) => row.instance?.endsWith(`/${child.process.pid ?? ''}`))?.n ?? 0);
        expect(share(first)).toBeGreaterThan(0);
        expect(share(second)).toBeGreaterThan(0);
        expect(share(third)).toBeGreaterThan(0);
        const { rows: repeated } = await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM pipeline_steps WHERE attempts > 1`,
        );
        // For docs/benchmarks.md: FLEET_REPORT=<file> npm test -- test/fleet
        const reportFile = process.env['FLEET_REPORT'];
        if (reportFile) {
          const summary = {
            stepsByInstance: { killed: share(first), second: share(second), third: share(third) },
            killedAfterMs: killedAt - startedAt,
            settledAfterKillMs: settledAt - killedAt,
            totalMs: settledAt - startedAt,
            stepsRepeated: Number(repeated[0]?.n ?? 0),
            runsWithRequest: requested.length,
            webhooks: WEBHOOKS,
          };
          await writeFile(reportFile, JSON.stringify(summary, null, 2));
        }
      } finally {
        await db.end();
      }
    }, 400_000);
  });
}
