import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../errors/domain-error.js';
import { ApiKeyVerifier, presentedApiKey } from './api-key.verifier.js';
import { IS_PUBLIC_ROUTE } from './public.decorator.js';

export type AuthenticatedRequest = FastifyRequest & { apiKeyFingerprint?: string };

/**
 * Default deny: every route needs a valid API key unless its handler or controller is marked @Public(). The decision
 * comes from the route the router matched, never from the URL string: the router decodes and matches paths in ways a
 * prefix test cannot follow (`/%61pi/…` is `/api/…`).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly verifier: ApiKeyVerifier;

  constructor(
    config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    this.verifier = new ApiKeyVerifier(config.auth.apiKeys);
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const presented = presentedApiKey(request.headers);
    const fingerprint = this.verifier.verify(presented);
    if (fingerprint) request.apiKeyFingerprint = fingerprint;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic || fingerprint) return true;
    throw new DomainError(
      'unauthorized',
      presented
        ? 'The API key is not valid'
        : 'An API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"',
      { extensions: { authentication: ['bearer', 'x-api-key'] } },
    );
  }
}
