import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AvainodeService } from './avainode.service.js';

/**
 * A booking change moves an operator's fleet availability, so its cached profile is dropped. Listens to every
 * `avainode.*` event: any that carries an `operatorId` (ours, or ones other modules emit, e.g. from webhooks) counts.
 */
@Injectable()
export class OperatorCacheListener {
  constructor(private readonly avainode: AvainodeService) {}

  @OnEvent('avainode.*', { suppressErrors: true })
  onAvainodeEvent(event: unknown): void {
    if (typeof event !== 'object' || event === null) return;
    const operatorId = (event as { operatorId?: unknown }).operatorId;
    if (typeof operatorId === 'string' && operatorId.length > 0) this.avainode.invalidateOperator(operatorId);
  }
}
