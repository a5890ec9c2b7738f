import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { WEBHOOK_EVENT_STATUSES, type WebhookEventStatus } from './webhook-event.entity.js';

const SOURCE_NAMES = ['apollo', 'avainode', 'avinode', 'n8n', 'lead'];

export class WebhookAcceptedDto {
  @ApiProperty({ description: 'Id of the stored event', example: '0b8f5a7e-2f7a-4b1e-9a55-0c2f3d7f9b10' })
  id: string;

  @ApiProperty({
    description: 'true when this message id was received before (nothing new was stored)',
    example: false,
  })
  duplicate: boolean;
}

export class ListWebhookEventsQuery {
  @ApiPropertyOptional({ enum: SOURCE_NAMES })
  @IsOptional()
  @IsIn(SOURCE_NAMES)
  source?: string;

  @ApiPropertyOptional({ example: 'lead_created' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  type?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_STATUSES })
  @IsOptional()
  @IsIn(WEBHOOK_EVENT_STATUSES)
  status?: WebhookEventStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value,
  )
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,200}$/, { message: 'cursor must be a nextCursor returned by this endpoint' })
  cursor?: string;
}

export class SendTestEventDto {
  @ApiPropertyOptional({
    enum: SOURCE_NAMES,
    description: 'Source to impersonate; default: the first one with credentials',
  })
  @IsOptional()
  @IsIn(SOURCE_NAMES)
  source?: string;

  @ApiPropertyOptional({ example: 'Checking the intake after a secret rotation', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  message?: string;
}

export class WebhookEventSummaryDto {
  @ApiProperty({ example: '0b8f5a7e-2f7a-4b1e-9a55-0c2f3d7f9b10' }) id: string;
  @ApiProperty({ example: 'apollo' }) source: string;
  @ApiProperty({ example: 'msg_2Zk3c9…' }) messageId: string;
  @ApiProperty({ example: 'lead_created' }) type: string;
  @ApiProperty({ example: 'apollo.lead_created' }) eventName: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_STATUSES, example: 'processed' }) status: WebhookEventStatus;
  @ApiProperty({ example: 'standard' }) authScheme: string;
  @ApiProperty({ example: 1 }) attempts: number;
  @ApiProperty({ example: 1 }) processedCount: number;
  @ApiProperty({ example: 0 }) replayCount: number;
  @ApiProperty({ nullable: true, example: '2026-01-01T09:59:59.000Z' }) occurredAt: string | null;
  @ApiProperty({ example: '2026-01-01T10:00:00.000Z' }) receivedAt: string;
  @ApiProperty({ nullable: true, example: '2026-01-01T10:00:00.120Z' }) processedAt: string | null;
  @ApiProperty({ nullable: true, example: null }) lastError: string | null;
}

export class WebhookEventDto extends WebhookEventSummaryDto {
  @ApiProperty({ description: 'The validated event data', example: { lead: { id: '64f1…', updatedAt: '…' } } })
  payload: Record<string, unknown>;
}

export class WebhookEventPageDto {
  @ApiProperty({ type: [WebhookEventSummaryDto] }) items: WebhookEventSummaryDto[];
  @ApiProperty({ example: { nextCursor: 'MjAyNi0wMS0wMVQxMDowMDowMC4wMDBafDBiOGY', limit: 50 } })
  page: { nextCursor: string | null; limit: number };
}
