import { QueryInteger } from '../../common/http/pagination.js';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import type { AuditQuery } from './audit.service.js';

/** Filters and cursor of an audit log query (query string). */
export class AuditQueryDto {
  @ApiPropertyOptional({ description: 'Entries at or after this time (ISO 8601)', example: '2026-01-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Entries before this time (ISO 8601)', example: '2026-01-02T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ description: 'Source, e.g. sync, mcp, admin, system, webhook', example: 'sync' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  source?: string;

  @ApiPropertyOptional({ description: 'Event type; a trailing * matches a prefix', example: 'sync.*' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  type?: string;

  @ApiPropertyOptional({ description: 'Subject (e.g. a run id or a server name)', example: 'apollo' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  subject?: string;

  @ApiPropertyOptional({ description: 'Correlation id', example: '5b0e3c1e-8a9f-4f7e-9b7a-1f1d2c3b4a5e' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  correlationId?: string;

  @ApiPropertyOptional({ enum: ['success', 'failure', 'info'] })
  @IsOptional()
  @IsIn(['success', 'failure', 'info'])
  outcome?: 'success' | 'failure' | 'info';

  @ApiPropertyOptional({ description: 'Entries per page (1-500)', default: 50, example: 50 })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'page.nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,400}$/, { message: 'cursor must be a nextCursor value returned by a previous page' })
  cursor?: string;
}

/** What an audit page looks like (for the OpenAPI examples of every route that serves one). */
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
/** The service's query from the validated query string. */
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
