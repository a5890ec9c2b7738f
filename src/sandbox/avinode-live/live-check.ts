/**
 * `npm run live-check -- avinode`: a few read-only calls to the real Avinode REST API with the configured credentials,
 * printing what works and what is refused (permissions differ per API connection). Nothing is created or changed.
 */
import { avinodeLiveSettingsFrom, AVINODE_LIVE_VARIABLES } from './avinode-live.config.js';
import { AvinodeApiError, AvinodeRestClient } from './avinode-rest.client.js';
import { rfqLinks, rfqView, tripView } from './avinode-live.mapping.js';
import { RFQ_READ_OPTIONS } from './avinode-live.tools.js';

export interface LiveCheckOutput {
  /** 0: every call answered; 1: something was refused or failed; 78: configuration missing. */
  exitCode: number;
  lines: string[];
}

interface Check {
  name: string;
  /** Resolves with a one-line summary of the answer. */
  run(client: AvinodeRestClient): Promise<string>;
}

function count(data: unknown): number {
  return Array.isArray(data) ? data.length : 0;
}

function checks(tripId: string | undefined): Check[] {
  const list: Check[] = [
    {
      name: 'airport search (GET /airports/search)',
      run: async (client) => {
        const data = await client.send({
          method: 'GET',
          path: '/airports/search',
          query: { filter: 'KTEB', filterMatchType: 'contains', 'page[number]': '0', 'page[size]': '1' },
        });
        return `${count(data)} airport(s) for KTEB`;
      },
    },
    {
      name: 'aircraft types (GET /aircrafttypes)',
      run: async (client) => {
        const data = await client.send({
          method: 'GET',
          path: '/aircrafttypes',
          query: { 'page[number]': '0', 'page[size]': '1' },
        });
        return `${count(data)} aircraft type(s) on the first page`;
      },
    },
    {
      name: 'webhook settings (GET /webhooks/settings)',
      run: async (client) => {
        const data = await client.send({ method: 'GET', path: '/webhooks/settings' });
        return Array.isArray(data) ? `${data.length} subscription(s)` : 'answered';
      },
    },
  ];
  if (tripId) {
    list.push({
      name: `trip and its RFQs (GET /trips/${tripId}, GET /rfqs/{id})`,
      run: async (client) => {
        const trip = await client.send({ method: 'GET', path: `/trips/${encodeURIComponent(tripId)}` });
        const rfqs = [];
        for (const link of rfqLinks(trip)) {
          rfqs.push(
            rfqView(
              await client.send({ method: 'GET', path: `/rfqs/${link.id}`, query: { ...RFQ_READ_OPTIONS } }),
              tripId,
            ),
          );
        }
        const view = tripView(trip, rfqs);
        const quoted = rfqs.filter((r) => r.latestQuote !== null).length;
        return `trip ${view.id} (${view.status}): ${rfqs.length} RFQ(s), ${quoted} quoted`;
      },
    });
  }
  return list;
}

export async function runAvinodeLiveCheck(env: Readonly<Record<string, string | undefined>>): Promise<LiveCheckOutput> {
  const settings = avinodeLiveSettingsFrom(env);
  if (!settings.ok) {
    return {
      exitCode: 78,
      lines: [
        'avinode live-check: not configured.',
        ...(settings.missing.length > 0 ? [`missing: ${settings.missing.join(', ')}`] : []),
        ...settings.invalid.map((problem) => `invalid: ${problem}`),
        `Set ${AVINODE_LIVE_VARIABLES.baseUrl} (e.g. https://sandbox.avinode.com/api), ${AVINODE_LIVE_VARIABLES.apiToken} ` +
          `and ${AVINODE_LIVE_VARIABLES.authToken} (Avinode: Company -> APIs -> your connection -> Show Credentials); ` +
          `optional: ${AVINODE_LIVE_VARIABLES.product}, ${AVINODE_LIVE_VARIABLES.actAsAccount}.`,
      ],
    };
  }
  const client = new AvinodeRestClient({ ...settings.settings, timeoutMs: 15_000 });
  const lines = [`avinode live-check against ${settings.settings.baseUrl} as ${settings.settings.product}`];
  let failed = 0;
  const tripId = env.AVINODE_LIVE_CHECK_TRIP_ID?.trim() || undefined;
  for (const check of checks(tripId)) {
    try {
      lines.push(`ok       ${check.name}: ${await check.run(client)}`);
    } catch (error) {
      failed += 1;
      const refused =
        error instanceof AvinodeApiError &&
        ['unauthorized', 'forbidden', 'not_found', 'validation'].includes(error.code);
      const message = error instanceof Error ? client.scrub(error.message) : 'unexpected failure';
      lines.push(`${refused ? 'refused' : 'failed '}  ${check.name}: ${message}`);
    }
  }
  if (!tripId) lines.push('skipped  trip and its RFQs: set AVINODE_LIVE_CHECK_TRIP_ID to read one of your trips');
  lines.push(failed === 0 ? 'all checks answered' : `${failed} check(s) refused or failed`);
  return { exitCode: failed === 0 ? 0 : 1, lines };
}
