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

/** Says which is wrong: the form, or a date in the right form that the calendar does not have (2026-02-30). */
function calendarDateMessage(property: string, value: unknown): string {
  if (typeof value === 'string' && DATE.test(value.slice(0, 10)))
    return `${property} ${value.slice(0, 10)} is not a real calendar date`;
  return `${property} must be a date in the form YYYY-MM-DD`;
}

/** An ISO date `YYYY-MM-DD` that exists in the calendar. Fails with rule `isCalendarDate`. */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: (value: unknown) => isCalendarDate(value),
        defaultMessage: (args?: ValidationArguments) => calendarDateMessage(args?.property ?? 'value', args?.value),
      },
    },
    options,
  );
}

const TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?)?$/;

/** Whether a value is an ISO date or date-time (`2026-01-01`, `2026-01-01T10:00:00Z`) on a date that exists. */
export function isIsoTimestamp(value: unknown): value is string {
  return typeof value === 'string' && TIMESTAMP.test(value) && isCalendarDate(value.slice(0, 10));
}

/** An ISO date or date-time on a real calendar date. Fails with rule `isIsoTimestamp`. */
export function IsIsoTimestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isIsoTimestamp',
      validator: {
        validate: (value: unknown) => isIsoTimestamp(value),
        defaultMessage: (args?: ValidationArguments) => {
          const property = args?.property ?? 'value';
          return typeof args?.value === 'string' && TIMESTAMP.test(args.value)
            ? calendarDateMessage(property, args.value)
            : `${property} must be an ISO timestamp, e.g. 2026-01-01 or 2026-01-01T10:00:00Z`;
        },
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
