import type { CallToolResult, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { SandboxToolContext } from '../core/sandbox-definition.js';
import { routeWebhook, startWebhookRun, stopTimer, type WebhookReply } from './n8n.engine.js';
import { looksLikeTrigger, nodeTypeInfo } from './n8n.nodes.js';
import {
  DEFAULT_WORKFLOW_SETTINGS,
  uuid,
  workflowId,
  type N8nExecution,
  type N8nNode,
  type N8nState,
  type N8nWorkflow,
} from './n8n.state.js';
import {
  mcpActivationError,
  n8nActivationError,
  n8nRejection,
  validateStructure,
  webhookPathOf,
} from './n8n.validation.js';

/**
 * The n8n-mcp 2.87.0 management tools the backend uses, with n8n-mcp's names, input schemas and result envelopes:
 * a text content item holding `JSON.stringify(result, null, 2)` where result is `{success: true, data, …}` or
 * `{success: false, error, code?, details?}` (not flagged `isError`, as in n8n-mcp). The same object is also sent as
 * `structuredContent`; no outputSchema is declared, exactly like n8n-mcp, which the MCP spec allows.
 */

export const N8N_MCP_VERSION = '2.87.0';
export const N8N_MCP_TOOL_NAMES = [
  'n8n_list_workflows',
  'n8n_get_workflow',
  'n8n_create_workflow',
  'n8n_update_partial_workflow',
  'n8n_delete_workflow',
  'n8n_test_workflow',
  'n8n_executions',
  'n8n_health_check',
] as const;

type Result = Record<string, unknown>;

/** Tools n8n-mcp decorates with its UI-app marker in `_meta` (n8n_get_workflow has none). */
const UI_TOOLS = new Set([
  'n8n_list_workflows',
  'n8n_create_workflow',
  'n8n_update_partial_workflow',
  'n8n_delete_workflow',
  'n8n_test_workflow',
  'n8n_executions',
  'n8n_health_check',
]);

function toResult(tool: string, result: Result): CallToolResult {
  // JSON round trip drops `undefined` members exactly as n8n-mcp's JSON.stringify does.
  const json = JSON.parse(JSON.stringify(result)) as Result;
  return {
    ...(UI_TOOLS.has(tool) ? { _meta: { 'n8n-mcp/toolName': tool } } : {}),
    content: [{ type: 'text', text: JSON.stringify(json, null, 2) }],
    structuredContent: json,
  };
}

/** n8n's 404 body is `{"message":"Not Found"}`; n8n-mcp relays the message with code NOT_FOUND. */
const NOT_FOUND: Result = { success: false, error: 'Not Found', code: 'NOT_FOUND' };

function invalidInput(errors: string[]): Result {
  return { success: false, error: 'Invalid input', details: { errors } };
}

function n8nValidationError(message: string): Result {
  return { success: false, error: `Invalid request: ${message}`, code: 'VALIDATION_ERROR', details: { message } };
}

function encodeCursor(lastId: string, limit: number): string {
  return Buffer.from(JSON.stringify({ lastId, limit })).toString('base64');
}

function decodeCursor(cursor: string): { lastId: string; limit: number } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && 'lastId' in parsed && typeof parsed.lastId === 'string') {
      const limit = 'limit' in parsed && typeof parsed.limit === 'number' ? parsed.limit : 100;
      return { lastId: parsed.lastId, limit };
    }
  } catch {
    // fall through
  }
  return undefined;
}

/** Cursor pagination as n8n's public API does it: a stable order and the last id seen. */
function page<T>(
  items: T[],
  idOf: (item: T) => string,
  after: (item: T, lastId: string) => boolean,
  limit: number,
  cursor: string | undefined,
): { data: T[]; nextCursor: string | null } | { error: string } {
  let start = items;
  if (cursor !== undefined) {
    const decoded = decodeCursor(cursor);
    if (!decoded) return { error: 'Parameter cursor is not valid' };
    start = items.filter((item) => after(item, decoded.lastId));
  }
  const data = start.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: start.length > limit && last !== undefined ? encodeCursor(idOf(last), limit) : null };
}

function workflowBody(workflow: N8nWorkflow): Result {
  return structuredClone(workflow) as unknown as Result;
}

function executionBody(execution: N8nExecution, includeData: boolean): Result {
  const { data, ...rest } = structuredClone(execution);
  return includeData ? { ...rest, data } : rest;
}

function countTriggers(workflow: N8nWorkflow): number {
  return workflow.nodes.filter((n) => {
    const kind = nodeTypeInfo(n.type)?.kind;
    return !n.disabled && (kind === 'webhook' || kind === 'trigger');
  }).length;
}

function touch(workflow: N8nWorkflow, context: SandboxToolContext, state: N8nState): void {
  const now = context.now().getTime();
  const previous = Date.parse(workflow.updatedAt);
  // Moves strictly forward so sync code that compares updatedAt always sees the change.
  workflow.updatedAt = new Date(Math.max(now, previous + 1)).toISOString();
  workflow.versionId = uuid(state.random);
}

// ---------------------------------------------------------------- schemas (mirroring n8n-mcp's JSON schemas)

const nodeItem = z.looseObject({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  typeVersion: z.number(),
  position: z.array(z.number()).min(2).max(2),
  parameters: z.record(z.string(), z.unknown()),
  credentials: z.record(z.string(), z.unknown()).optional(),
  disabled: z.boolean().optional(),
  notes: z.string().optional(),
  continueOnFail: z.boolean().optional(),
  retryOnFail: z.boolean().optional(),
  maxTries: z.number().optional(),
  waitBetweenTries: z.number().optional(),
});

const settingsSchema = z.looseObject({
  executionOrder: z.enum(['v0', 'v1']).optional(),
  timezone: z.string().optional(),
  saveDataErrorExecution: z.enum(['all', 'none']).optional(),
  saveDataSuccessExecution: z.enum(['all', 'none']).optional(),
  saveManualExecutions: z.boolean().optional(),
  saveExecutionProgress: z.boolean().optional(),
  executionTimeout: z.number().optional(),
  errorWorkflow: z.string().optional(),
  availableInMCP: z.boolean().optional(),
});

const nodeGroup = z.object({
  id: z.string().optional(),
  name: z.string(),
  nodeIds: z.array(z.string()),
  description: z.string().optional(),
});

const schemas = {
  n8n_list_workflows: z.object({
    limit: z.number().optional().describe('Number of workflows to return (1-100, default: 100)'),
    cursor: z.string().optional().describe('Pagination cursor from previous response'),
    active: z.boolean().optional().describe('Filter by active status'),
    tags: z.array(z.string()).optional().describe('Filter by tags (exact match)'),
    projectId: z.string().optional().describe('Filter by project ID (enterprise feature)'),
    excludePinnedData: z.boolean().optional().describe('Exclude pinned data from response (default: true)'),
  }),
  n8n_get_workflow: z.object({
    id: z.string().describe('Workflow ID'),
    mode: z.enum(['full', 'details', 'structure', 'minimal', 'active', 'filtered']).optional().describe('Detail level'),
    nodeNames: z.array(z.string()).min(1).optional().describe("For mode='filtered': node names or node IDs"),
  }),
  n8n_create_workflow: z.object({
    name: z.string().describe('Workflow name (required)'),
    nodes: z
      .array(nodeItem)
      .describe('Array of workflow nodes. Each node must have: id, name, type, typeVersion, position, and parameters'),
    connections: z
      .record(z.string(), z.unknown())
      .describe(
        'Workflow connections object. Keys are source node names (the name field, not id), values define output connections',
      ),
    settings: settingsSchema
      .optional()
      .describe('Optional workflow settings (execution order, timezone, error handling)'),
    nodeGroups: z.array(nodeGroup).optional().describe('Optional canvas groups (n8n 2.28+)'),
    projectId: z.string().optional().describe('Optional project ID to create the workflow in (enterprise feature)'),
    parentFolderId: z.string().optional().describe('Optional folder ID to place the workflow in (n8n 2.32+)'),
  }),
  n8n_update_partial_workflow: z.looseObject({
    id: z.string().describe('Workflow ID to update'),
    operations: z
      .array(z.looseObject({}))
      .describe(
        'Array of diff operations to apply. Each operation must have a "type" field and relevant properties for that operation type.',
      ),
    validateOnly: z.boolean().optional().describe('If true, only validate operations without applying them'),
    continueOnError: z
      .boolean()
      .optional()
      .describe('If true, apply valid operations even if some fail (best-effort mode)'),
  }),
  n8n_delete_workflow: z.object({
    id: z.string().describe('Workflow ID to delete'),
  }),
  n8n_test_workflow: z.object({
    workflowId: z.string().describe('Workflow ID to execute (required)'),
    method: z.enum(['auto', 'trigger', 'prepare', 'pinned', 'direct']).optional().describe('How to run it'),
    triggerType: z
      .enum(['webhook', 'form', 'chat'])
      .optional()
      .describe('Trigger type. Auto-detected if not specified.'),
    httpMethod: z.enum(['GET', 'POST', 'PUT', 'DELETE']).optional().describe('For webhook: HTTP method'),
    webhookPath: z.string().optional().describe('For webhook: override the webhook path'),
    message: z.string().optional().describe('For chat: message to send'),
    sessionId: z.string().optional().describe('For chat: session ID for conversation continuity'),
    data: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('Input data/payload for webhook, form fields, or execution data'),
    headers: z.record(z.string(), z.string()).optional().describe('Custom HTTP headers'),
    timeout: z.number().optional().describe('Timeout in ms (default: 120000)'),
    waitForResponse: z.boolean().optional().describe('Wait for workflow completion (default: true)'),
    pinData: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('For method=pinned: pinned trigger data keyed by node name'),
    triggerNodeName: z.string().optional().describe('For method=pinned/direct: which trigger node to start from'),
    executionMode: z.enum(['manual', 'production']).optional().describe('For method=direct'),
    exposeToMcp: z.boolean().optional().describe('For the official methods'),
    timeoutMs: z.number().int().min(5000).max(600000).optional().describe('Client-side deadline for the official call'),
  }),
  n8n_executions: z.object({
    action: z.enum(['get', 'list', 'delete']).optional().describe('Operation: get, list (default), delete'),
    id: z.string().optional().describe('Execution ID. Required for action=delete'),
    mode: z.enum(['preview', 'summary', 'filtered', 'full', 'error']).optional().describe('For action=get'),
    nodeNames: z.array(z.string()).optional().describe('For action=get with mode=filtered'),
    itemsLimit: z.number().optional().describe('For action=get with mode=filtered: items per node'),
    includeInputData: z.boolean().optional().describe('For action=get: include input data'),
    errorItemsLimit: z.number().optional().describe('For action=get with mode=error'),
    includeStackTrace: z.boolean().optional().describe('For action=get with mode=error'),
    includeExecutionPath: z.boolean().optional().describe('For action=get with mode=error'),
    fetchWorkflow: z.boolean().optional().describe('For action=get with mode=error'),
    limit: z.number().optional().describe('For action=list: number of executions to return (1-100, default: 100)'),
    cursor: z.string().optional().describe('For action=list: pagination cursor from previous response'),
    workflowId: z.string().optional().describe('For action=list: filter by workflow ID'),
    projectId: z.string().optional().describe('For action=list: filter by project ID (enterprise feature)'),
    status: z.enum(['success', 'error', 'waiting']).optional().describe('For action=list: filter by execution status'),
    includeData: z.boolean().optional().describe('For action=list: include execution data (default: false)'),
  }),
  n8n_health_check: z.object({
    mode: z.enum(['status', 'diagnostic']).optional().describe('Mode: "status" (default) or "diagnostic"'),
    verbose: z.boolean().optional().describe('Include extra details in diagnostic mode (default: false)'),
  }),
};

const DESCRIPTIONS: Record<(typeof N8N_MCP_TOOL_NAMES)[number], string> = {
  n8n_list_workflows:
    'List workflows (minimal metadata only). Returns id/name/active/dates/tags. Check hasMore/nextCursor for pagination.',
  n8n_get_workflow:
    "Get workflow by ID with different detail levels. Modes: 'full' (draft + metadata), 'details' (full + execution stats), 'active' (published graph only), 'structure' (nodes/connections topology), 'filtered' (only the nodes named in nodeNames), 'minimal' (id/name/active/tags).",
  n8n_create_workflow:
    'Create workflow. Requires: name, nodes[], connections{}. Created inactive. Returns workflow with ID.',
  n8n_update_partial_workflow:
    'Update workflow incrementally with diff operations. Sandbox supports: activateWorkflow, deactivateWorkflow, updateName, updateSettings, addTag, removeTag, enableNode, disableNode, updateNode.',
  n8n_delete_workflow: 'Permanently delete a workflow. This action cannot be undone.',
  n8n_test_workflow:
    'Run a workflow. method=auto (default) triggers it over HTTP through its webhook trigger; the workflow must be active.',
  n8n_executions:
    "Manage workflow executions: get details, list, or delete. Use action='get' with id for execution details, action='list' (the default) for listing executions, action='delete' to remove execution record.",
  n8n_health_check:
    "Check n8n instance health and API connectivity. Use mode='diagnostic' for detailed troubleshooting.",
};

const ANNOTATIONS: Record<(typeof N8N_MCP_TOOL_NAMES)[number], Record<string, unknown>> = {
  n8n_list_workflows: { title: 'List Workflows', readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  n8n_get_workflow: { title: 'Get Workflow', readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  n8n_create_workflow: { title: 'Create Workflow', readOnlyHint: false, destructiveHint: false, openWorldHint: true },
  n8n_update_partial_workflow: {
    title: 'Update Partial Workflow',
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  n8n_delete_workflow: { title: 'Delete Workflow', readOnlyHint: false, destructiveHint: true, openWorldHint: true },
  n8n_test_workflow: { title: 'Test Workflow', readOnlyHint: false, destructiveHint: true, openWorldHint: true },
  n8n_executions: { title: 'Manage Executions', readOnlyHint: false, destructiveHint: true, openWorldHint: true },
  n8n_health_check: { title: 'Health Check', readOnlyHint: true, idempotentHint: true, openWorldHint: true },
};

type Args<K extends keyof typeof schemas> = z.infer<(typeof schemas)[K]>;

// ---------------------------------------------------------------- handlers

function listWorkflows(state: N8nState, args: Args<'n8n_list_workflows'>): Result {
  const limit = args.limit ?? 100;
  if (limit < 1 || limit > 100) return invalidInput(['limit: must be between 1 and 100']);
  const wantedTags = args.tags?.length ? new Set(args.tags) : undefined;
  const all = [...state.workflows.values()]
    .filter((w) => args.active === undefined || w.active === args.active)
    .filter((w) => !wantedTags || w.tags.some((t) => wantedTags.has(t.name)))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const cursor = args.cursor === '' ? undefined : args.cursor;
  const result = page(
    all,
    (w) => w.id,
    (w, lastId) => w.id > lastId,
    limit,
    cursor,
  );
  if ('error' in result) return n8nValidationError(result.error);
  const workflows = result.data.map((w) => ({
    id: w.id,
    name: w.name,
    active: w.active,
    isArchived: w.isArchived,
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
    tags: w.tags,
    nodeCount: w.nodes.length,
  }));
  return {
    success: true,
    data: {
      workflows,
      returned: workflows.length,
      nextCursor: result.nextCursor,
      hasMore: !!result.nextCursor,
      ...(result.nextCursor ? { _note: 'More workflows available. Use cursor to get next page.' } : {}),
    },
  };
}

function getWorkflow(state: N8nState, args: Args<'n8n_get_workflow'>): Result {
  const workflow = state.workflows.get(args.id);
  if (!workflow) return NOT_FOUND;
  switch (args.mode ?? 'full') {
    case 'minimal':
      return {
        success: true,
        data: {
          id: workflow.id,
          name: workflow.name,
          active: workflow.active,
          isArchived: workflow.isArchived,
          tags: workflow.tags,
          createdAt: workflow.createdAt,
          updatedAt: workflow.updatedAt,
        },
      };
    case 'structure':
      return {
        success: true,
        data: {
          id: workflow.id,
          name: workflow.name,
          active: workflow.active,
          isArchived: workflow.isArchived,
          nodes: workflow.nodes.map((n) => ({
            id: n.id,
            name: n.name,
            type: n.type,
            position: n.position,
            disabled: n.disabled ?? false,
          })),
          connections: workflow.connections,
          nodeCount: workflow.nodes.length,
          connectionCount: Object.keys(workflow.connections).length,
        },
      };
    case 'details': {
      const recent = [...state.executions.values()]
        .filter((e) => e.workflowId === workflow.id)
        .sort((a, b) => Number(b.id) - Number(a.id))
        .slice(0, 10);
      const webhook = workflow.nodes.find((n) => n.type === 'n8n-nodes-base.webhook');
      const path = webhook?.parameters.path;
      return {
        success: true,
        data: {
          workflow: workflowBody(workflow),
          executionStats: {
            totalExecutions: recent.length,
            successCount: recent.filter((e) => e.status === 'success').length,
            errorCount: recent.filter((e) => e.status === 'error').length,
            lastExecutionTime: recent[0]?.startedAt ?? null,
          },
          hasWebhookTrigger: webhook !== undefined,
          webhookPath: typeof path === 'string' && path !== '' ? path : null,
        },
      };
    }
    case 'active': {
      const base = {
        id: workflow.id,
        name: workflow.name,
        active: workflow.active,
        isArchived: workflow.isArchived,
        tags: workflow.tags,
        settings: workflow.settings,
        createdAt: workflow.createdAt,
        updatedAt: workflow.updatedAt,
      };
      if (!workflow.active) {
        return {
          success: false,
          error:
            'No published version. Workflow is inactive and has never been activated. Use mode="full" to see the draft.',
          code: 'NO_ACTIVE_VERSION',
        };
      }
      return {
        success: true,
        data: {
          ...base,
          activeVersionId: workflow.activeVersionId,
          versionCreatedAt: workflow.updatedAt,
          versionName: null,
          nodes: workflow.nodes,
          connections: workflow.connections,
        },
      };
    }
    case 'filtered': {
      if (!args.nodeNames?.length) return invalidInput(['nodeNames: required for mode=filtered']);
      const requested = new Set(args.nodeNames);
      const matched = workflow.nodes.filter((n) => requested.has(n.name) || requested.has(n.id));
      const keys = new Set(matched.flatMap((n) => [n.name, n.id]));
      const notFound = args.nodeNames.filter((k) => !keys.has(k));
      return {
        success: true,
        data: {
          id: workflow.id,
          name: workflow.name,
          active: workflow.active,
          nodes: matched,
          nodeCount: workflow.nodes.length,
          returnedCount: matched.length,
          ...(notFound.length > 0 ? { notFound } : {}),
        },
      };
    }
    case 'full':
      return { success: true, data: workflowBody(workflow) };
  }
}

function createWorkflow(state: N8nState, context: SandboxToolContext, args: Args<'n8n_create_workflow'>): Result {
  const shortForm: string[] = [];
  args.nodes.forEach((node, index) => {
    if (node.type.startsWith('nodes-base.') || node.type.startsWith('nodes-langchain.')) {
      const full = node.type.startsWith('nodes-base.')
        ? node.type.replace('nodes-base.', 'n8n-nodes-base.')
        : node.type.replace('nodes-langchain.', '@n8n/n8n-nodes-langchain.');
      shortForm.push(
        `Node ${index} ("${node.name}") uses SHORT form "${node.type}". The n8n API requires FULL form. Change to "${full}"`,
      );
    }
  });
  if (shortForm.length > 0) {
    return {
      success: false,
      error: 'Node type format error: n8n API requires FULL form node types',
      details: { errors: shortForm, hint: 'Use n8n-nodes-base.* instead of nodes-base.* for standard nodes' },
    };
  }
  const { errors, parsed } = validateStructure(args);
  if (!parsed) return { success: false, error: 'Workflow validation failed', details: { errors } };
  const rejection = n8nRejection(parsed.nodes);
  if (rejection) return n8nValidationError(rejection);

  const now = context.now().toISOString();
  const nodes: N8nNode[] = parsed.nodes.map((node) =>
    node.type === 'n8n-nodes-base.webhook' && !node.webhookId ? { ...node, webhookId: uuid(state.random) } : node,
  );
  const settings =
    args.settings && Object.keys(args.settings).length > 0 ? { ...args.settings } : { ...DEFAULT_WORKFLOW_SETTINGS };
  let id = workflowId(state.random);
  while (state.workflows.has(id)) id = workflowId(state.random);
  const workflow: N8nWorkflow = {
    id,
    name: args.name,
    active: false,
    isArchived: false,
    createdAt: now,
    updatedAt: now,
    nodes,
    connections: parsed.connections,
    settings,
    staticData: null,
    meta: null,
    pinData: {},
    versionId: uuid(state.random),
    activeVersionId: null,
    triggerCount: 0,
    tags: [],
  };
  state.workflows.set(id, workflow);
  return {
    success: true,
    data: { id, name: workflow.name, active: false, nodeCount: nodes.length },
    message: `Workflow "${workflow.name}" created successfully with ID: ${id}. Use n8n_get_workflow with mode 'structure' to verify current state.`,
  };
}

interface DiffOutcome {
  workflow: N8nWorkflow;
  activate?: boolean;
  tagsToAdd: string[];
  tagsToRemove: string[];
}

function findNode(workflow: N8nWorkflow, op: Record<string, unknown>): N8nNode | undefined {
  const key = typeof op.nodeId === 'string' ? op.nodeId : typeof op.nodeName === 'string' ? op.nodeName : undefined;
  return key === undefined ? undefined : workflow.nodes.find((n) => n.id === key || n.name === key);
}

/** Applies one diff operation to the draft copy; returns an error message when n8n-mcp's diff engine would refuse it. */
function applyOperation(draft: DiffOutcome, op: Record<string, unknown>): string | undefined {
  const w = draft.workflow;
  switch (op.type) {
    case 'activateWorkflow': {
      const error = mcpActivationError(w);
      if (error) return error;
      draft.activate = true;
      return undefined;
    }
    case 'deactivateWorkflow':
      draft.activate = false;
      return undefined;
    case 'updateName':
      if (typeof op.name !== 'string' || op.name.trim() === '') return 'updateName requires a non-empty "name"';
      w.name = op.name;
      return undefined;
    case 'updateSettings':
      if (!op.settings || typeof op.settings !== 'object') return 'updateSettings requires a "settings" object';
      w.settings = { ...w.settings, ...(op.settings as Record<string, unknown>) };
      return undefined;
    case 'addTag':
      if (typeof op.tag !== 'string' || op.tag === '') return 'addTag requires a "tag" string';
      draft.tagsToAdd.push(op.tag);
      return undefined;
    case 'removeTag':
      if (typeof op.tag !== 'string' || op.tag === '') return 'removeTag requires a "tag" string';
      draft.tagsToRemove.push(op.tag);
      return undefined;
    case 'enableNode':
    case 'disableNode': {
      const node = findNode(w, op);
      if (!node) return `Node not found for ${op.type}: ${String(op.nodeName ?? op.nodeId)}`;
      node.disabled = op.type === 'disableNode';
      return undefined;
    }
    case 'updateNode': {
      const node = findNode(w, op);
      if (!node) return `Node not found for updateNode: ${String(op.nodeName ?? op.nodeId)}`;
      if (!op.updates || typeof op.updates !== 'object') return 'updateNode requires an "updates" object';
      for (const [path, value] of Object.entries(op.updates as Record<string, unknown>)) {
        const keys = path.split('.');
        let cursor = node as unknown as Record<string, unknown>;
        keys.forEach((key, i) => {
          if (i === keys.length - 1) cursor[key] = value;
          else {
            const next = cursor[key];
            if (next === null || typeof next !== 'object') cursor[key] = {};
            cursor = cursor[key] as Record<string, unknown>;
          }
        });
      }
      return undefined;
    }
    default:
      return typeof op.type === 'string'
        ? `Operation type "${op.type}" is not supported by the n8n sandbox (supported: activateWorkflow, deactivateWorkflow, updateName, updateSettings, addTag, removeTag, enableNode, disableNode, updateNode)`
        : 'Operation is missing a "type"';
  }
}

function updatePartialWorkflow(
  state: N8nState,
  context: SandboxToolContext,
  args: Args<'n8n_update_partial_workflow'>,
): Result {
  const current = state.workflows.get(args.id);
  if (!current) return NOT_FOUND;
  const draft: DiffOutcome = { workflow: structuredClone(current), tagsToAdd: [], tagsToRemove: [] };
  const applied: number[] = [];
  const failed: number[] = [];
  const errors: { operation: number; message: string; details: unknown }[] = [];
  for (const [index, op] of args.operations.entries()) {
    const error = applyOperation(draft, op);
    if (error === undefined) {
      applied.push(index);
      continue;
    }
    errors.push({ operation: index, message: error, details: op });
    failed.push(index);
    if (!args.continueOnError) break;
  }
  const continuing = args.continueOnError === true && applied.length > 0;
  if (errors.length > 0 && !continuing) {
    return {
      success: false,
      saved: false,
      error: 'Failed to apply diff operations',
      ...(args.continueOnError ? { operationsApplied: applied.length } : {}),
      details: {
        errors,
        ...(args.continueOnError ? { applied, failed } : {}),
      },
    };
  }
  const structure = validateStructure(draft.workflow);
  const structureErrors = structure.errors;
  if (args.validateOnly) {
    return {
      success: true,
      message:
        errors.length === 0
          ? 'Validation successful. Operations are valid but not applied.'
          : `Validation completed with ${errors.length} errors.`,
      data: {
        valid: structureErrors.length === 0,
        operationsToApply: applied.length,
        ...(structureErrors.length > 0 ? { structureErrors } : {}),
      },
      details: {},
    };
  }
  if (structureErrors.length > 0) {
    return {
      success: false,
      saved: false,
      error:
        structureErrors.length === 1
          ? `Workflow validation failed: ${structureErrors[0]}`
          : `Workflow validation failed with ${structureErrors.length} structural issues`,
      details: {
        errors: structureErrors,
        errorCount: structureErrors.length,
        operationsApplied: applied.length,
        applied,
      },
    };
  }
  const rejection = n8nRejection(draft.workflow.nodes);
  if (rejection) return n8nValidationError(rejection);

  // The PUT: n8n saves the draft even when the activation that follows fails.
  current.name = draft.workflow.name;
  current.nodes = draft.workflow.nodes;
  current.settings = draft.workflow.settings;
  for (const name of draft.tagsToAdd) {
    if (current.tags.some((t) => t.name === name)) continue;
    const at = context.now().toISOString();
    const existing = [...state.workflows.values()].flatMap((w) => w.tags).find((t) => t.name === name);
    current.tags.push(existing ?? { id: workflowId(state.random), name, createdAt: at, updatedAt: at });
  }
  current.tags = current.tags.filter((t) => !draft.tagsToRemove.includes(t.name));
  touch(current, context, state);

  let activationMessage = '';
  if (draft.activate === true) {
    const refusal = n8nActivationError(current, state.workflows.values());
    if (refusal) {
      return {
        success: false,
        saved: true,
        error: 'Workflow updated successfully but activation failed',
        details: { workflowUpdated: true, activationError: refusal },
      };
    }
    current.active = true;
    current.activeVersionId = current.versionId;
    current.triggerCount = countTriggers(current);
    activationMessage = ' Workflow activated.';
  } else if (draft.activate === false) {
    current.active = false;
    current.activeVersionId = null;
    current.triggerCount = 0;
    activationMessage = ' Workflow deactivated.';
  }
  if (draft.activate !== undefined) touch(current, context, state);
  return {
    success: true,
    saved: true,
    data: {
      id: current.id,
      name: current.name,
      active: current.active,
      nodeCount: current.nodes.length,
      operationsApplied: applied.length,
    },
    message: `Workflow "${current.name}" updated successfully. Applied ${applied.length} operations.${activationMessage} Use n8n_get_workflow with mode 'structure' to verify current state.`,
    details: {
      ...(args.continueOnError ? { applied, failed } : {}),
      ...(errors.length > 0 ? { errors } : {}),
    },
  };
}

/** Removes a workflow with its executions (n8n cascades) and any pending run timers. */
export function deleteWorkflowRecord(state: N8nState, id: string): N8nWorkflow | undefined {
  const workflow = state.workflows.get(id);
  if (!workflow) return undefined;
  state.workflows.delete(id);
  for (const execution of [...state.executions.values()]) {
    if (execution.workflowId !== id) continue;
    stopTimer(state, execution.id);
    state.executions.delete(execution.id);
  }
  return workflow;
}

function deleteWorkflow(state: N8nState, args: Args<'n8n_delete_workflow'>): Result {
  const deleted = deleteWorkflowRecord(state, args.id);
  if (!deleted) return NOT_FOUND;
  return {
    success: true,
    data: { id: deleted.id, name: deleted.name, deleted: true },
    message: `Workflow "${deleted.name}" deleted successfully.`,
  };
}

const RESPONSE_HEADERS_BASE = { connection: 'keep-alive', 'keep-alive': 'timeout=5' };

async function testWorkflow(
  state: N8nState,
  context: SandboxToolContext,
  args: Args<'n8n_test_workflow'>,
): Promise<Result> {
  const method = args.method ?? 'auto';
  const started = Date.now();
  if (method === 'pinned' && Object.keys(args.pinData ?? {}).length === 0) {
    return {
      success: false,
      code: 'INVALID_ARGS',
      method: 'pinned',
      error:
        'pinData is required for method: pinned (keys are node names, values are arrays of items wrapped as { "json": { ... } }). Run method: prepare first to see which nodes need pinned data.',
    };
  }
  if (method === 'prepare' || method === 'pinned' || method === 'direct') {
    // These go through n8n's own instance-level MCP server, which the sandbox does not imitate.
    return {
      success: false,
      code: 'NOT_CONFIGURED',
      method,
      backend: 'official-mcp',
      error:
        'Set N8N_MCP_ACCESS_TOKEN to the MCP API key from n8n Settings → Instance-level MCP → set MCP status to Enabled (a separate key from N8N_API_KEY). The endpoint is derived from N8N_API_URL.',
    };
  }
  const workflow = state.workflows.get(args.workflowId);
  if (!workflow) return { success: false, method, backend: 'public-api', error: 'Not Found', code: 'NOT_FOUND' };

  const triggers = workflow.nodes.filter(
    (n) => !n.disabled && (looksLikeTrigger(n.type) || n.type === 'n8n-nodes-base.start'),
  );
  const webhookNode = triggers.find((n) => n.type.split('.').pop()?.toLowerCase().includes('webhook'));
  const formNode = triggers.find((n) => n.type.toLowerCase().includes('form'));
  const detected: 'webhook' | 'form' | undefined = webhookNode ? 'webhook' : formNode ? 'form' : undefined;
  const reason =
    workflow.nodes.length === 0
      ? 'Workflow has no nodes'
      : triggers.length === 0
        ? 'No trigger nodes found in workflow'
        : `Workflow has trigger nodes but none support external triggering (found: ${triggers.map((n) => n.type).join(', ')}). Only webhook, form, and chat triggers can be triggered via the API.`;
  const triggerType = args.triggerType ?? detected;
  if (!triggerType) {
    return {
      success: false,
      error: 'Workflow cannot be triggered externally',
      method,
      backend: 'public-api',
      details: {
        workflowId: workflow.id,
        reason,
        hint:
          'Only workflows with webhook, form, or chat triggers can be executed via the API. Add one of these trigger nodes to your workflow.' +
          " To run it anyway through n8n's MCP server, call again with method: direct (executionMode manual) or method: pinned with pinData from method: prepare — both need N8N_MCP_ACCESS_TOKEN.",
      },
    };
  }
  if (triggerType !== detected) {
    return {
      success: false,
      error: `Workflow does not have a ${triggerType} trigger`,
      method: 'trigger',
      backend: 'public-api',
      details: {
        workflowId: workflow.id,
        requestedTrigger: triggerType,
        detectedTrigger: detected ?? 'none',
        hint: detected
          ? `Workflow has a ${detected} trigger. Either use that type or omit triggerType for auto-detection.`
          : 'Workflow has no externally-triggerable triggers (webhook, form, or chat).',
      },
    };
  }
  if (!workflow.active) {
    return {
      success: false,
      error: 'Workflow must be active to trigger via this method',
      method: 'trigger',
      backend: 'public-api',
      details: {
        workflowId: workflow.id,
        triggerType,
        hint: 'Activate the workflow in n8n using n8n_update_partial_workflow with [{type: "activateWorkflow"}]',
      },
    };
  }
  if (triggerType === 'form' || !webhookNode) {
    return {
      success: false,
      error: 'Form triggers are not simulated by the n8n sandbox; use a Webhook trigger',
      method: 'trigger',
      backend: 'public-api',
      details: { workflowId: workflow.id, triggerType },
    };
  }
  // n8n-mcp calls POST unless the node names a method; n8n's Webhook node itself defaults to GET.
  const declared = webhookNode.parameters.httpMethod;
  const httpMethod = args.httpMethod ?? (typeof declared === 'string' ? declared.toUpperCase() : 'POST');
  const path = args.webhookPath ?? webhookPathOf(webhookNode) ?? webhookNode.webhookId ?? webhookNode.id;
  const route = routeWebhook(state, httpMethod, path);
  let reply: WebhookReply;
  if ('reply' in route) {
    reply = route.reply;
  } else {
    const run = startWebhookRun(state, context, route.workflow, route.node, {
      method: httpMethod,
      path,
      body: args.data ?? {},
      headers: Object.fromEntries(Object.entries(args.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
      baseUrl: state.apiUrl,
    });
    reply = await run.reply;
  }
  const duration = Date.now() - started;
  if (reply.status >= 500) {
    // axios throws on 5xx; n8n-mcp's webhook handler turns that into an error response without `error` or `data`.
    const body = reply.body as { message?: unknown };
    return {
      success: false,
      message: typeof body.message === 'string' ? body.message : 'n8n server error occurred',
      workflowId: workflow.id,
      method: 'trigger',
      backend: 'public-api',
      details: { triggerType, metadata: { duration } },
    };
  }
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  return {
    success: true,
    data: {
      status: reply.status,
      statusText: reply.statusText,
      data: reply.body,
      headers: {
        'content-type':
          typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(text)),
        date: context.now().toUTCString(),
        ...RESPONSE_HEADERS_BASE,
      },
    },
    message: `Workflow triggered successfully via ${triggerType}`,
    workflowId: workflow.id,
    method: 'trigger',
    backend: 'public-api',
    details: { triggerType, metadata: { duration, webhookPath: args.webhookPath ?? path, httpMethod } },
  };
}

function listExecutions(state: N8nState, args: Args<'n8n_executions'>): Result {
  const limit = args.limit ?? 100;
  if (limit < 1 || limit > 100) return invalidInput(['limit: must be between 1 and 100']);
  const all = [...state.executions.values()]
    .filter((e) => !args.workflowId || e.workflowId === args.workflowId)
    .filter((e) => !args.status || e.status === args.status)
    .sort((a, b) => Number(b.id) - Number(a.id));
  const cursor = args.cursor === '' ? undefined : args.cursor;
  const result = page(
    all,
    (e) => e.id,
    (e, lastId) => Number(e.id) < Number(lastId),
    limit,
    cursor,
  );
  if ('error' in result) return n8nValidationError(result.error);
  const executions = result.data.map((e) => executionBody(e, args.includeData === true));
  return {
    success: true,
    data: {
      executions,
      returned: executions.length,
      nextCursor: result.nextCursor,
      hasMore: !!result.nextCursor,
      ...(result.nextCursor ? { _note: 'More executions available. Use cursor to get next page.' } : {}),
    },
  };
}

/** n8n-mcp's execution processor for `mode` on get (summary / filtered / full; preview and error in short form). */
function processExecution(
  execution: N8nExecution,
  args: Args<'n8n_executions'>,
  workflow: N8nWorkflow | undefined,
): Result {
  const mode = args.mode ?? 'summary';
  const itemsLimit = args.itemsLimit ?? 2;
  const duration =
    execution.stoppedAt && execution.startedAt
      ? Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt)
      : undefined;
  const response: Result = {
    id: execution.id,
    workflowId: execution.workflowId,
    status: execution.status,
    mode,
    startedAt: execution.startedAt,
    stoppedAt: execution.stoppedAt,
    duration,
    finished: execution.finished,
  };
  const runData = execution.data.resultData.runData;
  const error = execution.data.resultData.error;
  const names = Object.keys(runData).filter((n) => !args.nodeNames?.length || args.nodeNames.includes(n));
  if (mode === 'preview') {
    response.preview = {
      totalNodes: Object.keys(runData).length,
      executedNodes: Object.keys(runData).length,
      estimatedSizeKB: Math.ceil(JSON.stringify(runData).length / 1024),
      nodes: Object.fromEntries(
        Object.entries(runData).map(([name, runs]) => [
          name,
          { status: runs[0]?.executionStatus ?? 'success', itemCounts: { input: 1, output: runs[0]?.data ? 1 : 0 } },
        ]),
      ),
    };
    response.recommendation = { canFetchFull: true, suggestedMode: 'full', reason: 'Small dataset' };
    return response;
  }
  if (mode === 'error') {
    const node = error?.node;
    const path = Object.keys(runData);
    response.errorInfo = error
      ? {
          primaryError: {
            message: error.message,
            errorType: error.name,
            nodeName: node,
            nodeType: workflow?.nodes.find((n) => n.name === node)?.type,
          },
          ...(args.includeExecutionPath === false
            ? {}
            : {
                executionPath: path.map((name) => ({
                  nodeName: name,
                  status: runData[name]?.[0]?.executionStatus ?? 'success',
                })),
              }),
        }
      : { primaryError: null };
    response.summary = { totalNodes: path.length, executedNodes: path.length, totalItems: 0, hasMoreData: false };
    if (error) response.error = error;
    return response;
  }
  const nodes: Record<string, unknown> = {};
  let totalItems = 0;
  let hasMoreData = false;
  for (const name of names) {
    const run = runData[name]?.[0];
    const output = run?.data?.main.flat() ?? [];
    totalItems += output.length;
    const shown = mode === 'full' || itemsLimit < 0 ? output : output.slice(0, itemsLimit);
    if (shown.length < output.length) hasMoreData = true;
    nodes[name] = {
      executionTime: run?.executionTime ?? 0,
      itemsInput: run?.source.length ? 1 : 0,
      itemsOutput: output.length,
      status: run?.executionStatus ?? 'success',
      ...(run?.error ? { error: run.error.message } : {}),
      data: {
        output: shown,
        metadata: { totalItems: output.length, itemsShown: shown.length, truncated: shown.length < output.length },
      },
    };
  }
  response.summary = { totalNodes: Object.keys(runData).length, executedNodes: names.length, totalItems, hasMoreData };
  response.nodes = nodes;
  if (error) response.error = error;
  return response;
}

function executions(state: N8nState, args: Args<'n8n_executions'>): Result {
  const action = args.action ?? 'list';
  const id = args.id?.trim() ? args.id : undefined;
  if (action === 'list') return listExecutions(state, args);
  if (action === 'get') {
    if (!id) {
      const listed = listExecutions(state, args);
      if (listed.success !== true) return listed;
      const scope = args.workflowId ? `executions of workflow ${args.workflowId}` : 'recent executions';
      return {
        ...listed,
        message: `action=get was called without an execution id, so ${scope} were listed instead. Pass id to get one execution.`,
      };
    }
    const execution = state.executions.get(id);
    if (!execution) return NOT_FOUND;
    if (!args.mode && !args.nodeNames && args.itemsLimit === undefined) {
      return { success: true, data: executionBody(execution, false) };
    }
    return { success: true, data: processExecution(execution, args, state.workflows.get(execution.workflowId)) };
  }
  if (!id) throw new Error('id is required for action=delete');
  const execution = state.executions.get(id);
  if (!execution) return NOT_FOUND;
  stopTimer(state, id);
  state.executions.delete(id);
  return { success: true, message: `Execution ${id} deleted successfully` };
}

function healthCheck(state: N8nState, args: Args<'n8n_health_check'>): Result {
  const started = Date.now();
  if (args.mode === 'diagnostic') {
    return {
      success: true,
      data: {
        timestamp: new Date().toISOString(),
        environment: {
          N8N_API_URL: state.apiUrl,
          N8N_API_KEY: '***configured***',
          NODE_ENV: process.env.NODE_ENV ?? 'production',
          MCP_MODE: 'http',
        },
        apiConfiguration: {
          configured: true,
          status: { configured: true, connected: true, version: state.n8nVersion },
          config: { baseUrl: state.apiUrl, timeout: 30000, maxRetries: 3 },
        },
        toolsAvailability: {
          documentationTools: { count: 7, enabled: true },
          managementTools: { count: 21, enabled: true },
        },
        sandbox: {
          workflows: state.workflows.size,
          executions: state.executions.size,
          runningExecutions: state.timers.size,
        },
      },
    };
  }
  return {
    success: true,
    data: {
      status: 'ok',
      n8nVersion: state.n8nVersion,
      features: {},
      apiUrl: state.apiUrl,
      mcpVersion: N8N_MCP_VERSION,
      versionCheck: {
        current: N8N_MCP_VERSION,
        latest: N8N_MCP_VERSION,
        upToDate: true,
        message: `✓ You're up to date! Current version: ${N8N_MCP_VERSION}`,
      },
      performance: { responseTimeMs: Date.now() - started, cacheHitRate: 'N/A', cachedInstances: 0 },
      officialMcp: {
        configured: false,
        hint: 'Set N8N_MCP_ACCESS_TOKEN to the MCP API key from n8n Settings → Instance-level MCP → set MCP status to Enabled (a separate key from N8N_API_KEY). The endpoint is derived from N8N_API_URL.',
      },
      nextSteps: [
        '• Create workflow: n8n_create_workflow',
        '• List workflows: n8n_list_workflows',
        '• Search nodes: search_nodes',
        '• Browse templates: search_templates',
      ],
    },
  };
}

// ---------------------------------------------------------------- registration

function config<K extends keyof typeof schemas>(
  name: K,
): {
  description: string;
  inputSchema: (typeof schemas)[K];
  annotations: Record<string, unknown>;
} {
  return { description: DESCRIPTIONS[name], inputSchema: schemas[name], annotations: ANNOTATIONS[name] };
}

export function registerN8nTools(server: McpServer, state: N8nState, context: SandboxToolContext): void {
  server.registerTool('n8n_list_workflows', config('n8n_list_workflows'), async (args) =>
    toResult('n8n_list_workflows', listWorkflows(state, args)),
  );
  server.registerTool('n8n_get_workflow', config('n8n_get_workflow'), async (args) =>
    toResult('n8n_get_workflow', getWorkflow(state, args)),
  );
  server.registerTool('n8n_create_workflow', config('n8n_create_workflow'), async (args) =>
    toResult('n8n_create_workflow', createWorkflow(state, context, args)),
  );
  server.registerTool('n8n_update_partial_workflow', config('n8n_update_partial_workflow'), async (args) =>
    toResult('n8n_update_partial_workflow', updatePartialWorkflow(state, context, args)),
  );
  server.registerTool('n8n_delete_workflow', config('n8n_delete_workflow'), async (args) =>
    toResult('n8n_delete_workflow', deleteWorkflow(state, args)),
  );
  server.registerTool('n8n_test_workflow', config('n8n_test_workflow'), async (args) =>
    toResult('n8n_test_workflow', await testWorkflow(state, context, args)),
  );
  server.registerTool('n8n_executions', config('n8n_executions'), async (args) =>
    toResult('n8n_executions', executions(state, args)),
  );
  server.registerTool('n8n_health_check', config('n8n_health_check'), async (args) =>
    toResult('n8n_health_check', healthCheck(state, args)),
  );
}
