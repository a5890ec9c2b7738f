import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '../../common/metrics/metrics.service.js';

/** Prometheus metrics of the sync: rows by change kind, runs by outcome, the consistency score. */
@Injectable()
export class SyncMetrics {
  readonly rows: Counter<'stream' | 'change'>;
  readonly runs: Counter<'trigger' | 'outcome'>;
  readonly lastSuccess: Gauge<'stream'>;
  readonly consistency: Gauge<'stream'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.rows = new Counter({
      name: 'jetvision_sync_rows_total',
      help: 'Synced upstream records by stream and change (inserted, changed, unchanged, deleted)',
      labelNames: ['stream', 'change'] as const,
      registers,
    });
    this.runs = new Counter({
      name: 'jetvision_sync_runs_total',
      help: 'Finished sync runs by trigger and outcome',
      labelNames: ['trigger', 'outcome'] as const,
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'jetvision_sync_last_success_timestamp_seconds',
      help: 'Unix time of the last successful sync of each stream',
      labelNames: ['stream'] as const,
      registers,
    });
    this.consistency = new Gauge({
      name: 'jetvision_sync_consistency_score',
      help: 'Consistency score (0-100) of the last consistency check, overall (stream="all") and per stream',
      labelNames: ['stream'] as const,
      registers,
    });
  }
}
