import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { type FieldProblem, ValidationFailedError } from '../errors/domain-error.js';

/** Turns class-validator's nested errors into a flat list naming each field by its dotted path and the failed rule. */
export function toFieldProblems(errors: readonly ValidationError[], parent = ''): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({
      field,
      rule: rule === 'whitelistValidation' ? 'unknownProperty' : rule,
      message: rule === 'whitelistValidation' ? `property ${field} is not allowed` : message,
    }));
    return [...own, ...toFieldProblems(error.children ?? [], field)];
  });
}

/**
 * Properties of a query class that take one value: validated, but neither `each` nor `@IsArray()`. (Unknown names
 * are left to the whitelist rule.)
 */
function singleValueProperties(metatype: abstract new (...args: never[]) => unknown): Set<string> {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false);
  const lists = new Set(
    metadata.filter((m) => m.each || m.name === 'isArray' || m.type === 'isArray').map((m) => m.propertyName),
  );
  return new Set(metadata.map((m) => m.propertyName).filter((name) => !lists.has(name)));
}

function repeated(name: string, count: number): FieldProblem {
  return {
    field: name,
    rule: 'repeatedParameter',
    message: `${name} is given ${count} times; give it once`,
  };
}

/**
 * `?passengers=4&passengers=4` arrives as a list; where a single value is expected the caller should hear that the
 * parameter is repeated, not that a list is "not an integer".
 */
export function repeatedParameterProblems(value: unknown, metadata: ArgumentMetadata): FieldProblem[] {
  if (metadata.type !== 'query') return [];
  if (metadata.data !== undefined) {
    // One named parameter (`@Query('source')`) is one value unless declared as a list.
    return Array.isArray(value) && metadata.metatype !== Array ? [repeated(metadata.data, value.length)] : [];
  }
  if (typeof value !== 'object' || value === null || !metadata.metatype) return [];
  const singles = singleValueProperties(metadata.metatype as abstract new (...args: never[]) => unknown);
  return Object.entries(value)
    .filter(([name, item]) => Array.isArray(item) && singles.has(name))
    .map(([name, item]) => repeated(name, (item as unknown[]).length));
}

class ApiValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const problems = repeatedParameterProblems(value, metadata);
    if (problems.length > 0) throw new ValidationFailedError(problems);
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new ApiValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedError(toFieldProblems(errors)),
  });
}
