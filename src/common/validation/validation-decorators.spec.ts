import { describe, expect, it } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { IsOptional, validateSync } from 'class-validator';
import {
  IsCalendarDate,
  IsOnOrAfter,
  NotInPast,
  earliestCurrentDate,
  isCalendarDate,
  isIsoTimestamp,
} from './calendar-date.decorator.js';
import { IsIcaoCode } from './icao-code.decorator.js';
import { QueryBoolean } from './query-transforms.js';

class Trip {
  @IsIcaoCode()
  from!: string;

  @IsCalendarDate()
  @NotInPast()
  departureDate!: string;

  @IsOptional()
  @IsCalendarDate()
  @IsOnOrAfter('departureDate')
  returnDate?: string;

  @IsOptional()
  @QueryBoolean()
  flag?: unknown;
}

function check(plain: Record<string, unknown>): { trip: Trip; failures: string[] } {
  const trip = plainToInstance(Trip, plain);
  const failures = validateSync(trip).flatMap((e) =>
    Object.keys(e.constraints ?? {}).map((rule) => `${e.property}:${rule}`),
  );
  return { trip, failures };
}

const future = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('IsIcaoCode', () => {
  it('upper-cases four letters in any case', () => {
    const { trip, failures } = check({ from: 'kTeB', departureDate: future(3) });
    expect(failures).toEqual([]);
    expect(trip.from).toBe('KTEB');
  });

  it.each(['KTE', 'KTEBB', 'KT3B', ' KTEB', 42, null])('rejects %p with rule isIcaoCode', (from) => {
    expect(check({ from, departureDate: future(3) }).failures).toEqual(['from:isIcaoCode']);
  });
});

describe('calendar dates', () => {
  it.each(['2030-02-29', '2030-13-01', '2030-1-01', '20300101', 'tomorrow'])('rejects %p', (date) => {
    expect(isCalendarDate(date)).toBe(false);
  });

  it('says a date in the right form that does not exist is not a real calendar date', () => {
    const trip = plainToInstance(Trip, { from: 'KTEB', departureDate: '2026-02-30' });
    const messages = validateSync(trip).flatMap((e) => Object.values(e.constraints ?? {}));
    expect(messages).toContain('departureDate 2026-02-30 is not a real calendar date');
    const malformed = plainToInstance(Trip, { from: 'KTEB', departureDate: '30.02.2026' });
    expect(validateSync(malformed).flatMap((e) => Object.values(e.constraints ?? {}))).toContain(
      'departureDate must be a date in the form YYYY-MM-DD',
    );
  });

  it.each([
    ['2026-01-01', true],
    ['2026-01-01T10:00:00Z', true],
    ['2026-01-01T10:00:00.123+02:00', true],
    ['2026-02-30', false],
    ['2026-02-30T10:00:00Z', false],
    ['2026-01-01T25:00:00Z', false],
    ['yesterday', false],
  ])('isIsoTimestamp(%p) is %p', (value, expected) => {
    expect(isIsoTimestamp(value)).toBe(expected);
  });

  it('accepts real dates including leap days', () => {
    expect(isCalendarDate('2028-02-29')).toBe(true);
  });

  it('treats a date as past only once it is over everywhere (UTC-12)', () => {
    expect(earliestCurrentDate(new Date('2030-05-10T11:59:00Z'))).toBe('2030-05-09');
    expect(earliestCurrentDate(new Date('2030-05-10T12:00:00Z'))).toBe('2030-05-10');
    expect(check({ from: 'KTEB', departureDate: future(-2) }).failures).toEqual(['departureDate:notInPast']);
  });

  it('requires the return on or after departure, naming returnDate', () => {
    expect(check({ from: 'KTEB', departureDate: future(5), returnDate: future(4) }).failures).toEqual([
      'returnDate:isOnOrAfter',
    ]);
    expect(check({ from: 'KTEB', departureDate: future(5), returnDate: future(5) }).failures).toEqual([]);
  });
});

describe('QueryBoolean', () => {
  it('parses true/false/1/0 and leaves anything else', () => {
    expect(plainToInstance(Trip, { flag: 'true' }).flag).toBe(true);
    expect(plainToInstance(Trip, { flag: '0' }).flag).toBe(false);
    expect(plainToInstance(Trip, { flag: 'maybe' }).flag).toBe('maybe');
  });
});
