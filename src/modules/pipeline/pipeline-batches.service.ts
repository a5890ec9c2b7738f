import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { Between, Brackets, type DataSource, type EntityManager } from 'typeorm';
import { AppConfig } from '../../common/config/app-config.js';
import { NotFoundError } from '../../common/errors/domain-error.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../../common/http/keyset-cursor.js';
import { JobQueueService } from '../../common/jobs/job-queue.service.js';
import type { EmployeeRange } from '../apollo/apollo.contracts.js';
import { ApolloService } from '../apollo/apollo.service.js';
import { type BatchStatus, PipelineBatch } from './pipeline-batch.entity.js';
import { PipelineBatchLead } from './pipeline-batch-lead.entity.js';
import { PipelineRunsRepository } from './pipeline-runs.repository.js';
import { PipelineRunsService } from './pipeline-runs.service.js';
import { classifyStepError } from './pipeline-steps.service.js';
import { PipelineBatchCreated, PipelineBatchProgress } from './pipeline.events.js';
import type { BatchJob } from './pipeline.queues.js';
import type { BatchLead, BatchSearchCriteria, FlightTemplate } from './pipeline.types.js';
import type { RunStatus } from './run-state-machine.js';
import { publish } from '../../common/events/publish.js';

export interface BatchLeadReport {
  index: number;
  apolloId: string;
  name: string | null;
  runId: string | null;
  status: RunStatus | 'not_started';
  reason: string | null;
  message: string | null;
}

export interface BatchReport {
  id: string;
  status: PipelineBatch['status'];
  /**
   * Every lead's run is at rest: booked, failed, cancelled or dead-lettered. A run awaiting confirmation is not, but it
   * ends at its due time at the latest (the quote's validity), so every batch finishes.
   */
  finished: boolean;
  batchSize: number;
  total: number | null;
  started: number;
  succeeded: number;
  /** Runs that created a charter request upstream (whatever became of it). */
  charterRequested: number;
  /** Runs whose charter request waits for the operator's confirmation (ends at the latest at its due time). */
  awaitingConfirmation: number;
  booked: number;
  failed: BatchLeadReport[];
  inProgress: number;
  /** Of those in progress, runs waiting for a place among the runs in flight. */
  queued: number;
  notStarted: number;
  byStatus: Record<string, number>;
  error: string | null;
  searchCriteria: BatchSearchCriteria;
  flightTemplate: FlightTemplate;
  leads: BatchLeadReport[];
  createdAt: string;
  updatedAt: string;
}

/** One line of the batch list: the report's counts without the leads. */
export interface BatchSummary {
  id: string;
  status: PipelineBatch['status'];
  finished: boolean;
  batchSize: number;
  total: number | null;
  started: number;
  booked: number;
  failed: number;
  inProgress: number;
  awaitingConfirmation: number;
  notStarted: number;
  error: string | null;
  searchCriteria: BatchSearchCriteria;
  createdAt: string;
  updatedAt: string;
}

interface Tally {
  finished: boolean;
  started: number;
  succeeded: number;
  failed: number;
  inProgress: number;
  notStarted: number;
}

/** The counts the report and the list share, from the number of leads by their run's status. */
function tally(batch: PipelineBatch, byStatus: Record<string, number>): Tally {
  const leads = Object.values(byStatus).reduce((a, b) => a + b, 0);
  const succeeded = byStatus['booked'] ?? 0;
  const failed = FAILED.reduce((sum, status) => sum + (byStatus[status] ?? 0), 0);
  const notStarted = byStatus['not_started'] ?? 0;
  const started = leads - notStarted;
  return {
    finished:
      batch.status === 'failed' || (batch.status === 'started' && started === leads && succeeded + failed === leads),
    started,
    succeeded,
    failed,
    inProgress: started - succeeded - failed,
    notStarted,
  };
}

const DEFAULT_BATCH_LEADS = 50;
/** Leads per INSERT when a search's results are stored (8 parameters each). */
const LEAD_INSERT_CHUNK = 1_000;
const FAILED: readonly string[] = ['failed', 'dead_lettered', 'cancelled'];

/**
 * Batches: a lead search whose results are started as runs in groups, with a pause between groups and a cap on runs
 * in flight. Each group is one job that creates its runs and enqueues the next group in one transaction, so a crash
 * neither skips nor repeats a lead. The report accounts for every lead found.
 */
@Injectable()
export class PipelineBatchesService implements OnApplicationBootstrap {
  private readonly logger = new Logger('PipelineBatches');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: JobQueueService,
    private readonly runs: PipelineRunsService,
    private readonly runRepository: PipelineRunsRepository,
    private readonly apollo: ApolloService,
    private readonly events: EventEmitter2,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.work(this.runs.queues.batch, (job) => this.handle(job));
  }

  async create(input: {
    searchCriteria: BatchSearchCriteria;
    flightTemplate: FlightTemplate;
    batchSize?: number;
  }): Promise<PipelineBatch> {
    const id = randomUUID();
    const batchSize = input.batchSize ?? this.config.pipeline.batchSize;
    const maxLeads = Math.min(input.searchCriteria.limit ?? DEFAULT_BATCH_LEADS, this.config.pipeline.batchMaxLeads);
    const batch = await this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(PipelineBatch);
      await repository.insert({
        id,
        status: 'searching',
        searchCriteria: input.searchCriteria,
        flightTemplate: input.flightTemplate,
        batchSize,
        maxLeads,
      });
      await this.jobs.send(this.runs.queues.batch, { batchId: id, phase: 'search' }, { within: manager });
      return repository.findOneByOrFail({ id });
    });
    publish(this.events, new PipelineBatchCreated(id, batchSize));
    return batch;
  }

  async report(batchId: string): Promise<BatchReport> {
    const batch = await this.dataSource.getRepository(PipelineBatch).findOneBy({ id: batchId });
    if (!batch) throw new NotFoundError('pipeline batch', batchId);
    const leads = await this.dataSource
      .getRepository(PipelineBatchLead)
      .find({ where: { batchId }, order: { position: 'ASC' } });
    const runIds = leads.map((l) => l.runId).filter((id): id is string => typeof id === 'string');
    const runs = new Map((await this.runRepository.findMany(runIds)).map((run) => [run.id, run]));
    const reports: BatchLeadReport[] = leads.map((lead) => {
      const run = lead.runId ? runs.get(lead.runId) : undefined;
      const name = [lead.firstName, lead.lastName].filter(Boolean).join(' ') || null;
      return {
        index: lead.position,
        apolloId: lead.apolloId,
        name,
        runId: lead.runId ?? null,
        status: run?.status ?? 'not_started',
        reason: run ? (run.status === 'cancelled' ? 'cancelled' : run.failureReason) : null,
        message: run ? (run.status === 'cancelled' ? run.cancelReason : run.failureMessage) : null,
      };
    });
    const byStatus: Record<string, number> = {};
    for (const lead of reports) byStatus[lead.status] = (byStatus[lead.status] ?? 0) + 1;
    const counts = tally(batch, byStatus);
    return {
      id: batch.id,
      status: batch.status,
      finished: counts.finished,
      batchSize: batch.batchSize,
      total: batch.total,
      started: counts.started,
      succeeded: counts.succeeded,
      charterRequested: [...runs.values()].filter((run) => run.charterRequestId !== null).length,
      awaitingConfirmation: byStatus['awaiting_confirmation'] ?? 0,
      booked: counts.succeeded,
      failed: reports.filter((l) => FAILED.includes(l.status)),
      inProgress: counts.inProgress,
      queued: byStatus['queued'] ?? 0,
      notStarted: counts.notStarted,
      byStatus,
      error: batch.error,
      searchCriteria: batch.searchCriteria,
      flightTemplate: batch.flightTemplate,
      leads: reports,
      createdAt: batch.createdAt.toISOString(),
      updatedAt: batch.updatedAt.toISOString(),
    };
  }

  /** Batches newest first (a keyset cursor on creation time and id), each with its counts from one grouped query. */
  async list(query: {
    limit: number;
    status?: BatchStatus[];
    cursor?: string;
  }): Promise<{ items: BatchSummary[]; nextCursor: string | null }> {
    const qb = this.dataSource
      .getRepository(PipelineBatch)
      .createQueryBuilder('batch')
      .orderBy('batch.created_at', 'DESC')
      .addOrderBy('batch.id', 'DESC')
      .take(query.limit + 1);
    if (query.status?.length) qb.andWhere('batch.status IN (:...status)', { status: query.status });
    if (query.cursor) {
      const cursor = decodeKeysetCursor(query.cursor);
      qb.andWhere(
        new Brackets((w) =>
          w
            .where('batch.created_at < :cAt', { cAt: new Date(cursor.at) })
            .orWhere('(batch.created_at = :cAt AND batch.id < :cId)', { cAt: new Date(cursor.at), cId: cursor.id }),
        ),
      );
    }
    const rows = await qb.getMany();
    const batches = rows.slice(0, query.limit);
    const counts = new Map<string, Record<string, number>>(batches.map((b) => [b.id, {}]));
    if (batches.length > 0) {
      const grouped = await this.dataSource.query<Array<{ batch_id: string; status: string; count: number }>>(
        `SELECT l."batch_id", COALESCE(r."status", 'not_started') AS "status", COUNT(*)::int AS "count"
         FROM "pipeline_batch_leads" l LEFT JOIN "pipeline_runs" r ON r."id" = l."run_id"
         WHERE l."batch_id" = ANY($1::uuid[])
         GROUP BY 1, 2`,
        [batches.map((b) => b.id)],
      );
      for (const row of grouped) {
        const byStatus = counts.get(row.batch_id);
        if (byStatus) byStatus[row.status] = Number(row.count);
      }
    }
    const items = batches.map((batch): BatchSummary => {
      const byStatus = counts.get(batch.id) ?? {};
      const c = tally(batch, byStatus);
      return {
        id: batch.id,
        status: batch.status,
        finished: c.finished,
        batchSize: batch.batchSize,
        total: batch.total,
        started: c.started,
        booked: c.succeeded,
        failed: c.failed,
        inProgress: c.inProgress,
        awaitingConfirmation: byStatus['awaiting_confirmation'] ?? 0,
        notStarted: c.notStarted,
        error: batch.error,
        searchCriteria: batch.searchCriteria,
        createdAt: batch.createdAt.toISOString(),
        updatedAt: batch.updatedAt.toISOString(),
      };
    });
    const last = batches.at(-1);
    return {
      items,
      nextCursor: rows.length > query.limit && last ? encodeKeysetCursor(last.createdAt, last.id) : null,
    };
  }

  private async handle(job: BatchJob): Promise<void> {
    if (job.phase === 'search') await this.search(job.batchId);
    else await this.startGroup(job.batchId, job.from ?? 0);
  }

  /** Pages through the lead search (up to the batch's limit) and stores the leads, then queues the first group. */
  private async search(batchId: string): Promise<void> {
    const batch = await this.dataSource.getRepository(PipelineBatch).findOneBy({ id: batchId });
    if (!batch || batch.status !== 'searching') return;
    const criteria = batch.searchCriteria;
    const leads: BatchLead[] = [];
    try {
      for (let page = 1; leads.length < batch.maxLeads && page <= 100; page++) {
        const result = await this.apollo.searchLeads({
          ...(criteria.jobTitle ? { jobTitle: criteria.jobTitle } : {}),
          ...(criteria.industry ? { industry: criteria.industry } : {}),
          ...(criteria.companySize ? { companySize: criteria.companySize as EmployeeRange } : {}),
          ...(criteria.location ? { location: criteria.location } : {}),
          page,
          perPage: 100,
        });
        for (const lead of result.items) {
          if (leads.length >= batch.maxLeads) break;
          leads.push({
            apolloId: lead.id,
            firstName: lead.firstName,
            lastName: lead.lastName,
            title: lead.title,
            linkedinUrl: lead.linkedinUrl,
            company: lead.organization?.name ?? null,
            companyDomain: lead.organization?.domain ?? null,
          });
        }
        if (page >= result.page.totalPages || result.items.length === 0) break;
      }
    } catch (error) {
      const failure = classifyStepError(error);
      if (failure.retryable) throw error;
      await this.dataSource
        .getRepository(PipelineBatch)
        .update(
          { id: batchId },
          { status: 'failed', error: `Lead search failed: ${failure.message}`, updatedAt: new Date() },
        );
      publish(this.events, new PipelineBatchProgress(batchId, 'failed', null, 0, failure.message));
      return;
    }
    await this.dataSource.transaction(async (manager) => {
      const locked = await this.lockBatch(manager, batchId);
      if (!locked || locked.status !== 'searching') return;
      // In chunks: one statement's parameters are limited (65,535), and a batch may hold thousands of leads.
      const rows = leads.map((lead, position) => ({ ...lead, batchId, position, runId: null }));
      for (let from = 0; from < rows.length; from += LEAD_INSERT_CHUNK) {
        await manager.getRepository(PipelineBatchLead).insert(rows.slice(from, from + LEAD_INSERT_CHUNK));
      }
      await manager
        .getRepository(PipelineBatch)
        .update(
          { id: batchId },
          { total: leads.length, status: leads.length === 0 ? 'started' : 'starting', updatedAt: new Date() },
        );
      if (leads.length > 0) {
        await this.jobs.send(this.runs.queues.batch, { batchId, phase: 'start', from: 0 }, { within: manager });
      }
    });
    publish(
      this.events,
      new PipelineBatchProgress(batchId, leads.length === 0 ? 'started' : 'starting', leads.length, 0, null),
    );
  }

  /** Starts leads [from, from + batchSize) unless too many runs are in flight; queues the next group after the pause. */
  private async startGroup(batchId: string, from: number): Promise<void> {
    const emits: object[] = [];
    const outcome = await this.dataSource.transaction(async (manager) => {
      const batch = await this.lockBatch(manager, batchId);
      if (!batch || batch.status !== 'starting' || batch.nextIndex !== from) return null;
      const pauseUntil = new Date(Date.now() + this.config.pipeline.batchPauseMs);
      const working = (await this.runRepository.admissionState(manager)).inFlight;
      // The cap: never queue more runs than the workers can take with one group of slack.
      if (working >= this.config.pipeline.concurrency + batch.batchSize) {
        await this.jobs.send(
          this.runs.queues.batch,
          { batchId, phase: 'start', from },
          {
            within: manager,
            startAfter: pauseUntil,
          },
        );
        return 'deferred';
      }
      const total = batch.total ?? 0;
      const end = Math.min(total, from + batch.batchSize);
      const group = await manager
        .getRepository(PipelineBatchLead)
        .find({ where: { batchId, position: Between(from, end - 1) }, order: { position: 'ASC' } });
      const started: Array<{ position: number; runId: string }> = [];
      for (const lead of group) {
        const { run } = await this.runs.submitWithin(
          manager,
          {
            lead: {
              apolloId: lead.apolloId,
              firstName: lead.firstName,
              lastName: lead.lastName,
              title: lead.title,
              linkedinUrl: lead.linkedinUrl,
              company: lead.company,
              companyDomain: lead.companyDomain,
            },
            flight: batch.flightTemplate,
            source: 'batch',
            batchId,
            batchIndex: lead.position,
          },
          emits,
        );
        // A lead already on this trip in another open run shares that run: no second charter request.
        started.push({ position: lead.position, runId: run.id });
      }
      if (started.length > 0) {
        await manager.query(
          `UPDATE "pipeline_batch_leads" l SET "run_id" = s."run_id"
           FROM unnest($2::int[], $3::uuid[]) AS s("position", "run_id")
           WHERE l."batch_id" = $1 AND l."position" = s."position"`,
          [batchId, started.map((s) => s.position), started.map((s) => s.runId)],
        );
      }
      const done = end >= total;
      await manager
        .getRepository(PipelineBatch)
        .update({ id: batchId }, { nextIndex: end, status: done ? 'started' : 'starting', updatedAt: new Date() });
      if (!done) {
        await this.jobs.send(
          this.runs.queues.batch,
          { batchId, phase: 'start', from: end },
          {
            within: manager,
            startAfter: pauseUntil,
          },
        );
      }
      emits.push(new PipelineBatchProgress(batchId, done ? 'started' : 'starting', total, end, null));
      return 'started';
    });
    for (const event of emits) publish(this.events, event);
    if (outcome === 'started') this.jobs.wake(this.runs.queues.step, this.runs.queues.step.concurrency);
    if (outcome === 'deferred') this.logger.debug(`Batch ${batchId}: group at ${from} deferred (runs in flight)`);
  }

  private lockBatch(manager: EntityManager, batchId: string): Promise<PipelineBatch | null> {
    return manager
      .getRepository(PipelineBatch)
      .createQueryBuilder('batch')
      .setLock('pessimistic_write')
      .where('batch.id = :batchId', { batchId })
      .getOne();
  }
}
