import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { McpModule } from '../../common/mcp/mcp.module.js';
import { APOLLO_OFFICIAL_TOOLS } from './apollo-official.contracts.js';
import { APOLLO_TOOLS } from './apollo.contracts.js';
import { ApolloController } from './apollo.controller.js';
import { ApolloMetrics } from './apollo.metrics.js';
import { ApolloService } from './apollo.service.js';

/**
 * Apollo sales intelligence: leads, enrichment, account data, sequences and engagement. Both tool profiles are
 * registered; the server is checked against the one its tool list matches (see `ApolloService.profile`).
 */
@Module({
  imports: [McpModule.forFeature([...APOLLO_TOOLS, ...APOLLO_OFFICIAL_TOOLS]), AuditModule],
  controllers: [ApolloController],
  providers: [ApolloService, ApolloMetrics],
  exports: [ApolloService],
})
export class ApolloModule {}
