import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { isAuditableEvent } from '../../common/events/domain-event.js';
import { AuditService } from './audit.service.js';
import { safeErrorMessage } from '../../common/logging/safe-errors.js';

/**
 * Persists every auditable event, whatever module emitted it (except those its emitter already wrote with
 * `AuditService.recordEvent`). A failed audit write is logged, never thrown back.
 */
@Injectable()
export class AuditListener {
  private readonly logger = new Logger('Audit');

  constructor(private readonly audit: AuditService) {}

  @OnEvent('**', { suppressErrors: true })
  async onAnyEvent(event: unknown): Promise<void> {
    if (!isAuditableEvent(event) || this.audit.wasRecorded(event)) return;
    const entry = event.toAuditEntry();
    try {
      await this.audit.record(entry);
    } catch (error) {
      this.logger.error(`Could not write audit entry ${entry.source}/${entry.type}: ${safeErrorMessage(error)}`);
    }
  }
}
