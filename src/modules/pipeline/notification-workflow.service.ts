import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../common/config/app-config.js';
import { DomainError } from '../../common/errors/domain-error.js';
import type { WorkflowDefinition } from '../n8n/n8n.contracts.js';
import { N8nExecutionsService } from '../n8n/n8n-executions.service.js';
import { ManagedWorkflowsService } from '../n8n/managed-workflows.service.js';

export const NOTIFICATION_WORKFLOW_NAME = 'JetVision lead-to-booking notifications';

/**
 * The workflow as n8n stores it: a Webhook trigger answered by a Respond to Webhook node with the execution id
 * (`$execution.id`), because n8n's webhook reply is the only place the trigger learns which execution it started.
 * Real node types and versions: n8n refuses unknown ones. Teams extend it in n8n (Slack, email, CRM) after the Webhook.
 */
export function notificationWorkflowDefinition(path: string): WorkflowDefinition {
  return {
    name: NOTIFICATION_WORKFLOW_NAME,
    nodes: [
      {
        id: '6f1c2a9e-0b7d-4c1e-9a51-2d3f4a5b6c01',
        name: 'Run update',
        type: 'n8n-nodes-base.webhook',
        typeVersion: 2,
        position: [0, 0],
        webhookId: '6f1c2a9e-0b7d-4c1e-9a51-2d3f4a5b6cff',
        parameters: { httpMethod: 'POST', path, responseMode: 'responseNode', options: {} },
      },
      {
        id: '6f1c2a9e-0b7d-4c1e-9a51-2d3f4a5b6c02',
        name: 'Acknowledge',
        type: 'n8n-nodes-base.respondToWebhook',
        typeVersion: 1.1,
        position: [260, 0],
        parameters: {
          respondWith: 'json',
          responseBody:
            '={{ { "executionId": $execution.id, "runId": $json.body.runId, "notificationKey": $json.body.notificationKey } }}',
          options: {},
        },
      },
    ],
    connections: { 'Run update': { main: [[{ node: 'Acknowledge', type: 'main', index: 0 }]] } },
    settings: { executionOrder: 'v1' },
  };
}

/**
 * n8n refused the trigger before starting anything: the workflow is unknown, n8n-mcp refused the call (an inactive
 * workflow is a precondition failure: "Workflow must be active to trigger via this method"), or the webhook is not
 * registered (404).
 */
function notTaken(error: unknown): boolean {
  if (!(error instanceof DomainError)) return false;
  const { reason, httpStatus } = error.extensions;
  return (
    error.code === 'not_found' ||
    error.code === 'validation_failed' ||
    error.code === 'precondition_failed' ||
    httpStatus === 404 ||
    (error.code === 'upstream_error' && (reason === 'client_error' || reason === 'invalid_params'))
  );
}

export interface NotificationResult {
  workflowId: string;
  executionId: string | null;
  /** The execution was found from an earlier attempt (a crash after triggering), not triggered again. */
  alreadySent: boolean;
}

/**
 * The notification workflow through the N8N module: `ensureWorkflow` finds it by name or creates it once (a claim row
 * keeps concurrent first starts from creating two) and keeps it active; each run's summary triggers it.
 */
@Injectable()
export class NotificationWorkflowService {
  /**
   * The workflow id once ensured: a notification needs no look-up (a database read and an n8n read) per run. Dropped
   * when a notification fails, so the next attempt ensures again (re-creating or re-activating the workflow).
   */
  private ensured: string | undefined;

  constructor(
    private readonly managedWorkflows: ManagedWorkflowsService,
    private readonly executions: N8nExecutionsService,
    private readonly config: AppConfig,
  ) {}

  async ensure(): Promise<string> {
    const workflow = await this.managedWorkflows.ensureWorkflow(
      notificationWorkflowDefinition(this.config.pipeline.n8nWebhookPath),
    );
    return workflow.id;
  }

  /**
   * Sends the run's summary. `notificationKey` identifies this notification and was recorded on the run before this
   * call; with `lookFirst` (it was recorded by an earlier attempt, which may have triggered the workflow and then
   * crashed) every execution of the workflow is searched for it first, so a notification is never sent twice.
   */
  async notify(
    summary: Record<string, unknown>,
    notificationKey: string,
    lookFirst: boolean,
  ): Promise<NotificationResult> {
    const cached = this.ensured;
    if (cached !== undefined) {
      try {
        return await this.trigger(cached, summary, notificationKey, lookFirst);
      } catch (error) {
        this.ensured = undefined;
        // Deleted or deactivated since it was ensured: n8n took nothing, so ensuring it and triggering again is safe.
        if (!notTaken(error)) throw error;
      }
    }
    const workflowId = await this.ensure();
    const result = await this.trigger(workflowId, summary, notificationKey, lookFirst);
    this.ensured = workflowId;
    return result;
  }

  private async trigger(
    workflowId: string,
    summary: Record<string, unknown>,
    notificationKey: string,
    lookFirst: boolean,
  ): Promise<NotificationResult> {
    if (lookFirst) {
      const existing = await this.executions.findExecution(workflowId, JSON.stringify(notificationKey));
      if (existing) return { workflowId, executionId: existing.id, alreadySent: true };
    }
    const run = await this.executions.executeWorkflow(workflowId, { ...summary, notificationKey });
    if (run.httpStatus >= 400) {
      throw new DomainError('upstream_error', `The n8n notification workflow answered HTTP ${run.httpStatus}`, {
        extensions: { server: 'n8n', tool: 'n8n_test_workflow', reason: 'tool_error', httpStatus: run.httpStatus },
      });
    }
    return { workflowId, executionId: run.executionId, alreadySent: false };
  }
}
