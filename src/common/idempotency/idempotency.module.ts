import { Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobQueueService, type ScheduledJob } from '../jobs/job-queue.service.js';
import { defineQueue } from '../jobs/queue-definition.js';
import { IdempotencyKey } from './idempotency-key.entity.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import { IdempotencyService } from './idempotency.service.js';

/** Every 15 minutes, once per cluster: deletes expired keys (they are also dropped when their key is used again). */
export const idempotencyCleanupQueue = defineQueue<ScheduledJob>({
  name: 'idempotency.cleanup',
  policy: 'singleton',
  retryLimit: 1,
  retryDelaySeconds: 60,
  deadLetter: false,
  pollingIntervalSeconds: 30,
});

/** Import in a feature module to use `@Idempotent(scope)` on its routes (or `IdempotencyService` directly). */
@Module({
  imports: [TypeOrmModule.forFeature([IdempotencyKey])],
  providers: [IdempotencyService, IdempotencyInterceptor],
  exports: [IdempotencyService, IdempotencyInterceptor],
})
export class IdempotencyModule implements OnApplicationBootstrap {
  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly jobs: JobQueueService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.schedule(idempotencyCleanupQueue, '*/15 * * * *', async () => {
      const deleted = await this.idempotency.purgeExpired();
      if (deleted > 0) new Logger('Idempotency').log(`Deleted ${deleted} expired idempotency keys`);
    });
  }
}
