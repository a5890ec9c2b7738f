import { Body, Controller, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import { RequiresScope } from '../../common/auth/requires-scope.decorator.js';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { ValidationFailedError } from '../../common/errors/domain-error.js';
import { DEFAULT_PAGE_SIZE } from '../../common/http/pagination.js';
import { Idempotent } from '../../common/idempotency/idempotent.decorator.js';
import { UuidParam } from '../../common/http/uuid-param.js';
import type { LeadProfile } from './lead-merge.js';
import { PipelineBatchesService } from './pipeline-batches.service.js';
import type { PipelineTripQuote } from './trip-quote.entity.js';
import type { PipelineRun } from './pipeline-run.entity.js';
import { PipelineRunsRepository } from './pipeline-runs.repository.js';
import { PipelineRunsService } from './pipeline-runs.service.js';
import type { PipelineStepRecord } from './pipeline-step.entity.js';
import {
  BatchAcceptedDto,
  BatchListDto,
  CancelRunDto,
  FlightRequirementsDto,
  ListBatchesQuery,
  ListRunsQuery,
  RunAcceptedDto,
  RunCountsDto,
  type RunCountWindowDto,
  RunListDto,
  StartBatchDto,
  StartRunDto,
} from './pipeline.dto.js';
import type { FlightRequirements } from './pipeline.types.js';
import { RUN_STATUSES, type RunStatus } from './run-state-machine.js';

const RUNS_PATH = '/api/integration/pipeline/runs';
const BATCHES_PATH = '/api/integration/pipeline/batches';

const RUN_EXAMPLE = {
  id: '0b6f1c2a-9e0b-4d7c-8e1a-5f2d3c4b5a69',
  status: 'awaiting_confirmation',
  source: 'api',
  batchId: null,
  failureReason: null,
  failedStep: null,
  failureMessage: null,
  lead: { email: 'ana.ruiz@summitcapital.com', firstName: 'Ana', lastName: 'Ruiz', emailStatus: 'verified' },
  flight: {
    departureAirport: 'KTEB',
    arrivalAirport: 'KPBI',
    departureDate: '2026-12-18',
    departureTime: '09:30',
    passengers: 6,
  },
  candidates: [
    {
      aircraftId: 'ac_1042',
      operator: { id: 'op_7', safetyRating: 'ARGUS Platinum' },
      quote: { quoteId: 'qt_9', total: 4_180_000 },
      note: 'chosen',
    },
  ],
  choice: {
    aircraftId: 'ac_1042',
    quoteId: 'qt_9',
    total: 4_180_000,
    reason: 'lowest quoted total USD 41800.00 among 3 priced candidates',
  },
  charterRequestId: 'rq_4821',
  bookingId: null,
  n8nExecutionId: '1207',
  notificationKey: '9b2f6c1e-4a7d-4f0e-8c3b-5d6e7f8a9b0c:1',
  notification: { status: 'succeeded', error: null },
  steps: [
    { step: 'enrich', status: 'succeeded', attempts: 1, durationMs: 41, instance: 'jetvision-7d9f/1', errors: [] },
  ],
  createdAt: '2026-01-01T09:00:00.000Z',
  updatedAt: '2026-01-01T09:00:01.200Z',
  finishedAt: null,
};

function toLead(dto: StartRunDto['lead']): LeadProfile {
  const lead: LeadProfile = {};
  for (const key of [
    'apolloId',
    'email',
    'linkedinUrl',
    'firstName',
    'lastName',
    'company',
    'title',
    'phone',
  ] as const) {
    const value = dto[key];
    if (typeof value === 'string' && value.trim() !== '') lead[key] = value.trim();
  }
  return lead;
}

export function toFlight(dto: FlightRequirementsDto): FlightRequirements {
  return {
    departureAirport: dto.departureAirport,
    arrivalAirport: dto.arrivalAirport,
    departureDate: dto.departureDate,
    departureTime: dto.departureTime,
    passengers: dto.passengers,
    ...(dto.returnDate ? { returnDate: dto.returnDate } : {}),
    ...(dto.aircraftCategory ? { aircraftCategory: dto.aircraftCategory } : {}),
    ...(dto.budget ? { budget: dto.budget } : {}),
    ...(dto.maxHourlyRate ? { maxHourlyRate: dto.maxHourlyRate } : {}),
    ...(dto.specialRequests ? { specialRequests: dto.specialRequests } : {}),
  };
}

/** A seller's answer on the run's Avinode trip, as the run shows it. */
function tripQuoteView(row: PipelineTripQuote): Record<string, unknown> {
  const rfq = row.rfq;
  return {
    rfqId: row.rfqId,
    status: row.status,
    operator: rfq.sellerCompany,
    sellerContact: rfq.sellerContact,
    lift: rfq.lift,
    safetyRating: rfq.safety.rating,
    responseMinutes: rfq.responseMinutes,
    declineReason: rfq.declineReason,
    quote: rfq.latestQuote
      ? {
          quoteId: rfq.latestQuote.id,
          total: rfq.latestQuote.total,
          currency: rfq.latestQuote.currency,
          positioningCost: rfq.latestQuote.aviquote.positioningCost,
          validUntil: rfq.latestQuote.validUntil,
          revisions: rfq.quoteRevisions,
        }
      : null,
    firstSeenAt: row.firstSeenAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function runView(
  run: PipelineRun,
  steps?: PipelineStepRecord[],
  tripQuotes?: PipelineTripQuote[],
): Record<string, unknown> {
  return {
    id: run.id,
    url: `${RUNS_PATH}/${run.id}`,
    status: run.status,
    source: run.source,
    batchId: run.batchId,
    failureReason: run.failureReason,
    failedStep: run.failedStep,
    failureMessage: run.failureMessage,
    cancelReason: run.cancelReason,
    lead: run.lead,
    flight: run.flight,
    candidates: run.candidates,
    choice: run.choice,
    charterRequestId: run.charterRequestId,
    bookingId: run.bookingId,
    n8nExecutionId: run.n8nExecutionId,
    notificationKey: run.notificationKey,
    notification: { status: run.notificationStatus, error: run.notificationError },
    quotePath: run.quotePath,
    avinodeTrip: run.avinodeTripId
      ? {
          tripId: run.avinodeTripId,
          searchInAvinode: run.avinodeDeepLink,
          quotesDueAt: run.quotesDueAt?.toISOString() ?? null,
          closedUpstreamAt: run.tripClosedAt?.toISOString() ?? null,
          ...(tripQuotes ? { quotes: tripQuotes.map(tripQuoteView) } : {}),
        }
      : null,
    ...(steps
      ? {
          steps: steps.map((s) => ({
            step: s.step,
            status: s.status,
            attempts: s.attempts,
            startedAt: s.startedAt?.toISOString() ?? null,
            finishedAt: s.finishedAt?.toISOString() ?? null,
            durationMs: s.durationMs,
            instance: s.instance,
            input: s.input,
            output: s.output,
            errors: s.errors,
          })),
        }
      : {}),
    createdAt: run.createdAt.toISOString(),
    updatedAt: run.updatedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
  };
}

@ApiTags('pipeline')
@Controller('api/integration')
export class PipelineController {
  constructor(
    private readonly runs: PipelineRunsService,
    private readonly runRepository: PipelineRunsRepository,
    private readonly batches: PipelineBatchesService,
  ) {}

  @Post('leads')
  @RequiresScope('operate')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a lead-to-booking run',
    description:
      'Enrich → search aircraft → price the best candidates → create the charter request → notify (n8n) → await the ' +
      'booking confirmation. One open run per lead and trip: a repeated submission returns the existing run ' +
      '(`created: false`). With `Idempotency-Key` (scoped to the calling API key), the same key and body replay the ' +
      'first answer; another body is 422.',
  })
  @Idempotent('pipeline-run')
  @ApiAcceptedResponse({
    type: RunAcceptedDto,
    example: { runId: RUN_EXAMPLE.id, status: 'enriching', url: `${RUNS_PATH}/${RUN_EXAMPLE.id}`, created: true },
  })
  @ApiBadRequestResponse({ description: 'Invalid lead or flight requirements (problem+json with errors[])' })
  @ApiUnprocessableEntityResponse({ description: 'Idempotency-Key reused with a different body' })
  async start(@Body() body: StartRunDto): Promise<RunAcceptedDto> {
    if (!body.lead.email && !body.lead.linkedinUrl) {
      throw new ValidationFailedError([
        {
          field: 'lead.email',
          rule: 'emailOrLinkedinUrl',
          message: 'lead needs an email or a linkedinUrl (enrichment and the charter request need a way to reach them)',
        },
      ]);
    }
    const lead = toLead(body.lead);
    const flight = toFlight(body.flightRequirements);
    const { run, created } = await this.runs.submit({
      lead,
      flight,
      source: 'api',
    });
    return { runId: run.id, status: run.status, url: `${RUNS_PATH}/${run.id}`, created };
  }

  @Put('leads')
  @RequiresScope('operate')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start runs for the leads of an Apollo search, in batches',
    description:
      'Finds up to `searchCriteria.limit` leads, then starts them in groups of `batchSize` with a pause between groups ' +
      'and a cap on runs in flight. Progress: GET /api/integration/pipeline/batches/{id}.',
  })
  @ApiAcceptedResponse({
    type: BatchAcceptedDto,
    example: {
      batchId: '7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
      status: 'searching',
      url: `${BATCHES_PATH}/7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f`,
    },
  })
  @ApiBadRequestResponse({ description: 'Invalid criteria or flight template' })
  async startBatch(@Body() body: StartBatchDto): Promise<BatchAcceptedDto> {
    const c = body.searchCriteria;
    if (!c.jobTitle && !c.industry && !c.companySize && !c.location) {
      throw new ValidationFailedError([
        {
          field: 'searchCriteria',
          rule: 'atLeastOneCriterion',
          message: 'searchCriteria needs at least one of jobTitle, industry, companySize, location',
        },
      ]);
    }
    const batch = await this.batches.create({
      searchCriteria: {
        ...(c.jobTitle ? { jobTitle: c.jobTitle } : {}),
        ...(c.industry ? { industry: c.industry } : {}),
        ...(c.companySize ? { companySize: c.companySize } : {}),
        ...(c.location ? { location: c.location } : {}),
        ...(c.limit ? { limit: c.limit } : {}),
      },
      flightTemplate: toFlight(body.flightTemplate),
      ...(body.batchSize ? { batchSize: body.batchSize } : {}),
    });
    return { batchId: batch.id, status: batch.status, url: `${BATCHES_PATH}/${batch.id}` };
  }

  @Get('pipeline/runs')
  @ApiOperation({ summary: 'List runs, newest first, by status and creation time (cursor list)' })
  @ApiOkResponse({
    type: RunListDto,
    example: {
      items: [RUN_EXAMPLE],
      page: { nextCursor: 'WyIyMDI2LTAxLTAxVDA5OjAwOjAwLjAwMFoiLCIwYjZmIl0', limit: 25 },
    },
  })
  async list(
    @Query() query: ListRunsQuery,
  ): Promise<{ items: unknown[]; page: { nextCursor: string | null; limit: number } }> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const result = await this.runRepository.list({
      limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.batchId ? { batchId: query.batchId } : {}),
      ...(query.createdAfter ? { createdAfter: new Date(query.createdAfter) } : {}),
      ...(query.createdBefore ? { createdBefore: new Date(query.createdBefore) } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    return { items: result.items.map((run) => runView(run)), page: { nextCursor: result.nextCursor, limit } };
  }

  @Get('pipeline/status')
  @ApiOperation({
    summary: 'Runs in flight against the cap, the runs queued behind it, and every run by status',
    description:
      'At most `maxRunsInFlight` runs work their steps at once (`PIPELINE_MAX_RUNS_IN_FLIGHT`, across instances); ' +
      'further runs wait with status `queued` and start oldest first as places free up ' +
      '(`GET /pipeline/runs?status=queued` lists them).',
  })
  @ApiOkResponse({
    description: 'The pipeline load',
    example: {
      maxRunsInFlight: 64,
      inFlight: 64,
      queued: 212,
      oldestQueuedAt: '2026-01-01T09:00:00.000Z',
      byStatus: { queued: 212, enriching: 20, searching: 9, pricing: 14, requesting: 11, notifying: 10, booked: 31 },
    },
  })
  async status(): Promise<Record<string, unknown>> {
    const load = await this.runRepository.load();
    return { ...load, oldestQueuedAt: load.oldestQueuedAt?.toISOString() ?? null };
  }

  @Get('pipeline/runs/counts')
  @ApiOperation({
    summary: 'Runs by status: those created today (since 00:00 UTC) and in the last 7 days',
    description: 'An aggregate for dashboards; statuses without runs count 0.',
  })
  @ApiOkResponse({ type: RunCountsDto })
  async counts(): Promise<RunCountsDto> {
    const now = new Date();
    const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const week = new Date(now.getTime() - 7 * 24 * 3_600_000);
    const [todayCounts, weekCounts] = await Promise.all([
      this.runRepository.countByStatus(today),
      this.runRepository.countByStatus(week),
    ]);
    const window = (since: Date, counts: Partial<Record<RunStatus, number>>): RunCountWindowDto => {
      const byStatus = Object.fromEntries(RUN_STATUSES.map((status) => [status, counts[status] ?? 0])) as Record<
        RunStatus,
        number
      >;
      return { since: since.toISOString(), total: Object.values(byStatus).reduce((a, b) => a + b, 0), byStatus };
    };
    return { today: window(today, todayCounts), last7Days: window(week, weekCounts) };
  }

  @Get('pipeline/runs/:id')
  @ApiOperation({ summary: 'A run with its steps (inputs, outputs, timings, attempts, errors), candidates and choice' })
  @ApiOkResponse({ description: 'The run', example: RUN_EXAMPLE })
  @ApiNotFoundResponse({ description: 'No such run' })
  async get(@UuidParam() id: string): Promise<Record<string, unknown>> {
    const { run, steps } = await this.runRepository.get(id);
    return runView(run, steps, run.avinodeTripId ? await this.runRepository.tripQuotes(run.id) : undefined);
  }

  @Post('pipeline/runs/:id/retry')
  @RequiresScope('operate')
  @HttpCode(202)
  @ApiOperation({ summary: 'Retry a failed or dead-lettered run from the step that failed' })
  @ApiAcceptedResponse({
    description: 'The run, back in the failed step',
    example: { ...RUN_EXAMPLE, status: 'searching' },
  })
  @ApiResponse({ status: 409, description: 'The run is not failed or dead-lettered' })
  async retry(@UuidParam() id: string): Promise<Record<string, unknown>> {
    return runView(await this.runs.retry(id));
  }

  @Post('pipeline/runs/:id/cancel')
  @RequiresScope('operate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a run that is still in progress or awaiting confirmation' })
  @ApiOkResponse({ description: 'The cancelled run', example: { ...RUN_EXAMPLE, status: 'cancelled' } })
  @ApiResponse({ status: 409, description: 'The run has already finished' })
  async cancel(@UuidParam() id: string, @Body() body: CancelRunDto): Promise<Record<string, unknown>> {
    return runView(await this.runs.cancel(id, body.reason ?? null));
  }

  @Get('pipeline/batches')
  @ApiOperation({
    summary: 'List batches, newest first, each with its progress counts (cursor list)',
    description: 'The counts of GET /pipeline/batches/{id} without the leads; `status` filters by the batch status.',
  })
  @ApiOkResponse({
    type: BatchListDto,
    example: {
      items: [
        {
          id: '7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
          url: `${BATCHES_PATH}/7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f`,
          status: 'started',
          finished: false,
          batchSize: 5,
          total: 12,
          started: 12,
          booked: 3,
          failed: 1,
          inProgress: 8,
          awaitingConfirmation: 6,
          notStarted: 0,
          error: null,
          searchCriteria: { jobTitle: 'CEO', limit: 12 },
          createdAt: '2026-01-01T09:00:00.000Z',
          updatedAt: '2026-01-01T09:00:04.100Z',
        },
      ],
      page: { nextCursor: null, limit: 25 },
    },
  })
  @ApiBadRequestResponse({ description: 'Invalid limit, cursor or status (problem+json naming the field)' })
  async listBatches(@Query() query: ListBatchesQuery): Promise<BatchListDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const result = await this.batches.list({
      limit,
      ...(query.status ? { status: query.status } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
    });
    return {
      items: result.items.map((batch) => ({ ...batch, url: `${BATCHES_PATH}/${batch.id}` })),
      page: { nextCursor: result.nextCursor, limit },
    };
  }

  @Get('pipeline/batches/:id')
  @ApiOperation({ summary: "A batch's progress: every lead found, with its run's status and any failure reason" })
  @ApiOkResponse({
    description: 'The batch report',
    example: {
      id: '7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
      status: 'started',
      finished: false,
      batchSize: 5,
      total: 12,
      started: 12,
      succeeded: 3,
      charterRequested: 9,
      awaitingConfirmation: 6,
      booked: 3,
      failed: [
        {
          index: 4,
          apolloId: '64a1f0c2e4b0a1b2c3d4e5f6',
          name: 'Lee Park',
          runId: '…',
          status: 'failed',
          reason: 'invalid_lead',
          message: 'Apollo has no usable email for this lead',
        },
      ],
      inProgress: 8,
      queued: 2,
      notStarted: 0,
    },
  })
  @ApiNotFoundResponse({ description: 'No such batch' })
  async batch(@UuidParam() id: string): Promise<unknown> {
    return this.batches.report(id);
  }
}
