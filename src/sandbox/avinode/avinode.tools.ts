/** The Avinode MCP tools: thin adapters from validated input to the domain functions and back to MCP results. */
import { acceptedContent, type CallToolResult, inputRequired, type McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { SandboxServingEra, SandboxToolContext } from '../core/sandbox-definition.js';
import { AvinodeError } from './avinode.errors.js';
import {
  createCharterRequestInput,
  createCharterRequestOutput,
  getEmptyLegsInput,
  getEmptyLegsOutput,
  getOperatorInfoInput,
  getOperatorInfoOutput,
  getPricingInput,
  getPricingOutput,
  listAvailabilityOutput,
  listBookingsOutput,
  listChangesInput,
  manageBookingInput,
  manageBookingOutput,
  searchAircraftInput,
  searchAircraftOutput,
} from './avinode.schemas.js';
import type { AvinodeState } from './avinode.types.js';
import {
  availabilityView,
  bookingView,
  emptyLegView,
  operatorView,
  quoteView,
  searchResultView,
  usd,
} from './avinode.views.js';
import { advanceBookings, createCharterRequest, manageBooking, SignerRequiredError } from './bookings.js';
import { localDate } from './calendar.js';
import { pageOf } from './change-feed.js';
import { greatCircleNm } from './geo.js';
import {
  createQuote,
  FLAT_TRIP_FIELDS,
  requireAircraft,
  requireAirport,
  resolveTrip,
  searchAircraft,
  tripDates,
  unavailableDay,
} from './trips.js';

type Structured = Record<string, unknown>;

/**
 * Runs a handler; an AvinodeError becomes an `isError` result with the code in `_meta` (no structuredContent, because
 * the SDK client validates any structuredContent against the success schema). Other errors propagate to the SDK,
 * which also reports them as `isError` results.
 */
function run(handler: () => { structured: Structured; text: string }): CallToolResult {
  try {
    const { structured, text } = handler();
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

/** What a confirmation on account asks for when the signer is missing (2026-07-28 `input_required`). */
const signerSchema = z.object({
  signerName: z.string().min(1).max(200).describe('Full name of the person signing the charter agreement'),
});

/**
 * `run`, except that in the 2026-07-28 era a confirmation on account without a signer is asked for (`input_required`,
 * nothing changed) rather than refused.
 */
function runOrAsk(
  era: SandboxServingEra,
  handler: () => { structured: Structured; text: string },
): CallToolResult | ReturnType<typeof inputRequired> {
  let asking: SignerRequiredError | undefined;
  const result = run(() => {
    try {
      return handler();
    } catch (error) {
      if (era === '2026-07-28' && error instanceof SignerRequiredError) asking = error;
      throw error;
    }
  });
  if (!asking) return result;
  return inputRequired({
    inputRequests: {
      signer: inputRequired.elicit({
        message: `Booking ${asking.bookingId} is confirmed on account: who signs the charter agreement?`,
        requestedSchema: signerSchema,
      }),
    },
  });
}

export function registerAvinodeTools(
  server: McpServer,
  state: AvinodeState,
  context: SandboxToolContext,
  era: SandboxServingEra,
): void {
  server.registerTool(
    'search-aircraft',
    {
      title: 'Search charter aircraft',
      description:
        'Aircraft that seat the party, fly every leg within range (positioning included) and are available on every ' +
        'day of the trip, each with operator, hourly rate, estimated flight hours and the estimated all-in total ' +
        '(USD cents, same maths as get-pricing). Sorted by estimated total.',
      inputSchema: z.object(searchAircraftInput),
      outputSchema: z.object(searchAircraftOutput),
      annotations: { readOnlyHint: true },
    },
    (input) =>
      run(() => {
        const trip = resolveTrip(state, input, context.now(), FLAT_TRIP_FIELDS);
        const hits = searchAircraft(state, trip, input);
        const results = hits.map((h) => searchResultView(state, h));
        const distanceNm = greatCircleNm(trip.departure, trip.arrival);
        const lines = results
          .slice(0, 5)
          .map(
            (r) =>
              `- ${r.model} ${r.tailNumber} (${r.operator.name}), ${r.estimatedFlightHours} h, ${usd(r.estimatedTotal)}`,
          );
        return {
          structured: {
            search: {
              departureAirport: trip.departure.icao,
              arrivalAirport: trip.arrival.icao,
              departureDate: trip.departureDate,
              returnDate: trip.returnDate,
              passengers: trip.passengers,
              distanceNm,
            },
            count: results.length,
            aircraft: results,
          },
          text: [
            `${results.length} aircraft for ${trip.passengers} passenger(s) ${trip.departure.icao}–${trip.arrival.icao} (${distanceNm} nm) on ${trip.departureDate}${trip.returnDate ? `, returning ${trip.returnDate}` : ''}`,
            ...lines,
          ].join('\n'),
        };
      }),
  );

  server.registerTool(
    'get-pricing',
    {
      title: 'Quote a charter',
      description:
        'A stored quote (valid 48 h) with flight hours and line items: flight time, positioning, daily minimum, fuel ' +
        'surcharge, landing and handling fees, crew overnight, then taxes (FET 7.5 % and segment fees on US domestic ' +
        'trips, head taxes on international ones). total = subtotal + taxes. USD cents.',
      inputSchema: z.object(getPricingInput),
      outputSchema: z.object(getPricingOutput),
    },
    (input) =>
      run(() => {
        const now = context.now();
        const aircraft = requireAircraft(state, input.aircraftId);
        const trip = resolveTrip(state, { ...input.route, ...input.dates, passengers: input.passengers }, now, {
          departureAirport: 'route.departureAirport',
          arrivalAirport: 'route.arrivalAirport',
          departureDate: 'dates.departureDate',
          returnDate: 'dates.returnDate',
        });
        const busy = unavailableDay(state, aircraft.id, tripDates(trip));
        if (busy !== null) {
          throw new AvinodeError('unavailable', 'dates.departureDate', `${aircraft.id} is not available on ${busy}`);
        }
        const quote = quoteView(createQuote(state, aircraft, trip, now));
        const lines = quote.lineItems.map((i) => `- ${i.description}: ${usd(i.amount)}`);
        return {
          structured: { quote },
          text: [
            `Quote ${quote.id} for ${aircraft.model} ${aircraft.tailNumber}, ${quote.flightHours} h flight time, valid until ${quote.validUntil}`,
            ...lines,
            `Subtotal ${usd(quote.subtotal)}, taxes ${usd(quote.taxes)}, total ${usd(quote.total)}`,
          ].join('\n'),
        };
      }),
  );

  server.registerTool(
    'create-charter-request',
    {
      title: 'Create a charter request',
      description:
        'Creates a pending charter request. Idempotent: the same idempotencyKey returns the same request; the same key ' +
        'with different input is an error.',
      inputSchema: z.object(createCharterRequestInput),
      outputSchema: z.object(createCharterRequestOutput),
      annotations: { idempotentHint: true },
    },
    (input) =>
      run(() => {
        const { booking, replayed } = createCharterRequest(state, input, context);
        const view = bookingView(state, booking);
        return {
          structured: { request: view, idempotentReplay: replayed },
          text: `${replayed ? 'Existing' : 'New'} charter request ${view.id} (${view.status}): ${view.aircraft.model} ${view.route.departureAirport}–${view.route.arrivalAirport} on ${view.departureDate} ${view.departureTime}, ${usd(view.pricing.total)}`,
        };
      }),
  );

  server.registerTool(
    'manage-booking',
    {
      title: 'Manage a booking',
      description:
        'confirm (needs paymentMethod; takes a deposit, sets the balance due date), cancel (needs cancellationReason; ' +
        'fee by notice), modify (modifications: departureTime, passengers, specialRequests) or get_details. ' +
        'Status flow: pending → confirmed → flown → completed; cancelled from pending or confirmed.',
      inputSchema: z.object(manageBookingInput),
      outputSchema: z.object(manageBookingOutput),
    },
    (input, ctx) => {
      // A 2026-07-28 server asks the caller for what a person must answer (the signer on account) instead of failing;
      // the answer comes back on the retried request. A session-era server cannot ask: the tool error names the field.
      const signer = acceptedContent(ctx.mcpReq.inputResponses, 'signer', signerSchema);
      const given = signer ? { ...input, signerName: signer.signerName } : input;
      return runOrAsk(era, () => {
        if (given.bookingId === undefined && given.requestId === undefined) {
          throw new AvinodeError('validation', 'bookingId', 'bookingId or requestId is required');
        }
        const booking = bookingView(state, manageBooking(state, given, context));
        const money =
          booking.payment !== null && input.action === 'confirm'
            ? `, deposit ${usd(booking.payment.depositAmount)} paid, balance ${usd(booking.payment.balanceAmount)} due ${booking.payment.balanceDueAt}`
            : booking.cancellation !== null && input.action === 'cancel'
              ? `, cancellation fee ${usd(booking.cancellation.feeAmount)} (${booking.cancellation.feePercent} %)`
              : '';
        return {
          structured: { booking },
          text: `Booking ${booking.bookingId ?? booking.id} is ${booking.status}${money}`,
        };
      });
    },
  );

  server.registerTool(
    'get-operator-info',
    {
      title: 'Operator profile',
      description:
        'Certificate, bases, safety audits (ARGUS / Wyvern / IS-BAO), insurance; optionally fleet and incidents.',
      inputSchema: z.object(getOperatorInfoInput),
      outputSchema: z.object(getOperatorInfoOutput),
      annotations: { readOnlyHint: true },
    },
    (input) =>
      run(() => {
        const operator = state.operators.get(input.operatorId);
        if (!operator) throw new AvinodeError('not_found', 'operatorId', `operator ${input.operatorId} not found`);
        const view = operatorView(state, operator, {
          includeFleetDetails: input.includeFleetDetails,
          includeSafetyRecords: input.includeSafetyRecords,
          today: context.now().toISOString().slice(0, 10),
        });
        return {
          structured: { operator: view },
          text: `${view.name} (${view.certificate.type} ${view.certificate.number}), ${view.fleetSize} aircraft, ${view.safetyRating}, liability cover ${usd(view.insurance.liabilityCoverage)}`,
        };
      }),
  );

  server.registerTool(
    'get-empty-legs',
    {
      title: 'Empty legs',
      description: 'Discounted one-way positioning flights departing today or later, optionally filtered.',
      inputSchema: z.object(getEmptyLegsInput),
      outputSchema: z.object(getEmptyLegsOutput),
      annotations: { readOnlyHint: true },
    },
    (input) =>
      run(() => {
        const now = context.now();
        const from =
          input.departureAirport === undefined ? null : requireAirport(input.departureAirport, 'departureAirport');
        const to = input.arrivalAirport === undefined ? null : requireAirport(input.arrivalAirport, 'arrivalAirport');
        if (input.startDate !== undefined && input.endDate !== undefined && input.endDate < input.startDate) {
          throw new AvinodeError('validation', 'endDate', 'must not be before startDate');
        }
        const legs = state.emptyLegs.filter((leg) => {
          const aircraft = state.aircraft.get(leg.aircraftId);
          if (!aircraft || aircraft.deletedAt !== null || aircraft.status !== 'active') return false;
          const departure = requireAirport(leg.departureAirport, 'departureAirport');
          if (leg.departureDate < localDate(now, departure.timezone)) return false;
          if (from && leg.departureAirport !== from.icao) return false;
          if (to && leg.arrivalAirport !== to.icao) return false;
          if (input.startDate !== undefined && leg.departureDate < input.startDate) return false;
          if (input.endDate !== undefined && leg.departureDate > input.endDate) return false;
          if (input.maxPrice !== undefined && leg.price > input.maxPrice) return false;
          if (input.passengers !== undefined && leg.seats < input.passengers) return false;
          return true;
        });
        const views = legs.map((l) => emptyLegView(state, l));
        return {
          structured: { count: views.length, emptyLegs: views },
          text: [
            `${views.length} empty leg(s)`,
            ...views
              .slice(0, 5)
              .map(
                (l) =>
                  `- ${l.departureDate} ${l.departureAirport}–${l.arrivalAirport} ${l.aircraft.model}: ${usd(l.price)} (${l.discountPercent} % off ${usd(l.originalPrice)})`,
              ),
          ].join('\n'),
        };
      }),
  );

  server.registerTool(
    'list-availability',
    {
      title: 'Availability changes',
      description:
        'Aircraft availability records (one per aircraft per day) changed at or after updatedSince, ordered by ' +
        '(updatedAt, id). Page with nextCursor until hasMore is false. Deleted records carry deletedAt.',
      inputSchema: z.object(listChangesInput),
      outputSchema: z.object(listAvailabilityOutput),
      annotations: { readOnlyHint: true },
    },
    (input) =>
      run(() => {
        const page = pageOf(state.availability.values(), input);
        const availability = page.items.map((r) => availabilityView(state, r));
        return {
          structured: { availability, nextCursor: page.nextCursor, hasMore: page.hasMore },
          text: `${availability.length} availability record(s)${page.hasMore ? ', more to fetch with nextCursor' : ''}`,
        };
      }),
  );

  server.registerTool(
    'list-bookings',
    {
      title: 'Booking changes',
      description:
        'Charter requests and bookings changed at or after updatedSince, ordered by (updatedAt, id). Page with ' +
        'nextCursor until hasMore is false. Deleted records carry deletedAt.',
      inputSchema: z.object(listChangesInput),
      outputSchema: z.object(listBookingsOutput),
      annotations: { readOnlyHint: true },
    },
    (input) =>
      run(() => {
        advanceBookings(state, context.now());
        const page = pageOf(state.bookings.values(), input);
        const bookings = page.items.map((b) => bookingView(state, b));
        return {
          structured: { bookings, nextCursor: page.nextCursor, hasMore: page.hasMore },
          text: `${bookings.length} booking(s)${page.hasMore ? ', more to fetch with nextCursor' : ''}`,
        };
      }),
  );
}
