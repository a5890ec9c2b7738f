import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEmail,
  IsFQDN,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import { NumberedPageQuery } from '../../common/http/pagination.js';
import { IsOnOrAfter } from '../../common/validation/calendar-date.decorator.js';
import { EMPLOYEE_RANGES, type EmployeeRange } from './apollo.contracts.js';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
const APOLLO_ID = /^[a-f0-9]{24}$/i;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A contact reference: an Apollo contact id (24 hex digits) or an email address. Rule `isContactReference`. */
function IsContactReference(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isContactReference',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && (APOLLO_ID.test(value) || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)),
        defaultMessage: () => 'each value in contacts must be an Apollo contact id (24 hex digits) or an email address',
      },
    },
    options,
  );
}

export class SearchLeadsQuery extends NumberedPageQuery {
  @ApiPropertyOptional({ description: 'Substring of the job title; CEO, CFO, COO, EA are understood', example: 'CEO' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  jobTitle?: string;

  @ApiPropertyOptional({ description: 'Substring of the industry', example: 'Private Equity' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  industry?: string;

  @ApiPropertyOptional({ enum: EMPLOYEE_RANGES, description: 'Employee range', example: '51-200' })
  @IsOptional()
  @IsIn(EMPLOYEE_RANGES)
  companySize?: EmployeeRange;

  @ApiPropertyOptional({ description: 'City, state, state code or country', example: 'New York' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  location?: string;
}

export class EnrichContactBody {
  @ApiPropertyOptional({ description: 'Work email (this or linkedinUrl is required)', example: 'jane.doe@acme.com' })
  @ValidateIf((body: EnrichContactBody) => body.email !== undefined || body.linkedinUrl === undefined)
  @IsDefined({ message: 'email or linkedinUrl is required' })
  @IsEmail({}, { message: 'email must be an email address' })
  email?: string;

  @ApiPropertyOptional({ example: 'https://www.linkedin.com/in/jane-doe' })
  @IsOptional()
  @IsUrl({ require_protocol: true, protocols: ['http', 'https'] }, { message: 'linkedinUrl must be an http(s) URL' })
  @Matches(/linkedin\.com\//i, { message: 'linkedinUrl must be a LinkedIn profile URL' })
  linkedinUrl?: string;
}

export class BulkEnrichBody {
  @ApiProperty({ type: [EnrichContactBody], description: 'Up to 10 people, each by email or LinkedIn URL' })
  @IsArray()
  @ArrayNotEmpty({ message: 'contacts must list at least one person' })
  @ArrayMaxSize(10, { message: 'contacts must list at most 10 people (Apollo enriches 10 per call)' })
  @ValidateNested({ each: true })
  @Type(() => EnrichContactBody)
  contacts!: EnrichContactBody[];
}

export class AccountParams {
  @ApiProperty({ description: 'Company domain', example: 'acme.com' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsFQDN({ require_tld: true }, { message: 'domain must be a domain name such as acme.com' })
  domain!: string;
}

export class AccountQuery {
  @ApiPropertyOptional({ description: 'Include the organization’s contacts (default true)', example: true })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'includeContacts must be true or false' })
  includeContacts?: boolean;
}

export class SequenceStepBody {
  @ApiProperty({ minimum: 0, maximum: 365, example: 0, description: 'Days after the previous step' })
  @IsInt()
  @Min(0)
  @Max(365)
  delayDays!: number;

  @ApiProperty({ example: 'Private aviation for {{company}}' })
  @IsString()
  @MinLength(1)
  @MaxLength(300)
  subject!: string;

  @ApiPropertyOptional({ example: 'Hi {{firstName}}, …' })
  @IsOptional()
  @IsString()
  @MaxLength(20_000)
  template?: string;
}

export class CreateSequenceBody {
  @ApiProperty({ example: 'Q3 charter outreach' })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name!: string;

  @ApiProperty({
    type: [String],
    description: 'Apollo contact ids and/or email addresses (unknown emails become new contacts)',
    example: ['5f2a9c1e8b3d4a0012c3e4f5', 'ceo@acme.com'],
  })
  @IsArray()
  @ArrayNotEmpty({ message: 'contacts must list at least one contact' })
  @ArrayMaxSize(1000)
  @IsContactReference({ each: true })
  contacts!: string[];

  @ApiProperty({ type: [SequenceStepBody] })
  @IsArray()
  @ArrayNotEmpty({ message: 'steps must list at least one step' })
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => SequenceStepBody)
  steps!: SequenceStepBody[];
}

export class SequenceParams {
  @ApiProperty({ example: '64b7f0c2a1e4d5f6a7b8c9d0' })
  @IsString()
  @Matches(APOLLO_ID, { message: 'id must be an Apollo sequence id (24 hex digits)' })
  id!: string;
}

export class AddContactsBody {
  @ApiProperty({ type: [String], example: ['5f2a9c1e8b3d4a0012c3e4f5'] })
  @IsArray()
  @ArrayNotEmpty({ message: 'contactIds must list at least one contact' })
  @ArrayMaxSize(1000)
  @Matches(APOLLO_ID, { each: true, message: 'each value in contactIds must be an Apollo contact id (24 hex digits)' })
  contactIds!: string[];
}

export class EngagementQuery {
  @ApiProperty({ description: 'First day, YYYY-MM-DD (UTC, inclusive)', example: '2026-01-01' })
  @IsDefined({ message: 'startDate is required' })
  @Matches(DATE_ONLY, { message: 'startDate must be a date in the form YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'startDate must be a valid calendar date' })
  startDate!: string;

  @ApiProperty({ description: 'Last day, YYYY-MM-DD (UTC, inclusive), not before startDate', example: '2026-01-31' })
  @IsDefined({ message: 'endDate is required' })
  @Matches(DATE_ONLY, { message: 'endDate must be a date in the form YYYY-MM-DD' })
  @IsISO8601({ strict: true }, { message: 'endDate must be a valid calendar date' })
  @IsOnOrAfter('startDate')
  endDate!: string;
}
