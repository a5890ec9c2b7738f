import { Transform } from 'class-transformer';

/**
 * `?flag=true|false|1|0` as a boolean (the global pipe converts nothing implicitly); anything else is left as it is,
 * so @IsBoolean() reports it with the field's name. For integers see `QueryInteger()` in common/http/pagination.ts.
 */
export function QueryBoolean(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => {
    if (value === 'true' || value === '1') return true;
    if (value === 'false' || value === '0') return false;
    return value;
  });
}
