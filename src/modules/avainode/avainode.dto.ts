import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { NumberedPageQuery, QueryInteger } from '../../common/http/pagination.js';
import { IsCalendarDate, IsOnOrAfter, NotInPast } from '../../common/validation/calendar-date.decorator.js';
import { IsIcaoCode } from '../../common/validation/icao-code.decorator.js';
import { QueryBoolean } from '../../common/validation/query-transforms.js';
import { AIRCRAFT_CATEGORIES, type AircraftCategory } from './avainode.contracts.js';

const trim = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const UPSTREAM_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const ICAO_DOC = 'ICAO airport code; any case accepted, returned upper case';

// ---------- shared trip fields ----------

class TripFields {
  @ApiProperty({ description: ICAO_DOC, example: 'KTEB', minLength: 4, maxLength: 4 })
  @IsIcaoCode()
  departureAirport!: string;

  @ApiProperty({ description: ICAO_DOC, example: 'KPBI', minLength: 4, maxLength: 4 })
  @IsIcaoCode()
  arrivalAirport!: string;

  @ApiProperty({
    description: 'Departure date YYYY-MM-DD (local at the departure airport), not in the past',
    example: '2026-12-18',
  })
  @IsCalendarDate()
  @NotInPast()
  departureDate!: string;

  @ApiPropertyOptional({
    description: 'Return date for a round trip, on or after departureDate',
    example: '2026-12-21',
  })
  @IsOptional()
  @IsCalendarDate()
  @NotInPast()
  @IsOnOrAfter('departureDate')
  returnDate?: string;
}

function PassengerCount(): PropertyDecorator {
  return (target, key) => {
    ApiProperty({ description: 'Passengers (1–19)', minimum: 1, maximum: 19, example: 4 })(target, key);
    IsInt()(target, key);
    Min(1)(target, key);
    Max(19)(target, key);
  };
}

// ---------- aircraft search ----------

export class SearchAircraftQuery extends NumberedPageQuery {
  @ApiProperty({ description: ICAO_DOC, example: 'KTEB' })
  @IsIcaoCode()
  departureAirport!: string;

  @ApiProperty({ description: ICAO_DOC, example: 'KPBI' })
  @IsIcaoCode()
  arrivalAirport!: string;

  @ApiProperty({ description: 'YYYY-MM-DD, not in the past', example: '2026-12-18' })
  @IsCalendarDate()
  @NotInPast()
  departureDate!: string;

  @ApiPropertyOptional({ description: 'Round trip: YYYY-MM-DD on or after departureDate', example: '2026-12-21' })
  @IsOptional()
  @IsCalendarDate()
  @NotInPast()
  @IsOnOrAfter('departureDate')
  returnDate?: string;

  @QueryInteger()
  @PassengerCount()
  passengers!: number;

  @ApiPropertyOptional({ enum: AIRCRAFT_CATEGORIES, example: 'light_jet' })
  @IsOptional()
  @IsIn(AIRCRAFT_CATEGORIES)
  aircraftCategory?: AircraftCategory;

  @ApiPropertyOptional({ description: 'Highest hourly rate, USD cents', example: 600000, minimum: 1 })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  maxHourlyRate?: number;
}

// ---------- quotes ----------

export class CreateQuoteBody extends TripFields {
  @ApiProperty({ description: 'aircraftId from an aircraft search', example: 'ac-n425jv' })
  @IsString()
  @Matches(UPSTREAM_ID, { message: 'aircraftId must be an Avinode aircraft id' })
  aircraftId!: string;

  @PassengerCount()
  passengers!: number;
}

// ---------- charter requests ----------

export class ContactBody {
  @ApiProperty({ example: 'Jane Doe' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'jane.doe@summitcapital.com' })
  @Transform(trim)
  @IsEmail({}, { message: 'contact.email must be an email address' })
  @MaxLength(320)
  email!: string;

  @ApiPropertyOptional({ example: '+1 212 555 0142' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(3)
  @MaxLength(40)
  phone?: string;

  @ApiPropertyOptional({ example: 'Summit Capital' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  company?: string;
}

export class CreateCharterRequestBody extends TripFields {
  @ApiProperty({ description: 'aircraftId from an aircraft search', example: 'ac-n425jv' })
  @IsString()
  @Matches(UPSTREAM_ID, { message: 'aircraftId must be an Avinode aircraft id' })
  aircraftId!: string;

  @ApiProperty({ description: 'Local departure time HH:MM (24 h) at the departure airport', example: '09:30' })
  @IsString()
  @Matches(TIME, { message: 'departureTime must be a time HH:MM (24-hour)' })
  departureTime!: string;

  @PassengerCount()
  passengers!: number;

  @ApiProperty({ type: ContactBody })
  @ValidateNested()
  @Type(() => ContactBody)
  contact!: ContactBody;

  @ApiPropertyOptional({
    description: 'A quote for the same aircraft, trip and party (from POST /quotes)',
    example: 'qt-7k2m9x',
  })
  @IsOptional()
  @IsString()
  @Matches(UPSTREAM_ID, { message: 'quoteId must be an Avinode quote id' })
  quoteId?: string;

  @ApiPropertyOptional({ example: 'Vegetarian catering, one small dog in cabin', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  specialRequests?: string;
}

// ---------- bookings ----------

export class BookingParams {
  @ApiProperty({
    description: 'Our record id (uuid), the Avinode request id (cr-…) or the booking id (bk-…)',
    example: 'cr-4f7a2c',
  })
  @IsString()
  @Matches(UPSTREAM_ID, { message: 'id must be a record id, request id or booking id' })
  id!: string;
}

export class ConfirmBookingBody {
  @ApiProperty({ description: 'How the deposit is paid', example: 'wire_transfer', maxLength: 100 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  paymentMethod!: string;

  @ApiPropertyOptional({
    description:
      'Who signs the charter agreement. Avinode asks for it when the booking is confirmed `on_account` (invoiced on ' +
      'credit terms): without it the answer is 409 `upstream-needs-input` naming `signerName` (400 from a session-era ' +
      'server); send the same request again with it.',
    example: 'Ana Ruiz',
    maxLength: 200,
  })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  signerName?: string;
}

export class CancelBookingBody {
  @ApiProperty({ description: 'Why the booking is cancelled', example: 'Client postponed the trip', maxLength: 500 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason!: string;
}

export class ModifyBookingBody {
  @ApiPropertyOptional({ description: 'New local departure time HH:MM', example: '11:00' })
  @IsOptional()
  @IsString()
  @Matches(TIME, { message: 'departureTime must be a time HH:MM (24-hour)' })
  departureTime?: string;

  @ApiPropertyOptional({ description: 'New party size (1–19); the booking is re-priced', example: 5 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(19)
  passengers?: number;

  @ApiPropertyOptional({ example: 'Add a child seat', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  specialRequests?: string;
}

// ---------- operators ----------

export class OperatorParams {
  @ApiProperty({ description: 'Operator id (from a search result or booking)', example: 'op-skyline' })
  @IsString()
  @Matches(UPSTREAM_ID, { message: 'id must be an Avinode operator id' })
  id!: string;
}

export class OperatorQuery {
  @ApiPropertyOptional({ description: 'Include the fleet with availability over the next 30 days', default: false })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean({ message: 'includeFleet must be true or false' })
  includeFleet?: boolean;

  @ApiPropertyOptional({ description: 'Include the incident history', default: true })
  @IsOptional()
  @QueryBoolean()
  @IsBoolean({ message: 'includeSafetyRecords must be true or false' })
  includeSafetyRecords?: boolean;
}

// ---------- empty legs ----------

export class EmptyLegsQuery extends NumberedPageQuery {
  @ApiPropertyOptional({ description: ICAO_DOC, example: 'KTEB' })
  @IsOptional()
  @IsIcaoCode()
  departureAirport?: string;

  @ApiPropertyOptional({ description: ICAO_DOC, example: 'KMIA' })
  @IsOptional()
  @IsIcaoCode()
  arrivalAirport?: string;

  @ApiPropertyOptional({ description: 'Earliest departure date YYYY-MM-DD (default today)', example: '2026-12-01' })
  @IsOptional()
  @IsCalendarDate()
  startDate?: string;

  @ApiPropertyOptional({
    description: 'Latest departure date YYYY-MM-DD, on or after startDate',
    example: '2026-12-31',
  })
  @IsOptional()
  @IsCalendarDate()
  @IsOnOrAfter('startDate')
  endDate?: string;

  @ApiPropertyOptional({ description: 'Highest price, USD cents', example: 1500000, minimum: 1 })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  maxPrice?: number;

  @ApiPropertyOptional({ description: 'Seats needed (1–19)', example: 4, minimum: 1, maximum: 19 })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(19)
  passengers?: number;
}
