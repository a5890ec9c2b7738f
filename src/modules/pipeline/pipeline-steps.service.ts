import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../common/config/app-config.js';
import { DomainError } from '../../common/errors/domain-error.js';
import type { ApolloPerson } from '../apollo/apollo.contracts.js';
import { ApolloService } from '../apollo/apollo.service.js';
import type { AircraftCategory } from '../avainode/avainode.contracts.js';
import { AvainodeService } from '../avainode/avainode.service.js';
import { AvinodeTripsService } from '../avainode/avinode-trips.service.js';
import { chooseQuote, usableQuotes } from './quote-choice.js';
import { type PricedCandidate, chooseAircraft, shortlist } from './aircraft-choice.js';
import { type LeadProfile, leadName, mergeLead } from './lead-merge.js';
import type { PipelineRun } from './pipeline-run.entity.js';
import { PipelineRunsRepository } from './pipeline-runs.repository.js';
import { PipelineRunsService, type StepOutcome } from './pipeline-runs.service.js';
import { NotificationWorkflowService } from './notification-workflow.service.js';
import type { PipelineStep } from './run-state-machine.js';

export interface StepExecution {
  /** What the step was given (stored on the step record). */
  input: Record<string, unknown>;
  outcome: StepOutcome;
}

/** Failures a retry cannot fix, with the run's failure reason. */
export class NonRetryableStepError extends Error {
  constructor(
    readonly reason: 'invalid_lead' | 'invalid_request' | 'upstream_rejected' | 'upstream_failed',
    message: string,
  ) {
    super(message);
    this.name = 'NonRetryableStepError';
  }
}

/** Upstream failure kinds (the MCP client's `extensions.reason`) that mean the upstream refused our arguments. */
const REFUSED_KINDS: ReadonlySet<unknown> = new Set(['invalid_params', 'client_error']);

type StepErrorClass = { retryable: boolean; code: string; message: string; reason: NonRetryableStepError['reason'] };

/**
 * Whether a failed attempt is worth retrying, and if not, why the run fails. Every domain error code is decided here
 * by an exhaustive switch: a new code does not compile until someone says whether a step should retry it.
 */
export function classifyStepError(error: unknown): StepErrorClass {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof NonRetryableStepError)
    return { retryable: false, code: error.reason, message, reason: error.reason };
  // Our own database or a bug: worth another attempt; the retry budget bounds it.
  const internal: StepErrorClass = { retryable: true, code: 'internal_error', message, reason: 'upstream_failed' };
  if (!(error instanceof DomainError)) return internal;
  const { code } = error;
  switch (code) {
    case 'upstream_unavailable':
    case 'upstream_timeout':
    case 'rate_limited':
    case 'service_unavailable':
    case 'idempotency_request_in_progress':
      return { retryable: true, code, message, reason: 'upstream_failed' };
    case 'upstream_error':
      return REFUSED_KINDS.has(error.extensions.reason)
        ? { retryable: false, code, message, reason: 'upstream_rejected' }
        : { retryable: true, code, message, reason: 'upstream_failed' };
    case 'upstream_contract_violation':
      return { retryable: false, code, message, reason: 'upstream_failed' };
    // The upstream asks a question (2026-07-28 `input_required`) an unattended step cannot answer; asking again asks
    // the same question.
    case 'upstream_needs_input':
      return { retryable: false, code, message, reason: 'upstream_rejected' };
    // Business refusals (an upstream names itself in the problem's extensions, else it is our own validation):
    // retrying changes nothing.
    case 'validation_failed':
    case 'not_found':
    case 'conflict':
    case 'invalid_state_transition':
    case 'precondition_failed':
    case 'not_supported':
    case 'idempotency_key_reused':
      return {
        retryable: false,
        code,
        message,
        reason: typeof error.extensions.server === 'string' ? 'upstream_rejected' : 'invalid_request',
      };
    // Errors of the HTTP edge that a step does not raise itself: if one arrives, treat it like any unexpected error.
    case 'unauthorized':
    case 'forbidden':
    case 'payload_too_large':
    case 'request_timeout':
    case 'unsupported_event_type':
      return internal;
    default: {
      const unclassified: never = code;
      return unclassified;
    }
  }
}

function personToLead(person: ApolloPerson): LeadProfile {
  return {
    apolloId: person.id,
    email: person.email,
    emailStatus: person.emailStatus,
    firstName: person.firstName,
    lastName: person.lastName,
    title: person.title,
    seniority: person.seniority,
    departments: person.departments,
    phone: person.phone,
    linkedinUrl: person.linkedinUrl,
    company: person.organization?.name ?? null,
    companyDomain: person.organization?.domain ?? null,
    location: person.location,
  };
}

function usableEmail(lead: LeadProfile): boolean {
  return (
    typeof lead.email === 'string' &&
    /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(lead.email) &&
    lead.emailStatus !== 'unavailable'
  );
}

/**
 * The work of each step: upstream calls in, a `StepOutcome` out. The worker commits the outcome; the only write here is
 * the notification key, which must be durable before the workflow is triggered. Side effects carry keys derived from the
 * run (the charter request's idempotency key is the run id; the notification carries the key recorded on the run), so
 * repeating a step never repeats its effect upstream.
 */
@Injectable()
export class PipelineStepsService {
  constructor(
    private readonly avainode: AvainodeService,
    private readonly trips: AvinodeTripsService,
    private readonly apollo: ApolloService,
    private readonly notifications: NotificationWorkflowService,
    private readonly runs: PipelineRunsService,
    private readonly runRepository: PipelineRunsRepository,
    private readonly config: AppConfig,
  ) {}

  run(step: PipelineStep, run: PipelineRun): Promise<StepExecution> {
    switch (step) {
      case 'enrich':
        return this.enrich(run);
      case 'search':
        return this.search(run);
      case 'price':
        return this.price(run);
      case 'request':
        return this.request(run);
      case 'notify':
        return this.notify(run);
    }
  }

  private async enrich(run: PipelineRun): Promise<StepExecution> {
    const lead = run.lead;
    const email = lead.email?.trim() || undefined;
    const linkedinUrl = lead.linkedinUrl?.trim() || undefined;
    const input = { email: email ?? null, linkedinUrl: linkedinUrl ?? null };
    if (!email && !linkedinUrl) {
      throw new NonRetryableStepError(
        'invalid_lead',
        'The lead has neither an email nor a LinkedIn URL to enrich or contact',
      );
    }
    let person: ApolloPerson | null = null;
    try {
      person = await this.apollo.enrichContact({
        ...(email ? { email } : {}),
        ...(linkedinUrl ? { linkedinUrl } : {}),
      });
    } catch (error) {
      // Unknown to Apollo is not a failure: the run goes on with what was submitted.
      if (!(error instanceof DomainError && error.code === 'not_found')) throw error;
    }
    const merged = person ? mergeLead(lead, personToLead(person)) : { lead, added: [] };
    if (!usableEmail(merged.lead)) {
      return {
        input,
        outcome: {
          event: { type: 'step_failed', step: 'enrich', reason: 'invalid_lead' },
          output: { found: person !== null, added: merged.added, emailStatus: merged.lead.emailStatus ?? null },
          runPatch: { lead: merged.lead },
          failureMessage: person
            ? `Apollo has no usable email for this lead (status ${person.emailStatus}); a charter request needs one`
            : 'The lead is unknown to Apollo and was submitted without an email; a charter request needs one',
        },
      };
    }
    return {
      input,
      outcome: {
        event: { type: 'step_succeeded', step: 'enrich' },
        output: { found: person !== null, added: merged.added, emailStatus: merged.lead.emailStatus ?? null },
        runPatch: { lead: merged.lead },
      },
    };
  }

  private async search(run: PipelineRun): Promise<StepExecution> {
    if (this.config.pipeline.quoteFlow === 'trip') return this.createTrip(run);
    const flight = run.flight;
    const input = {
      departureAirport: flight.departureAirport,
      arrivalAirport: flight.arrivalAirport,
      departureDate: flight.departureDate,
      ...(flight.returnDate ? { returnDate: flight.returnDate } : {}),
      passengers: flight.passengers,
      ...(flight.aircraftCategory ? { aircraftCategory: flight.aircraftCategory as AircraftCategory } : {}),
      ...(flight.maxHourlyRate ? { maxHourlyRate: flight.maxHourlyRate } : {}),
    };
    const result = await this.avainode.searchAircraft(input);
    const criteria = {
      passengers: flight.passengers,
      category: flight.aircraftCategory ?? null,
      maxHourlyRate: flight.maxHourlyRate ?? null,
    };
    const options = result.aircraft.map((a) => ({
      aircraftId: a.aircraftId,
      tailNumber: a.tailNumber,
      model: a.model,
      category: a.category,
      seats: a.seats,
      rangeNm: a.rangeNm,
      distanceNm: a.distanceNm,
      hourlyRate: a.hourlyRate,
      estimatedTotal: a.estimatedTotal,
      operator: a.operator,
    }));
    const best = shortlist(options, criteria, this.config.pipeline.candidatesToPrice);
    const output = {
      found: result.count,
      distanceNm: result.search.distanceNm,
      shortlisted: best.map((c) => c.aircraftId),
    };
    if (best.length === 0) {
      return {
        input,
        outcome: {
          event: { type: 'step_failed', step: 'search', reason: 'no_aircraft' },
          output,
          failureMessage:
            `No aircraft can fly ${flight.departureAirport}-${flight.arrivalAirport} (${result.search.distanceNm} nm) ` +
            `with ${flight.passengers} passengers on ${flight.departureDate}` +
            (result.count > 0 ? ` within the requested category or rate (${result.count} found, none fit)` : ''),
        },
      };
    }
    const candidates: PricedCandidate[] = best.map((c) => ({ ...c, quote: null, note: null }));
    return {
      input,
      outcome: {
        event: { type: 'step_succeeded', step: 'search' },
        output,
        runPatch: { candidates, quotePath: 'instant' },
      },
    };
  }

  /**
   * Avinode's broker flow: the search step creates the trip (the run id is its externalTripId, so a repeated attempt
   * finds the same trip) and the run then waits for sellers' quotes (`awaiting_quotes`).
   */
  private async createTrip(run: PipelineRun): Promise<StepExecution> {
    const flight = run.flight;
    const input = {
      externalTripId: run.id,
      departureAirport: flight.departureAirport,
      arrivalAirport: flight.arrivalAirport,
      departureDate: flight.departureDate,
      departureTime: flight.departureTime,
      ...(flight.returnDate ? { returnDate: flight.returnDate } : {}),
      passengers: flight.passengers,
      ...(flight.aircraftCategory ? { aircraftCategory: flight.aircraftCategory } : {}),
    };
    const created = await this.trips.createTrip(input);
    return {
      input,
      outcome: {
        event: { type: 'quotes_requested' },
        output: { tripId: created.trip.id, searchInAvinode: created.searchInAvinode, replayed: created.replayed },
        runPatch: { quotePath: 'trip', avinodeTripId: created.trip.id, avinodeDeepLink: created.searchInAvinode },
      },
    };
  }

  /**
   * Trip flow: read every RFQ of the trip again (so an answer whose webhook never arrived still counts), store them, and
   * choose among the usable quotes (see quote-choice.ts).
   */
  private async chooseTripQuote(run: PipelineRun): Promise<StepExecution> {
    const tripId = run.avinodeTripId;
    if (!tripId) throw new NonRetryableStepError('invalid_request', 'The run has no Avinode trip');
    const flight = run.flight;
    const trip = await this.trips.getTrip(tripId);
    await this.runs.recordTripQuotes(tripId, trip.rfqs, false);
    const selection = {
      rfqs: trip.rfqs,
      now: new Date(),
      budget: flight.budget ?? null,
      taken: await this.runRepository.aircraftTakenFor(run),
    };
    const choice = chooseQuote(selection);
    const { excluded } = usableQuotes(selection);
    const input = { tripId, rfqs: trip.rfqs.length, budget: flight.budget ?? null };
    const candidates: PricedCandidate[] = trip.rfqs.map((rfq) => ({
      aircraftId: rfq.lift.aircraftId,
      tailNumber: rfq.lift.tailNumber,
      model: rfq.lift.aircraftType,
      category: rfq.lift.category,
      seats: rfq.lift.seats,
      rangeNm: 0,
      distanceNm: 0,
      hourlyRate: 0,
      estimatedTotal: rfq.latestQuote?.total ?? 0,
      operator: { id: rfq.sellerCompany.id, name: rfq.sellerCompany.name, safetyRating: rfq.safety.rating },
      quote: rfq.latestQuote
        ? {
            quoteId: rfq.latestQuote.id,
            total: rfq.latestQuote.total,
            currency: rfq.latestQuote.currency,
            validUntil: rfq.latestQuote.validUntil,
            flightHours: 0,
          }
        : null,
      note: excluded.find((e) => e.rfqId === rfq.id)?.why ?? null,
    }));
    const output = {
      rfqs: trip.rfqs.length,
      quoted: trip.rfqs.filter((r) => r.latestQuote !== null).length,
      excluded,
    };
    if (!choice) {
      const overBudget = excluded.some((e) => e.why.includes('over the budget'));
      return {
        input,
        outcome: {
          event: { type: 'step_failed', step: 'price', reason: overBudget ? 'over_budget' : 'no_price' },
          output,
          runPatch: { candidates },
          failureMessage: overBudget
            ? `Every quote is over the budget of USD ${((flight.budget ?? 0) / 100).toFixed(2)}`
            : `No usable seller quote for trip ${tripId} (${trip.rfqs.length} RFQ(s): ` +
              `${excluded.map((e) => e.why).join('; ') || 'none sent'})`,
        },
      };
    }
    const rfq = choice.chosen.rfq;
    const quote = rfq.latestQuote!;
    return {
      input,
      outcome: {
        event: { type: 'step_succeeded', step: 'price' },
        output: { ...output, chosen: rfq.id, reason: choice.reason },
        runPatch: {
          candidates,
          choice: {
            aircraftId: rfq.lift.aircraftId,
            operatorId: rfq.sellerCompany.id,
            quoteId: quote.id,
            total: quote.total,
            currency: quote.currency,
            reason: choice.reason,
            candidatesConsidered: choice.ranked.length,
            fittingAircraft: trip.rfqs.length,
            liftId: rfq.lift.id,
            rfqId: rfq.id,
          },
        },
      },
    };
  }

  private async price(run: PipelineRun): Promise<StepExecution> {
    if (run.quotePath === 'trip') return this.chooseTripQuote(run);
    const flight = run.flight;
    const candidates = run.candidates ?? [];
    const input = { candidates: candidates.map((c) => c.aircraftId), budget: flight.budget ?? null };
    const settled = await Promise.allSettled(
      candidates.map((c) =>
        this.avainode.getQuote({
          aircraftId: c.aircraftId,
          departureAirport: flight.departureAirport,
          arrivalAirport: flight.arrivalAirport,
          departureDate: flight.departureDate,
          ...(flight.returnDate ? { returnDate: flight.returnDate } : {}),
          passengers: flight.passengers,
        }),
      ),
    );
    const priced: PricedCandidate[] = candidates.map((c, i) => {
      const result = settled[i];
      if (result?.status === 'fulfilled') {
        const q = result.value;
        return {
          ...c,
          quote: {
            quoteId: q.id,
            total: q.total,
            currency: q.currency,
            validUntil: q.validUntil,
            flightHours: q.flightHours,
          },
          note: null,
        };
      }
      const reason = result?.status === 'rejected' ? (result.reason as Error).message : 'not priced';
      return { ...c, quote: null, note: `pricing failed: ${reason}` };
    });
    const failures = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    // Nothing priced because of a transient failure: retry the step rather than give up on the trip.
    if (failures.length === settled.length && failures.some((f) => classifyStepError(f.reason).retryable)) {
      throw failures.find((f) => classifyStepError(f.reason).retryable)?.reason;
    }
    const choice = chooseAircraft(priced, flight.budget ?? null, await this.runRepository.aircraftTakenFor(run));
    const output = {
      priced: priced.filter((c) => c.quote).length,
      candidates: priced.map((c) => ({ aircraftId: c.aircraftId, total: c.quote?.total ?? null, note: c.note })),
    };
    if (!choice) {
      const overBudget = priced.some((c) => c.quote !== null);
      return {
        input,
        outcome: {
          event: { type: 'step_failed', step: 'price', reason: overBudget ? 'over_budget' : 'no_price' },
          output,
          runPatch: { candidates: priced },
          failureMessage: overBudget
            ? `Every quote is over the budget of USD ${((flight.budget ?? 0) / 100).toFixed(2)}`
            : 'No candidate aircraft could be priced',
        },
      };
    }
    const chosen = choice.chosen;
    return {
      input,
      outcome: {
        event: { type: 'step_succeeded', step: 'price' },
        output: { ...output, chosen: chosen.aircraftId, reason: choice.reason },
        runPatch: {
          candidates: choice.candidates,
          choice: {
            aircraftId: chosen.aircraftId,
            operatorId: chosen.operator.id,
            quoteId: chosen.quote?.quoteId ?? '',
            total: chosen.quote?.total ?? 0,
            currency: chosen.quote?.currency ?? 'USD',
            reason: choice.reason,
            candidatesConsidered: priced.length,
            fittingAircraft: candidates.length,
          },
        },
      },
    };
  }

  private async request(run: PipelineRun): Promise<StepExecution> {
    const flight = run.flight;
    const lead = run.lead;
    const choice = run.choice;
    if (!choice) throw new NonRetryableStepError('invalid_request', 'The run has no chosen aircraft');
    if (!lead.email) throw new NonRetryableStepError('invalid_lead', 'The lead has no email');
    // Built only from what the run stored, so every attempt sends the same request under the same key.
    const args = {
      aircraftId: choice.aircraftId,
      departureAirport: flight.departureAirport,
      arrivalAirport: flight.arrivalAirport,
      departureDate: flight.departureDate,
      departureTime: flight.departureTime,
      ...(flight.returnDate ? { returnDate: flight.returnDate } : {}),
      passengers: flight.passengers,
      contact: {
        name: leadName(lead) ?? lead.email,
        email: lead.email,
        ...(lead.phone ? { phone: lead.phone } : {}),
        ...(lead.company ? { company: lead.company } : {}),
      },
      quoteId: choice.quoteId,
      ...(flight.specialRequests ? { specialRequests: flight.specialRequests } : {}),
    };
    const result = await this.avainode.createCharterRequest(args, { idempotencyKey: run.id, origin: 'pipeline' });
    const request = result.view;
    return {
      input: { ...args, idempotencyKey: run.id },
      outcome: {
        event: { type: 'step_succeeded', step: 'request' },
        output: {
          charterRequestId: request.requestId,
          status: request.status,
          total: request.pricing.total,
          recordId: result.record.id,
          replayed: !result.created,
        },
        runPatch: { charterRequestId: request.requestId, bookingId: request.bookingId },
      },
    };
  }

  private async notify(run: PipelineRun): Promise<StepExecution> {
    const summary = {
      runId: run.id,
      status: 'awaiting_confirmation',
      lead: {
        name: leadName(run.lead),
        email: run.lead.email ?? null,
        company: run.lead.company ?? null,
        title: run.lead.title ?? null,
      },
      trip: {
        from: run.flight.departureAirport,
        to: run.flight.arrivalAirport,
        date: run.flight.departureDate,
        time: run.flight.departureTime,
        returnDate: run.flight.returnDate ?? null,
        passengers: run.flight.passengers,
      },
      aircraft: run.choice
        ? { aircraftId: run.choice.aircraftId, operatorId: run.choice.operatorId, reason: run.choice.reason }
        : null,
      quote: run.choice
        ? { quoteId: run.choice.quoteId, total: run.choice.total, currency: run.choice.currency }
        : null,
      charterRequestId: run.charterRequestId,
    };
    // Recorded before the trigger: a crash after it leaves the key behind, and the next attempt looks for it first.
    const { key, earlier } = await this.runRepository.recordNotificationKey(run.id, `${run.id}:${run.generation}`);
    const result = await this.notifications.notify(summary, key, earlier);
    return {
      input: { notificationKey: key, summary },
      outcome: {
        event: { type: 'step_succeeded', step: 'notify' },
        output: { workflowId: result.workflowId, executionId: result.executionId, alreadySent: result.alreadySent },
        // n8n answered once its Respond to Webhook node ran: the workflow's end is followed by its webhook.
        runPatch: { n8nExecutionId: result.executionId, notificationStatus: 'sent' },
      },
    };
  }
}
