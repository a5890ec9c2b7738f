import { CreateAuditLog1764000000000 } from './1764000000000-create-audit-log.js';
import { CreateIdempotencyKey1764100000000 } from './1764100000000-create-idempotency-key.js';
import { CreateCharterRequest1764100000001 } from './1764100000001-create-charter-request.js';
import { CreateN8nManagedWorkflows1764200000000 } from './1764200000000-create-n8n-managed-workflows.js';
import { CreateWebhookEvents1764300000000 } from './1764300000000-create-webhook-events.js';
import { CreatePipeline1764400000000 } from './1764400000000-create-pipeline.js';
import { CreateSyncTables1764500000000 } from './1764500000000-create-sync-tables.js';
import { PipelineNotificationKey1765100000000 } from './1765100000000-pipeline-notification-key.js';
import { PipelineQueuedRuns1765100000001 } from './1765100000001-pipeline-queued-runs.js';
import { PipelineConfirmationDue1765100000002 } from './1765100000002-pipeline-confirmation-due.js';
import { IndexBookingAndAuditTypePrefix1765500000000 } from './1765500000000-index-booking-and-audit-type-prefix.js';
import { PipelineBatchLeadsAsRows1765500000001 } from './1765500000001-pipeline-batch-leads-as-rows.js';
import { SyncQuarantine1765500000002 } from './1765500000002-sync-quarantine.js';
import { PipelineStepInstance1765700000000 } from './1765700000000-pipeline-step-instance.js';
import { UpstreamMutation1765800000000 } from './1765800000000-upstream-mutation.js';
import { UpstreamMutationResult1765850000000 } from './1765850000000-upstream-mutation-result.js';
import { AvinodeTripFlow1765900000000 } from './1765900000000-avinode-trip-flow.js';
import { McpOAuthTokens1766000000000 } from './1766000000000-mcp-oauth-tokens.js';
import { PipelineNotificationOutcome1766100000000 } from './1766100000000-pipeline-notification-outcome.js';

/** Every migration, in order. New migrations are appended here (and generated with `npm run migration:generate`). */
export const MIGRATIONS = [
  CreateAuditLog1764000000000,
  CreateIdempotencyKey1764100000000,
  CreateCharterRequest1764100000001,
  CreateN8nManagedWorkflows1764200000000,
  CreateWebhookEvents1764300000000,
  CreatePipeline1764400000000,
  CreateSyncTables1764500000000,
  PipelineNotificationKey1765100000000,
  PipelineQueuedRuns1765100000001,
  PipelineConfirmationDue1765100000002,
  IndexBookingAndAuditTypePrefix1765500000000,
  PipelineBatchLeadsAsRows1765500000001,
  SyncQuarantine1765500000002,
  PipelineStepInstance1765700000000,
  UpstreamMutation1765800000000,
  UpstreamMutationResult1765850000000,
  AvinodeTripFlow1765900000000,
  McpOAuthTokens1766000000000,
  PipelineNotificationOutcome1766100000000,
];
