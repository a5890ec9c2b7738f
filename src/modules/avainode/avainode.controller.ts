import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, applyDecorators } from '@nestjs/common';
import { RequiresScope } from '../../common/auth/requires-scope.decorator.js';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ValidationFailedError } from '../../common/errors/domain-error.js';
import {
  DEFAULT_PAGE_SIZE,
  type NumberedPage,
  type NumberedPageQuery,
  numberedPage,
} from '../../common/http/pagination.js';
import { IdempotencyContext, Idempotent } from '../../common/idempotency/idempotent.decorator.js';
import type { IdempotencyInfo } from '../../common/idempotency/idempotency.interceptor.js';
import type { AircraftOption, AircraftSearchResult, EmptyLeg, OperatorProfile, Quote } from './avainode.contracts.js';
import {
  BookingParams,
  CancelBookingBody,
  ConfirmBookingBody,
  CreateCharterRequestBody,
  CreateQuoteBody,
  EmptyLegsQuery,
  ModifyBookingBody,
  OperatorParams,
  OperatorQuery,
  SearchAircraftQuery,
} from './avainode.dto.js';
import {
  AIRCRAFT_SEARCH_EXAMPLE,
  CANCELLED_BOOKING_EXAMPLE,
  CHARTER_REQUEST_EXAMPLE,
  CONFIRMED_BOOKING_EXAMPLE,
  EMPTY_LEGS_EXAMPLE,
  OPERATOR_EXAMPLE,
  QUOTE_EXAMPLE,
  problemExample,
} from './avainode.examples.js';
import { AvainodeService, type BookingChangeKey, type CharterRequestView } from './avainode.service.js';

export type AircraftSearchPage = NumberedPage<AircraftOption> & { search: AircraftSearchResult['search'] };

/** Upstream lists arrive whole; the API pages them with the shared numbered-page shape. */
function pageOf<T>(items: readonly T[], query: NumberedPageQuery): NumberedPage<T> {
  const page = query.page ?? 1;
  const perPage = query.perPage ?? DEFAULT_PAGE_SIZE;
  const start = (page - 1) * perPage;
  return numberedPage(items.slice(start, start + perPage), {
    page,
    perPage,
    totalItems: items.length,
    totalPages: Math.ceil(items.length / perPage),
  });
}

function changeKey(idempotency: IdempotencyInfo): BookingChangeKey {
  return { idempotencyKey: idempotency.upstreamKey, clientKeyed: idempotency.key !== null };
}

function validation(field: string, rule: string, message: string): { example: Record<string, unknown> } {
  return {
    example: problemExample(400, 'validation_failed', 'Validation failed', 'The request is not valid', {
      errors: [{ field, rule, message }],
    }),
  };
}

/** Answers every Avainode route can give besides its own. */
function AvinodeErrors(): MethodDecorator {
  return applyDecorators(
    ApiResponse({
      status: 401,
      description: 'Missing or wrong API key',
      schema: { example: problemExample(401, 'unauthorized', 'Unauthorized', 'An API key is required') },
    }),
    ApiResponse({
      status: 502,
      description: 'Avinode reported an error or broke its contract',
      schema: {
        example: problemExample(502, 'upstream_error', 'Upstream error', 'avinode tool search-aircraft failed: …', {
          server: 'avinode',
          tool: 'search-aircraft',
          reason: 'tool_error',
        }),
      },
    }),
    ApiResponse({
      status: 503,
      description: 'Avinode unreachable, rate limited or its circuit breaker open (Retry-After)',
      schema: {
        example: problemExample(
          503,
          'upstream_unavailable',
          'Upstream unavailable',
          'avinode … is unavailable: circuit breaker is open',
          {
            server: 'avinode',
            reason: 'breaker_open',
          },
        ),
      },
    }),
    ApiResponse({
      status: 504,
      description: 'Avinode did not answer in time',
      schema: {
        example: problemExample(504, 'upstream_timeout', 'Upstream timeout', 'avinode tool … did not answer in time', {
          server: 'avinode',
        }),
      },
    }),
  );
}

function TransitionErrors(action: string): MethodDecorator {
  return applyDecorators(
    ApiResponse({
      status: 404,
      description: 'No such booking upstream (or no such record id)',
      schema: {
        example: problemExample(404, 'not_found', 'Not found', 'Booking cr-unknown not found', { server: 'avinode' }),
      },
    }),
    ApiResponse({
      status: 409,
      description: `The booking's status does not allow ${action}`,
      schema: {
        example: problemExample(
          409,
          'invalid_state_transition',
          'Invalid state transition',
          `Cannot ${action} booking cr-mwu9t65d02: its status is cancelled`,
          { server: 'avinode', action, bookingId: 'cr-mwu9t65d02', currentStatus: 'cancelled' },
        ),
      },
    }),
  );
}

@ApiTags('avainode')
@Controller('api/integration')
export class AvainodeController {
  constructor(private readonly avainode: AvainodeService) {}

  @Get('aircraft')
  @ApiOperation({
    summary: 'Search charter aircraft',
    description:
      'Aircraft that seat the party, fly the distance and are available on every day of the trip, cheapest first, each ' +
      'with operator, hourly rate and estimated all-in total (USD cents). Live availability: never cached.',
  })
  @ApiResponse({ status: 200, description: 'A page of aircraft options', schema: { example: AIRCRAFT_SEARCH_EXAMPLE } })
  @ApiResponse({
    status: 400,
    description: 'Invalid criteria (the field is named)',
    schema: validation('returnDate', 'isOnOrAfter', 'returnDate must be on or after departureDate'),
  })
  @AvinodeErrors()
  async searchAircraft(@Query() query: SearchAircraftQuery): Promise<AircraftSearchPage> {
    const result = await this.avainode.searchAircraft(query);
    return { search: result.search, ...pageOf(result.aircraft, query) };
  }

  @Post('aircraft')
  @RequiresScope('operate')
  @Idempotent('charter-request')
  @ApiOperation({
    summary: 'Create a charter request',
    description:
      'Asks the operator for the aircraft on the given trip; the request starts `pending` and becomes a booking when ' +
      'confirmed. Send an Idempotency-Key to make retries safe: the same key and body return the first response.',
  })
  @ApiResponse({
    status: 201,
    description: 'The charter request (stored)',
    schema: { example: CHARTER_REQUEST_EXAMPLE },
  })
  @ApiResponse({
    status: 400,
    description: 'Invalid request (the field is named)',
    schema: validation('passengers', 'max', 'passengers must not be greater than 19'),
  })
  @ApiResponse({
    status: 404,
    description: 'Unknown aircraft or quote',
    schema: {
      example: problemExample(404, 'not_found', 'Not found', 'Aircraft ac-x not found', { field: 'aircraftId' }),
    },
  })
  @ApiResponse({
    status: 409,
    description:
      'The aircraft is not available on those dates, or a request with the same Idempotency-Key is still running',
  })
  @ApiResponse({
    status: 422,
    description: 'Idempotency-Key already used with a different body',
    schema: {
      example: problemExample(
        422,
        'idempotency_key_reused',
        'Idempotency key reused with a different request',
        'Idempotency-Key "k1" was already used with a different request',
        {
          idempotencyKey: 'k1',
        },
      ),
    },
  })
  @AvinodeErrors()
  async createCharterRequest(
    @Body() body: CreateCharterRequestBody,
    @IdempotencyContext() idempotency: IdempotencyInfo,
  ): Promise<CharterRequestView> {
    const { view } = await this.avainode.createCharterRequest(body, {
      idempotencyKey: idempotency.upstreamKey,
      origin: 'api',
    });
    return view;
  }

  @Post('quotes')
  @RequiresScope('read')
  @ApiOperation({
    summary: 'Quote a trip on one aircraft',
    description:
      'A quote stored upstream (valid about 48 h; reference it as quoteId when creating the request) with flight hours ' +
      'and the fee breakdown: flight time, positioning, fuel, landing and handling fees, crew overnights, then taxes. ' +
      'total = subtotal + taxes, USD cents.',
  })
  @ApiResponse({ status: 201, description: 'The quote', schema: { example: QUOTE_EXAMPLE } })
  @ApiResponse({
    status: 400,
    description: 'Invalid trip (the field is named)',
    schema: validation(
      'departureAirport',
      'isIcaoCode',
      'departureAirport must be a 4-letter ICAO airport code, e.g. KTEB',
    ),
  })
  @ApiResponse({ status: 404, description: 'Unknown aircraft' })
  @ApiResponse({ status: 409, description: 'The aircraft is not available on those dates' })
  @AvinodeErrors()
  createQuote(@Body() body: CreateQuoteBody): Promise<Quote> {
    return this.avainode.getQuote(body);
  }

  @Get('bookings/:id')
  @ApiOperation({
    summary: 'Booking details',
    description: 'A charter request or booking as Avinode has it now, by record id, request id or booking id.',
  })
  @ApiResponse({ status: 200, description: 'The booking', schema: { example: CONFIRMED_BOOKING_EXAMPLE } })
  @ApiResponse({ status: 404, description: 'No such booking' })
  @AvinodeErrors()
  getBooking(@Param() params: BookingParams): Promise<CharterRequestView> {
    return this.avainode.getBooking(params.id);
  }

  @Post('bookings/:id/confirm')
  @RequiresScope('operate')
  @HttpCode(200)
  @Idempotent('booking-confirm')
  @ApiOperation({
    summary: 'Confirm a booking',
    description:
      'pending → confirmed: the deposit is taken and the balance falls due before departure. Never retried ' +
      'automatically; send an Idempotency-Key to make your own retries safe.',
  })
  @ApiResponse({ status: 200, description: 'The confirmed booking', schema: { example: CONFIRMED_BOOKING_EXAMPLE } })
  @ApiResponse({
    status: 400,
    description: 'paymentMethod missing',
    schema: validation('paymentMethod', 'isNotEmpty', 'paymentMethod should not be empty'),
  })
  @TransitionErrors('confirm')
  @AvinodeErrors()
  confirmBooking(
    @Param() params: BookingParams,
    @Body() body: ConfirmBookingBody,
    @IdempotencyContext() idempotency: IdempotencyInfo,
  ): Promise<CharterRequestView> {
    return this.avainode.confirmBooking(params.id, body.paymentMethod, changeKey(idempotency), body.signerName);
  }

  @Post('bookings/:id/cancel')
  @RequiresScope('operate')
  @HttpCode(200)
  @Idempotent('booking-cancel')
  @ApiOperation({
    summary: 'Cancel a booking',
    description: 'pending or confirmed → cancelled. A confirmed booking pays a fee that depends on the notice given.',
  })
  @ApiResponse({
    status: 200,
    description: 'The cancelled booking with its terms',
    schema: { example: CANCELLED_BOOKING_EXAMPLE },
  })
  @ApiResponse({
    status: 400,
    description: 'reason missing',
    schema: validation('reason', 'isNotEmpty', 'reason should not be empty'),
  })
  @TransitionErrors('cancel')
  @AvinodeErrors()
  cancelBooking(
    @Param() params: BookingParams,
    @Body() body: CancelBookingBody,
    @IdempotencyContext() idempotency: IdempotencyInfo,
  ): Promise<CharterRequestView> {
    return this.avainode.cancelBooking(params.id, body.reason, changeKey(idempotency));
  }

  @Patch('bookings/:id')
  @RequiresScope('operate')
  @Idempotent('booking-modify')
  @ApiOperation({
    summary: 'Modify a booking',
    description:
      'Changes departure time, party size (re-priced; a paid deposit stands, the balance follows) or special ' +
      'requests of a pending or confirmed booking. At least one field is required.',
  })
  @ApiResponse({ status: 200, description: 'The modified booking', schema: { example: CHARTER_REQUEST_EXAMPLE } })
  @ApiResponse({
    status: 400,
    description: 'Nothing to change, or an invalid value',
    schema: validation(
      'modifications',
      'atLeastOne',
      'send at least one of departureTime, passengers, specialRequests',
    ),
  })
  @TransitionErrors('modify')
  @AvinodeErrors()
  modifyBooking(
    @Param() params: BookingParams,
    @Body() body: ModifyBookingBody,
    @IdempotencyContext() idempotency: IdempotencyInfo,
  ): Promise<CharterRequestView> {
    if (body.departureTime === undefined && body.passengers === undefined && body.specialRequests === undefined) {
      throw new ValidationFailedError([
        {
          field: 'modifications',
          rule: 'atLeastOne',
          message: 'send at least one of departureTime, passengers, specialRequests',
        },
      ]);
    }
    return this.avainode.modifyBooking(params.id, body, changeKey(idempotency));
  }

  @Get('operators/:id')
  @ApiOperation({
    summary: 'Operator profile with safety records',
    description:
      'Certificate, bases, safety audits (ARGUS / Wyvern / IS-BAO), insurance, incident history (includeSafetyRecords, ' +
      'default true) and fleet (includeFleet). Cached; dropped when one of the operator’s bookings changes.',
  })
  @ApiResponse({ status: 200, description: 'The operator', schema: { example: OPERATOR_EXAMPLE } })
  @ApiResponse({ status: 404, description: 'No such operator' })
  @AvinodeErrors()
  getOperator(@Param() params: OperatorParams, @Query() query: OperatorQuery): Promise<OperatorProfile> {
    return this.avainode.getOperator(params.id, query);
  }

  @Get('empty-legs')
  @ApiOperation({
    summary: 'Empty legs',
    description: 'Discounted one-way positioning flights departing today or later, optionally filtered.',
  })
  @ApiResponse({ status: 200, description: 'A page of empty legs', schema: { example: EMPTY_LEGS_EXAMPLE } })
  @ApiResponse({
    status: 400,
    description: 'Invalid filter',
    schema: validation('endDate', 'isOnOrAfter', 'endDate must be on or after startDate'),
  })
  @AvinodeErrors()
  async emptyLegs(@Query() query: EmptyLegsQuery): Promise<NumberedPage<EmptyLeg>> {
    const { page: _page, perPage: _perPage, ...filters } = query;
    return pageOf(await this.avainode.findEmptyLegs(filters), query);
  }
}
