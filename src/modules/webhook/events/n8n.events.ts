import type {
  N8nExecutionStatusPayload,
  N8nWorkflowCompletedPayload,
  N8nWorkflowFailedPayload,
} from '../webhook.payloads.js';
import { WebhookDomainEvent } from './webhook-domain-event.js';

export class N8nWorkflowCompleted extends WebhookDomainEvent<N8nWorkflowCompletedPayload> {
  static readonly eventName = 'n8n.workflow_completed';
}

export class N8nWorkflowFailed extends WebhookDomainEvent<N8nWorkflowFailedPayload> {
  static readonly eventName = 'n8n.workflow_failed';
}

/** An execution moved from `previousStatus` to `status`. */
export class N8nExecutionStatusChanged extends WebhookDomainEvent<N8nExecutionStatusPayload> {
  static readonly eventName = 'n8n.execution_status';
}
