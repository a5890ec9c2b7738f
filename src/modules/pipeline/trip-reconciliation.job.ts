import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../common/config/app-config.js';
import { JobQueueService, type ScheduledJob } from '../../common/jobs/job-queue.service.js';
import { defineQueue } from '../../common/jobs/queue-definition.js';
import { safeErrorMessage } from '../../common/logging/safe-errors.js';
import type { Rfq } from '../avainode/avinode-trips.contracts.js';
import { AvinodeTripsService } from '../avainode/avinode-trips.service.js';
import { PipelineRunsRepository } from './pipeline-runs.repository.js';
import { PipelineRunsService } from './pipeline-runs.service.js';

/** Sent every PIPELINE_TRIP_RECONCILE_MINUTES, once per cluster (see JobQueueService.schedule). */
export const tripReconcileQueue = defineQueue<ScheduledJob>({
  name: 'pipeline.trip-reconcile',
  policy: 'singleton',
  // A missed pass is made up by the next one.
  retryLimit: 0,
  deadLetter: false,
  expireInSeconds: 600,
  pollingIntervalSeconds: 5,
});

/** Trips read per pass, those of runs still waiting for quotes first: a bound on one pass's upstream calls. */
const MAX_TRIPS_PER_PASS = 100;

export interface TripReconcileSummary {
  /** Trips whose RFQs were read. */
  trips: number;
  /** RFQs stored because they were new or had moved on since the last notification (answers no webhook brought). */
  picked: number;
  /** Trips that could not be read (the upstream was down): the next pass tries again. */
  failed: number;
  /** The RFQs stored, by run id. */
  pickedByRun: Record<string, string[]>;
}

/** How far an RFQ has got: the answer count and the quote revision only grow. */
function progressOf(status: string, revisions: number): number {
  const rank = status === 'sent' ? 0 : status === 'cancelled' ? 2 : 1;
  return revisions * 10 + rank;
}

/**
 * Avinode retries a webhook for 48 hours and then gives up; a seller's answer whose notification never arrived would
 * otherwise only be seen when the run chooses (which reads every RFQ again) — too late for PIPELINE_QUOTES_ENOUGH, and
 * never for a run past its choice. Each pass reads the RFQs of the trips of unfinished runs through the MCP server and
 * stores those that are new or further along than what the notifications brought, through the same path as a
 * notification (so a run waiting for quotes may stop waiting). An RFQ a notification already stored, at the same or a
 * later stage, is left alone: a webhook and a pass that meet store each answer once, and a pass never writes back an
 * older view of an RFQ.
 */
@Injectable()
export class TripReconciliationJob implements OnApplicationBootstrap {
  private readonly logger = new Logger('TripReconciliation');

  constructor(
    private readonly repository: PipelineRunsRepository,
    private readonly runs: PipelineRunsService,
    private readonly trips: AvinodeTripsService,
    private readonly jobs: JobQueueService,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const minutes = this.config.pipeline.tripReconcileMinutes;
    if (this.config.pipeline.quoteFlow !== 'trip' || minutes === 0) return;
    await this.jobs.schedule(tripReconcileQueue, minutes === 1 ? '* * * * *' : `*/${minutes} * * * *`, () =>
      this.run(),
    );
  }

  async run(): Promise<void> {
    const summary = await this.reconcile();
    if (summary.picked > 0 || summary.failed > 0) {
      this.logger.log(
        `Read ${summary.trips} open trip(s): stored ${summary.picked} answer(s) no notification had brought` +
          (summary.failed > 0 ? `, ${summary.failed} trip(s) could not be read` : ''),
      );
    }
  }

  /** One pass over the open trips of unfinished runs. */
  async reconcile(): Promise<TripReconcileSummary> {
    const open = await this.repository.openTrips(MAX_TRIPS_PER_PASS);
    const summary: TripReconcileSummary = { trips: 0, picked: 0, failed: 0, pickedByRun: {} };
    for (const { runId: id, tripId } of open) {
      try {
        const trip = await this.trips.getTrip(tripId);
        summary.trips += 1;
        const fresh = await this.unseen(id, trip.rfqs);
        if (fresh.length === 0) continue;
        await this.runs.recordTripQuotes(tripId, fresh, true);
        summary.picked += fresh.length;
        summary.pickedByRun[id] = fresh.map((rfq) => rfq.id);
        this.logger.log(`Run ${id}: ${fresh.length} RFQ answer(s) of trip ${tripId} picked up without a notification`);
      } catch (error) {
        summary.failed += 1;
        this.logger.warn(`Run ${id}: could not read trip ${tripId}: ${safeErrorMessage(error)}`);
      }
    }
    return summary;
  }

  /** The RFQs the run has not stored yet, or stored at an earlier stage. */
  private async unseen(runId: string, rfqs: readonly Rfq[]): Promise<Rfq[]> {
    const stored = new Map(
      (await this.repository.tripQuoteStages(runId)).map((row) => [row.rfqId, progressOf(row.status, row.revisions)]),
    );
    return rfqs.filter((rfq) => {
      const known = stored.get(rfq.id);
      return known === undefined || progressOf(rfq.status, rfq.quoteRevisions) > known;
    });
  }
}
