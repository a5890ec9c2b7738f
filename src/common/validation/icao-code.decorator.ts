import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';

const ICAO = /^[A-Z]{4}$/;

/** Upper-cases a string as it comes in, so `kteb` is checked (and handed on) as `KTEB`. Other values pass unchanged. */
export function ToUpperCase(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toUpperCase() : value));
}

/** Whether a value is an ICAO airport code once upper-cased: exactly four letters. */
export function isIcaoCode(value: unknown): value is string {
  return typeof value === 'string' && ICAO.test(value);
}

/**
 * An ICAO airport code: four letters in any case on input, upper case in the DTO (and therefore everywhere after it).
 * Fails with rule `isIcaoCode`.
 */
export function IsIcaoCode(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    ToUpperCase(),
    ValidateBy(
      {
        name: 'isIcaoCode',
        validator: {
          validate: (value: unknown) => isIcaoCode(value),
          defaultMessage: (args?: ValidationArguments) =>
            `${args?.property ?? 'value'} must be a 4-letter ICAO airport code, e.g. KTEB`,
        },
      },
      options,
    ),
  );
}
