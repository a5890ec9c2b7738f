import type { AuditEntryInput, AuditableEvent } from '../../common/events/domain-event.js';
import type {
  N8nExecutionStatusPayload,
  N8nWorkflowCompletedPayload,
  N8nWorkflowFailedPayload,
} from '../webhook/webhook.payloads.js';
import { WebhookDomainEvent } from '../webhook/events/webhook-domain-event.js';

/** The backend created an n8n workflow (created inactive, as n8n does). */
export class N8nWorkflowCreated implements AuditableEvent {
  static readonly eventName = 'n8n.workflow_created';
  constructor(
    readonly workflow: { id: string; name: string; nodeCount: number },
    /** `ensureWorkflow` when the backend provisioned it itself, `api` when a client asked. */
    readonly origin: 'api' | 'ensureWorkflow',
  ) {}
  toAuditEntry(): AuditEntryInput {
    return {
      source: 'n8n',
      type: N8nWorkflowCreated.eventName,
      subject: this.workflow.id,
      outcome: 'success',
      details: { ...this.workflow, origin: this.origin },
    };
  }
}

export class N8nWorkflowActivated implements AuditableEvent {
  static readonly eventName = 'n8n.workflow_activated';
  constructor(readonly workflow: { id: string; name: string }) {}
  toAuditEntry(): AuditEntryInput {
    return {
      source: 'n8n',
      type: N8nWorkflowActivated.eventName,
      subject: this.workflow.id,
      outcome: 'success',
      details: { ...this.workflow },
    };
  }
}

export class N8nWorkflowDeactivated implements AuditableEvent {
  static readonly eventName = 'n8n.workflow_deactivated';
  constructor(readonly workflow: { id: string; name: string }) {}
  toAuditEntry(): AuditEntryInput {
    return {
      source: 'n8n',
      type: N8nWorkflowDeactivated.eventName,
      subject: this.workflow.id,
      outcome: 'success',
      details: { ...this.workflow },
    };
  }
}

/** The backend triggered a workflow run (through its webhook). */
export class N8nWorkflowExecuted implements AuditableEvent {
  static readonly eventName = 'n8n.workflow_executed';
  constructor(
    readonly run: {
      workflowId: string;
      /** Null when n8n's reply did not tell and no execution carried our correlation id yet. */
      executionId: string | null;
      correlationId: string;
      httpStatus: number;
    },
  ) {}
  toAuditEntry(): AuditEntryInput {
    return {
      source: 'n8n',
      type: N8nWorkflowExecuted.eventName,
      subject: this.run.workflowId,
      correlationId: this.run.correlationId,
      outcome: this.run.httpStatus < 400 ? 'success' : 'failure',
      details: { executionId: this.run.executionId, httpStatus: this.run.httpStatus },
    };
  }
}

// ---- Events this upstream sends by webhook (raised by the webhook intake) ----

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
