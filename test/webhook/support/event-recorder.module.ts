import { Injectable, Module } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { OnDomainEvent } from '../../../src/common/events/on-domain-event.js';
import { type WebhookDomainEvent, WebhookTestReceived } from '../../../src/modules/webhook/events/index.js';

export interface RecordedEvent {
  name: string;
  event: WebhookDomainEvent<unknown>;
}

/**
 * A consumer of the webhook domain events, as the sync and pipeline modules are: records what it receives, and fails
 * (a poison message) for any event whose payload has `poison: true` somewhere at the top of its entity.
 */
@Injectable()
export class EventRecorder {
  readonly received: RecordedEvent[] = [];
  readonly poisonAttempts: number[] = [];

  // suppressErrors: false, as every consumer must: otherwise Nest swallows the error and the event counts as processed.
  @OnEvent('apollo.*', { suppressErrors: false })
  @OnEvent('avinode.*', { suppressErrors: false })
  @OnEvent('n8n.*', { suppressErrors: false })
  @OnEvent('lead.*', { suppressErrors: false })
  @OnDomainEvent(WebhookTestReceived, { suppressErrors: false })
  onWebhookEvent(event: WebhookDomainEvent<unknown>): void {
    const name = (event.constructor as { eventName?: string }).eventName ?? 'unknown';
    const payload = event.payload as { lead?: { poison?: boolean } };
    if (payload.lead?.poison) {
      this.poisonAttempts.push(Date.now());
      throw new Error('poison: this consumer always fails on this lead');
    }
    this.received.push({ name, event });
  }

  named(name: string): RecordedEvent[] {
    return this.received.filter((r) => r.name === name);
  }
}

@Module({ providers: [EventRecorder], exports: [EventRecorder] })
export class EventRecorderModule {}
