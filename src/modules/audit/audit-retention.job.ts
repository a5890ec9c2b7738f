import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { AuditService } from './audit.service.js';

/**
 * Enforces the audit retention policy every hour (AUDIT_RETENTION_DAYS, default 90). Idempotent, so several instances
 * running it at the same minute only repeat an empty delete.
 */
@Injectable()
export class AuditRetentionJob {
  private readonly logger = new Logger('AuditRetention');

  constructor(private readonly audit: AuditService) {}

  @Cron(CronExpression.EVERY_HOUR, { name: 'audit-retention' })
  async run(): Promise<void> {
    try {
      const { deleted, olderThan } = await this.audit.applyRetention();
      if (deleted > 0) this.logger.log(`Deleted ${deleted} audit entries older than ${olderThan.toISOString()}`);
    } catch (error) {
      this.logger.error(`Audit retention failed: ${(error as Error).message}`);
    }
  }
}
