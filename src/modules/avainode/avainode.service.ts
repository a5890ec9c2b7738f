import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { EntityManager } from 'typeorm';
import { CacheService } from '../../common/cache/cache.service.js';
import { NotFoundError } from '../../common/errors/domain-error.js';
import type { CallOptions } from '../../common/mcp/mcp-client.js';
import { McpClientService } from '../../common/mcp/mcp-client.service.js';
import type { ToolContract } from '../../common/mcp/tool-contract.js';
import type { UpstreamMutation } from '../../common/mutations/upstream-mutation.entity.js';
import { type ReconcileOutcome, UpstreamMutationsService } from '../../common/mutations/upstream-mutations.service.js';
import type { z } from 'zod';
import {
  type AircraftCategory,
  type AircraftSearchResult,
  type EmptyLeg,
  type OperatorProfile,
  type Quote,
  type UpstreamBooking,
  createCharterRequestTool,
  getEmptyLegsTool,
  getOperatorInfoTool,
  getPricingTool,
  manageBookingTool,
  searchAircraftTool,
} from './avainode.contracts.js';
import { translateAvinodeError } from './avainode.errors.js';
import {
  BookingCancelled,
  type BookingChanges,
  BookingConfirmed,
  BookingModified,
  type CharterRecordRef,
  CharterRequestCreated,
} from './avainode.events.js';
import type { CharterRequest, CharterRequestOrigin } from './charter-request.entity.js';
import { CharterRequestStore } from './charter-request.store.js';
import { publish, publishAndWait } from '../../common/events/publish.js';

/** Cache namespace of operator profiles; its TTL is `CACHE_NAMESPACE_TTLS=avinode.operator=<seconds>`. */
export const OPERATOR_CACHE_NAMESPACE = 'avinode.operator';

const CREATE_OPERATION = 'create_charter_request';
const BOOKING_ACTIONS = ['confirm', 'cancel', 'modify'] as const;
type BookingAction = (typeof BOOKING_ACTIONS)[number];
const BOOKING_OPERATIONS: Record<BookingAction, string> = {
  confirm: 'confirm_booking',
  cancel: 'cancel_booking',
  modify: 'modify_booking',
};
/** Tolerance between our clock and Avinode's when asking whether a change happened after its intent. */
const CLOCK_SKEW_MS = 60_000;

/** Tells two free texts apart without keeping them (intents hold ids and shape only). */
function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
const ORIGINS: readonly CharterRequestOrigin[] = ['api', 'pipeline', 'sync', 'upstream'];

function originOf(value: unknown): CharterRequestOrigin {
  return ORIGINS.find((origin) => origin === value) ?? 'api';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface TripCriteria {
  /** ICAO, upper case. */
  departureAirport: string;
  arrivalAirport: string;
  /** YYYY-MM-DD. */
  departureDate: string;
  returnDate?: string | undefined;
  passengers: number;
}

export interface AircraftSearchCriteria extends TripCriteria {
  aircraftCategory?: AircraftCategory | undefined;
  /** USD cents per flight hour. */
  maxHourlyRate?: number | undefined;
}

export interface QuoteRequest extends TripCriteria {
  aircraftId: string;
}

export interface NewCharterRequest extends TripCriteria {
  aircraftId: string;
  /** Local time HH:MM at the departure airport. */
  departureTime: string;
  contact: { name: string; email: string; phone?: string | undefined; company?: string | undefined };
  /** A quote from `getQuote` for the same aircraft, trip and party (otherwise a fresh quote is made). */
  quoteId?: string | undefined;
  specialRequests?: string | undefined;
}

export interface CreateCharterRequestOptions {
  /**
   * Sent to Avinode: the same key always yields the same upstream request, so retries (and concurrent callers) never
   * book twice. Also stored in `charter_request.idempotency_key`. 8–200 characters.
   */
  idempotencyKey: string;
  /** Who asks (stored on first insert). Default `api`. */
  origin?: CharterRequestOrigin;
  /** Store the row inside the caller's transaction. */
  manager?: EntityManager;
  signal?: AbortSignal;
}

/** A charter request / booking as the API shows it: the upstream record plus our row id. */
export type CharterRequestView = UpstreamBooking & {
  /** `charter_request.id` when the backend stores this record, else null. */
  recordId: string | null;
};

export interface CreatedCharterRequest {
  view: CharterRequestView;
  record: CharterRequest;
  /** False when the key had already created this request (upstream replay). */
  created: boolean;
}

/** The key of a booking change (from the route's `@IdempotencyContext()`). */
export interface BookingChangeKey {
  /** Derived from the caller's Idempotency-Key, or fresh when it sent none. */
  idempotencyKey: string;
  /** The caller sent an Idempotency-Key (otherwise a repeated request resumes an open intent of the same change). */
  clientKeyed: boolean;
}

export interface OperatorOptions {
  includeFleet?: boolean;
  includeSafetyRecords?: boolean;
}

export interface EmptyLegFilters {
  departureAirport?: string | undefined;
  arrivalAirport?: string | undefined;
  startDate?: string | undefined;
  endDate?: string | undefined;
  /** USD cents. */
  maxPrice?: number | undefined;
  passengers?: number | undefined;
}

function refOf(record: CharterRequest): CharterRecordRef {
  return {
    recordId: record.id,
    upstreamRequestId: record.upstreamRequestId,
    upstreamBookingId: record.upstreamBookingId,
    operatorId: record.operatorId,
    aircraftId: record.aircraftId,
    status: record.status,
    totalCents: record.totalCents,
    // A pipeline run creates its charter request with its own id as idempotency key (see PipelineStepsService).
    runId: record.origin === 'pipeline' ? record.idempotencyKey : null,
  };
}

/**
 * Avinode (charter marketplace) for the rest of the backend: typed calls over MCP, upstream business errors translated
 * (404 / 409 / 400), charter requests and bookings the backend changes stored in `charter_request`, an event for every
 * change, and operator profiles cached.
 */
@Injectable()
export class AvainodeService {
  constructor(
    private readonly mcp: McpClientService,
    private readonly store: CharterRequestStore,
    private readonly cache: CacheService,
    private readonly events: EventEmitter2,
    private readonly mutations: UpstreamMutationsService,
  ) {
    mutations.registerReconciler('avinode', CREATE_OPERATION, (intent) => this.reconcileCreated(intent));
    for (const action of BOOKING_ACTIONS) {
      mutations.registerReconciler('avinode', BOOKING_OPERATIONS[action], (intent) =>
        this.reconcileBookingChange(action, intent),
      );
    }
  }

  /** Availability changes by the hour: never cached. */
  searchAircraft(criteria: AircraftSearchCriteria): Promise<AircraftSearchResult> {
    return this.call(searchAircraftTool, {
      departureAirport: criteria.departureAirport,
      arrivalAirport: criteria.arrivalAirport,
      departureDate: criteria.departureDate,
      ...(criteria.returnDate !== undefined ? { returnDate: criteria.returnDate } : {}),
      passengers: criteria.passengers,
      ...(criteria.aircraftCategory !== undefined ? { aircraftCategory: criteria.aircraftCategory } : {}),
      ...(criteria.maxHourlyRate !== undefined ? { maxHourlyRate: criteria.maxHourlyRate } : {}),
    });
  }

  /** A stored upstream quote (valid for a limited time) with its line items. */
  async getQuote(request: QuoteRequest): Promise<Quote> {
    const result = await this.call(getPricingTool, {
      aircraftId: request.aircraftId,
      route: { departureAirport: request.departureAirport, arrivalAirport: request.arrivalAirport },
      dates: {
        departureDate: request.departureDate,
        ...(request.returnDate !== undefined ? { returnDate: request.returnDate } : {}),
      },
      passengers: request.passengers,
    });
    return result.quote;
  }

  /**
   * Creates a charter request upstream (idempotent by `options.idempotencyKey`) and stores it. Concurrent or repeated
   * calls with one key produce one upstream request and one row; `CharterRequestCreated` is emitted once, by the call
   * that inserted the row. The intent is recorded first (`upstream_mutation`, see UpstreamMutationsService): when the
   * local write fails after Avinode created the request, the caller gets 503 and a retry with the same key (or the
   * reconcile job) stores the request Avinode made, without asking for a second one.
   */
  async createCharterRequest(
    input: NewCharterRequest,
    options: CreateCharterRequestOptions,
  ): Promise<CreatedCharterRequest> {
    const origin = options.origin ?? 'api';
    return this.mutations.run(
      {
        upstream: 'avinode',
        operation: CREATE_OPERATION,
        idempotencyKey: options.idempotencyKey,
        subject: input.aircraftId,
        // Ids and shape only: the contact stays out of the intent.
        summary: {
          origin,
          aircraftId: input.aircraftId,
          route: `${input.departureAirport}-${input.arrivalAirport}`,
          departureDate: input.departureDate,
          passengers: input.passengers,
          quoteId: input.quoteId ?? null,
        },
      },
      {
        call: async () => (await this.callCreate(input, options)).request,
        refOf: (request) => request.requestId,
        lookup: (requestId) => this.details(requestId),
        store: (request) => this.storeCreated(request, origin, options.idempotencyKey, options.manager),
      },
    );
  }

  private callCreate(input: NewCharterRequest, options: CreateCharterRequestOptions) {
    return this.call(
      createCharterRequestTool,
      {
        aircraftId: input.aircraftId,
        route: { departureAirport: input.departureAirport, arrivalAirport: input.arrivalAirport },
        departureDate: input.departureDate,
        departureTime: input.departureTime,
        ...(input.returnDate !== undefined ? { returnDate: input.returnDate } : {}),
        passengers: input.passengers,
        contact: {
          name: input.contact.name,
          email: input.contact.email,
          ...(input.contact.phone !== undefined ? { phone: input.contact.phone } : {}),
          ...(input.contact.company !== undefined ? { company: input.contact.company } : {}),
        },
        ...(input.quoteId !== undefined ? { quoteId: input.quoteId } : {}),
        ...(input.specialRequests !== undefined ? { specialRequests: input.specialRequests } : {}),
      },
      { idempotencyKey: options.idempotencyKey, signal: options.signal },
    );
  }

  private async storeCreated(
    request: UpstreamBooking,
    origin: CharterRequestOrigin,
    idempotencyKey: string,
    manager?: EntityManager,
  ): Promise<CreatedCharterRequest> {
    const { record, inserted } = await this.store.upsertFromUpstream(request, { origin, idempotencyKey, manager });
    if (inserted) {
      publish(
        this.events,
        new CharterRequestCreated(
          refOf(record),
          origin,
          record.departureAirport,
          record.arrivalAirport,
          record.departureDate,
        ),
      );
    }
    return { view: { ...request, recordId: record.id }, record, created: inserted };
  }

  /** A charter request whose local write failed: read it upstream by the recorded request id and store it. */
  private async reconcileCreated(intent: UpstreamMutation): Promise<ReconcileOutcome> {
    if (intent.resultRef === null) {
      // Avinode has no lookup by idempotency key: a retry with the same key (which replays upstream) settles it.
      return { kind: 'unknown', reason: 'the upstream answer was not recorded; awaiting a retry with the same key' };
    }
    const request = await this.details(intent.resultRef);
    const origin = originOf(intent.requestSummary['origin']);
    await this.storeCreated(request, origin, intent.idempotencyKey);
    return { kind: 'reconciled', resultRef: request.requestId };
  }

  private async details(upstreamId: string): Promise<UpstreamBooking> {
    const { booking } = await this.call(
      manageBookingTool,
      { bookingId: upstreamId, action: 'get_details' },
      // get_details changes nothing: a key makes the client treat this write-tool call as safe to repeat.
      { idempotencyKey: `get_details:${upstreamId}` },
    );
    return booking;
  }

  /**
   * The current upstream state of a request / booking. `id` is our record id (uuid), the upstream request id or the
   * booking id. A stored record is refreshed from what the upstream returned.
   */
  async getBooking(id: string): Promise<CharterRequestView> {
    const upstreamId = await this.resolve(id);
    const booking = await this.details(upstreamId);
    const existing = await this.store.findByUpstreamId(booking.requestId);
    if (!existing) return { ...booking, recordId: null };
    const { record } = await this.store.upsertFromUpstream(booking, { origin: 'upstream' });
    return { ...booking, recordId: record.id };
  }

  /**
   * pending → confirmed (deposit taken). Not repeated automatically: confirming is not idempotent upstream. Like every
   * booking change, recorded as an intent first (see `changeBooking`). `signerName` answers Avinode's question on an
   * `on_account` confirmation; the intent keeps only whether it was given (it is a person's name).
   */
  confirmBooking(
    id: string,
    paymentMethod: string,
    key: BookingChangeKey,
    signerName?: string,
  ): Promise<CharterRequestView> {
    const signer = signerName === undefined ? {} : { signerName };
    return this.changeBooking(id, 'confirm', { paymentMethod, signed: signerName !== undefined }, key, (upstreamId) =>
      this.call(manageBookingTool, { bookingId: upstreamId, action: 'confirm', paymentMethod, ...signer }),
    );
  }

  /** pending or confirmed → cancelled (fee by notice for confirmed bookings). */
  cancelBooking(id: string, reason: string, key: BookingChangeKey): Promise<CharterRequestView> {
    // The reason is free text: the intent keeps a digest of it (same change or not), the audit entry the text.
    return this.changeBooking(id, 'cancel', { reasonDigest: digest(reason) }, key, (upstreamId) =>
      this.call(manageBookingTool, { bookingId: upstreamId, action: 'cancel', cancellationReason: reason }),
    );
  }

  /** Changes departure time, party size (re-priced) or special requests of a pending or confirmed booking. */
  modifyBooking(id: string, changes: BookingChanges, key: BookingChangeKey): Promise<CharterRequestView> {
    const modifications: BookingChanges = {
      ...(changes.departureTime !== undefined ? { departureTime: changes.departureTime } : {}),
      ...(changes.passengers !== undefined ? { passengers: changes.passengers } : {}),
      ...(changes.specialRequests !== undefined ? { specialRequests: changes.specialRequests } : {}),
    };
    const summary = {
      departureTime: modifications.departureTime ?? null,
      passengers: modifications.passengers ?? null,
      specialRequestsDigest: modifications.specialRequests === undefined ? null : digest(modifications.specialRequests),
    };
    return this.changeBooking(id, 'modify', summary, key, (upstreamId) =>
      this.call(manageBookingTool, { bookingId: upstreamId, action: 'modify', modifications }),
    );
  }

  /**
   * One booking change through an intent (`upstream_mutation`, operation `<action>_booking`): recorded before the call,
   * completed after the local write. When that write fails the caller gets 503 and the intent stays open; a retry with
   * the same Idempotency-Key — or, without one, the same request again — reads the booking instead of changing it a
   * second time, and the reconcile job stores what nobody retried.
   */
  private async changeBooking(
    id: string,
    action: BookingAction,
    summary: Record<string, unknown>,
    key: BookingChangeKey,
    call: (upstreamId: string) => Promise<{ booking: UpstreamBooking }>,
  ): Promise<CharterRequestView> {
    const upstreamId = await this.resolve(id);
    return this.mutations.run(
      {
        upstream: 'avinode',
        operation: BOOKING_OPERATIONS[action],
        idempotencyKey: key.idempotencyKey,
        resumeOpen: !key.clientKeyed,
        subject: upstreamId,
        summary: { action, ...summary },
      },
      {
        call: async () => (await call(upstreamId)).booking,
        refOf: (booking) => booking.requestId,
        lookup: (requestId) => this.details(requestId),
        store: (booking) => this.storeBookingChange(action, booking, summary),
      },
    );
  }

  private async storeBookingChange(
    action: BookingAction,
    booking: UpstreamBooking,
    summary: Record<string, unknown>,
  ): Promise<CharterRequestView> {
    const { record } = await this.store.upsertFromUpstream(booking, { origin: 'upstream' });
    const ref = refOf(record);
    switch (action) {
      case 'confirm':
        await publishAndWait(
          this.events,
          new BookingConfirmed(
            ref,
            booking.payment?.method ?? (typeof summary['paymentMethod'] === 'string' ? summary['paymentMethod'] : ''),
            booking.payment?.depositAmount ?? null,
          ),
        );
        break;
      case 'cancel': {
        // Read from the cancel entry, not the last one: a reconcile may see later history.
        const entry = booking.history.findLast((h) => h.action === 'cancel') ?? booking.history.at(-1);
        await publishAndWait(
          this.events,
          new BookingCancelled(
            ref,
            entry?.from ?? 'pending',
            booking.cancellation?.reason ?? '',
            booking.cancellation?.feeAmount ?? null,
          ),
        );
        break;
      }
      case 'modify': {
        const changes: BookingChanges = {
          ...(typeof summary['departureTime'] === 'string' ? { departureTime: summary['departureTime'] } : {}),
          ...(typeof summary['passengers'] === 'number' ? { passengers: summary['passengers'] } : {}),
          ...(summary['specialRequestsDigest'] !== null && summary['specialRequestsDigest'] !== undefined
            ? { specialRequests: booking.specialRequests ?? '' }
            : {}),
        };
        await publishAndWait(this.events, new BookingModified(ref, changes));
        break;
      }
    }
    return { ...booking, recordId: record.id };
  }

  /**
   * A booking change whose local write failed or whose answer was lost. With the answer recorded, the booking is read
   * and stored; without it, the booking's history tells whether the change happened after the intent was recorded.
   */
  private async reconcileBookingChange(action: BookingAction, intent: UpstreamMutation): Promise<ReconcileOutcome> {
    const ref = intent.resultRef ?? intent.subject;
    if (ref === null) return { kind: 'failed', reason: 'the intent names no booking' };
    const booking = await this.details(ref);
    if (intent.resultRef === null) {
      const since = intent.createdAt.getTime() - CLOCK_SKEW_MS;
      const happened = booking.history.some((h) => h.action === action && Date.parse(h.at) >= since);
      if (!happened) return { kind: 'failed', reason: `Avinode shows no ${action} of ${ref} since the intent` };
    }
    await this.storeBookingChange(action, booking, intent.requestSummary);
    return { kind: 'reconciled', resultRef: booking.requestId };
  }

  /**
   * Operator profile with safety audits and insurance; incident history when `includeSafetyRecords` (default true),
   * fleet when `includeFleet`. The full profile is cached per operator (namespace `avinode.operator`) and dropped when
   * a booking of the operator changes.
   */
  async getOperator(operatorId: string, options: OperatorOptions = {}): Promise<OperatorProfile> {
    const profile = await this.cache.getOrLoad(OPERATOR_CACHE_NAMESPACE, operatorId, async () => {
      const result = await this.call(getOperatorInfoTool, {
        operatorId,
        includeFleetDetails: true,
        includeSafetyRecords: true,
      });
      return result.operator;
    });
    const { fleet, safetyRecords, ...rest } = profile;
    return {
      ...rest,
      ...(options.includeFleet === true && fleet !== undefined ? { fleet } : {}),
      ...(options.includeSafetyRecords !== false && safetyRecords !== undefined ? { safetyRecords } : {}),
    };
  }

  /** Drops a cached operator profile (called for every Avainode change event that names an operator). */
  invalidateOperator(operatorId: string): void {
    this.cache.invalidate(OPERATOR_CACHE_NAMESPACE, operatorId);
  }

  async findEmptyLegs(filters: EmptyLegFilters): Promise<EmptyLeg[]> {
    const args = Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined));
    const result = await this.call(getEmptyLegsTool, args);
    return result.emptyLegs;
  }

  private async resolve(id: string): Promise<string> {
    if (!UUID.test(id)) return id;
    const record = await this.store.findById(id);
    if (!record) throw new NotFoundError('Booking', id);
    return record.upstreamRequestId;
  }

  private async call<R extends z.ZodType, A extends object>(
    contract: ToolContract<R, A>,
    args: A,
    options: CallOptions = {},
  ): Promise<z.infer<R>> {
    try {
      return await this.mcp.call(contract, args, options);
    } catch (error) {
      throw translateAvinodeError(error);
    }
  }
}
