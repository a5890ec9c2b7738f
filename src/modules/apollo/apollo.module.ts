import { Module } from '@nestjs/common';
import { McpModule } from '../../common/mcp/mcp.module.js';
import { APOLLO_TOOLS } from './apollo.contracts.js';
import { ApolloController } from './apollo.controller.js';
import { ApolloService } from './apollo.service.js';

/** Apollo sales intelligence: leads, enrichment, account data, sequences and engagement. */
@Module({
  imports: [McpModule.forFeature(APOLLO_TOOLS)],
  controllers: [ApolloController],
  providers: [ApolloService],
  exports: [ApolloService],
})
export class ApolloModule {}
