import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, type HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../auth/public.decorator.js';
import { SkipRateLimit } from '../auth/rate-limit.guard.js';
import { AppConfig } from '../config/app-config.js';
import { DatabaseHealth } from '../database/database.health.js';
import { JobQueueService } from '../jobs/job-queue.service.js';
import { ReadinessRegistry } from './readiness-registry.js';

@ApiTags('health')
// Probes are called by orchestrators that hold no key; they reveal up/down and nothing else.
@Public()
@SkipRateLimit()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabaseHealth,
    private readonly jobs: JobQueueService,
    private readonly registry: ReadinessRegistry,
    private readonly config: AppConfig,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: the process is running and its event loop answers' })
  live(): Promise<HealthCheckResult> {
    return this.health.check([
      async () =>
        this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()), pid: process.pid }),
    ]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: database reachable, migrations applied, job queue started; upstreams as details',
  })
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      async () => {
        const status = await this.database.check(this.config.database.kind);
        const session = this.indicators.check('database');
        const details = {
          kind: status.kind,
          migrationsApplied: status.migrationsApplied,
          ...(status.error ? { error: status.error } : {}),
        };
        return status.reachable && status.migrationsApplied ? session.up(details) : session.down(details);
      },
      async () => {
        const session = this.indicators.check('jobs');
        return this.jobs.isStarted ? session.up() : session.down({ message: 'job queue not started' });
      },
      ...this.registry.all(),
    ]);
  }
}
