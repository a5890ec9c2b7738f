import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../../common/config/app-config.js';
import { DomainError, type FieldProblem, ValidationFailedError } from '../../common/errors/domain-error.js';
import { cursorPage, type CursorPage } from '../../common/http/pagination.js';
import { McpClientService } from '../../common/mcp/mcp-client.service.js';
import {
  createWorkflowTool,
  type ExecutionStatus,
  type FilterableExecutionStatus,
  getExecutionTool,
  getWorkflowTool,
  healthCheckTool,
  listExecutionsTool,
  listWorkflowsTool,
  type N8nExecutionResult,
  type N8nWorkflowResult,
  testWorkflowTool,
  updatePartialWorkflowTool,
  type WorkflowDefinition,
} from './n8n.contracts.js';
import {
  BACKEND_NODE_TYPES,
  SAFE_NODE_TYPES,
  type WorkflowPolicyConfig,
  type WorkflowPolicyNodes,
  workflowPolicyProblems,
} from './workflow-policy.js';
import { N8nWorkflowActivated, N8nWorkflowCreated, N8nWorkflowDeactivated, N8nWorkflowExecuted } from './n8n.events.js';

export interface WorkflowSummary {
  id: string;
  name: string;
  active: boolean;
  isArchived: boolean;
  createdAt: string;
  updatedAt: string;
  tags: string[];
  nodeCount: number | null;
}

export interface WorkflowState {
  id: string;
  name: string;
  active: boolean;
}

export interface ExecutionSummary {
  id: string;
  workflowId: string;
  status: ExecutionStatus;
  finished: boolean;
  mode: string | null;
  startedAt: string | null;
  stoppedAt: string | null;
}

export interface WorkflowRun {
  workflowId: string;
  /** The run's execution id, when n8n's reply named it or an execution carrying our correlation id was found. */
  executionId: string | null;
  /** Sent as the `x-jetvision-correlation-id` header to the workflow's webhook. */
  correlationId: string;
  /** HTTP status of the webhook's reply. */
  httpStatus: number;
  /** The webhook's reply body. */
  response: unknown;
}

export interface EnsuredWorkflow extends WorkflowState {
  /** True when this call created it upstream. */
  created: boolean;
}

export const CORRELATION_HEADER = 'x-jetvision-correlation-id';
const FINISHED: ReadonlySet<ExecutionStatus> = new Set(['success', 'error', 'canceled']);
/** A claim older than this is taken to belong to an instance that died while creating the workflow. */
const CLAIM_LEASE_SECONDS = 60;
const ENSURE_TIMEOUT_MS = 90_000;
const NOT_FOUND_TEXT = /\bnot found\b/i;

function tagNames(tags: readonly (string | { name: string })[] | undefined): string[] {
  return (tags ?? []).map((t) => (typeof t === 'string' ? t : t.name));
}

function summaryOf(workflow: {
  id: string;
  name: string;
  active: boolean;
  isArchived?: boolean;
  createdAt: string;
  updatedAt: string;
  tags?: (string | { name: string })[];
  nodeCount?: number;
  nodes?: unknown[];
}): WorkflowSummary {
  return {
    id: workflow.id,
    name: workflow.name,
    active: workflow.active,
    isArchived: workflow.isArchived ?? false,
    createdAt: workflow.createdAt,
    updatedAt: workflow.updatedAt,
    tags: tagNames(workflow.tags),
    nodeCount: workflow.nodeCount ?? workflow.nodes?.length ?? null,
  };
}

function executionSummary(execution: N8nExecutionResult): ExecutionSummary {
  return {
    id: execution.id,
    workflowId: execution.workflowId,
    status: execution.status,
    finished: execution.finished ?? FINISHED.has(execution.status),
    mode: execution.mode ?? null,
    startedAt: execution.startedAt,
    stoppedAt: execution.stoppedAt ?? null,
  };
}

function mapNotFound(error: unknown, resource: string, id: string): never {
  if (
    error instanceof DomainError &&
    error.code === 'upstream_error' &&
    error.extensions.reason === 'tool_error' &&
    error.cause instanceof Error &&
    NOT_FOUND_TEXT.test(error.cause.message)
  ) {
    throw new DomainError('not_found', `${resource} ${id} was not found in n8n`, {
      extensions: { resource, id, server: 'n8n', tool: error.extensions.tool },
    });
  }
  throw error;
}

/** Finds `value` (our correlation id) in the trigger node's output of an execution: n8n passes headers through. */
function carriesCorrelation(execution: N8nExecutionResult, correlationId: string): boolean {
  return JSON.stringify(execution.data ?? null).includes(correlationId);
}

function executionIdIn(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const value = (body as Record<string, unknown>).executionId;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

/**
 * Checks what n8n-mcp and n8n would refuse, so a client learns it as a 400 naming the field instead of a 502:
 * unique node names, full-form node types, webhook paths, connections keyed by existing node names.
 */
export function validateWorkflowDefinition(definition: WorkflowDefinition, prefix = 'workflow'): void {
  const problems: FieldProblem[] = [];
  const names = new Set<string>();
  definition.nodes.forEach((node, index) => {
    const at = `${prefix}.nodes.${index}`;
    if (names.has(node.name)) {
      problems.push({ field: `${at}.name`, rule: 'uniqueNodeName', message: `node name "${node.name}" is used twice` });
    }
    names.add(node.name);
    if (!/^(@[\w-]+\/)?[\w-]+\.[\w]+$/.test(node.type) || /^nodes-(base|langchain)\./.test(node.type)) {
      problems.push({
        field: `${at}.type`,
        rule: 'isNodeType',
        message: `type must be a full n8n node type such as n8n-nodes-base.webhook (got "${node.type}")`,
      });
    }
    if (node.type === 'n8n-nodes-base.webhook') {
      const path = node.parameters.path;
      if (typeof path !== 'string' || path.replace(/\//g, '').trim() === '') {
        problems.push({
          field: `${at}.parameters.path`,
          rule: 'webhookPath',
          message: 'a Webhook node needs parameters.path',
        });
      }
    }
  });
  for (const [source, outputs] of Object.entries(definition.connections)) {
    if (!names.has(source)) {
      problems.push({
        field: `${prefix}.connections.${source}`,
        rule: 'isNodeName',
        message: `connections are keyed by node name; no node is named "${source}"`,
      });
      continue;
    }
    for (const branches of Object.values(outputs as Record<string, unknown>)) {
      for (const targets of Array.isArray(branches) ? branches : []) {
        for (const target of Array.isArray(targets) ? targets : []) {
          const node = (target as { node?: unknown } | null)?.node;
          if (typeof node !== 'string' || !names.has(node)) {
            problems.push({
              field: `${prefix}.connections.${source}`,
              rule: 'isNodeName',
              message: `connection from "${source}" targets unknown node "${String(node)}"`,
            });
          }
        }
      }
    }
  }
  if (problems.length > 0) throw new ValidationFailedError(problems, 'The workflow is not valid');
}

/**
 * A minimal production-valid webhook workflow: Webhook (POST `path`, answered by the Respond node) → Set (adds
 * `fields`) → Respond to Webhook (JSON with the execution id, so a caller can follow the run). Real node types and
 * type versions of n8n 1.x/2.x.
 */
export function webhookWorkflow(options: {
  name: string;
  path: string;
  fields?: Record<string, string>;
}): WorkflowDefinition {
  const assignments = Object.entries(options.fields ?? { receivedAt: '={{ $now.toISO() }}' }).map(
    ([name, value], i) => ({ id: `f${i + 1}`, name, value, type: 'string' }),
  );
  return {
    name: options.name,
    nodes: [
      {
        id: randomUUID(),
        name: 'Webhook',
        type: 'n8n-nodes-base.webhook',
        typeVersion: 2,
        position: [0, 0],
        webhookId: randomUUID(),
        parameters: { httpMethod: 'POST', path: options.path, responseMode: 'responseNode', options: {} },
      },
      {
        id: randomUUID(),
        name: 'Prepare',
        type: 'n8n-nodes-base.set',
        typeVersion: 3.4,
        position: [220, 0],
        parameters: { assignments: { assignments }, includeOtherFields: true, options: {} },
      },
      {
        id: randomUUID(),
        name: 'Respond',
        type: 'n8n-nodes-base.respondToWebhook',
        typeVersion: 1.1,
        position: [440, 0],
        parameters: {
          respondWith: 'json',
          responseBody: '={{ { "received": true, "executionId": $execution.id } }}',
          options: {},
        },
      },
    ],
    connections: {
      Webhook: { main: [[{ node: 'Prepare', type: 'main', index: 0 }]] },
      Prepare: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] },
    },
    settings: { executionOrder: 'v1' },
  };
}

/**
 * n8n workflow automation over n8n-mcp: typed workflow and execution calls, `ensureWorkflow` for workflows the backend
 * provisions itself, and an event for every change the backend makes.
 */
@Injectable()
export class N8nService {
  private readonly logger = new Logger('N8nService');
  /** In-process single flight of `ensureWorkflow` by name (PGlite is one session: the row claim alone can't tell). */
  private readonly ensuring = new Map<string, Promise<EnsuredWorkflow>>();

  private readonly policy: WorkflowPolicyConfig;

  constructor(
    private readonly mcp: McpClientService,
    private readonly events: EventEmitter2,
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.policy = {
      allowedNodeTypes: [...BACKEND_NODE_TYPES, ...SAFE_NODE_TYPES, ...config.security.n8nExtraNodeTypes],
      allowedHttpHosts: config.security.n8nAllowedHttpHosts,
    };
  }

  async listWorkflows(
    options: { limit?: number; cursor?: string; active?: boolean } = {},
  ): Promise<CursorPage<WorkflowSummary>> {
    const limit = options.limit ?? 25;
    const result = await this.mcp.call(listWorkflowsTool, {
      limit,
      ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
      ...(options.active !== undefined ? { active: options.active } : {}),
    });
    return cursorPage(result.workflows.map(summaryOf), { nextCursor: result.nextCursor, limit });
  }

  async getWorkflow(id: string): Promise<N8nWorkflowResult> {
    return this.mcp
      .call(getWorkflowTool, { id, mode: 'full' })
      .catch((error: unknown) => mapNotFound(error, 'workflow', id));
  }

  /** The first workflow (not archived) with exactly this name, walking every page. */
  async findWorkflowByName(name: string): Promise<WorkflowSummary | undefined> {
    let cursor: string | undefined;
    for (let pages = 0; pages < 1_000; pages++) {
      const page = await this.listWorkflows({ limit: 100, ...(cursor ? { cursor } : {}) });
      const match = page.items.find((w) => w.name === name && !w.isArchived);
      if (match) return match;
      if (!page.page.nextCursor) return undefined;
      cursor = page.page.nextCursor;
    }
    return undefined;
  }

  /** Creates a workflow (inactive, as n8n does) and returns it in full. */
  async createWorkflow(
    definition: WorkflowDefinition,
    origin: 'api' | 'ensureWorkflow' = 'api',
  ): Promise<N8nWorkflowResult> {
    validateWorkflowDefinition(definition);
    if (origin === 'api') this.enforcePolicy(definition.nodes, 'workflow');
    const created = await this.mcp.call(createWorkflowTool, {
      name: definition.name,
      nodes: definition.nodes,
      connections: definition.connections,
      ...(definition.settings ? { settings: definition.settings } : {}),
    });
    this.events.emit(
      N8nWorkflowCreated.eventName,
      new N8nWorkflowCreated({ id: created.id, name: created.name, nodeCount: definition.nodes.length }, origin),
    );
    return this.getWorkflow(created.id);
  }

  /**
   * Activates a workflow. Through the API (`origin: 'api'`) the workflow as it is upstream must pass the node policy
   * first, so one created directly in n8n cannot be switched on here if it could act as an open proxy.
   */
  async activateWorkflow(id: string, origin: 'api' | 'ensureWorkflow' = 'api'): Promise<WorkflowState> {
    if (origin === 'api') this.enforcePolicy((await this.getWorkflow(id)).nodes, `workflow ${id}`);
    return this.setActive(id, true);
  }

  /** 400 naming each node and the rule it breaks (node type allow-list, HTTP host allow-list). */
  private enforcePolicy(nodes: WorkflowPolicyNodes, prefix: string): void {
    const problems = workflowPolicyProblems(nodes, this.policy, prefix);
    if (problems.length > 0) {
      throw new ValidationFailedError(problems, `The workflow breaks the node policy: ${problems[0]?.message ?? ''}`);
    }
  }

  async deactivateWorkflow(id: string): Promise<WorkflowState> {
    return this.setActive(id, false);
  }

  /**
   * Runs a workflow through its Webhook trigger (the workflow must be active) with `inputData` as the JSON body.
   * n8n-mcp returns the webhook's reply, not an execution id: the id comes from the reply when the workflow answers
   * with `$execution.id` (as `webhookWorkflow` does), else from the newest executions carrying our correlation header.
   */
  async executeWorkflow(workflowId: string, inputData: Record<string, unknown> = {}): Promise<WorkflowRun> {
    const correlationId = randomUUID();
    const reply = await this.mcp
      .call(testWorkflowTool, { workflowId, data: inputData, headers: { [CORRELATION_HEADER]: correlationId } })
      .catch((error: unknown) => mapNotFound(error, 'workflow', workflowId));
    if (reply.success === false && typeof reply.message === 'string') {
      // n8n-mcp's answer for a webhook that replied 5xx: no `error` member, so the client could not flag it.
      throw new DomainError('upstream_error', `n8n tool n8n_test_workflow failed: ${String(reply.message)}`, {
        extensions: { server: 'n8n', tool: 'n8n_test_workflow', reason: 'tool_error' },
      });
    }
    const webhookReply = reply as { status: number; data: unknown };
    const executionId =
      executionIdIn(webhookReply.data) ?? (await this.findExecutionByCorrelation(workflowId, correlationId));
    const run: WorkflowRun = {
      workflowId,
      executionId,
      correlationId,
      httpStatus: webhookReply.status,
      response: webhookReply.data,
    };
    this.events.emit(
      N8nWorkflowExecuted.eventName,
      new N8nWorkflowExecuted({ workflowId, executionId, correlationId, httpStatus: run.httpStatus }),
    );
    return run;
  }

  /** Executions of a workflow, newest first. n8n-mcp 2.87 filters by success, error or waiting only. */
  async listExecutions(
    workflowId: string,
    options: { status?: FilterableExecutionStatus; limit?: number; cursor?: string } = {},
  ): Promise<CursorPage<ExecutionSummary>> {
    const limit = options.limit ?? 25;
    const result = await this.mcp.call(listExecutionsTool, {
      action: 'list',
      workflowId,
      limit,
      ...(options.status ? { status: options.status } : {}),
      ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
    });
    return cursorPage(result.executions.map(executionSummary), { nextCursor: result.nextCursor, limit });
  }

  async getExecution(id: string): Promise<ExecutionSummary> {
    const execution = await this.mcp
      .call(getExecutionTool, { action: 'get', id })
      .catch((error: unknown) => mapNotFound(error, 'execution', id));
    return executionSummary(execution);
  }

  /** Polls an execution until it has finished (success, error, canceled) or the bound passes. */
  async waitForExecution(
    id: string,
    options: { timeoutMs?: number; intervalMs?: number } = {},
  ): Promise<ExecutionSummary> {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      const execution = await this.getExecution(id);
      if (FINISHED.has(execution.status)) return execution;
      if (Date.now() > deadline) {
        throw new DomainError(
          'upstream_timeout',
          `n8n execution ${id} did not finish in time (still ${execution.status})`,
          {
            extensions: { server: 'n8n', executionId: id, status: execution.status },
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
    }
  }

  async healthCheck(): Promise<{ status: string; n8nVersion?: string; mcpVersion?: string }> {
    return this.mcp.call(healthCheckTool, { mode: 'status' });
  }

  /**
   * Makes sure a workflow with `definition.name` exists upstream and is active: finds it by name, creates it once if
   * missing, activates it. Safe under concurrency: calls in this process share one run per name, and across
   * instances the row `n8n_managed_workflows(name)` is a claim — only the instance whose INSERT (or takeover of a
   * claim older than 60 s) succeeded looks up and creates; the others wait for it to record the workflow id.
   * An existing workflow is adopted as it is (its definition is not updated).
   */
  async ensureWorkflow(definition: WorkflowDefinition): Promise<EnsuredWorkflow> {
    validateWorkflowDefinition(definition);
    const running = this.ensuring.get(definition.name);
    if (running) return running;
    const flight = this.ensureOnce(definition).finally(() => this.ensuring.delete(definition.name));
    this.ensuring.set(definition.name, flight);
    return flight;
  }

  private async ensureOnce(definition: WorkflowDefinition): Promise<EnsuredWorkflow> {
    const { name } = definition;
    const deadline = Date.now() + ENSURE_TIMEOUT_MS;
    for (;;) {
      const recorded = await this.recordedWorkflowId(name);
      if (recorded) {
        try {
          const workflow = await this.getWorkflow(recorded);
          return await this.activated(workflow, false);
        } catch (error) {
          if (!(error instanceof DomainError && error.code === 'not_found')) throw error;
          // Deleted upstream: forget it and provision again.
          this.logger.warn(`Managed n8n workflow "${name}" (${recorded}) is gone upstream; creating it again`);
          await this.rows(
            `WITH cleared AS (UPDATE n8n_managed_workflows SET workflow_id = NULL, active = false, updated_at = now()
               WHERE name = $1 AND workflow_id = $2 RETURNING name) SELECT name FROM cleared`,
            [name, recorded],
          );
          continue;
        }
      }
      const token = await this.claim(name);
      if (token) {
        try {
          const existing = await this.findWorkflowByName(name);
          const workflow = existing
            ? await this.getWorkflow(existing.id)
            : await this.createWorkflow(definition, 'ensureWorkflow');
          await this.rows(
            `WITH done AS (UPDATE n8n_managed_workflows SET workflow_id = $3, claim_token = NULL, claimed_at = NULL,
               updated_at = now() WHERE name = $1 AND claim_token = $2 RETURNING name) SELECT name FROM done`,
            [name, token, workflow.id],
          );
          return await this.activated(workflow, !existing);
        } catch (error) {
          await this.rows(
            `WITH released AS (UPDATE n8n_managed_workflows SET claim_token = NULL, claimed_at = NULL, updated_at = now()
               WHERE name = $1 AND claim_token = $2 RETURNING name) SELECT name FROM released`,
            [name, token],
          ).catch(() => undefined);
          throw error;
        }
      }
      if (Date.now() > deadline) {
        throw new DomainError('service_unavailable', `Another instance is still provisioning n8n workflow "${name}"`, {
          extensions: { server: 'n8n', workflowName: name },
          retryAfterSeconds: 5,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async activated(workflow: N8nWorkflowResult, created: boolean): Promise<EnsuredWorkflow> {
    const state = workflow.active
      ? { id: workflow.id, name: workflow.name, active: true }
      : await this.activateWorkflow(workflow.id, 'ensureWorkflow');
    await this.rows(
      `WITH marked AS (UPDATE n8n_managed_workflows SET active = $2, updated_at = now() WHERE workflow_id = $1
         RETURNING name) SELECT name FROM marked`,
      [workflow.id, state.active],
    );
    return { ...state, created };
  }

  private async recordedWorkflowId(name: string): Promise<string | null> {
    const rows = await this.rows<{ workflow_id: string | null }>(
      `SELECT workflow_id FROM n8n_managed_workflows WHERE name = $1`,
      [name],
    );
    return rows[0]?.workflow_id ?? null;
  }

  /** Claims the right to provision `name`: a new row, or a row without a workflow whose claim is absent or stale. */
  private async claim(name: string): Promise<string | undefined> {
    const token = randomUUID();
    const inserted = await this.rows(
      `WITH ins AS (INSERT INTO n8n_managed_workflows (name, claim_token, claimed_at) VALUES ($1, $2, now())
         ON CONFLICT (name) DO NOTHING RETURNING name) SELECT name FROM ins`,
      [name, token],
    );
    if (inserted.length > 0) return token;
    const taken = await this.rows(
      `WITH upd AS (UPDATE n8n_managed_workflows SET claim_token = $2, claimed_at = now(), updated_at = now()
         WHERE name = $1 AND workflow_id IS NULL
           AND (claim_token IS NULL OR claimed_at < now() - make_interval(secs => $3))
         RETURNING name) SELECT name FROM upd`,
      [name, token, CLAIM_LEASE_SECONDS],
    );
    return taken.length > 0 ? token : undefined;
  }

  /** Runs SQL that always yields rows (writes are wrapped in `WITH … RETURNING`, so drivers answer alike). */
  private async rows<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]> {
    return this.dataSource.query<T[]>(sql, params);
  }

  private async setActive(id: string, active: boolean): Promise<WorkflowState> {
    const result = await this.mcp
      .call(
        updatePartialWorkflowTool,
        { id, operations: [{ type: active ? 'activateWorkflow' : 'deactivateWorkflow' }] },
        { idempotencyKey: `${active ? 'activate' : 'deactivate'}:${id}` },
      )
      .catch((error: unknown) => mapNotFound(error, 'workflow', id));
    const state = { id: result.id, name: result.name, active: result.active };
    if (active) this.events.emit(N8nWorkflowActivated.eventName, new N8nWorkflowActivated(state));
    else this.events.emit(N8nWorkflowDeactivated.eventName, new N8nWorkflowDeactivated(state));
    return state;
  }

  private async findExecutionByCorrelation(workflowId: string, correlationId: string): Promise<string | null> {
    const result = await this.mcp.call(listExecutionsTool, {
      action: 'list',
      workflowId,
      limit: 20,
      includeData: true,
    });
    return result.executions.find((e) => carriesCorrelation(e, correlationId))?.id ?? null;
  }
}
