import { Global, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobQueueService, type ScheduledJob } from '../jobs/job-queue.service.js';
import { defineQueue } from '../jobs/queue-definition.js';
import { UpstreamMutation } from './upstream-mutation.entity.js';
import { UpstreamMutationsService } from './upstream-mutations.service.js';

/** Every minute, once per cluster: resolves upstream mutation intents left pending beyond the grace period. */
export const upstreamMutationReconcileQueue = defineQueue<ScheduledJob>({
  name: 'upstream-mutations.reconcile',
  policy: 'singleton',
  retryLimit: 1,
  retryDelaySeconds: 30,
  deadLetter: false,
  pollingIntervalSeconds: 5,
});

/** Intents of upstream mutations and their reconcile job; feature modules register their reconcilers. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([UpstreamMutation])],
  providers: [UpstreamMutationsService],
  exports: [UpstreamMutationsService],
})
export class UpstreamMutationsModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('UpstreamMutations');

  constructor(
    private readonly mutations: UpstreamMutationsService,
    private readonly jobs: JobQueueService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.schedule(upstreamMutationReconcileQueue, '* * * * *', async () => {
      const summary = await this.mutations.reconcilePending();
      if (summary.examined > 0) {
        this.logger.log(
          `Reconciled ${summary.reconciled}, failed ${summary.failed}, still pending ${summary.stillPending} ` +
            `of ${summary.examined} upstream mutation intents`,
        );
      }
    });
  }
}
