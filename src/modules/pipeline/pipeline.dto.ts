import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
  IsObject,
} from 'class-validator';
import { CursorPageInfoDto, CursorPageQuery } from '../../common/http/pagination.js';
import {
  IsCalendarDate,
  IsIsoTimestamp,
  IsOnOrAfter,
  NotInPast,
} from '../../common/validation/calendar-date.decorator.js';
import { IsIcaoCode } from '../../common/validation/icao-code.decorator.js';
import { AIRCRAFT_CATEGORIES } from '../avainode/avainode.contracts.js';
import { BATCH_STATUSES, type BatchStatus } from './pipeline-batch.entity.js';
import { RUN_STATUSES, type RunStatus } from './run-state-machine.js';

const EMPLOYEE_RANGES = ['1-10', '11-50', '51-200', '201-500', '501-1000', '1001-5000', '5001-10000', '10001+'];

export class LeadDto {
  @ApiPropertyOptional({ description: 'Apollo contact id (24 hex digits)', example: '64a1f0c2e4b0a1b2c3d4e5f6' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-f0-9]{24}$/i, { message: 'apolloId must be an Apollo id of 24 hex digits' })
  apolloId?: string;

  @ApiPropertyOptional({ example: 'ana.ruiz@summitcapital.com' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ example: 'https://www.linkedin.com/in/ana-ruiz' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  linkedinUrl?: string;

  @ApiPropertyOptional({ example: 'Ana' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  firstName?: string;

  @ApiPropertyOptional({ example: 'Ruiz' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  lastName?: string;

  @ApiPropertyOptional({ example: 'Summit Capital' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  company?: string;

  @ApiPropertyOptional({ example: 'Chief of Staff' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ example: '+1 212 555 0100' })
  @IsOptional()
  @IsString()
  @MinLength(3)
  @MaxLength(40)
  phone?: string;
}

export class FlightRequirementsDto {
  @ApiProperty({ example: 'KTEB' })
  @IsIcaoCode()
  departureAirport!: string;

  @ApiProperty({ example: 'KPBI' })
  @IsIcaoCode()
  arrivalAirport!: string;

  @ApiProperty({ example: '2026-12-18', description: 'YYYY-MM-DD, local at the departure airport' })
  @IsCalendarDate()
  @NotInPast()
  departureDate!: string;

  @ApiProperty({ example: '09:30', description: 'HH:MM local time' })
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'departureTime must be a time HH:MM (24-hour)' })
  departureTime!: string;

  @ApiProperty({ example: 6, minimum: 1, maximum: 19 })
  @IsInt()
  @Min(1)
  @Max(19)
  passengers!: number;

  @ApiPropertyOptional({ example: '2026-12-22' })
  @IsOptional()
  @IsCalendarDate()
  @IsOnOrAfter('departureDate')
  returnDate?: string;

  @ApiPropertyOptional({ enum: AIRCRAFT_CATEGORIES, example: 'midsize_jet' })
  @IsOptional()
  @IsIn(AIRCRAFT_CATEGORIES)
  aircraftCategory?: string;

  @ApiPropertyOptional({ description: 'Highest acceptable quoted total, USD cents', example: 6_000_000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  budget?: number;

  @ApiPropertyOptional({ description: 'Highest hourly rate, USD cents', example: 800_000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  maxHourlyRate?: number;

  @ApiPropertyOptional({ example: 'Two dogs travelling in the cabin' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  specialRequests?: string;
}

export class StartRunDto {
  @ApiProperty({ type: LeadDto })
  @IsObject()
  @ValidateNested()
  @Type(() => LeadDto)
  lead!: LeadDto;

  @ApiProperty({ type: FlightRequirementsDto })
  @IsObject()
  @ValidateNested()
  @Type(() => FlightRequirementsDto)
  flightRequirements!: FlightRequirementsDto;
}

export class SearchCriteriaDto {
  @ApiPropertyOptional({ example: 'CEO' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  jobTitle?: string;

  @ApiPropertyOptional({ example: 'Financial Services' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  industry?: string;

  @ApiPropertyOptional({ enum: EMPLOYEE_RANGES, example: '51-200' })
  @IsOptional()
  @IsIn(EMPLOYEE_RANGES)
  companySize?: string;

  @ApiPropertyOptional({ example: 'New York' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  location?: string;

  @ApiPropertyOptional({ description: 'Most leads to take from the search', example: 50, default: 50 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit?: number;
}

export class StartBatchDto {
  @ApiProperty({ type: SearchCriteriaDto })
  @IsObject()
  @ValidateNested()
  @Type(() => SearchCriteriaDto)
  searchCriteria!: SearchCriteriaDto;

  @ApiProperty({ type: FlightRequirementsDto, description: 'The trip every lead of the batch is quoted for' })
  @IsObject()
  @ValidateNested()
  @Type(() => FlightRequirementsDto)
  flightTemplate!: FlightRequirementsDto;

  @ApiPropertyOptional({ description: 'Leads started per group (default PIPELINE_BATCH_SIZE)', example: 5 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  batchSize?: number;
}

export class CancelRunDto {
  @ApiPropertyOptional({ example: 'Client chose another date' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

const toList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '')
    : value;

export class ListRunsQuery extends CursorPageQuery {
  @ApiPropertyOptional({ description: 'Comma-separated statuses', example: 'failed,dead_lettered' })
  @IsOptional()
  @Transform(toList)
  @IsIn(RUN_STATUSES, { each: true })
  status?: RunStatus[];

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  batchId?: string;

  @ApiPropertyOptional({ description: 'Created at or after (ISO timestamp)', example: '2026-01-01T00:00:00Z' })
  @IsOptional()
  @IsIsoTimestamp()
  createdAfter?: string;

  @ApiPropertyOptional({ description: 'Created before (ISO timestamp)', example: '2026-02-01T00:00:00Z' })
  @IsOptional()
  @IsIsoTimestamp()
  createdBefore?: string;
}

export class ListBatchesQuery extends CursorPageQuery {
  @ApiPropertyOptional({ description: 'Comma-separated batch statuses', example: 'starting,started' })
  @IsOptional()
  @Transform(toList)
  @IsIn(BATCH_STATUSES, { each: true })
  status?: BatchStatus[];
}

// ---- responses (OpenAPI) -----------------------------------------------------------------------------------------------

export class RunAcceptedDto {
  @ApiProperty({ format: 'uuid', example: '0b6f1c2a-9e0b-4d7c-8e1a-5f2d3c4b5a69' })
  runId!: string;

  @ApiProperty({ example: 'enriching' })
  status!: string;

  @ApiProperty({ example: '/api/integration/pipeline/runs/0b6f1c2a-9e0b-4d7c-8e1a-5f2d3c4b5a69' })
  url!: string;

  @ApiProperty({ description: 'False when an open run for this lead and trip already existed', example: true })
  created!: boolean;
}

export class BatchAcceptedDto {
  @ApiProperty({ format: 'uuid', example: '7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f' })
  batchId!: string;

  @ApiProperty({ example: 'searching' })
  status!: string;

  @ApiProperty({ example: '/api/integration/pipeline/batches/7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f' })
  url!: string;
}

export class BatchSummaryDto {
  @ApiProperty({ format: 'uuid', example: '7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f' })
  id!: string;

  @ApiProperty({ example: '/api/integration/pipeline/batches/7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f' })
  url!: string;

  @ApiProperty({ enum: BATCH_STATUSES, example: 'started' })
  status!: string;

  @ApiProperty({ description: 'Every lead is booked, failed, cancelled or dead-lettered', example: false })
  finished!: boolean;

  @ApiProperty({ example: 5 })
  batchSize!: number;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Leads the search found; null while searching',
    example: 12,
  })
  total!: number | null;

  @ApiProperty({ example: 12 })
  started!: number;

  @ApiProperty({ example: 3 })
  booked!: number;

  @ApiProperty({ description: 'Runs failed, dead-lettered or cancelled', example: 1 })
  failed!: number;

  @ApiProperty({ example: 8 })
  inProgress!: number;

  @ApiProperty({ example: 6 })
  awaitingConfirmation!: number;

  @ApiProperty({ example: 0 })
  notStarted!: number;

  @ApiProperty({ type: String, nullable: true, example: null })
  error!: string | null;

  @ApiProperty({ example: { jobTitle: 'CEO', limit: 50 } })
  searchCriteria!: object;

  @ApiProperty({ example: '2026-01-01T09:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ example: '2026-01-01T09:00:04.100Z' })
  updatedAt!: string;
}

export class BatchListDto {
  @ApiProperty({ type: [BatchSummaryDto] })
  items!: BatchSummaryDto[];

  @ApiProperty({ type: CursorPageInfoDto })
  page!: CursorPageInfoDto;
}

export class RunSummaryDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ enum: RUN_STATUSES, example: 'awaiting_confirmation' })
  status!: string;

  @ApiProperty({ nullable: true, example: null })
  failureReason!: string | null;

  @ApiProperty({ example: 'api' })
  source!: string;

  @ApiProperty({ nullable: true, example: 'rq_01HZX…' })
  charterRequestId!: string | null;

  @ApiProperty({ example: '2026-01-01T09:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ example: '2026-01-01T09:00:01.200Z' })
  updatedAt!: string;
}

export class RunListDto {
  @ApiProperty({ type: [RunSummaryDto] })
  items!: RunSummaryDto[];

  @ApiProperty({ type: CursorPageInfoDto })
  page!: CursorPageInfoDto;
}

export class RunCountWindowDto {
  @ApiProperty({ description: 'Start of the window (ISO timestamp)', example: '2026-01-01T00:00:00.000Z' })
  since: string;

  @ApiProperty({ example: 12 })
  total: number;

  @ApiProperty({
    description: 'Runs created in the window, by current status (every status present)',
    example: { enriching: 1, awaiting_confirmation: 4, booked: 6, failed: 1 },
  })
  byStatus: Record<RunStatus, number>;
}

export class RunCountsDto {
  @ApiProperty({ type: RunCountWindowDto, description: 'Runs created since 00:00 UTC today' })
  today: RunCountWindowDto;

  @ApiProperty({ type: RunCountWindowDto, description: 'Runs created in the last 7 days' })
  last7Days: RunCountWindowDto;
}
