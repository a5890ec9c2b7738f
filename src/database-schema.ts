import { MIGRATIONS } from '../migrations/index.js';
import type { SchemaRegistry } from './common/database/data-source-options.js';
import { McpOAuthToken } from './common/mcp/oauth/mcp-oauth-token.entity.js';
import { IdempotencyKey } from './common/idempotency/idempotency-key.entity.js';
import { UpstreamMutation } from './common/mutations/upstream-mutation.entity.js';
import { AuditLogEntry } from './modules/audit/audit-log.entity.js';
import { N8nManagedWorkflow } from './modules/n8n/n8n-managed-workflow.entity.js';
import { CharterRequest } from './modules/avainode/charter-request.entity.js';
import { WebhookEntityVersion } from './modules/webhook/webhook-entity-version.entity.js';
import { WebhookEvent } from './modules/webhook/webhook-event.entity.js';
import { SYNC_ENTITIES } from './modules/sync/sync.entities.js';
import { PIPELINE_ENTITIES } from './modules/pipeline/pipeline.entities.js';

/** Every entity and migration of the application: the app, the TypeORM CLI and the tests use this one list. */
export const DATABASE_SCHEMA: SchemaRegistry = {
  entities: [
    AuditLogEntry,
    IdempotencyKey,
    UpstreamMutation,
    McpOAuthToken,
    CharterRequest,
    WebhookEvent,
    WebhookEntityVersion,
    N8nManagedWorkflow,
    ...SYNC_ENTITIES,
    ...PIPELINE_ENTITIES,
  ],
  migrations: MIGRATIONS,
};
