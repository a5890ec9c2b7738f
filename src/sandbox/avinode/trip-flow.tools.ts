/**
 * MCP tools of the trip flow, each the stand-in of one Avinode REST operation (developer.avinodegroup.com):
 *   create-trip          POST /trips                          docs/search-in-avinode-from-your-system
 *   get-trip-rfqs        GET /trips/{id} with its RFQs          docs/download-respond-rfq (quotebreakdown, aviquote…)
 *   read-href            GET <href of a webhook notification>   docs/avinode-webhooks
 *   cancel-trip          PUT /trips/{id}/cancel                 reference/canceltrip_1
 *   report-trip-outcome  report trip outcome                    reference-link/reportoutcome
 * Registered only when the server runs with the trip flow (see SandboxServerOptions.tripFlow).
 */
import type { CallToolResult, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { SandboxToolContext } from '../core/sandbox-definition.js';
import { AvinodeError } from './avinode.errors.js';
import type { AvinodeState } from './avinode.types.js';
import { usd } from './avinode.views.js';
import {
  AVINODE_API_BASE,
  cancelTrip,
  createTrip,
  reportOutcome,
  requireTrip,
  requireTripFlow,
  scheduleTrips,
} from './trip-flow.js';
import {
  cancelTripInput,
  createTripInput,
  createTripOutput,
  readHrefInput,
  readHrefOutput,
  reportTripOutcomeInput,
  tripIdInput,
  tripOutput,
} from './trip-flow.schemas.js';
import { rfqView, tripMessageView, tripView } from './trip-flow.views.js';

type Structured = Record<string, unknown>;

/** As avinode.tools.ts: a domain error is an `isError` result with its code; due marketplace work is done first. */
function run(
  state: AvinodeState,
  context: SandboxToolContext,
  handler: () => { structured: Structured; text: string },
): CallToolResult {
  try {
    scheduleTrips(state, context);
    const { structured, text } = handler();
    scheduleTrips(state, context);
    return { structuredContent: structured, content: [{ type: 'text', text }] };
  } catch (error) {
    if (error instanceof AvinodeError) {
      return {
        isError: true,
        content: [{ type: 'text', text: error.message }],
        _meta: { errorCode: error.code, field: error.field },
      };
    }
    throw error;
  }
}

const HREF = new RegExp(
  `^${AVINODE_API_BASE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(trips|rfqs|tripmsgs)/([a-z]+-\\d+)$`,
);

export function registerTripFlowTools(server: McpServer, state: AvinodeState, context: SandboxToolContext): void {
  if (!state.tripFlow) return;

  server.registerTool(
    'create-trip',
    {
      title: 'Create a trip',
      description:
        'Creates a trip (segments, passengers, your own externalTripId) and returns its id and the searchInAvinode ' +
        'deep link. RFQs are sent to operators from the marketplace; their answers arrive later as ' +
        'TripRequestSellerResponse webhooks. The same externalTripId returns the same trip.',
      inputSchema: z.object(createTripInput),
      outputSchema: z.object(createTripOutput),
      annotations: { idempotentHint: true },
    },
    (input) =>
      run(state, context, () => {
        const flow = requireTripFlow(state);
        const { trip, replayed } = createTrip(state, input, context);
        const view = tripView(state, flow, trip);
        return {
          structured: { trip: view, searchInAvinode: view.actions.searchInAvinode.href, idempotentReplay: replayed },
          text: `${replayed ? 'Existing' : 'New'} trip ${trip.id} (${trip.externalTripId}): ${view.actions.searchInAvinode.href}`,
        };
      }),
  );

  server.registerTool(
    'get-trip-rfqs',
    {
      title: 'A trip and its RFQs',
      description:
        'The trip with every RFQ sent for it: status, seller company and contact, the lift, operator safety ratings, ' +
        'insurance and the latest quote with its breakdown (aviquote: positioning cost). USD cents.',
      inputSchema: z.object(tripIdInput),
      outputSchema: z.object(tripOutput),
      annotations: { readOnlyHint: true },
    },
    (input) =>
      run(state, context, () => {
        const flow = requireTripFlow(state);
        const view = tripView(state, flow, requireTrip(flow, input.tripId));
        const quoted = view.rfqs.filter((r) => r.latestQuote !== null);
        return {
          structured: { trip: view },
          text: [
            `Trip ${view.id} (${view.status}): ${view.rfqs.length} RFQ(s), ${quoted.length} quoted`,
            ...quoted.map((r) => `- ${r.sellerCompany.name} ${r.lift.tailNumber}: ${usd(r.latestQuote?.total ?? 0)}`),
          ].join('\n'),
        };
      }),
  );

  server.registerTool(
    'read-href',
    {
      title: 'Read a notification href',
      description:
        'Reads what a webhook notification points at (/trips/{id}, /rfqs/{id} or /tripmsgs/{id}); a seller response ' +
        'message carries its quote and RFQ.',
      inputSchema: z.object(readHrefInput),
      outputSchema: z.object(readHrefOutput),
      annotations: { readOnlyHint: true },
    },
    (input) =>
      run(state, context, () => {
        const flow = requireTripFlow(state);
        const match = HREF.exec(input.href);
        if (!match) throw new AvinodeError('not_found', 'href', `${input.href} is not a resource of this server`);
        const [, kind, id = ''] = match;
        if (kind === 'trips') {
          const trip = tripView(state, flow, requireTrip(flow, id));
          return { structured: { kind: 'trip', trip }, text: `Trip ${trip.id} (${trip.status})` };
        }
        if (kind === 'rfqs') {
          const rfq = flow.rfqs.get(id);
          if (!rfq) throw new AvinodeError('not_found', 'href', `rfq ${id} not found`);
          const view = rfqView(state, rfq);
          return {
            structured: { kind: 'rfq', rfq: view },
            text: `RFQ ${view.id} to ${view.sellerCompany.name}: ${view.status}`,
          };
        }
        const message = flow.messages.get(id);
        if (!message) throw new AvinodeError('not_found', 'href', `trip message ${id} not found`);
        const view = tripMessageView(state, flow, message);
        return {
          structured: { kind: 'tripmsg', tripMessage: view },
          text: `Trip message ${view.id} (${view.kind}) from ${view.rfq.sellerCompany.name}`,
        };
      }),
  );

  server.registerTool(
    'cancel-trip',
    {
      title: 'Cancel a trip',
      description:
        'Cancels the trip and every RFQ sent for it, with a reason (BY_CLIENT, CHANGED, BOOKED, OTHER) and an optional ' +
        'message to the sellers. Cancelling a cancelled trip changes nothing.',
      inputSchema: z.object(cancelTripInput),
      outputSchema: z.object(tripOutput),
      annotations: { idempotentHint: true },
    },
    (input) =>
      run(state, context, () => {
        const flow = requireTripFlow(state);
        const trip = cancelTrip(state, input, context);
        return {
          structured: { trip: tripView(state, flow, trip) },
          text: `Trip ${trip.id} cancelled (${input.reason})`,
        };
      }),
  );

  server.registerTool(
    'report-trip-outcome',
    {
      title: 'Report a trip outcome',
      description:
        'CONVERTED with the winning seller lift (or an off-platform winner with its tail number), or NOT_CONVERTED. ' +
        'The same report again changes nothing; a different one is refused.',
      inputSchema: z.object(reportTripOutcomeInput),
      outputSchema: z.object(tripOutput),
      annotations: { idempotentHint: true },
    },
    (input) =>
      run(state, context, () => {
        const flow = requireTripFlow(state);
        const trip = reportOutcome(state, input, context);
        return { structured: { trip: tripView(state, flow, trip) }, text: `Trip ${trip.id}: outcome ${input.outcome}` };
      }),
  );
}
