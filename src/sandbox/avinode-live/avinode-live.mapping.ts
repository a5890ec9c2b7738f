/**
 * Avinode REST records (trips, RFQs with their quote, trip messages) as the trip-flow tools answer them — the same
 * shapes the simulated trip flow returns (src/sandbox/avinode/trip-flow.views.ts), so the backend cannot tell the modes
 * apart. Field names follow the reference pages (createtrip, download-respond-rfq: sellerCompany, sellerLift,
 * latestquote, quotebreakdown, aviquote, safety, insurance, sellercontactinfo). Avinode prices are decimal amounts in
 * the quote's currency; the tools answer integer cents of that currency.
 */
import { AvinodeApiError } from './avinode-rest.client.js';

type Json = Record<string, unknown>;

function record(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.flatMap((item) => (record(item) ? [item as Json] : [])) : [];
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function amount(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

function cents(value: unknown): number {
  const n = amount(value);
  return n === undefined ? 0 : Math.max(0, Math.round(n * 100));
}

/** A record the tools cannot answer without (no id): the API broke the documented shape. */
function required(value: unknown, what: string): Json {
  const found = record(value);
  if (!found || text(found.id) === undefined) {
    throw new AvinodeApiError('upstream_unavailable', `Avinode API answered a ${what} without an id`);
  }
  return found;
}

export interface LiveSellerQuote {
  id: string;
  createdAt: string;
  validUntil: string;
  subtotal: number;
  taxes: number;
  total: number;
  currency: string;
  flightHours: number;
  aviquote: { positioningCost: number; positioningHours: number };
  lineItems: { code: string; description: string; kind: 'charge' | 'tax'; taxable: boolean; amount: number }[];
}

export interface LiveRfq {
  id: string;
  href: string;
  tripId: string;
  status: 'sent' | 'quoted' | 'declined' | 'cancelled';
  sentAt: string;
  answeredAt: string | null;
  responseMinutes: number | null;
  declineReason: string | null;
  sellerCompany: { id: string; name: string };
  sellerContact: { name: string; email: string; phone: string };
  lift: { id: string; aircraftId: string; tailNumber: string; aircraftType: string; category: string; seats: number };
  safety: { argus: string | null; wyvern: string | null; isBao: string | null; rating: string };
  insurance: { liabilityCoverage: number; insurer: string } | null;
  latestQuote: LiveSellerQuote | null;
  quoteRevisions: number;
}

export interface LiveTrip {
  id: string;
  href: string;
  externalTripId: string;
  status: 'open' | 'cancelled' | 'closed';
  segments: { departureAirport: string; arrivalAirport: string; departureDate: string; departureTime: string | null }[];
  passengers: number;
  aircraftCategory: string | null;
  createdAt: string;
  actions: { searchInAvinode: { href: string }; viewInAvinode: { href: string } };
  cancellation: { reason: string; messageToSeller: string | null; at: string } | null;
  outcome: {
    outcome: string;
    winningSellerLiftId: string | null;
    winningTenantName: string | null;
    tailNumber: string | null;
    at: string;
  } | null;
  rfqs: LiveRfq[];
}

export interface LiveTripMessage {
  id: string;
  href: string;
  kind: 'quote' | 'decline' | 'chat' | 'request' | 'cancel';
  from: 'seller' | 'buyer';
  tripId: string;
  rfqId: string;
  text: string | null;
  createdAt: string;
  quote: LiveSellerQuote | null;
  rfq: LiveRfq;
}

/** The `{id, href}` links of a trip's RFQs, in the order the API lists them. */
export function rfqLinks(trip: unknown): { id: string; href: string | undefined }[] {
  const data = required(trip, 'trip');
  return list(data.rfqs).flatMap((link) => {
    const id = text(link.id);
    return id ? [{ id, href: text(link.href) }] : [];
  });
}

export function tripView(trip: unknown, rfqs: LiveRfq[]): LiveTrip {
  const data = required(trip, 'trip');
  const id = text(data.id) as string;
  const segments = list(data.segments);
  const actions = record(data.actions);
  const cancellation = record(data.cancellation);
  const outcome = record(data.outcome);
  const category = list(record(data.criteria)?.requiredLift)[0]?.aircraftCategory;
  return {
    id,
    href: text(data.href) ?? '',
    externalTripId: text(data.externalTripId) ?? '',
    status: tripStatus(text(data.status), cancellation !== undefined),
    segments: segments.map((segment) => {
      const when = record(segment.dateTime);
      const time = text(when?.time);
      return {
        departureAirport: text(record(segment.startAirport)?.icao) ?? '',
        arrivalAirport: text(record(segment.endAirport)?.icao) ?? '',
        departureDate: text(when?.date) ?? '',
        departureTime: time && time !== 'TBD' ? time : null,
      };
    }),
    passengers: Math.max(0, ...segments.map((segment) => amount(segment.paxCount) ?? 0)),
    aircraftCategory: text(category) ?? null,
    createdAt: text(data.createdOn) ?? '',
    actions: {
      searchInAvinode: { href: text(record(actions?.searchInAvinode)?.href) ?? '' },
      viewInAvinode: { href: text(record(actions?.viewInAvinode)?.href) ?? '' },
    },
    cancellation: cancellation
      ? {
          reason: text(cancellation.reason) ?? 'OTHER',
          messageToSeller: text(cancellation.messageToSeller) ?? null,
          at: text(cancellation.cancelledOn) ?? '',
        }
      : null,
    outcome: outcome
      ? {
          outcome: text(outcome.outcome) ?? '',
          winningSellerLiftId: text(outcome.winningSellerLiftId) ?? null,
          winningTenantName: text(outcome.winningTenantName) ?? null,
          tailNumber: text(outcome.tailNumber) ?? null,
          at: text(outcome.reportedOn) ?? '',
        }
      : null,
    rfqs,
  };
}

function tripStatus(status: string | undefined, cancelled: boolean): LiveTrip['status'] {
  const upper = status?.toUpperCase();
  if (cancelled || upper === 'CANCELLED' || upper === 'CANCELED') return 'cancelled';
  if (upper === 'CLOSED' || upper === 'BOOKED' || upper === 'CONVERTED') return 'closed';
  return 'open';
}

function rfqStatus(status: string | undefined, quoted: boolean): LiveRfq['status'] {
  const upper = status?.toUpperCase() ?? '';
  if (upper.startsWith('DECLINED')) return 'declined';
  if (upper.startsWith('CANCEL')) return 'cancelled';
  if (quoted || upper === 'QUOTED' || upper === 'ACCEPTED') return 'quoted';
  return 'sent';
}

export function quoteView(quote: unknown): LiveSellerQuote | null {
  const data = record(quote);
  const id = text(data?.id);
  if (!data || !id) return null;
  const price = record(data.sellerPrice);
  const breakdown = list(data.lineItems ?? record(data.quoteBreakdown)?.lineItems);
  const lineItems = breakdown.map((item) => {
    const code = (text(item.type) ?? 'OTHER').toUpperCase();
    return {
      code,
      description: text(item.displayName) ?? text(item.description) ?? code,
      kind: code === 'TAX' || code.endsWith('_TAX') ? ('tax' as const) : ('charge' as const),
      taxable: item.taxable === true,
      amount: cents(item.price),
    };
  });
  const taxes = lineItems.filter((i) => i.kind === 'tax').reduce((sum, i) => sum + i.amount, 0);
  const total = cents(price?.price ?? data.totalPrice);
  const aviquote = record(data.aviquote);
  const positioningFromItems = lineItems.filter((i) => i.code === 'POSITIONING').reduce((s, i) => s + i.amount, 0);
  const flightMinutes = amount(data.flightMinutes) ?? 0;
  return {
    id,
    createdAt: text(data.createdOn) ?? '',
    validUntil: text(data.validUntil) ?? '',
    subtotal: Math.max(0, total - taxes),
    taxes,
    total,
    currency: (text(price?.currency) ?? text(data.currencyCode) ?? 'USD').toUpperCase(),
    flightHours: Math.round((flightMinutes / 60) * 10) / 10,
    aviquote: {
      positioningCost: aviquote
        ? cents(record(aviquote.positioningCost)?.price ?? aviquote.positioningCost)
        : positioningFromItems,
      positioningHours: Math.round(((amount(aviquote?.positioningMinutes) ?? 0) / 60) * 10) / 10,
    },
    lineItems,
  };
}

function safetyRating(argus: string | null, wyvern: string | null, isBao: string | null): string {
  if (argus) return `ARGUS ${argus}`;
  if (wyvern) return `Wyvern ${wyvern}`;
  if (isBao) return `IS-BAO ${isBao}`;
  return 'unrated';
}

/** An RFQ read with its quote breakdown; `tripId` is the trip it was read for when the record names no trip id. */
export function rfqView(rfq: unknown, tripId?: string): LiveRfq {
  const data = required(rfq, 'RFQ');
  const latestQuote = quoteView(data.latestQuote);
  const seller = record(data.sellerCompany);
  const contact = record(data.sellerContactInfo);
  const lift = list(data.sellerLift)[0];
  const safety = record(data.safety);
  const insurance = record(data.insurance);
  const argus = text(safety?.argus) ?? null;
  const wyvern = text(safety?.wyvern) ?? null;
  const isBao = text(safety?.isbao ?? safety?.isBao) ?? null;
  const status = rfqStatus(text(data.status), latestQuote !== null);
  const sentAt = text(data.createdOn) ?? '';
  const answeredAt =
    status === 'quoted'
      ? (latestQuote?.createdAt ?? null)
      : status === 'declined'
        ? (text(data.declinedOn) ?? null)
        : null;
  const responseMinutes =
    answeredAt && sentAt ? Math.max(0, Math.round((Date.parse(answeredAt) - Date.parse(sentAt)) / 60_000)) : null;
  return {
    id: text(data.id) as string,
    href: text(data.href) ?? '',
    tripId: text(record(data.trip)?.id) ?? tripId ?? text(data.tripId) ?? '',
    status,
    sentAt,
    answeredAt,
    responseMinutes: Number.isNaN(responseMinutes) ? null : responseMinutes,
    declineReason: status === 'declined' ? (text(data.declineReason) ?? 'OTHER') : null,
    sellerCompany: { id: text(seller?.id) ?? '', name: text(seller?.displayName) ?? text(seller?.name) ?? '' },
    sellerContact: {
      name: text(contact?.name) ?? '',
      email: text(contact?.email) ?? '',
      phone: text(contact?.phone) ?? '',
    },
    lift: {
      id: text(lift?.id) ?? '',
      aircraftId: text(lift?.aircraftId) ?? text(lift?.aircraftTail) ?? '',
      tailNumber: text(lift?.aircraftTail) ?? '',
      aircraftType: text(lift?.aircraftType) ?? '',
      category: text(lift?.aircraftCategory) ?? '',
      seats: Math.max(0, Math.trunc(amount(lift?.maxPax) ?? 0)),
    },
    safety: { argus, wyvern, isBao, rating: safetyRating(argus, wyvern, isBao) },
    insurance: insurance
      ? { liabilityCoverage: cents(insurance.liabilityCoverage), insurer: text(insurance.insurer) ?? '' }
      : null,
    latestQuote,
    quoteRevisions: Math.max(list(data.quotes).length, latestQuote ? 1 : 0),
  };
}

/** The RFQ link of a trip message, which the tool then reads with its breakdown. */
export function messageRfqLink(message: unknown): { id: string; href: string | undefined } {
  const data = required(message, 'trip message');
  const rfq = record(data.rfq);
  const id = text(rfq?.id);
  if (!id) throw new AvinodeApiError('upstream_unavailable', 'Avinode API answered a trip message without its RFQ');
  return { id, href: text(rfq?.href) };
}

export function tripMessageView(message: unknown, rfq: LiveRfq): LiveTripMessage {
  const data = required(message, 'trip message');
  const quote = quoteView(data.quote) ?? (record(data.quote) ? rfq.latestQuote : null);
  const sender = text(data.senderRole)?.toLowerCase();
  return {
    id: text(data.id) as string,
    href: text(data.href) ?? '',
    kind: quote ? 'quote' : rfq.status === 'declined' ? 'decline' : rfq.status === 'cancelled' ? 'cancel' : 'chat',
    from: sender === 'buyer' ? 'buyer' : 'seller',
    tripId: rfq.tripId,
    rfqId: rfq.id,
    text: text(data.message) ?? null,
    createdAt: text(data.createdOn) ?? '',
    quote,
    rfq,
  };
}
