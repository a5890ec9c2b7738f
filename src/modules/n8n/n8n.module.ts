import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { McpModule } from '../../common/mcp/mcp.module.js';
import { N8nManagedWorkflow } from './n8n-managed-workflow.entity.js';
import { N8N_TOOLS } from './n8n.contracts.js';
import { N8nController } from './n8n.controller.js';
import { N8nService } from './n8n.service.js';

/** n8n workflow automation through n8n-mcp: workflows, executions, and workflows the backend provisions itself. */
@Module({
  imports: [McpModule.forFeature(N8N_TOOLS), TypeOrmModule.forFeature([N8nManagedWorkflow])],
  controllers: [N8nController],
  providers: [N8nService],
  exports: [N8nService],
})
export class N8nModule {}
