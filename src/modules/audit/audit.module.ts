import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApplicationLifecycle } from './application-lifecycle.service.js';
import { AuditLogEntry } from './audit-log.entity.js';
import { AuditRetentionJob } from './audit-retention.job.js';
import { AuditController } from './audit.controller.js';
import { AuditListener } from './audit.listener.js';
import { AuditService } from './audit.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([AuditLogEntry])],
  controllers: [AuditController],
  providers: [AuditService, AuditListener, ApplicationLifecycle, AuditRetentionJob],
  exports: [AuditService],
})
export class AuditModule {}
