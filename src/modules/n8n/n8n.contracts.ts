import { z } from 'zod';
import { defineTool } from '../../common/mcp/tool-contract.js';

/**
 * The n8n-mcp 2.87 management tools this backend uses. n8n-mcp answers a text item holding `{success, data | error}`;
 * each contract names that envelope (`envelope: 'n8n-mcp'`), so the MCP client unwraps `data` (and turns
 * `success: false` into a tool error carrying `error`) and these schemas describe `data`. Objects are loose where n8n
 * adds fields between versions; the fields we read are required.
 *
 * Gaps of n8n-mcp 2.87 the service works around (docs: src/sandbox/n8n, docs/sandbox.md):
 * - `n8n_executions` filters only by status success | error | waiting (n8n itself knows running and canceled too);
 * - `n8n_test_workflow` triggers the workflow through its Webhook node and returns the webhook's HTTP reply, not an
 *   execution id; a webhook that answers 5xx comes back as `{success: false, message}` without `error`.
 */

/** Every status n8n reports (n8n's `ExecutionStatus`), so an execution in any of them passes the contract. */
export const EXECUTION_STATUSES = [
  'new',
  'running',
  'waiting',
  'success',
  'error',
  'canceled',
  'crashed',
  'unknown',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];
/** The statuses n8n-mcp 2.87 can filter executions by. */
export const FILTERABLE_EXECUTION_STATUSES = ['success', 'error', 'waiting'] as const;
export type FilterableExecutionStatus = (typeof FILTERABLE_EXECUTION_STATUSES)[number];

/** n8n tags are objects ({id, name, …}); older servers sent names. */
const tag = z.union([z.string(), z.looseObject({ name: z.string() })]);

export const workflowSummarySchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  active: z.boolean(),
  isArchived: z.boolean().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  tags: z.array(tag).optional(),
  nodeCount: z.number().int().optional(),
});
export type N8nWorkflowSummaryResult = z.infer<typeof workflowSummarySchema>;

export const workflowNodeSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  typeVersion: z.number(),
  position: z.array(z.number()),
  parameters: z.record(z.string(), z.unknown()),
  disabled: z.boolean().optional(),
  webhookId: z.string().optional(),
});
export type N8nWorkflowNode = z.infer<typeof workflowNodeSchema>;

export const workflowSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  active: z.boolean(),
  isArchived: z.boolean().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  nodes: z.array(workflowNodeSchema),
  connections: z.record(z.string(), z.unknown()),
  settings: z.record(z.string(), z.unknown()).optional(),
  tags: z.array(tag).optional(),
  versionId: z.string().nullable().optional(),
  activeVersionId: z.string().nullable().optional(),
});
export type N8nWorkflowResult = z.infer<typeof workflowSchema>;

export const executionSchema = z.looseObject({
  id: z.string(),
  workflowId: z.string(),
  status: z.enum(EXECUTION_STATUSES),
  finished: z.boolean().optional(),
  mode: z.string().optional(),
  retryOf: z.string().nullable().optional(),
  createdAt: z.string().optional(),
  startedAt: z.string().nullable(),
  stoppedAt: z.string().nullable().optional(),
  waitTill: z.string().nullable().optional(),
  data: z.unknown().optional(),
});
export type N8nExecutionResult = z.infer<typeof executionSchema>;

// ---- tools ----------------------------------------------------------------------------------------------------------

export const listWorkflowsTool = defineTool({
  server: 'n8n',
  envelope: 'n8n-mcp',
  name: 'n8n_list_workflows',
  mode: 'read',
  input: z.custom<{ limit?: number; cursor?: string; active?: boolean; tags?: string[] }>(),
  result: z.looseObject({
    workflows: z.array(workflowSummarySchema),
    returned: z.number().int().optional(),
    nextCursor: z.string().nullable().optional(),
    hasMore: z.boolean().optional(),
  }),
});

export const getWorkflowTool = defineTool({
  server: 'n8n',
  envelope: 'n8n-mcp',
  name: 'n8n_get_workflow',
  mode: 'read',
  input: z.custom<{ id: string; mode?: 'full' }>(),
  result: workflowSchema,
});

export interface WorkflowNodeInput {
  id: string;
  name: string;
  type: string;
  typeVersion: number;
  position: [number, number];
  parameters: Record<string, unknown>;
  webhookId?: string;
  credentials?: Record<string, unknown>;
  disabled?: boolean;
}

export interface WorkflowDefinition {
  name: string;
  nodes: WorkflowNodeInput[];
  /** Keyed by source node *name*: `{ [name]: { main: [[{ node, type: 'main', index }]] } }`. */
  connections: Record<string, unknown>;
  settings?: Record<string, unknown>;
}

export const createWorkflowTool = defineTool({
  server: 'n8n',
  envelope: 'n8n-mcp',
  name: 'n8n_create_workflow',
  mode: 'write',
  input: z.custom<WorkflowDefinition>(),
  result: z.looseObject({ id: z.string(), name: z.string(), active: z.boolean().optional() }),
});

export type WorkflowOperation =
  | { type: 'activateWorkflow' }
  | { type: 'deactivateWorkflow' }
  | { type: 'updateName'; name: string }
  | { type: 'addTag'; tag: string }
  | { type: 'removeTag'; tag: string };

export const updatePartialWorkflowTool = defineTool({
  server: 'n8n',
  envelope: 'n8n-mcp',
  name: 'n8n_update_partial_workflow',
  // Activating an active workflow (or deactivating an inactive one) changes nothing: repeating is safe with a key.
  mode: 'write',
  input: z.custom<{ id: string; operations: WorkflowOperation[] }>(),
  result: z.looseObject({ id: z.string(), name: z.string(), active: z.boolean() }),
});

/** The webhook's reply, or n8n-mcp's `{success:false, message}` for a webhook that answered 5xx (no `error`). */
export const testWorkflowResultSchema = z.union([
  z.looseObject({
    status: z.number().int(),
    statusText: z.string().optional(),
    data: z.unknown(),
    headers: z.record(z.string(), z.unknown()).optional(),
  }),
  z.looseObject({ success: z.literal(false), message: z.string() }),
]);

export const testWorkflowTool = defineTool({
  server: 'n8n',
  envelope: 'n8n-mcp',
  name: 'n8n_test_workflow',
  // Each call runs the workflow once more: never repeated by the client.
  mode: 'write',
  input: z.custom<{
    workflowId: string;
    data?: Record<string, unknown>;
    headers?: Record<string, string>;
    waitForResponse?: boolean;
    timeout?: number;
  }>(),
  result: testWorkflowResultSchema,
});

export const listExecutionsTool = defineTool({
  server: 'n8n',
  envelope: 'n8n-mcp',
  name: 'n8n_executions',
  mode: 'read',
  input: z.custom<{
    action: 'list';
    workflowId?: string;
    status?: FilterableExecutionStatus;
    limit?: number;
    cursor?: string;
    includeData?: boolean;
  }>(),
  result: z.looseObject({
    executions: z.array(executionSchema),
    returned: z.number().int().optional(),
    nextCursor: z.string().nullable().optional(),
    hasMore: z.boolean().optional(),
  }),
});

/** Same tool as `listExecutionsTool`, another action and result: a contract per shape. */
export const getExecutionTool = defineTool({
  server: 'n8n',
  envelope: 'n8n-mcp',
  name: 'n8n_executions',
  mode: 'read',
  input: z.custom<{ action: 'get'; id: string }>(),
  result: executionSchema,
});

/** `get` in n8n-mcp's `full` mode: every node's output items, the trigger's body among them. */
export const getExecutionDataTool = defineTool({
  server: 'n8n',
  envelope: 'n8n-mcp',
  name: 'n8n_executions',
  mode: 'read',
  input: z.custom<{ action: 'get'; id: string; mode: 'full' }>(),
  result: executionSchema,
});

export const healthCheckTool = defineTool({
  server: 'n8n',
  envelope: 'n8n-mcp',
  name: 'n8n_health_check',
  mode: 'read',
  input: z.custom<{ mode?: 'status' }>(),
  result: z.looseObject({
    status: z.string(),
    n8nVersion: z.string().optional(),
    mcpVersion: z.string().optional(),
  }),
});

export const N8N_TOOLS = [
  listWorkflowsTool,
  getWorkflowTool,
  createWorkflowTool,
  updatePartialWorkflowTool,
  testWorkflowTool,
  listExecutionsTool,
  getExecutionTool,
  getExecutionDataTool,
  healthCheckTool,
] as const;
