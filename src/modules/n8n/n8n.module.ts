import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module.js';
import { McpModule } from '../../common/mcp/mcp.module.js';
import { N8nManagedWorkflow } from './n8n-managed-workflow.entity.js';
import { N8N_TOOLS } from './n8n.contracts.js';
import { N8nController } from './n8n.controller.js';
import { N8nExecutionsService } from './n8n-executions.service.js';
import { N8nWorkflowsService } from './n8n-workflows.service.js';
import { ManagedWorkflowClaims } from './managed-workflow-claims.js';
import { ManagedWorkflowsService } from './managed-workflows.service.js';
import { WorkflowPolicy } from './workflow-validation.js';

/** n8n workflow automation through n8n-mcp: workflows, executions, and workflows the backend provisions itself. */
@Module({
  imports: [McpModule.forFeature(N8N_TOOLS), TypeOrmModule.forFeature([N8nManagedWorkflow]), AuditModule],
  controllers: [N8nController],
  providers: [
    N8nWorkflowsService,
    N8nExecutionsService,
    ManagedWorkflowsService,
    ManagedWorkflowClaims,
    WorkflowPolicy,
  ],
  exports: [N8nWorkflowsService, N8nExecutionsService, ManagedWorkflowsService],
})
export class N8nModule {}
