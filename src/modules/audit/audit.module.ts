import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApplicationLifecycle } from './application-lifecycle.service.js';
import { AuditLogEntry } from './audit-log.entity.js';
import { AuditListener } from './audit.listener.js';
import { AuditService } from './audit.service.js';

@Module({
  imports: [TypeOrmModule.forFeature([AuditLogEntry])],
  providers: [AuditService, AuditListener, ApplicationLifecycle],
  exports: [AuditService],
})
export class AuditModule {}
