/**
 * The simulated broker flow (see trip-flow.types.ts for the real API it imitates): a trip is created, the simulated
 * broker sends RFQs from the web application a simulated minute later, and seeded operators answer after seeded delays
 * — most quote, one declines, one answers late, one sends a second, lower quote with a chat message. Every change
 * emits a thin webhook `{id, href}` of a native Avinode event type.
 *
 * Time runs on the tools' clock in simulated minutes of `minuteMs` real milliseconds each, so a test can compress an
 * afternoon of answers into a second. Due work is done by one timer per server and, as a catch-up after a restart
 * (timers are not kept), by every trip tool call before it answers.
 */
import type { SandboxToolContext } from '../core/sandbox-definition.js';
import { AIRPORTS_BY_ICAO } from './airports.data.js';
import { AvinodeError } from './avinode.errors.js';
import type { Aircraft, AvinodeState, StoredQuote } from './avinode.types.js';
import { priceTrip } from './pricing.js';
import { seededRandom } from './random.js';
import { homeBaseOf, QUOTE_VALIDITY_HOURS, resolveTrip, searchAircraft, type Trip } from './trips.js';
import type {
  OperatorBehaviour,
  SandboxRfq,
  SandboxTrip,
  SandboxTripMessage,
  TripCancelReason,
  TripFlowSettings,
  TripFlowState,
  TripOutcome,
  TripSegmentRecord,
} from './trip-flow.types.js';

/** The API base of Avinode's sandbox environment (docs/sandbox-environment); hrefs in webhooks point below it. */
export const AVINODE_API_BASE = 'https://sandbox.avinode.com/api';
const AVINODE_WEB_BASE = 'https://sandbox.avinode.com/marketplace/mvc';

/** At most this many operators get an RFQ per trip (the best-priced lift of each). */
export const MAX_RFQS_PER_TRIP = 6;
/** The simulated broker sends the RFQs this many simulated minutes after the trip is created. */
const BROKER_SENDS_AFTER_MINUTES = 1;
/** Every trip's operators draw from this deck (shuffled by the seed), so each trip sees each kind of answer. */
const BEHAVIOUR_DECK: readonly OperatorBehaviour[] = ['quote', 'decline', 'revise', 'late', 'quote', 'quote'];

export const TRIP_EVENT_TYPES = [
  'TripRequestMine',
  'TripRequestSellerResponse',
  'TripChatFromSeller',
] as const satisfies readonly string[];

export function createTripFlowState(settings: TripFlowSettings): TripFlowState {
  return { minuteMs: settings.minuteMs, trips: new Map(), rfqs: new Map(), messages: new Map(), nextNumber: 1 };
}

export function hrefOf(kind: 'trips' | 'rfqs' | 'tripmsgs', id: string): string {
  return `${AVINODE_API_BASE}/${kind}/${id}`;
}

export function deepLinks(tripId: string): { searchInAvinode: string; viewInAvinode: string } {
  // Shape illustrative: a client must use the links the API returns, never build them.
  return {
    searchInAvinode: `${AVINODE_WEB_BASE}/trips/buying/${tripId}/search`,
    viewInAvinode: `${AVINODE_WEB_BASE}/trips/buying/${tripId}`,
  };
}

export function requireTripFlow(state: AvinodeState): TripFlowState {
  if (!state.tripFlow) throw new AvinodeError('unavailable', null, 'the trip flow is not enabled on this server');
  return state.tripFlow;
}

function nextId(flow: TripFlowState, prefix: string): string {
  const n = flow.nextNumber;
  flow.nextNumber += 1;
  // Avinode ids are a prefix and digits (`atrip-1000000137`, reference-link/reportoutcome's path pattern).
  return `${prefix}-${1_000_000_000 + n}`;
}

// ---- creating a trip ---------------------------------------------------------------------------------------------

export interface CreateTripInput {
  externalTripId: string;
  segments: Array<{ departureAirport: string; arrivalAirport: string; departureDate: string; departureTime?: string }>;
  passengers: number;
  aircraftCategory?: string | undefined;
}

/** One-way or round trips (the second segment flies the first back): what the sandbox can price. */
export function tripOfSegments(state: AvinodeState, input: CreateTripInput, now: Date): Trip {
  const [first, second, ...rest] = input.segments;
  if (!first) throw new AvinodeError('validation', 'segments', 'at least one segment is required');
  if (
    rest.length > 0 ||
    (second && (second.departureAirport !== first.arrivalAirport || second.arrivalAirport !== first.departureAirport))
  ) {
    throw new AvinodeError(
      'validation',
      'segments',
      'the sandbox prices one-way trips and round trips (A–B, B–A) only',
    );
  }
  return resolveTrip(
    state,
    {
      departureAirport: first.departureAirport,
      arrivalAirport: first.arrivalAirport,
      departureDate: first.departureDate,
      returnDate: second?.departureDate ?? null,
      passengers: input.passengers,
    },
    now,
    {
      departureAirport: 'segments.0.departureAirport',
      arrivalAirport: 'segments.0.arrivalAirport',
      departureDate: 'segments.0.departureDate',
      returnDate: 'segments.1.departureDate',
    },
  );
}

/**
 * Creates the trip, or returns the one created earlier with the same `externalTripId` (so a caller that crashed after
 * the call finds its trip again instead of opening a second one; the sandbox's stand-in for searching trips by it).
 */
export function createTrip(
  state: AvinodeState,
  input: CreateTripInput,
  context: SandboxToolContext,
): { trip: SandboxTrip; replayed: boolean } {
  const flow = requireTripFlow(state);
  const existing = [...flow.trips.values()].find((t) => t.externalTripId === input.externalTripId);
  if (existing) return { trip: existing, replayed: true };
  const now = context.now();
  const resolved = tripOfSegments(state, input, now);
  const segments: TripSegmentRecord[] = input.segments.map((s) => ({
    departureAirport: s.departureAirport.toUpperCase(),
    arrivalAirport: s.arrivalAirport.toUpperCase(),
    departureDate: s.departureDate,
    departureTime: s.departureTime ?? null,
  }));
  const trip: SandboxTrip = {
    id: nextId(flow, 'atrip'),
    externalTripId: input.externalTripId,
    segments,
    passengers: resolved.passengers,
    aircraftCategory: input.aircraftCategory ?? null,
    createdAt: now.toISOString(),
    createdAtMs: now.getTime(),
    status: 'open',
    rfqsDueMs: now.getTime() + BROKER_SENDS_AFTER_MINUTES * flow.minuteMs,
    rfqIds: [],
    cancellation: null,
    outcome: null,
  };
  flow.trips.set(trip.id, trip);
  return { trip, replayed: false };
}

export function requireTrip(flow: TripFlowState, tripId: string): SandboxTrip {
  const trip = flow.trips.get(tripId);
  if (!trip) throw new AvinodeError('not_found', 'tripId', `trip ${tripId} not found`);
  return trip;
}

// ---- the simulated marketplace moving on -------------------------------------------------------------------------

function tripNumber(tripId: string): number {
  return Number(tripId.split('-')[1] ?? 0);
}

function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** The simulated broker action: one RFQ to each of the best-priced operators that can fly the trip. */
function sendRfqs(state: AvinodeState, flow: TripFlowState, trip: SandboxTrip, context: SandboxToolContext): void {
  const rng = seededRandom(state.seed * 7_919 + tripNumber(trip.id));
  const resolved = resolvedTrip(state, trip);
  const hits = searchAircraft(state, resolved, {
    aircraftCategory: (trip.aircraftCategory ?? undefined) as Parameters<typeof searchAircraft>[2]['aircraftCategory'],
  });
  const perOperator = new Map<string, Aircraft>();
  for (const hit of hits)
    if (!perOperator.has(hit.aircraft.operatorId)) perOperator.set(hit.aircraft.operatorId, hit.aircraft);
  const lifts = [...perOperator.values()].slice(0, MAX_RFQS_PER_TRIP);
  const behaviours = shuffled(BEHAVIOUR_DECK, () => rng.next());
  const sentAt = new Date(trip.rfqsDueMs);
  lifts.forEach((aircraft, index) => {
    const behaviour = behaviours[index % behaviours.length] ?? 'quote';
    const answerAfterMinutes =
      behaviour === 'late' ? rng.int(300, 720) : behaviour === 'decline' ? rng.int(2, 30) : rng.int(5, 45);
    const rfq: SandboxRfq = {
      id: nextId(flow, 'arfq'),
      tripId: trip.id,
      operatorId: aircraft.operatorId,
      aircraftId: aircraft.id,
      liftId: `alift-${aircraft.id.slice(3)}-${tripNumber(trip.id)}`,
      sentAt: sentAt.toISOString(),
      sentAtMs: sentAt.getTime(),
      behaviour,
      answerAfterMinutes,
      reviseAfterMinutes: behaviour === 'revise' ? answerAfterMinutes + rng.int(10, 30) : null,
      status: 'sent',
      quoteIds: [],
      declineReason: null,
      answeredAt: null,
      messageIds: [],
      answers: 0,
    };
    flow.rfqs.set(rfq.id, rfq);
    trip.rfqIds.push(rfq.id);
    addMessage(flow, rfq, 'request', 'buyer', null, null, sentAt);
    context.emit('TripRequestMine', { id: rfq.id, href: hrefOf('rfqs', rfq.id) });
  });
}

/** The stored trip resolved again (airports, dates) as of its creation. */
function resolvedTrip(state: AvinodeState, trip: SandboxTrip): Trip {
  return tripOfSegments(
    state,
    { externalTripId: trip.externalTripId, passengers: trip.passengers, segments: trip.segments.map(withTime) },
    new Date(trip.createdAtMs),
  );
}

function withTime(segment: TripSegmentRecord): CreateTripInput['segments'][number] {
  return {
    departureAirport: segment.departureAirport,
    arrivalAirport: segment.arrivalAirport,
    departureDate: segment.departureDate,
    ...(segment.departureTime ? { departureTime: segment.departureTime } : {}),
  };
}

function addMessage(
  flow: TripFlowState,
  rfq: SandboxRfq,
  kind: SandboxTripMessage['kind'],
  from: SandboxTripMessage['from'],
  text: string | null,
  quoteId: string | null,
  at: Date,
): SandboxTripMessage {
  const message: SandboxTripMessage = {
    id: nextId(flow, 'atripmsg'),
    rfqId: rfq.id,
    tripId: rfq.tripId,
    kind,
    from,
    text,
    quoteId,
    createdAt: at.toISOString(),
  };
  flow.messages.set(message.id, message);
  rfq.messageIds.push(message.id);
  return message;
}

/** A seller quote for the RFQ's lift at the operator's rate times `factor`; stored so a charter request can cite it. */
function sellerQuote(
  state: AvinodeState,
  flow: TripFlowState,
  trip: SandboxTrip,
  rfq: SandboxRfq,
  factor: number,
  at: Date,
): StoredQuote {
  const aircraft = state.aircraft.get(rfq.aircraftId);
  if (!aircraft) throw new Error(`trip flow: aircraft ${rfq.aircraftId} vanished`);
  const resolved = resolvedTrip(state, trip);
  // Whole USD 50 steps, like the published rates.
  const hourlyRate = Math.round((aircraft.hourlyRate * factor) / 5_000) * 5_000;
  const price = priceTrip(
    { ...aircraft, hourlyRate },
    { ...resolved, homeBase: homeBaseOf(aircraft) },
    AIRPORTS_BY_ICAO,
  );
  const quote: StoredQuote = {
    id: nextId(flow, 'aquote'),
    aircraftId: aircraft.id,
    operatorId: aircraft.operatorId,
    departureAirport: resolved.departure.icao,
    arrivalAirport: resolved.arrival.icao,
    departureDate: resolved.departureDate,
    returnDate: resolved.returnDate,
    passengers: resolved.passengers,
    createdAt: at.toISOString(),
    validUntil: new Date(at.getTime() + QUOTE_VALIDITY_HOURS * 3_600_000).toISOString(),
    price,
  };
  state.quotes.set(quote.id, quote);
  rfq.quoteIds.push(quote.id);
  return quote;
}

function answer(
  state: AvinodeState,
  flow: TripFlowState,
  trip: SandboxTrip,
  rfq: SandboxRfq,
  context: SandboxToolContext,
): void {
  const rng = seededRandom(state.seed * 104_729 + tripNumber(rfq.id) * 31 + rfq.answers);
  if (rfq.answers === 0) {
    const at = new Date(rfq.sentAtMs + rfq.answerAfterMinutes * flow.minuteMs);
    rfq.answeredAt = at.toISOString();
    rfq.answers = 1;
    if (rfq.behaviour === 'decline') {
      rfq.status = 'declined';
      rfq.declineReason = rng.pick(['AIRCRAFT_NOT_AVAILABLE', 'CREW_NOT_AVAILABLE', 'UNATTRACTIVE_TRIP'] as const);
      const message = addMessage(flow, rfq, 'decline', 'seller', 'Sorry, we cannot take this trip.', null, at);
      context.emit('TripRequestSellerResponse', { id: message.id, href: hrefOf('tripmsgs', message.id) });
      return;
    }
    rfq.status = 'quoted';
    const quote = sellerQuote(state, flow, trip, rfq, 0.97 + rng.int(0, 13) / 100, at);
    const message = addMessage(flow, rfq, 'quote', 'seller', null, quote.id, at);
    context.emit('TripRequestSellerResponse', { id: message.id, href: hrefOf('tripmsgs', message.id) });
    return;
  }
  // The second answer of a `revise` operator: a lower quote, announced in the trip chat.
  const at = new Date(rfq.sentAtMs + (rfq.reviseAfterMinutes ?? rfq.answerAfterMinutes) * flow.minuteMs);
  rfq.answers = 2;
  // The first quote's rate factor is at least 0.97, so this one is always lower.
  const quote = sellerQuote(state, flow, trip, rfq, 0.92, at);
  const chat = addMessage(
    flow,
    rfq,
    'chat',
    'seller',
    'We can lower the hourly rate for this trip: quote updated.',
    null,
    at,
  );
  const message = addMessage(flow, rfq, 'quote', 'seller', null, quote.id, at);
  context.emit('TripChatFromSeller', { id: chat.id, href: hrefOf('tripmsgs', chat.id) });
  context.emit('TripRequestSellerResponse', { id: message.id, href: hrefOf('tripmsgs', message.id) });
}

function nextDueMs(flow: TripFlowState, rfq: SandboxRfq): number | null {
  if (rfq.status === 'cancelled') return null;
  if (rfq.answers === 0) return rfq.sentAtMs + rfq.answerAfterMinutes * flow.minuteMs;
  if (rfq.answers === 1 && rfq.reviseAfterMinutes !== null && rfq.status === 'quoted') {
    return rfq.sentAtMs + rfq.reviseAfterMinutes * flow.minuteMs;
  }
  return null;
}

/** Does everything due by the tools' clock, in due order. Returns the next due time, or null when nothing waits. */
export function advanceTrips(state: AvinodeState, context: SandboxToolContext): number | null {
  const flow = state.tripFlow;
  if (!flow) return null;
  const nowMs = context.now().getTime();
  for (;;) {
    let earliest: { dueMs: number; run: () => void } | null = null;
    for (const trip of flow.trips.values()) {
      if (trip.status !== 'open') continue;
      if (trip.rfqIds.length === 0 && trip.rfqsDueMs !== Number.POSITIVE_INFINITY) {
        if (!earliest || trip.rfqsDueMs < earliest.dueMs) {
          earliest = {
            dueMs: trip.rfqsDueMs,
            run: () => {
              sendRfqs(state, flow, trip, context);
              // A trip no operator can fly stays without RFQs; never try it again.
              if (trip.rfqIds.length === 0) trip.rfqsDueMs = Number.POSITIVE_INFINITY;
            },
          };
        }
        continue;
      }
      for (const rfqId of trip.rfqIds) {
        const rfq = flow.rfqs.get(rfqId);
        const dueMs = rfq ? nextDueMs(flow, rfq) : null;
        if (rfq && dueMs !== null && (!earliest || dueMs < earliest.dueMs)) {
          earliest = { dueMs, run: () => answer(state, flow, trip, rfq, context) };
        }
      }
    }
    if (!earliest) return null;
    if (earliest.dueMs > nowMs) return earliest.dueMs;
    earliest.run();
  }
}

// ---- cancelling and closing ----------------------------------------------------------------------------------------

export function cancelTrip(
  state: AvinodeState,
  input: { tripId: string; reason: TripCancelReason; messageToSeller?: string | undefined },
  context: SandboxToolContext,
): SandboxTrip {
  const flow = requireTripFlow(state);
  const trip = requireTrip(flow, input.tripId);
  if (trip.status === 'cancelled') return trip;
  if (trip.status === 'closed') {
    throw new AvinodeError(
      'invalid_transition',
      'tripId',
      `trip ${trip.id} has a reported outcome and cannot be cancelled`,
    );
  }
  const now = context.now();
  trip.status = 'cancelled';
  trip.cancellation = { reason: input.reason, messageToSeller: input.messageToSeller ?? null, at: now.toISOString() };
  for (const rfqId of trip.rfqIds) {
    const rfq = flow.rfqs.get(rfqId);
    if (!rfq) continue;
    // Whole trip and all its RFQs are cancelled (reference/canceltrip_1); a cancelled RFQ gets no answers.
    rfq.status = 'cancelled';
    addMessage(flow, rfq, 'cancel', 'buyer', input.messageToSeller ?? null, null, now);
    context.emit('TripRequestMine', { id: rfq.id, href: hrefOf('rfqs', rfq.id) });
  }
  return trip;
}

export function reportOutcome(
  state: AvinodeState,
  input: {
    tripId: string;
    outcome: TripOutcome;
    winningSellerLiftId?: string | undefined;
    winningTenantName?: string | undefined;
    tailNumber?: string | undefined;
  },
  context: SandboxToolContext,
): SandboxTrip {
  const flow = requireTripFlow(state);
  const trip = requireTrip(flow, input.tripId);
  // Rules of reference-link/reportoutcome: the lift and an off-platform winner exclude each other, only when CONVERTED.
  if (input.outcome !== 'CONVERTED' && (input.winningSellerLiftId || input.winningTenantName || input.tailNumber)) {
    throw new AvinodeError('validation', 'outcome', 'a winner is only valid when the outcome is CONVERTED');
  }
  if (input.winningSellerLiftId && input.winningTenantName) {
    throw new AvinodeError('validation', 'winningTenantName', 'is mutually exclusive with winningSellerLiftId');
  }
  if (input.tailNumber && !input.winningTenantName) {
    throw new AvinodeError('validation', 'tailNumber', 'is only valid when winningTenantName is set');
  }
  if (input.winningSellerLiftId) {
    const lift = trip.rfqIds.map((id) => flow.rfqs.get(id)).find((r) => r?.liftId === input.winningSellerLiftId);
    if (!lift) {
      throw new AvinodeError(
        'not_found',
        'winningSellerLiftId',
        `lift ${input.winningSellerLiftId} is not on trip ${trip.id}`,
      );
    }
  }
  if (trip.outcome) {
    // The same report again is a no-op; a different one is a conflict (the outcome is final).
    const same =
      trip.outcome.outcome === input.outcome &&
      trip.outcome.winningSellerLiftId === (input.winningSellerLiftId ?? null) &&
      trip.outcome.winningTenantName === (input.winningTenantName ?? null);
    if (same) return trip;
    throw new AvinodeError(
      'invalid_transition',
      'outcome',
      `trip ${trip.id} already has the outcome ${trip.outcome.outcome}`,
    );
  }
  trip.outcome = {
    outcome: input.outcome,
    winningSellerLiftId: input.winningSellerLiftId ?? null,
    winningTenantName: input.winningTenantName ?? null,
    tailNumber: input.tailNumber ?? null,
    at: context.now().toISOString(),
  };
  if (trip.status === 'open') trip.status = 'closed';
  return trip;
}

// ---- timers --------------------------------------------------------------------------------------------------------

const timers = new WeakMap<TripFlowState, { timer: NodeJS.Timeout; dueMs: number }>();

/** Does what is due now and sets one timer for the next due time (replacing a later one). */
export function scheduleTrips(state: AvinodeState, context: SandboxToolContext): void {
  const flow = state.tripFlow;
  if (!flow) return;
  const dueMs = advanceTrips(state, context);
  const current = timers.get(flow);
  if (dueMs === null) {
    if (current) clearTimeout(current.timer);
    timers.delete(flow);
    return;
  }
  if (current && current.dueMs <= dueMs) return;
  if (current) clearTimeout(current.timer);
  const timer = setTimeout(
    () => {
      timers.delete(flow);
      scheduleTrips(state, context);
    },
    Math.max(0, dueMs - context.now().getTime()),
  );
  timer.unref();
  timers.set(flow, { timer, dueMs });
}

/** Stops the timer of a state that is being replaced or closed. */
export function stopTrips(state: AvinodeState): void {
  const flow = state.tripFlow;
  const current = flow ? timers.get(flow) : undefined;
  if (!flow || !current) return;
  clearTimeout(current.timer);
  timers.delete(flow);
}
