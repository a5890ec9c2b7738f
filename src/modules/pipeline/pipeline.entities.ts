import { PipelineBookingOutcome } from './booking-outcome.entity.js';
import { PipelineBatch } from './pipeline-batch.entity.js';
import { PipelineBatchLead } from './pipeline-batch-lead.entity.js';
import { PipelineRun } from './pipeline-run.entity.js';
import { PipelineStepRecord } from './pipeline-step.entity.js';
import { PipelineTripQuote } from './trip-quote.entity.js';

/** Every entity of the pipeline (registered in src/database-schema.ts). */
export const PIPELINE_ENTITIES = [
  PipelineRun,
  PipelineStepRecord,
  PipelineBatch,
  PipelineBatchLead,
  PipelineBookingOutcome,
  PipelineTripQuote,
];
