import { Injectable } from '@nestjs/common';
import type { HealthIndicatorResult } from '@nestjs/terminus';

export type ReadinessIndicator = () => Promise<HealthIndicatorResult>;

/**
 * Modules add their own readiness details here (e.g. the MCP layer reports each upstream as up or degraded).
 * An indicator that reports `degraded` keeps readiness 200; only `down` fails it.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly indicators: ReadinessIndicator[] = [];

  register(indicator: ReadinessIndicator): void {
    this.indicators.push(indicator);
  }

  all(): readonly ReadinessIndicator[] {
    return this.indicators;
  }
}
