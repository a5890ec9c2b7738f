import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { cursorPage, type CursorPage } from '../../common/http/pagination.js';
import { McpClientService } from '../../common/mcp/mcp-client.service.js';
import type { UpstreamMutation } from '../../common/mutations/upstream-mutation.entity.js';
import { type ReconcileOutcome, UpstreamMutationsService } from '../../common/mutations/upstream-mutations.service.js';
import { AuditService } from '../audit/audit.service.js';
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
import { publish } from '../../common/events/publish.js';

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

const CREATE_OPERATION = 'create_workflow';
/** Tolerance between our clock and n8n's when asking whether a workflow was created after its intent. */
const CLOCK_SKEW_MS = 60_000;

function activationOperation(active: boolean): string {
  return active ? 'activate_workflow' : 'deactivate_workflow';
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

/**
 * n8n workflows over n8n-mcp: list, read, create, activate, deactivate; every change made goes through an intent
 * (`upstream_mutation`) and leaves an audit entry and an event.
 */
@Injectable()
export class N8nWorkflowsService {
  constructor(
    private readonly mcp: McpClientService,
    private readonly events: EventEmitter2,
    private readonly policy: WorkflowPolicy,
    private readonly mutations: UpstreamMutationsService,
    private readonly audit: AuditService,
  ) {
    mutations.registerReconciler('n8n', CREATE_OPERATION, (intent) => this.reconcileCreated(intent));
    for (const active of [true, false]) {
      mutations.registerReconciler('n8n', activationOperation(active), (intent) =>
        this.reconcileActivation(active, intent),
      );
    }
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

  /**
   * Creates a workflow (inactive, as n8n does) and returns it in full. Recorded as an intent first and completed with
   * its audit entry (the local record of an n8n change): when that write fails the caller gets 503, and sending the
   * same definition again returns the workflow n8n made instead of creating a second one.
   */
  async createWorkflow(definition: WorkflowDefinition, origin: WorkflowOrigin = 'api'): Promise<N8nWorkflowResult> {
    validateWorkflowDefinition(definition);
    if (origin === 'api') this.policy.enforce(definition.nodes, 'workflow');
    const created = await this.mutations.run(
      {
        upstream: 'n8n',
        operation: CREATE_OPERATION,
        idempotencyKey: randomUUID(),
        resumeOpen: true,
        subject: definition.name,
        summary: {
          origin,
          name: definition.name,
          nodeCount: definition.nodes.length,
          definitionDigest: createHash('sha256').update(JSON.stringify(definition)).digest('hex').slice(0, 16),
        },
      },
      {
        call: async () => {
          const result = await this.mcp.call(createWorkflowTool, {
            name: definition.name,
            nodes: definition.nodes,
            connections: definition.connections,
            ...(definition.settings ? { settings: definition.settings } : {}),
          });
          return { id: result.id, name: result.name };
        },
        refOf: (workflow) => workflow.id,
        lookup: async (id) => {
          const workflow = await this.getWorkflow(id);
          return { id: workflow.id, name: workflow.name };
        },
        store: (workflow) => this.recordCreated(workflow, definition.nodes.length, origin),
      },
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

  /** Through an intent like `createWorkflow`: a repeated request with an open intent reads the state it left. */
  private setActive(id: string, active: boolean): Promise<WorkflowState> {
    return this.mutations.run(
      {
        upstream: 'n8n',
        operation: activationOperation(active),
        idempotencyKey: randomUUID(),
        resumeOpen: true,
        subject: id,
        summary: { active },
      },
      {
        call: async () => {
          const result = await this.mcp
            .call(
              updatePartialWorkflowTool,
              { id, operations: [{ type: active ? 'activateWorkflow' : 'deactivateWorkflow' }] },
              { idempotencyKey: `${active ? 'activate' : 'deactivate'}:${id}` },
            )
            .catch((error: unknown) => mapNotFound(error, 'workflow', id));
          return { id: result.id, name: result.name, active: result.active };
        },
        refOf: (state) => state.id,
        lookup: async (ref) => {
          const workflow = await this.getWorkflow(ref);
          return { id: workflow.id, name: workflow.name, active: workflow.active };
        },
        store: (state) => this.recordActivation(state, active),
      },
    );
  }

  private async recordCreated(
    workflow: { id: string; name: string },
    nodeCount: number,
    origin: WorkflowOrigin,
  ): Promise<{ id: string; name: string }> {
    const event = new N8nWorkflowCreated({ id: workflow.id, name: workflow.name, nodeCount }, origin);
    await this.audit.recordEvent(event);
    publish(this.events, event);
    return workflow;
  }

  private async recordActivation(state: WorkflowState, active: boolean): Promise<WorkflowState> {
    const event = active ? new N8nWorkflowActivated(state) : new N8nWorkflowDeactivated(state);
    await this.audit.recordEvent(event);
    publish(this.events, event);
    return state;
  }

  /**
   * A create whose audit entry failed (or whose answer was lost): the recorded workflow, or else one with the name
   * created since the intent (n8n has no idempotency key to ask by).
   */
  private async reconcileCreated(intent: UpstreamMutation): Promise<ReconcileOutcome> {
    const origin = intent.requestSummary['origin'] === 'ensureWorkflow' ? 'ensureWorkflow' : 'api';
    const nodeCount = typeof intent.requestSummary['nodeCount'] === 'number' ? intent.requestSummary['nodeCount'] : 0;
    let id = intent.resultRef;
    if (id === null) {
      const match = intent.subject === null ? undefined : await this.findWorkflowByName(intent.subject);
      const since = intent.createdAt.getTime() - CLOCK_SKEW_MS;
      if (!match || Date.parse(match.createdAt) < since) {
        return {
          kind: 'failed',
          reason: `n8n has no workflow named ${intent.subject ?? '?'} created since the intent`,
        };
      }
      id = match.id;
    }
    const workflow = await this.getWorkflow(id);
    await this.recordCreated(workflow, nodeCount, origin);
    return { kind: 'reconciled', resultRef: workflow.id };
  }

  /** An activation or deactivation left open: reconciled when n8n shows the workflow in the state asked for. */
  private async reconcileActivation(active: boolean, intent: UpstreamMutation): Promise<ReconcileOutcome> {
    const id = intent.resultRef ?? intent.subject;
    if (id === null) return { kind: 'failed', reason: 'the intent names no workflow' };
    const workflow = await this.getWorkflow(id);
    if (workflow.active !== active) {
      return { kind: 'failed', reason: `n8n shows workflow ${id} ${workflow.active ? 'active' : 'inactive'}` };
    }
    await this.recordActivation({ id: workflow.id, name: workflow.name, active }, active);
    return { kind: 'reconciled', resultRef: workflow.id };
  }
}
