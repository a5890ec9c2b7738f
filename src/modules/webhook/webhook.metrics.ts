import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsService } from '../../common/metrics/metrics.service.js';
import { WEBHOOK_SOURCES } from './webhook.catalog.js';

@Injectable()
export class WebhookMetrics {
  /** Deliveries by source and outcome: accepted, duplicate, or the refusal's HTTP status. */
  readonly received: Counter<'source' | 'outcome'>;
  /** Processing outcomes: processed, stale, failed (will retry), dead_lettered. */
  readonly processed: Counter<'source' | 'outcome'>;
  /** Age of the oldest event still waiting to be processed (received, or failed and due for a retry), per source. */
  readonly backlogAge: Gauge<'source'>;

  constructor(metrics: MetricsService, dataSource: DataSource) {
    this.received = new Counter({
      name: 'webhook_deliveries_total',
      help: 'Webhook deliveries by source and outcome (accepted, duplicate, or the refusal status)',
      labelNames: ['source', 'outcome'] as const,
      registers: [metrics.registry],
    });
    this.processed = new Counter({
      name: 'webhook_processing_total',
      help: 'Webhook event processing outcomes by source',
      labelNames: ['source', 'outcome'] as const,
      registers: [metrics.registry],
    });
    const backlogAge = new Gauge({
      name: 'webhook_backlog_oldest_age_seconds',
      help: 'Age of the oldest stored webhook event not processed yet, per source (0: none waiting); read at scrape',
      labelNames: ['source'] as const,
      registers: [metrics.registry],
      // Read from the database when scraped: it is the cluster's backlog, whichever instance is asked.
      async collect() {
        const rows = await dataSource
          .query<Array<{ source: string; age: string | null }>>(
            `SELECT "source", EXTRACT(EPOCH FROM now() - min("received_at")) AS age
               FROM "webhook_events" WHERE "status" IN ('received', 'failed') GROUP BY "source"`,
          )
          .catch(() => undefined);
        if (!rows) return;
        for (const source of WEBHOOK_SOURCES) backlogAge.set({ source }, 0);
        for (const row of rows) backlogAge.set({ source: row.source }, Math.max(0, Number(row.age ?? 0)));
      },
    });
    this.backlogAge = backlogAge;
  }
}
