import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { RequiresScope } from '../../common/auth/requires-scope.decorator.js';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuthenticatedRequest } from '../../common/auth/api-key.guard.js';
import { DomainError, ValidationFailedError } from '../../common/errors/domain-error.js';
import { AUDIT_PAGE_EXAMPLE, toAuditQuery } from '../audit/audit-query.dto.js';
import { type AuditPage, AuditService } from '../audit/audit.service.js';
import type { ConsistencyReport } from './consistency.service.js';
import {
  ConsistencyHistoryQueryDto,
  SyncCommandDto,
  SyncDeleteQueryDto,
  SyncGetQueryDto,
  SyncRunsQueryDto,
} from './sync.dto.js';
import { type ConsistencyHistoryView, type SyncRunView, SyncService, type SyncStatusView } from './sync.service.js';

const RUN_EXAMPLE = {
  id: '5b0e3c1e-8a9f-4f7e-9b7a-1f1d2c3b4a5e',
  streams: ['apollo_contacts', 'avinode_availability', 'avinode_bookings', 'n8n_executions'],
  trigger: 'manual',
  kind: 'full',
  startedAt: '2026-01-01T09:00:00.000Z',
  finishedAt: '2026-01-01T09:00:04.210Z',
  durationMs: 4210,
  inserted: 7311,
  changed: 0,
  unchanged: 0,
  deleted: 0,
  outcome: 'success',
  error: null,
  streamResults: {
    apollo_contacts: {
      outcome: 'success',
      inserted: 2000,
      changed: 0,
      unchanged: 0,
      deleted: 0,
      pages: 4,
      durationMs: 1900,
    },
  },
};

const STATUS_EXAMPLE = {
  schedulerEnabled: true,
  streams: [
    {
      stream: 'apollo_contacts',
      server: 'apollo',
      running: false,
      schedule: { enabled: true, intervalSeconds: 900, nextRunAt: '2026-01-01T09:15:00.000Z' },
      cursor: 'eyJhdCI6MTc2NzI1ODAwMDAwMCwiaWQiOiI2NWE...',
      updatedSince: '2026-01-01T08:59:58.000Z',
      lastRunId: RUN_EXAMPLE.id,
      lastStartedAt: '2026-01-01T09:00:00.000Z',
      lastFinishedAt: '2026-01-01T09:00:01.900Z',
      lastSuccessAt: '2026-01-01T09:00:01.900Z',
      lastFullSyncAt: '2026-01-01T09:00:01.900Z',
      lastErrorAt: null,
      lastError: null,
      lastCounts: { inserted: 2000, changed: 0, unchanged: 0, deleted: 0 },
      records: { live: 2000, deleted: 0 },
    },
  ],
  lastRun: RUN_EXAMPLE,
  consistency: { id: '9d1c…', score: 99.95, checkedAt: '2026-01-01T09:01:00.000Z' },
};

const REPORT_EXAMPLE = {
  id: '9d1c2b3a-4e5f-4a6b-8c7d-0e1f2a3b4c5d',
  checkedAt: '2026-01-01T09:01:00.000Z',
  durationMs: 850,
  score: 99.99,
  mode: 'full',
  sampleSize: 0,
  streams: [
    {
      stream: 'apollo_contacts',
      checked: true,
      compared: 2000,
      missingHere: 0,
      missingThere: 0,
      fieldMismatch: 1,
      orphans: 0,
      stale: 0,
      score: 99.95,
    },
  ],
  issues: [
    {
      type: 'field_mismatch',
      stream: 'apollo_contacts',
      count: 1,
      description: 'records whose data differs from the upstream',
      examples: [{ id: '65a1b2c3d4e5f6a7b8c9d0e1', fields: ['title', 'updatedAt'] }],
    },
  ],
  recommendations: [
    'apollo_contacts: 1 records differ from the upstream (e.g. 65a1b2c3d4e5f6a7b8c9d0e1: title, updatedAt); run a sync, …',
  ],
};

/** The customer's original sync routes, kept: one path, the operation in `action`. */
@ApiTags('sync')
@Controller('api/integration/sync')
export class SyncController {
  constructor(
    private readonly sync: SyncService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Sync status, audit log, or a consistency check',
    description:
      '`action=status`: per stream the schedule, cursor, last start/success/error, counts and local records. ' +
      '`action=audit`: the audit log (same filters and cursor as GET /api/integration/audit). ' +
      '`action=validate`: compares local data with the upstreams now and returns the score, issues and recommendations.',
  })
  @ApiOkResponse({
    description: 'status, an audit page, or a consistency report',
    content: {
      'application/json': {
        examples: {
          status: { value: STATUS_EXAMPLE },
          audit: { value: AUDIT_PAGE_EXAMPLE },
          validate: { value: REPORT_EXAMPLE },
        },
      },
    },
  })
  @ApiResponse({ status: 400, description: 'Unknown action or bad filter (the problem names the field)' })
  async get(
    @Query() query: SyncGetQueryDto,
    @Req() request: AuthenticatedRequest,
  ): Promise<SyncStatusView | AuditPage | ConsistencyReport> {
    if (query.action === 'audit') return this.audit.query(toAuditQuery(query));
    if (query.sampleSize !== undefined && query.action !== 'validate') {
      throw notAllowed('sampleSize', 'validate');
    }
    if (query.action === 'validate') return this.sync.validate(query.sampleSize, request.apiKeyName ?? null);
    return this.sync.status();
  }

  @Post()
  @RequiresScope({ from: 'body', actions: { sync: 'operate', full_sync: 'operate', start: 'admin', stop: 'admin' } })
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start or stop the schedule, or sync now',
    description:
      '`{"action":"start","intervalMinutes"?,"streams"?}` enables automatic syncing (optionally every N minutes) and ' +
      'starts an incremental sync now; `{"action":"stop","streams"?}` pauses automatic syncing (schedule and webhook ' +
      'triggered); `{"action":"full_sync","streams"?}` starts a full sync, which also marks records deleted upstream; ' +
      '`{"action":"sync","streams"?}` starts an incremental sync. Runs proceed in the background: follow ' +
      'GET /api/integration/sync/runs/{id}.',
  })
  @ApiOkResponse({ description: 'start / stop: the new status (start also returns the run it began)' })
  @ApiAcceptedResponse({ description: 'full_sync / sync: the run, started', schema: { example: RUN_EXAMPLE } })
  @ApiResponse({ status: 409, description: 'Every requested stream is already being synced' })
  @ApiResponse({ status: 400, description: 'Unknown action, unknown stream, or a field the action does not take' })
  async post(
    @Body() body: SyncCommandDto,
    @Req() request: AuthenticatedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SyncRunView | (SyncStatusView & { run: SyncRunView | null })> {
    const actor = request.apiKeyName ?? null;
    if (body.intervalMinutes !== undefined && body.action !== 'start') throw notAllowed('intervalMinutes', 'start');
    const streams = body.streams;
    switch (body.action) {
      case 'start': {
        await this.sync.setSchedule('start', {
          ...(streams ? { streams } : {}),
          ...(body.intervalMinutes !== undefined ? { intervalMinutes: body.intervalMinutes } : {}),
          actor,
        });
        // Starting the schedule while a sync of those streams is already running is fine: the schedule is on and
        // that run is the one to follow. Any other failure is the caller's to see.
        const run = await this.sync.runNow('incremental', streams, actor).catch((error: unknown) => {
          if (error instanceof DomainError && error.code === 'conflict') return null;
          throw error;
        });
        return { ...(await this.sync.status()), run };
      }
      case 'stop':
        await this.sync.setSchedule('stop', { ...(streams ? { streams } : {}), actor });
        return { ...(await this.sync.status()), run: null };
      case 'full_sync':
      case 'sync': {
        const run = await this.sync.runNow(body.action === 'full_sync' ? 'full' : 'incremental', streams, actor);
        void reply.status(202).header('location', `/api/integration/sync/runs/${run.id}`);
        return run;
      }
    }
  }

  @Delete()
  @RequiresScope('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Clear the audit log',
    description:
      '`action=audit_log&confirm=yes` deletes every audit entry (or those before `before`); without `confirm=yes` ' +
      'the request is refused (400 naming `confirm`). The clearing itself is recorded as a new audit entry.',
  })
  @ApiOkResponse({ description: 'How many entries were deleted', schema: { example: { deleted: 1532 } } })
  @ApiResponse({ status: 400, description: 'confirm missing or not "yes"' })
  clear(@Query() query: SyncDeleteQueryDto, @Req() request: AuthenticatedRequest): Promise<{ deleted: number }> {
    return this.audit.clear({
      ...(query.before ? { before: new Date(query.before) } : {}),
      actor: request.apiKeyName ?? null,
    });
  }

  @Get('consistency')
  @ApiOperation({
    summary: 'Consistency history: the latest report and the scores of past checks (oldest first), for charts',
    description: 'Reads stored checks only; `GET /api/integration/sync?action=validate` runs a new one.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        latest: REPORT_EXAMPLE,
        history: [
          { id: '1f0e…', checkedAt: '2026-01-01T08:00:00.000Z', score: 97.5, mode: 'sample' },
          { id: '9a7c…', checkedAt: '2026-01-01T09:00:00.000Z', score: 99.2, mode: 'sample' },
        ],
      },
    },
  })
  consistency(@Query() query: ConsistencyHistoryQueryDto): Promise<ConsistencyHistoryView> {
    return this.sync.consistencyHistory(query.limit ?? 50);
  }

  @Get('runs')
  @ApiOperation({ summary: 'Sync runs, newest first (cursor pages)' })
  @ApiOkResponse({ schema: { example: { items: [RUN_EXAMPLE], page: { nextCursor: null, limit: 20 } } } })
  runs(
    @Query() query: SyncRunsQueryDto,
  ): Promise<{ items: SyncRunView[]; page: { nextCursor: string | null; limit: number } }> {
    return this.sync.runs(query.limit ?? 20, query.cursor);
  }

  @Get('runs/:id')
  @ApiOperation({ summary: 'One sync run: trigger, kind, duration, counts per stream, outcome' })
  @ApiOkResponse({ schema: { example: RUN_EXAMPLE } })
  @ApiResponse({ status: 404, description: 'No such run' })
  run(@Param('id') id: string): Promise<SyncRunView> {
    return this.sync.run(id);
  }
}

function notAllowed(field: string, action: string): ValidationFailedError {
  return new ValidationFailedError([
    { field, rule: 'notAllowed', message: `${field} is only accepted with action "${action}"` },
  ]);
}
