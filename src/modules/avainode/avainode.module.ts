import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyModule } from '../../common/idempotency/idempotency.module.js';
import { McpModule } from '../../common/mcp/mcp.module.js';
import { AVAINODE_TOOLS } from './avainode.contracts.js';
import { AvainodeController } from './avainode.controller.js';
import { AvainodeService } from './avainode.service.js';
import { AvinodeTripsService } from './avinode-trips.service.js';
import { CharterRequest } from './charter-request.entity.js';
import { CharterRequestStore } from './charter-request.store.js';
import { OperatorCacheListener } from './operator-cache.listener.js';

/**
 * Avinode, the charter marketplace (the customer spells it "Avainode"): search, quotes, charter requests, bookings,
 * operators, empty legs. Other modules (pipeline, sync) use `AvainodeService` and `CharterRequestStore`.
 */
@Module({
  imports: [TypeOrmModule.forFeature([CharterRequest]), IdempotencyModule, McpModule.forFeature(AVAINODE_TOOLS)],
  controllers: [AvainodeController],
  providers: [AvainodeService, AvinodeTripsService, CharterRequestStore, OperatorCacheListener],
  exports: [AvainodeService, AvinodeTripsService, CharterRequestStore],
})
export class AvainodeModule {}
