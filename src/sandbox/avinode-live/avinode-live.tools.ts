/**
 * The Avinode MCP tools in live mode, each over one or two operations of the real REST API
 * (developer.avinodegroup.com; the closing table in README "Avinode modes" lists them):
 *   create-trip          POST /trips                                   reference-link/createtrip
 *   get-trip-rfqs        GET /trips/{id}, then GET /rfqs/{id} each      docs/download-respond-rfq
 *   read-href            GET <href> (trips, rfqs, tripmsgs) under the configured base URL only
 *   cancel-trip          PUT /trips/{id}/cancel                        reference/canceltrip_1
 *   report-trip-outcome  PUT /trips/{id}/outcome                       reference-link/reportoutcome
 * The instant tools (search-aircraft, get-pricing, …) have no REST equivalent a broker integration may use (Avinode
 * refuses business-to-business use of POST /searches: docs/search-in-avinode-from-your-system), so they answer a
 * `not_supported` tool error. Every failure is an `isError` result with `_meta.errorCode` (and `field`,
 * `retryAfterSeconds`) that the backend classifies (src/common/mcp/tool-result.ts).
 */
import type { CallToolResult, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { CATEGORY_PROFILES, type AircraftCategory } from '../avinode/aircraft-types.data.js';
import {
  cancelTripInput,
  createTripInput,
  readHrefInput,
  reportTripOutcomeInput,
  tripIdInput,
} from '../avinode/trip-flow.schemas.js';
import { AvinodeApiError, type AvinodeRestClient } from './avinode-rest.client.js';
import {
  messageRfqLink,
  rfqLinks,
  rfqView,
  tripMessageView,
  tripView,
  type LiveRfq,
  type LiveTrip,
} from './avinode-live.mapping.js';

/** Read options of an RFQ (docs/download-respond-rfq): the quote with its breakdown, positioning, seller details. */
export const RFQ_READ_OPTIONS: Readonly<Record<string, string>> = {
  quotebreakdown: 'true',
  latestquote: 'true',
  aviquote: 'true',
  safety: 'true',
  insurance: 'true',
  liftaoc: 'true',
  sellercontactinfo: 'true',
};

/** The instant tools of the simulated server that live mode cannot serve. */
export const LIVE_UNSUPPORTED_TOOLS = [
  'search-aircraft',
  'get-pricing',
  'create-charter-request',
  'manage-booking',
  'get-operator-info',
  'get-empty-legs',
  'list-availability',
  'list-bookings',
] as const;

type Structured = Record<string, unknown>;

function failure(code: string, message: string, meta: Record<string, unknown> = {}): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: message }], _meta: { errorCode: code, ...meta } };
}

async function run(
  client: AvinodeRestClient,
  handler: () => Promise<{ structured: Structured; text: string }>,
): Promise<CallToolResult> {
  try {
    const { structured, text } = await handler();
    return { structuredContent: structured, content: [{ type: 'text', text }] };
  } catch (error) {
    if (error instanceof AvinodeApiError) {
      const { field, retryAfterSeconds, status, upstreamCode } = error.details;
      return failure(error.code, client.scrub(error.message), {
        ...(field === undefined ? {} : { field }),
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
        ...(status === undefined ? {} : { upstreamStatus: status }),
        ...(upstreamCode === undefined ? {} : { upstreamCode }),
      });
    }
    // Our own fault (a bug in a mapping): said without detail, which could carry data of the answer.
    return failure('upstream_unavailable', 'the live Avinode server could not process the answer of the Avinode API');
  }
}

/** A trip with every RFQ read with its breakdown, one RFQ after the other (gentle on the API's rate limit). */
async function readTrip(client: AvinodeRestClient, tripId: string): Promise<LiveTrip> {
  const trip = await client.send({ method: 'GET', path: `/trips/${encodeURIComponent(tripId)}` });
  const rfqs: LiveRfq[] = [];
  for (const link of rfqLinks(trip)) {
    rfqs.push(await readRfq(client, link, tripId));
  }
  return tripView(trip, rfqs);
}

async function readRfq(
  client: AvinodeRestClient,
  link: { id: string; href: string | undefined },
  tripId?: string,
): Promise<LiveRfq> {
  const path = (link.href ? client.pathOfHref(link.href) : undefined) ?? `/rfqs/${encodeURIComponent(link.id)}`;
  const rfq = await client.send({ method: 'GET', path, query: { ...RFQ_READ_OPTIONS } });
  return rfqView(rfq, tripId);
}

function categoryLabel(category: AircraftCategory): string {
  return CATEGORY_PROFILES[category].label;
}

const HREF_PATH = /^\/(trips|rfqs|tripmsgs)\/([A-Za-z]+-\d+)$/;

export function registerAvinodeLiveTools(server: McpServer, client: AvinodeRestClient): void {
  server.registerTool(
    'create-trip',
    {
      title: 'Create a trip',
      description:
        'Creates a trip in Avinode (POST /trips) and returns it with the searchInAvinode deep link; the broker searches ' +
        'and sends RFQs in Avinode, sellers answer later (TripRequestSellerResponse webhooks).',
      inputSchema: z.object(createTripInput),
      annotations: { idempotentHint: false },
    },
    (input) =>
      run(client, async () => {
        const created = await client.send({
          method: 'POST',
          path: '/trips',
          body: {
            externalTripId: input.externalTripId,
            sourcing: true,
            criteria: {
              requiredLift: input.aircraftCategory ? [{ aircraftCategory: categoryLabel(input.aircraftCategory) }] : [],
            },
            segments: input.segments.map((segment) => ({
              startAirport: { icao: segment.departureAirport.toUpperCase() },
              endAirport: { icao: segment.arrivalAirport.toUpperCase() },
              dateTime: {
                date: segment.departureDate,
                // An unknown departure time is "TBD" (docs/search-in-avinode-from-your-system).
                time: segment.departureTime ?? 'TBD',
                departure: true,
                local: true,
              },
              paxCount: String(input.passengers),
              paxSegment: true,
            })),
          },
        });
        const trip = tripView(created, []);
        return {
          // Avinode does not look trips up by externalTripId on create: every successful call is a new trip.
          structured: { trip, searchInAvinode: trip.actions.searchInAvinode.href, idempotentReplay: false },
          text: `New trip ${trip.id} (${trip.externalTripId}): ${trip.actions.searchInAvinode.href}`,
        };
      }),
  );

  server.registerTool(
    'get-trip-rfqs',
    {
      title: 'A trip and its RFQs',
      description:
        'The trip (GET /trips/{id}) with every RFQ read with its quote breakdown, aviquote, safety ratings, insurance ' +
        'and seller contact (GET /rfqs/{id}). Amounts in cents of the quote currency.',
      inputSchema: z.object(tripIdInput),
      annotations: { readOnlyHint: true },
    },
    (input) =>
      run(client, async () => {
        const trip = await readTrip(client, input.tripId);
        const quoted = trip.rfqs.filter((r) => r.latestQuote !== null);
        return {
          structured: { trip },
          text: `Trip ${trip.id} (${trip.status}): ${trip.rfqs.length} RFQ(s), ${quoted.length} quoted`,
        };
      }),
  );

  server.registerTool(
    'read-href',
    {
      title: 'Read a notification href',
      description:
        'Reads what a webhook notification points at (/trips/{id}, /rfqs/{id} or /tripmsgs/{id}) on the configured ' +
        'Avinode API; an href elsewhere is refused, so credentials never leave for another host.',
      inputSchema: z.object(readHrefInput),
      annotations: { readOnlyHint: true },
    },
    (input) =>
      run(client, async () => {
        const path = client.pathOfHref(input.href);
        const match = path === undefined ? null : HREF_PATH.exec(path);
        if (!match) {
          throw new AvinodeApiError(
            'validation',
            'href: not a trip, RFQ or trip message address of the configured Avinode API',
            { field: 'href' },
          );
        }
        const [, kind, id = ''] = match;
        if (kind === 'trips') {
          const trip = await readTrip(client, id);
          return { structured: { kind: 'trip', trip }, text: `Trip ${trip.id} (${trip.status})` };
        }
        if (kind === 'rfqs') {
          const rfq = await readRfq(client, { id, href: input.href });
          return {
            structured: { kind: 'rfq', rfq },
            text: `RFQ ${rfq.id} to ${rfq.sellerCompany.name}: ${rfq.status}`,
          };
        }
        const message = await client.send({ method: 'GET', path: `/tripmsgs/${id}` });
        const rfq = await readRfq(client, messageRfqLink(message));
        const tripMessage = tripMessageView(message, rfq);
        return {
          structured: { kind: 'tripmsg', tripMessage },
          text: `Trip message ${tripMessage.id} (${tripMessage.kind}) from ${rfq.sellerCompany.name}`,
        };
      }),
  );

  server.registerTool(
    'cancel-trip',
    {
      title: 'Cancel a trip',
      description: 'Cancels the trip and its RFQs (PUT /trips/{id}/cancel) with a reason and an optional message.',
      inputSchema: z.object(cancelTripInput),
      annotations: { idempotentHint: true },
    },
    (input) =>
      run(client, async () => {
        await client.send({
          method: 'PUT',
          path: `/trips/${encodeURIComponent(input.tripId)}/cancel`,
          body: { reason: input.reason, ...(input.messageToSeller ? { messageToSeller: input.messageToSeller } : {}) },
        });
        // Read back with its RFQs: the trip as it is now, whatever the PUT answered.
        const trip = await readTrip(client, input.tripId);
        return { structured: { trip }, text: `Trip ${trip.id} cancelled (${input.reason})` };
      }),
  );

  server.registerTool(
    'report-trip-outcome',
    {
      title: 'Report a trip outcome',
      description:
        'Reports CONVERTED with the winning seller lift (or an off-platform winner with its tail number), or ' +
        'NOT_CONVERTED (report trip outcome).',
      inputSchema: z.object(reportTripOutcomeInput),
      annotations: { idempotentHint: true },
    },
    (input) =>
      run(client, async () => {
        const { tripId, ...outcome } = input;
        await client.send({
          method: 'PUT',
          path: `/trips/${encodeURIComponent(tripId)}/outcome`,
          body: outcome,
        });
        const trip = await readTrip(client, tripId);
        return { structured: { trip }, text: `Trip ${trip.id}: outcome ${input.outcome}` };
      }),
  );

  for (const name of LIVE_UNSUPPORTED_TOOLS) {
    server.registerTool(
      name,
      {
        title: `${name} (not in live mode)`,
        description: `Not supported in live mode: Avinode's REST API offers no operation a broker integration may use for ${name}.`,
        inputSchema: z.looseObject({}),
      },
      () =>
        Promise.resolve(
          failure(
            'not_supported',
            `${name} is not supported in live mode: the Avinode REST API has no equivalent a broker integration may use ` +
              '(use the trip flow, AVINODE_QUOTE_FLOW=trip, or the simulated server)',
          ),
        ),
    );
  }
}
