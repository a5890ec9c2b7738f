import { Injectable, Logger } from '@nestjs/common';
import { OnDomainEvent } from '../../common/events/on-domain-event.js';
import {
  AvinodeBookingCancelled,
  AvinodeBookingConfirmed,
  AvinodeRfqUpdated,
  BookingCancelled,
  BookingConfirmed,
} from '../avainode/avainode.events.js';
import { N8nWorkflowCompleted, N8nWorkflowFailed } from '../n8n/n8n.events.js';
import { SyncedBookingStatusChanged } from '../sync/sync.events.js';
import { LeadReceived } from '../webhook/events/lead.events.js';
import type { LeadProfile } from './lead-merge.js';
import { PipelineRunsService } from './pipeline-runs.service.js';
import type { FlightRequirements } from './pipeline.types.js';
import type { BookingOutcome } from './run-state-machine.js';

/** The parts of the booking events this module reads (webhook intake: `{meta, payload}`; Avainode module: `record`). */
interface BookingEventShape {
  meta?: { source?: string; webhookEventId?: string };
  payload?: { requestId?: unknown; bookingId?: unknown; id?: unknown };
  record?: { upstreamRequestId?: unknown; upstreamBookingId?: unknown };
  /** Plain shape, e.g. emitted by hand or by a sync: `{ requestId, bookingId }`. */
  requestId?: unknown;
  bookingId?: unknown;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** The upstream request (or booking) id and booking id an event is about, whatever its shape. */
export function bookingRef(event: unknown): { upstreamId: string; bookingId: string | null } | null {
  if (typeof event !== 'object' || event === null) return null;
  const e = event as BookingEventShape;
  const requestId =
    text(e.payload?.requestId) ?? text(e.record?.upstreamRequestId) ?? text(e.requestId) ?? text(e.payload?.id);
  const bookingId = text(e.payload?.bookingId) ?? text(e.record?.upstreamBookingId) ?? text(e.bookingId);
  const upstreamId = requestId ?? bookingId;
  return upstreamId ? { upstreamId, bookingId } : null;
}

/** A flight request from JetVision's own tools has no departure time when the client did not give one. */
const DEFAULT_DEPARTURE_TIME = '09:00';

/**
 * Upstream booking outcomes (from the webhook intake, the sync, or the Avainode module) move runs to booked or
 * cancelled; a `lead.received` webhook with flight requirements starts a run. All listeners are idempotent.
 * Every outcome is delivered with `publishAndWait` and keeps its errors (`suppressErrors: false`): a failure makes the
 * webhook intake retry the event instead of marking it processed, and makes a booking change through our API answer 503
 * with its upstream mutation left open, so that repeating the request (or the reconcile job) applies it to the run.
 */
@Injectable()
export class PipelineListeners {
  private readonly logger = new Logger('PipelineListeners');

  constructor(private readonly runs: PipelineRunsService) {}

  @OnDomainEvent(AvinodeBookingConfirmed, { promisify: true, suppressErrors: false })
  onWebhookConfirmed(event: AvinodeBookingConfirmed): Promise<void> {
    return this.outcome(event, 'confirmed', AvinodeBookingConfirmed.eventName);
  }

  @OnDomainEvent(AvinodeBookingCancelled, { promisify: true, suppressErrors: false })
  onWebhookCancelled(event: AvinodeBookingCancelled): Promise<void> {
    return this.outcome(event, 'cancelled', AvinodeBookingCancelled.eventName);
  }

  @OnDomainEvent(BookingConfirmed, { promisify: true, suppressErrors: false })
  onApiConfirmed(event: BookingConfirmed): Promise<void> {
    return this.outcome(event, 'confirmed', BookingConfirmed.eventName);
  }

  @OnDomainEvent(BookingCancelled, { promisify: true, suppressErrors: false })
  onApiCancelled(event: BookingCancelled): Promise<void> {
    return this.outcome(event, 'cancelled', BookingCancelled.eventName);
  }

  /** Outcomes the sync saw upstream (a booking confirmed or cancelled with no webhook, or one that was missed). */
  @OnDomainEvent(SyncedBookingStatusChanged, { promisify: true, suppressErrors: false })
  onSynced(event: SyncedBookingStatusChanged): Promise<void> {
    return this.outcome(event, event.outcome, SyncedBookingStatusChanged.eventName);
  }

  /** A seller answered on one of our trips (read after Avinode's notification): stored on the run, maybe ending its wait. */
  @OnDomainEvent(AvinodeRfqUpdated, { promisify: true, suppressErrors: false })
  async onRfqUpdated(event: AvinodeRfqUpdated): Promise<void> {
    const runId = await this.runs.recordTripQuotes(event.rfq.tripId, [event.rfq], true);
    if (runId)
      this.logger.debug(`Run ${runId}: RFQ ${event.rfq.id} is ${event.rfq.status} (${event.notificationType})`);
  }

  /** The end of a notification execution, which the notify step triggered without waiting for it. */
  @OnDomainEvent(N8nWorkflowCompleted, { promisify: true, suppressErrors: false })
  async onWorkflowCompleted(event: N8nWorkflowCompleted): Promise<void> {
    const { executionId, workflowId } = event.payload;
    await this.runs.recordNotificationOutcome({ executionId, workflowId, status: 'succeeded', error: null });
  }

  @OnDomainEvent(N8nWorkflowFailed, { promisify: true, suppressErrors: false })
  async onWorkflowFailed(event: N8nWorkflowFailed): Promise<void> {
    const { executionId, workflowId, error } = event.payload;
    const message = error.node ? `${error.message} (node ${error.node})` : error.message;
    await this.runs.recordNotificationOutcome({ executionId, workflowId, status: 'failed', error: message });
  }

  @OnDomainEvent(LeadReceived, { promisify: true, suppressErrors: false })
  async onLeadReceived(event: LeadReceived): Promise<void> {
    const lead = event.payload?.lead;
    const trip = event.payload?.flightRequirements;
    if (!lead?.email || !trip) {
      this.logger.log('lead.received without an email and flight requirements: no run started');
      return;
    }
    const profile: LeadProfile = {
      email: lead.email,
      ...(lead.firstName ? { firstName: lead.firstName } : {}),
      ...(lead.lastName ? { lastName: lead.lastName } : {}),
      ...(lead.company ? { company: lead.company } : {}),
      ...(lead.title ? { title: lead.title } : {}),
      ...(lead.phone ? { phone: lead.phone } : {}),
      ...(lead.apolloContactId ? { apolloId: lead.apolloContactId } : {}),
    };
    const flight: FlightRequirements = {
      departureAirport: trip.departureAirport.toUpperCase(),
      arrivalAirport: trip.arrivalAirport.toUpperCase(),
      departureDate: trip.departureDate,
      departureTime: trip.departureTime ?? DEFAULT_DEPARTURE_TIME,
      passengers: trip.passengers,
      ...(trip.returnDate ? { returnDate: trip.returnDate } : {}),
      ...(trip.aircraftCategory ? { aircraftCategory: trip.aircraftCategory } : {}),
      ...(trip.specialRequests ? { specialRequests: trip.specialRequests } : {}),
    };
    const eventId = event.meta?.webhookEventId;
    const { run, created } = await this.runs.submit({
      lead: profile,
      flight,
      source: 'webhook',
      // A redelivered or replayed webhook finds the run it started.
      idempotencyKey: eventId ? `webhook:${eventId}` : null,
    });
    if (created) this.logger.log(`Run ${run.id} started from lead.received`);
  }

  private async outcome(event: unknown, outcome: BookingOutcome, source: string): Promise<void> {
    const ref = bookingRef(event);
    if (!ref) return;
    const result = await this.runs.applyBookingOutcome(ref.upstreamId, outcome, ref.bookingId, source);
    if (result.runId) this.logger.debug(`Run ${result.runId}: booking ${outcome} (${source}) → ${result.status}`);
  }
}
