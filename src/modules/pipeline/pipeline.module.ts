import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyModule } from '../../common/idempotency/idempotency.module.js';
import { ApolloModule } from '../apollo/apollo.module.js';
import { N8nModule } from '../n8n/n8n.module.js';
import { AvainodeModule } from '../avainode/avainode.module.js';
import { NotificationWorkflowService } from './notification-workflow.service.js';
import { PipelineBatchesService } from './pipeline-batches.service.js';
import { PipelineRunsRepository } from './pipeline-runs.repository.js';
import { PipelineRunsService } from './pipeline-runs.service.js';
import { PipelineStepsService } from './pipeline-steps.service.js';
import { PipelineWorkerService } from './pipeline-worker.service.js';
import { PIPELINE_ENTITIES } from './pipeline.entities.js';
import { PipelineController } from './pipeline.controller.js';
import { PipelineListeners } from './pipeline.listeners.js';
import { PipelineMetrics } from './pipeline.metrics.js';
import { TripReconciliationJob } from './trip-reconciliation.job.js';

/** The lead-to-booking pipeline: durable runs and batches. */
@Module({
  imports: [TypeOrmModule.forFeature(PIPELINE_ENTITIES), IdempotencyModule, ApolloModule, AvainodeModule, N8nModule],
  controllers: [PipelineController],
  providers: [
    PipelineRunsRepository,
    PipelineRunsService,
    PipelineStepsService,
    PipelineWorkerService,
    PipelineBatchesService,
    NotificationWorkflowService,
    PipelineListeners,
    PipelineMetrics,
    TripReconciliationJob,
  ],
  exports: [PipelineRunsService],
})
export class PipelineModule {}
