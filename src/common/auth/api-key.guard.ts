import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../errors/domain-error.js';
import { ApiKeyVerifier, presentedApiKey } from './api-key.verifier.js';
import { IS_PUBLIC_ROUTE } from './public.decorator.js';

export type AuthenticatedRequest = FastifyRequest & { apiKeyFingerprint?: string };

/** Every `/api` route needs a valid API key unless marked @Public(); health, metrics and docs live outside `/api`. */
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
    const path = request.url.split('?')[0] ?? '';
    const presented = presentedApiKey(request.headers);
    const fingerprint = this.verifier.verify(presented);
    if (fingerprint) request.apiKeyFingerprint = fingerprint;
    if (path !== '/api' && !path.startsWith('/api/')) return true;
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
