import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { McpModule } from '../../common/mcp/mcp.module.js';
import { AuditModule } from '../audit/audit.module.js';
import { ConsistencyService } from './consistency.service.js';
import { listContactsTool } from '../apollo/apollo.contracts.js';
import { listAvailabilityTool, listBookingsTool } from '../avainode/avainode.contracts.js';
import { getExecutionTool, listExecutionsTool } from '../n8n/n8n.contracts.js';

/** The upstream tools the sync pages through (declared by the upstream modules' contract files). */
const SYNC_TOOL_CONTRACTS = [
  listContactsTool,
  listAvailabilityTool,
  listBookingsTool,
  listExecutionsTool,
  getExecutionTool,
];
import { SyncController } from './sync.controller.js';
import { SYNC_ENTITIES } from './sync.entities.js';
import { SyncMetrics } from './sync.metrics.js';
import { SyncRunner } from './sync.runner.js';
import { SyncScheduler } from './sync.scheduler.js';
import { SyncService } from './sync.service.js';

/**
 * Data sync: keeps local copies of Apollo contacts, Avinode availability and bookings, and n8n executions, with a
 * schedule, webhook-triggered updates, run history and a consistency score. See the README's "Data sync" section.
 */
@Module({
  imports: [TypeOrmModule.forFeature(SYNC_ENTITIES), McpModule.forFeature(SYNC_TOOL_CONTRACTS), AuditModule],
  controllers: [SyncController],
  providers: [SyncMetrics, SyncRunner, SyncScheduler, ConsistencyService, SyncService],
  exports: [SyncRunner, SyncScheduler, ConsistencyService, SyncService],
})
export class SyncModule {}
