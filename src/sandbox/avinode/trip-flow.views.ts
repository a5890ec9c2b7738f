/** Trip-flow records as the tools show them (the RFQ read with its quote breakdown, trips, trip messages). */
import type { z } from 'zod';
import type { AvinodeState, StoredQuote } from './avinode.types.js';
import { safetyRating } from './avinode.views.js';
import { AvinodeError } from './avinode.errors.js';
import type { rfqSchema, sellerQuoteSchema, tripMessageSchema, tripSchema } from './trip-flow.schemas.js';
import { deepLinks, hrefOf } from './trip-flow.js';
import type { SandboxRfq, SandboxTrip, SandboxTripMessage, TripFlowState } from './trip-flow.types.js';

export type RfqView = z.infer<typeof rfqSchema>;
export type TripView = z.infer<typeof tripSchema>;
export type TripMessageView = z.infer<typeof tripMessageSchema>;
export type SellerQuoteView = z.infer<typeof sellerQuoteSchema>;

export function sellerQuoteView(quote: StoredQuote): SellerQuoteView {
  const positioning = quote.price.lineItems.filter((i) => i.code === 'POSITIONING');
  return {
    id: quote.id,
    createdAt: quote.createdAt,
    validUntil: quote.validUntil,
    subtotal: quote.price.subtotal,
    taxes: quote.price.taxes,
    total: quote.price.total,
    currency: 'USD',
    flightHours: quote.price.flightHours,
    aviquote: {
      positioningCost: positioning.reduce((sum, i) => sum + i.amount, 0),
      positioningHours: quote.price.positioningHours,
    },
    lineItems: quote.price.lineItems.map((i) => ({
      code: i.code,
      description: i.description,
      kind: i.kind,
      taxable: i.taxable,
      amount: i.amount,
    })),
  };
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function rfqView(state: AvinodeState, rfq: SandboxRfq): RfqView {
  const aircraft = state.aircraft.get(rfq.aircraftId);
  const operator = state.operators.get(rfq.operatorId);
  if (!aircraft || !operator) throw new AvinodeError('not_found', null, `lift of ${rfq.id} is no longer known`);
  const latest = state.quotes.get(rfq.quoteIds.at(-1) ?? '');
  const digits = rfq.operatorId.replace(/\D/g, '').padStart(4, '0').slice(-4);
  return {
    id: rfq.id,
    href: hrefOf('rfqs', rfq.id),
    tripId: rfq.tripId,
    status: rfq.status,
    sentAt: rfq.sentAt,
    answeredAt: rfq.answeredAt,
    responseMinutes: rfq.answeredAt === null ? null : rfq.answerAfterMinutes,
    declineReason: rfq.declineReason,
    sellerCompany: { id: operator.id, name: operator.name },
    sellerContact: {
      name: `${operator.name} charter desk`,
      email: `charter@${slug(operator.name)}.example`,
      phone: `+1 555 01${digits}`,
    },
    lift: {
      id: rfq.liftId,
      aircraftId: aircraft.id,
      tailNumber: aircraft.tailNumber,
      aircraftType: `${aircraft.manufacturer} ${aircraft.model}`,
      category: aircraft.category,
      seats: aircraft.seats,
      yearOfManufacture: aircraft.yearOfManufacture,
    },
    safety: {
      argus: operator.safety.argus,
      wyvern: operator.safety.wyvern,
      isBao: operator.safety.isBao,
      rating: safetyRating(operator),
    },
    insurance: { liabilityCoverage: operator.insurance.liabilityCoverage, insurer: operator.insurance.insurer },
    latestQuote: latest ? sellerQuoteView(latest) : null,
    quoteRevisions: rfq.quoteIds.length,
  };
}

export function tripView(state: AvinodeState, flow: TripFlowState, trip: SandboxTrip): TripView {
  const links = deepLinks(trip.id);
  return {
    id: trip.id,
    href: hrefOf('trips', trip.id),
    externalTripId: trip.externalTripId,
    status: trip.status,
    segments: trip.segments.map((s) => ({ ...s })),
    passengers: trip.passengers,
    aircraftCategory: trip.aircraftCategory,
    createdAt: trip.createdAt,
    actions: { searchInAvinode: { href: links.searchInAvinode }, viewInAvinode: { href: links.viewInAvinode } },
    cancellation: trip.cancellation ? { ...trip.cancellation } : null,
    outcome: trip.outcome ? { ...trip.outcome } : null,
    rfqs: trip.rfqIds.flatMap((id) => {
      const rfq = flow.rfqs.get(id);
      return rfq ? [rfqView(state, rfq)] : [];
    }),
  };
}

export function tripMessageView(
  state: AvinodeState,
  flow: TripFlowState,
  message: SandboxTripMessage,
): TripMessageView {
  const rfq = flow.rfqs.get(message.rfqId);
  if (!rfq) throw new AvinodeError('not_found', null, `rfq ${message.rfqId} is no longer known`);
  const quote = message.quoteId ? state.quotes.get(message.quoteId) : undefined;
  return {
    id: message.id,
    href: hrefOf('tripmsgs', message.id),
    kind: message.kind,
    from: message.from,
    tripId: message.tripId,
    rfqId: message.rfqId,
    text: message.text,
    createdAt: message.createdAt,
    quote: quote ? sellerQuoteView(quote) : null,
    rfq: rfqView(state, rfq),
  };
}
