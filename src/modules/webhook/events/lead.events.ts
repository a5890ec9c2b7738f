import type { LeadReceivedPayload, TestEventPayload } from '../webhook.payloads.js';
import { WebhookDomainEvent } from './webhook-domain-event.js';

/** A lead (with optional flight requirements) arrived from JetVision's own tools: the pipeline starts a run for it. */
export class LeadReceived extends WebhookDomainEvent<LeadReceivedPayload> {
  static readonly eventName = 'lead.received';
}

/** The operations API's test event went through the whole intake path. Nothing but diagnostics listens to it. */
export class WebhookTestReceived extends WebhookDomainEvent<TestEventPayload> {
  static readonly eventName = 'webhook.test_received';
}
