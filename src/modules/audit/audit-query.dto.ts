import { QueryInteger } from '../../common/http/pagination.js';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

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
