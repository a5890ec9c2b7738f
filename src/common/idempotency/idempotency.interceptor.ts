import { randomUUID } from 'node:crypto';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Observable, from, lastValueFrom, map } from 'rxjs';
import { ValidationFailedError } from '../errors/domain-error.js';
import { requestFingerprint } from './request-fingerprint.js';
import { IdempotencyService } from './idempotency.service.js';

export const IDEMPOTENT_SCOPE = 'jetvision:idempotent-scope';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
const KEY_SYNTAX = /^[\x21-\x7e]{1,255}$/;

/** What an idempotent route's handler learns about the key (see `@IdempotencyContext()`). */
export interface IdempotencyInfo {
  scope: string;
  /** The client's `Idempotency-Key`, or null when it sent none. */
  key: string | null;
  /**
   * The key to hand to the upstream write: derived from the client's key (stable across its retries), or a fresh uuid
   * when the client sent none (the upstream still deduplicates our own internal retries).
   */
  upstreamKey: string;
}

export type IdempotentRequestContext = FastifyRequest & { apiKeyFingerprint?: string; idempotency?: IdempotencyInfo };

/** Applied by `@Idempotent(scope)`; see `IdempotencyService` for the rules. */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly idempotency: IdempotencyService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const scope = this.reflector.get<string | undefined>(IDEMPOTENT_SCOPE, context.getHandler());
    if (context.getType() !== 'http' || scope === undefined) return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<IdempotentRequestContext>();
    const reply = http.getResponse<FastifyReply>();
    const raw = request.headers[IDEMPOTENCY_HEADER];
    if (raw === undefined) {
      request.idempotency = { scope, key: null, upstreamKey: randomUUID() };
      return next.handle();
    }
    if (typeof raw !== 'string' || !KEY_SYNTAX.test(raw)) {
      throw new ValidationFailedError([
        {
          field: 'Idempotency-Key',
          rule: 'isIdempotencyKey',
          message: 'Idempotency-Key must be one header of 1–255 visible ASCII characters (a uuid is a good choice)',
        },
      ]);
    }
    const principal = request.apiKeyFingerprint ?? 'anonymous';
    request.idempotency = {
      scope,
      key: raw,
      upstreamKey: IdempotencyService.upstreamKey({ scope, principal, key: raw }),
    };
    const path = request.url.split('?')[0] ?? request.url;
    const status =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
      (request.method === 'POST' ? 201 : 200);
    const outcome = this.idempotency.execute(
      { scope, principal, key: raw, fingerprint: requestFingerprint(request.method, path, request.body) },
      async () => ({ status, body: await lastValueFrom(next.handle(), { defaultValue: undefined }) }),
    );
    return from(outcome).pipe(
      map((result) => {
        if (result.replayed) void reply.header(REPLAYED_HEADER, 'true');
        return result.body;
      }),
    );
  }
}
