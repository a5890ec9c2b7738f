import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { cursorPage, type CursorPage } from '../../common/http/pagination.js';
import { McpClientService } from '../../common/mcp/mcp-client.service.js';
import {
  createWorkflowTool,
  getWorkflowTool,
  listWorkflowsTool,
  type N8nWorkflowResult,
  updatePartialWorkflowTool,
  type WorkflowDefinition,
} from './n8n.contracts.js';
import { N8nWorkflowActivated, N8nWorkflowCreated, N8nWorkflowDeactivated } from './n8n.events.js';
import { mapNotFound } from './n8n-not-found.js';
import { validateWorkflowDefinition, WorkflowPolicy } from './workflow-validation.js';

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

/** Who asked: the API (held to the node policy) or the backend provisioning its own workflow. */
export type WorkflowOrigin = 'api' | 'ensureWorkflow';

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

/** n8n workflows over n8n-mcp: list, read, create, activate, deactivate; an event for every change made. */
@Injectable()
export class N8nWorkflowsService {
  constructor(
    private readonly mcp: McpClientService,
    private readonly events: EventEmitter2,
    private readonly policy: WorkflowPolicy,
  ) {}

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
  async createWorkflow(definition: WorkflowDefinition, origin: WorkflowOrigin = 'api'): Promise<N8nWorkflowResult> {
    validateWorkflowDefinition(definition);
    if (origin === 'api') this.policy.enforce(definition.nodes, 'workflow');
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
  async activateWorkflow(id: string, origin: WorkflowOrigin = 'api'): Promise<WorkflowState> {
    if (origin === 'api') this.policy.enforce((await this.getWorkflow(id)).nodes, `workflow ${id}`);
    return this.setActive(id, true);
  }

  async deactivateWorkflow(id: string): Promise<WorkflowState> {
    return this.setActive(id, false);
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
}
