import {
  type ExecutionContext,
  SetMetadata,
  UseInterceptors,
  applyDecorators,
  createParamDecorator,
} from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import {
  IDEMPOTENT_SCOPE,
  IdempotencyInterceptor,
  type IdempotencyInfo,
  type IdempotentRequestContext,
} from './idempotency.interceptor.js';

/**
 * Makes a route honour an optional `Idempotency-Key` header: the same key and request replay the first successful
 * response (same status and body, header `Idempotent-Replayed: true`) for 24 h; the same key with another request is
 * 422 `idempotency_key_reused`; concurrent requests with one key run once (the others wait and replay it, or get 409
 * `idempotency_request_in_progress` if it takes too long). Failed requests are not stored. The module declaring the
 * route must import `IdempotencyModule`.
 */
export function Idempotent(scope: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(IDEMPOTENT_SCOPE, scope),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Client-chosen unique key (e.g. a uuid). Repeating a request with the same key and body replays the first ' +
        'response instead of acting twice; the same key with a different body is rejected with 422. Kept 24 h.',
      example: '5f0c1f9e-8a0e-4c7b-9a51-1f3f1c2b9d77',
    }),
  );
}

/** The idempotency details of the current request on an `@Idempotent` route (key, upstream key). */
export const IdempotencyContext = createParamDecorator((_: unknown, context: ExecutionContext): IdempotencyInfo => {
  const request = context.switchToHttp().getRequest<IdempotentRequestContext>();
  if (!request.idempotency) throw new Error('@IdempotencyContext() is only available on @Idempotent() routes');
  return request.idempotency;
});
