import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../../common/errors/domain-error.js';
import { cursorPage, type CursorPage } from '../../common/http/pagination.js';
import { McpClientService } from '../../common/mcp/mcp-client.service.js';
import {
  type ExecutionStatus,
  type FilterableExecutionStatus,
  getExecutionDataTool,
  getExecutionTool,
  listExecutionsTool,
  type N8nExecutionResult,
  testWorkflowTool,
} from './n8n.contracts.js';
import { N8nWorkflowExecuted } from './n8n.events.js';
import { mapNotFound } from './n8n-not-found.js';
import { publish } from '../../common/events/publish.js';

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

export const CORRELATION_HEADER = 'x-jetvision-correlation-id';
const FINISHED: ReadonlySet<ExecutionStatus> = new Set(['success', 'error', 'canceled']);

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

function executionIdIn(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const value = (body as Record<string, unknown>).executionId;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
}

/** Running n8n workflows and following their executions. */
@Injectable()
export class N8nExecutionsService {
  constructor(
    private readonly mcp: McpClientService,
    private readonly events: EventEmitter2,
  ) {}

  /**
   * Runs a workflow through its Webhook trigger (the workflow must be active) with `inputData` as the JSON body.
   * n8n-mcp returns the webhook's reply, not an execution id: the id comes from the reply when the workflow answers
   * with `$execution.id`, else from the newest executions carrying our correlation header.
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
      executionIdIn(webhookReply.data) ?? (await this.findRecentExecution(workflowId, correlationId, 20));
    const run: WorkflowRun = {
      workflowId,
      executionId,
      correlationId,
      httpStatus: webhookReply.status,
      response: webhookReply.data,
    };
    publish(
      this.events,
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

  /**
   * Whether the data of execution `id` holds one of `needles` (each looked for as a JSON string, as it was sent in the
   * trigger's body). An execution n8n no longer has holds nothing.
   */
  async executionHoldsAny(id: string, needles: readonly string[]): Promise<boolean> {
    try {
      const text = JSON.stringify(await this.mcp.call(getExecutionDataTool, { action: 'get', id, mode: 'full' }));
      return needles.some((needle) => text.includes(JSON.stringify(needle)));
    } catch (error) {
      if (error instanceof DomainError && error.code === 'not_found' && error.extensions.server === 'n8n') return false;
      throw error;
    }
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
          { extensions: { server: 'n8n', executionId: id, status: execution.status } },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 200));
    }
  }

  /**
   * The newest execution of a workflow whose data holds `needle` and that did not fail, searching every execution n8n
   * keeps (page by page, newest first) — no window: a key sent long ago, or before many other executions, is still
   * found. Meant for the rare look-up after a crash, not for every call. n8n-mcp 2.87 cannot filter by data, hence the
   * walk; n8n's own execution pruning bounds it. n8n shows an execution's data only once it has finished, so when
   * nothing matched and some executions were still running, those are waited for (an `upstream_timeout` if one does not
   * finish) and the walk is made again: a trigger whose answer was lost is found even while its workflow still runs.
   */
  async findExecution(workflowId: string, needle: string): Promise<ExecutionSummary | null> {
    const first = await this.walkExecutions(workflowId, needle);
    if (first.match || first.unfinished.length === 0) return first.match;
    for (const id of first.unfinished) await this.waitForExecution(id);
    return (await this.walkExecutions(workflowId, needle)).match;
  }

  private async walkExecutions(
    workflowId: string,
    needle: string,
  ): Promise<{ match: ExecutionSummary | null; unfinished: string[] }> {
    const seen = new Set<string>();
    const unfinished: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const result = await this.mcp.call(listExecutionsTool, {
        action: 'list',
        workflowId,
        limit: 100,
        includeData: true,
        ...(cursor !== undefined ? { cursor } : {}),
      });
      const match = result.executions.find(
        (execution) =>
          execution.status !== 'error' && execution.status !== 'canceled' && JSON.stringify(execution).includes(needle),
      );
      if (match) return { match: executionSummary(match), unfinished };
      for (const execution of result.executions) {
        if (execution.status === 'running' || execution.status === 'new') unfinished.push(execution.id);
      }
      const next = result.nextCursor ?? undefined;
      // A server that hands back a cursor it already gave would otherwise be walked forever.
      if (next === undefined || next === '' || seen.has(next)) return { match: null, unfinished };
      seen.add(next);
      cursor = next;
    }
  }

  /**
   * The newest of the latest `limit` executions of a workflow whose data holds `needle` (n8n passes the trigger's
   * headers and body through, so a correlation id or a key sent along is found there), or null.
   */
  async findRecentExecution(workflowId: string, needle: string, limit: number): Promise<string | null> {
    const result = await this.mcp.call(listExecutionsTool, { action: 'list', workflowId, limit, includeData: true });
    return result.executions.find((execution) => JSON.stringify(execution).includes(needle))?.id ?? null;
  }
}
