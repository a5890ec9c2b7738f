import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { OnDomainEvent } from '../../common/events/on-domain-event.js';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { PipelineRunFinished } from './pipeline.events.js';
import { IN_FLIGHT_STATUSES } from './run-state-machine.js';

/** What an operator alerts on: runs ending badly, and runs sitting in one step for too long. */
@Injectable()
export class PipelineMetrics {
  readonly finished: Counter<'status'>;
  readonly oldestInStatus: Gauge<'status'>;

  constructor(metrics: MetricsService, dataSource: DataSource) {
    this.finished = new Counter({
      name: 'pipeline_runs_finished_total',
      help: 'Pipeline runs that reached a final status, by status (booked, cancelled, failed, dead_lettered)',
      labelNames: ['status'] as const,
      registers: [metrics.registry],
    });
    const oldestInStatus = new Gauge({
      name: 'pipeline_run_oldest_in_status_age_seconds',
      help: 'Time since the longest-waiting run in each working status last changed (0: none); read at scrape',
      labelNames: ['status'] as const,
      registers: [metrics.registry],
      // From the database when scraped: the cluster's runs, whichever instance is asked.
      async collect() {
        const rows = await dataSource
          .query<Array<{ status: string; age: string | null }>>(
            `SELECT "status", EXTRACT(EPOCH FROM now() - min("updated_at")) AS age
               FROM "pipeline_runs" WHERE "status" = ANY($1::text[]) GROUP BY "status"`,
            [IN_FLIGHT_STATUSES],
          )
          .catch(() => undefined);
        if (!rows) return;
        for (const status of IN_FLIGHT_STATUSES) oldestInStatus.set({ status }, 0);
        for (const row of rows) oldestInStatus.set({ status: row.status }, Math.max(0, Number(row.age ?? 0)));
      },
    });
    this.oldestInStatus = oldestInStatus;
  }

  @OnDomainEvent(PipelineRunFinished)
  onFinished(event: PipelineRunFinished): void {
    this.finished.inc({ status: event.status });
  }
}
