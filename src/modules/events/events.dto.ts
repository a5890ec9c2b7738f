import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

export class EventsQuery {
  @ApiPropertyOptional({
    description: 'Comma-separated event-name patterns (`*` matches one segment, `**` the rest)',
    example: 'pipeline.**,avinode.booking_confirmed',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  types?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only events about this run' })
  @IsOptional()
  @IsUUID()
  runId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Only events about this batch (and its runs)' })
  @IsOptional()
  @IsUUID()
  batchId?: string;
}
