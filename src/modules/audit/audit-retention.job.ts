import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { JobQueueService, type ScheduledJob } from '../../common/jobs/job-queue.service.js';
import { defineQueue } from '../../common/jobs/queue-definition.js';
import { AuditService } from './audit.service.js';
import { safeErrorMessage } from '../../common/logging/safe-errors.js';

/** Sent at the top of every hour, once per cluster (see JobQueueService.schedule). */
export const auditRetentionQueue = defineQueue<ScheduledJob>({
  name: 'audit.retention',
  policy: 'singleton',
  retryLimit: 2,
  retryDelaySeconds: 60,
  deadLetter: false,
  // A late run only deletes a little later: no need to poll often.
  pollingIntervalSeconds: 30,
});

/** Enforces the audit retention policy every hour (AUDIT_RETENTION_DAYS, default 90). */
@Injectable()
export class AuditRetentionJob implements OnApplicationBootstrap {
  private readonly logger = new Logger('AuditRetention');

  constructor(
    private readonly audit: AuditService,
    private readonly jobs: JobQueueService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.schedule(auditRetentionQueue, '0 * * * *', () => this.run());
  }

  async run(): Promise<void> {
    try {
      const { deleted, olderThan } = await this.audit.applyRetention();
      if (deleted > 0) this.logger.log(`Deleted ${deleted} audit entries older than ${olderThan.toISOString()}`);
    } catch (error) {
      this.logger.error(`Audit retention failed: ${safeErrorMessage(error)}`);
      throw error;
    }
  }
}
