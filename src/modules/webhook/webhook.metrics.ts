import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '../../common/metrics/metrics.service.js';

@Injectable()
export class WebhookMetrics {
  /** Deliveries by source and outcome: accepted, duplicate, or the refusal's HTTP status. */
  readonly received: Counter<'source' | 'outcome'>;
  /** Processing outcomes: processed, stale, failed (will retry), dead_lettered. */
  readonly processed: Counter<'source' | 'outcome'>;

  constructor(metrics: MetricsService) {
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
  }
}
