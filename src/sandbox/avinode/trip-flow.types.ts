/**
 * The broker side of Avinode's marketplace as its API exposes it (developer.avinodegroup.com):
 * - `POST /trips` creates a trip and answers with a `searchInAvinode` deep link
 *   (docs/search-in-avinode-from-your-system); searching and sending RFQs happen in Avinode's web application.
 * - Operators answer each RFQ with a quote or a decline (docs/download-respond-rfq, reference/declinerequest), over
 *   minutes to hours; every answer is a trip message (`/tripmsgs/{id}`).
 * - The broker hears of answers through thin webhooks `{id, href, type}` (docs/avinode-webhooks).
 * - A trip is cancelled with a reason (reference/canceltrip_1) and its outcome reported (reference-link/reportoutcome).
 * Money stays in USD cents like the rest of this sandbox (the real API sends decimal amounts).
 */

/** Simulated-minute length and whether answers come by themselves; kept in the state so a restart keeps the pace. */
export interface TripFlowSettings {
  /** Real milliseconds per simulated minute (operators answer after seeded delays in simulated minutes). */
  minuteMs: number;
}

export interface TripFlowState extends TripFlowSettings {
  trips: Map<string, SandboxTrip>;
  rfqs: Map<string, SandboxRfq>;
  messages: Map<string, SandboxTripMessage>;
  /** Numeric part of the next `atrip-` / `arfq-` / `atripmsg-` / `aquote-` id. */
  nextNumber: number;
}

export const TRIP_CANCEL_REASONS = ['BY_CLIENT', 'CHANGED', 'BOOKED', 'OTHER'] as const;
export type TripCancelReason = (typeof TRIP_CANCEL_REASONS)[number];

export const TRIP_OUTCOMES = ['CONVERTED', 'NOT_CONVERTED'] as const;
export type TripOutcome = (typeof TRIP_OUTCOMES)[number];

/** Decline reasons of `POST /tripmsgs/{id}/decline` (reference/declinerequest). */
export const DECLINE_REASONS = [
  'AIRCRAFT_NOT_AVAILABLE',
  'CABOTAGE',
  'CREW_NOT_AVAILABLE',
  'OWNER_DECLINED',
  'UNATTRACTIVE_TRIP',
  'UNKNOWN',
  'OTHER',
] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

export interface TripSegmentRecord {
  departureAirport: string;
  arrivalAirport: string;
  departureDate: string;
  /** Local HH:MM, or null for "TBD". */
  departureTime: string | null;
}

export interface SandboxTrip {
  id: string;
  externalTripId: string;
  segments: TripSegmentRecord[];
  passengers: number;
  aircraftCategory: string | null;
  createdAt: string;
  createdAtMs: number;
  status: 'open' | 'cancelled' | 'closed';
  /** When the simulated broker sends the RFQs from the web application (epoch ms of the tools' clock). */
  rfqsDueMs: number;
  rfqIds: string[];
  cancellation: { reason: TripCancelReason; messageToSeller: string | null; at: string } | null;
  outcome: {
    outcome: TripOutcome;
    winningSellerLiftId: string | null;
    winningTenantName: string | null;
    tailNumber: string | null;
    at: string;
  } | null;
}

/** What the simulated operator will do with an RFQ, drawn from the seed when the RFQ is sent. */
export type OperatorBehaviour = 'quote' | 'decline' | 'late' | 'revise';

export interface SandboxRfq {
  id: string;
  tripId: string;
  operatorId: string;
  /** The requested lift (an aircraft of the operator): `sellerLift` in the API. */
  aircraftId: string;
  liftId: string;
  sentAt: string;
  sentAtMs: number;
  behaviour: OperatorBehaviour;
  /** Simulated minutes after sending when the operator answers. */
  answerAfterMinutes: number;
  /** For `revise`: simulated minutes after sending when the operator sends its second quote. */
  reviseAfterMinutes: number | null;
  status: 'sent' | 'quoted' | 'declined' | 'cancelled';
  quoteIds: string[];
  declineReason: DeclineReason | null;
  answeredAt: string | null;
  messageIds: string[];
  /** Answers already given (0, 1 or 2 for `revise`). */
  answers: number;
}

export interface SandboxTripMessage {
  id: string;
  rfqId: string;
  tripId: string;
  kind: 'quote' | 'decline' | 'chat' | 'request' | 'cancel';
  from: 'seller' | 'buyer';
  text: string | null;
  quoteId: string | null;
  createdAt: string;
}
