import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsService } from '../../common/metrics/metrics.service.js';

/** Prometheus metrics of the Apollo module. */
@Injectable()
export class ApolloMetrics {
  /** Credits Apollo reports as spent (`credits_consumed` in the official server's results), by tool. */
  readonly creditsSpent: Counter<'tool'>;

  constructor(metrics: MetricsService) {
    this.creditsSpent = new Counter({
      name: 'jetvision_apollo_credits_spent_total',
      help: 'Apollo credits the upstream reported as spent, by tool (only results that report credits count)',
      labelNames: ['tool'] as const,
      registers: [metrics.registry],
    });
  }

  recordCredits(tool: string, credits: number | null | undefined): void {
    if (typeof credits === 'number' && Number.isFinite(credits) && credits > 0)
      this.creditsSpent.inc({ tool }, credits);
  }
}
