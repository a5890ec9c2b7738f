import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** UTC−12 is the last time zone to reach a date: a date before today there is in the past everywhere. */
const LATEST_ZONE_OFFSET_MS = 12 * 3_600_000;

/** Whether a value is an ISO calendar date `YYYY-MM-DD` that exists (no 2026-02-30). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE.exec(value);
  if (!match) return false;
  const [, year, month, day] = match.map(Number) as [number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * The earliest date that is still today (or later) somewhere on Earth. Dates before it are past for every airport;
 * the upstream checks the exact local date of the departure airport.
 */
export function earliestCurrentDate(now: Date = new Date()): string {
  return new Date(now.getTime() - LATEST_ZONE_OFFSET_MS).toISOString().slice(0, 10);
}

/** An ISO date `YYYY-MM-DD` that exists in the calendar. Fails with rule `isCalendarDate`. */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value: unknown) => isCalendarDate(value),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} must be a date in the form YYYY-MM-DD`,
      },
    },
    options,
  );
}

/**
 * A date that is not in the past (for new trips). Combine with @IsCalendarDate(); a malformed date is left to that rule.
 * Fails with rule `notInPast`.
 */
export function NotInPast(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'notInPast',
      validator: {
        validate: (value: unknown) => !isCalendarDate(value) || value >= earliestCurrentDate(),
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} must not be in the past (got ${String(args?.value)}, today is ${new Date().toISOString().slice(0, 10)})`,
      },
    },
    options,
  );
}

/**
 * A date on or after another date property of the same object, e.g. `@IsOnOrAfter('departureDate') returnDate`.
 * Skipped while either date is malformed (their own rules report that). Fails with rule `isOnOrAfter`.
 */
export function IsOnOrAfter(otherProperty: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isOnOrAfter',
      constraints: [otherProperty],
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => {
          const other = (args?.object as Record<string, unknown> | undefined)?.[otherProperty];
          if (!isCalendarDate(value) || !isCalendarDate(other)) return true;
          return value >= other;
        },
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} must be on or after ${otherProperty}`,
      },
    },
    options,
  );
}
