import { QueryInteger } from '../../common/http/pagination.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { AuditQueryDto } from '../audit/audit-query.dto.js';
import { SYNC_STREAMS, type SyncStreamName } from './sync.streams.js';

export const SYNC_GET_ACTIONS = ['status', 'audit', 'validate'] as const;
export const SYNC_POST_ACTIONS = ['start', 'stop', 'full_sync', 'sync'] as const;

/** `GET /api/integration/sync?action=…`: the audit filters apply to `audit`, `sampleSize` to `validate`. */
export class SyncGetQueryDto extends AuditQueryDto {
  @ApiProperty({ enum: SYNC_GET_ACTIONS, example: 'status' })
  @IsIn(SYNC_GET_ACTIONS)
  action: (typeof SYNC_GET_ACTIONS)[number];

  @ApiPropertyOptional({
    description: 'validate: upstream records compared per stream (0 = all; default SYNC_CONSISTENCY_SAMPLE_SIZE)',
    example: 0,
  })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  sampleSize?: number;
}

/**
 * `POST /api/integration/sync`, discriminated by `action`:
 * `{action:"start", intervalMinutes?, streams?}` enables (and optionally re-times) the schedule and syncs now;
 * `{action:"stop", streams?}` pauses automatic syncing; `{action:"full_sync", streams?}` starts a full sync (which also
 * detects deletions); `{action:"sync", streams?}` starts an incremental sync now.
 */
export class SyncCommandDto {
  @ApiProperty({ enum: SYNC_POST_ACTIONS, example: 'full_sync' })
  @IsIn(SYNC_POST_ACTIONS)
  action: (typeof SYNC_POST_ACTIONS)[number];

  @ApiPropertyOptional({
    description: 'start only: minutes between scheduled syncs of the streams (0.5 to 1440; 7.5 is fine)',
    example: 15,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.5)
  @Max(1440)
  intervalMinutes?: number;

  @ApiPropertyOptional({ enum: SYNC_STREAMS, isArray: true, description: 'Streams (default: all)' })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(SYNC_STREAMS, { each: true })
  streams?: SyncStreamName[];
}

/** `DELETE /api/integration/sync?action=audit_log&confirm=yes[&before=…]`. */
export class SyncDeleteQueryDto {
  @ApiProperty({ enum: ['audit_log'], example: 'audit_log' })
  @IsIn(['audit_log'])
  action: 'audit_log';

  @ApiProperty({ description: 'Must be "yes": clearing the audit log cannot be undone', example: 'yes' })
  @IsIn(['yes'], { message: 'confirm must be "yes" to clear the audit log (it cannot be undone)' })
  confirm: 'yes';

  @ApiPropertyOptional({ description: 'Only delete entries before this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  before?: string;
}

export class SyncRunsQueryDto {
  @ApiPropertyOptional({ default: 20, example: 20 })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'page.nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,400}$/, { message: 'cursor must be a nextCursor value returned by a previous page' })
  cursor?: string;
}

export class ConsistencyHistoryQueryDto {
  @ApiPropertyOptional({ default: 50, example: 50, description: 'How many of the latest checks to return' })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}
