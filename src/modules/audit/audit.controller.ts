import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditQueryDto } from './audit-query.dto.js';
import { type AuditPage, type AuditQuery, AuditService } from './audit.service.js';

export const AUDIT_PAGE_EXAMPLE = {
  items: [
    {
      id: '0f8b1c52-3a4e-4c1b-9d7e-2a6f5b4c3d21',
      occurredAt: '2026-01-01T09:15:02.120Z',
      source: 'sync',
      type: 'sync.run_completed',
      subject: '5b0e3c1e-8a9f-4f7e-9b7a-1f1d2c3b4a5e',
      correlationId: '5b0e3c1e-8a9f-4f7e-9b7a-1f1d2c3b4a5e',
      outcome: 'success',
      details: { trigger: 'cron', kind: 'incremental', inserted: 3, changed: 12, unchanged: 1, deleted: 0 },
    },
  ],
  page: { nextCursor: 'WyIyMDI2LTAxLTAxVDA5OjE1OjAyLjEyMDAwMFoiLCIwZjhiMWM1Mi0uLi4iXQ', limit: 50 },
};

/** Turns the validated query string into service filters. */
export function toAuditQuery(dto: AuditQueryDto): AuditQuery {
  return {
    ...(dto.from ? { from: new Date(dto.from) } : {}),
    ...(dto.to ? { to: new Date(dto.to) } : {}),
    ...(dto.source ? { source: dto.source } : {}),
    ...(dto.type ? { type: dto.type } : {}),
    ...(dto.subject ? { subject: dto.subject } : {}),
    ...(dto.correlationId ? { correlationId: dto.correlationId } : {}),
    ...(dto.outcome ? { outcome: dto.outcome } : {}),
    ...(dto.limit ? { limit: dto.limit } : {}),
    ...(dto.cursor ? { cursor: dto.cursor } : {}),
  };
}

@ApiTags('audit')
@Controller('api/integration/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    summary: 'Query the audit log',
    description:
      'Newest first. Filter by time range, source, type (exact, or a prefix with a trailing *), subject, correlation ' +
      'id and outcome; follow page.nextCursor for the next page. Entries older than AUDIT_RETENTION_DAYS are deleted hourly.',
  })
  @ApiOkResponse({ description: 'One page of entries', schema: { example: AUDIT_PAGE_EXAMPLE } })
  list(@Query() query: AuditQueryDto): Promise<AuditPage> {
    return this.audit.query(toAuditQuery(query));
  }
}
