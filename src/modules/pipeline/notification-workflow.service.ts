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
    const workflowId = await this.ensure();
    if (lookFirst) {
      const existing = await this.executions.findExecution(workflowId, JSON.stringify(notificationKey));
      if (existing) return { workflowId, executionId: existing.id, alreadySent: true };
    }
    const run = await this.executions.executeWorkflow(workflowId, { ...summary, notificationKey });
    if (run.httpStatus >= 400) {
      throw new DomainError('upstream_error', `The n8n notification workflow answered HTTP ${run.httpStatus}`, {
        extensions: { server: 'n8n', tool: 'n8n_test_workflow', reason: 'tool_error' },
      });
    }
    return { workflowId, executionId: run.executionId, alreadySent: false };
  }
}
