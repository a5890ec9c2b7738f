import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../errors/domain-error.js';
import { type ApiKeyScope, scopeAllows } from './api-key-scope.js';
import { ApiKeyVerifier, presentedApiKey } from './api-key.verifier.js';
import { IS_PUBLIC_ROUTE } from './public.decorator.js';
import { REQUIRED_SCOPE, requiredScope, type ScopeRule } from './requires-scope.decorator.js';

export type AuthenticatedRequest = FastifyRequest & {
  apiKeyFingerprint?: string;
  /** The acting key's configured name, for logs and the audit (never the key itself). */
  apiKeyName?: string;
  apiKeyScope?: ApiKeyScope;
};

/**
 * Default deny: every route needs a valid API key unless its handler or controller is marked @Public(), and the key's
 * scope must cover the route's (see @RequiresScope). The decision comes from the route the router matched, never from
 * the URL string: the router decodes and matches paths in ways a prefix test cannot follow (`/%61pi/…` is `/api/…`).
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
    const targets = [context.getHandler(), context.getClass()];
    const presented = presentedApiKey(request.headers);
    const key = this.verifier.verify(presented);
    if (key) {
      request.apiKeyFingerprint = key.fingerprint;
      request.apiKeyName = key.name;
      request.apiKeyScope = key.scope;
    }
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, targets)) return true;
    if (!key) {
      throw new DomainError(
        'unauthorized',
        presented
          ? 'The API key is not valid'
          : 'An API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"',
        { extensions: { authentication: ['bearer', 'x-api-key'] } },
      );
    }
    const needed = requiredScope(
      this.reflector.get<ScopeRule | undefined>(REQUIRED_SCOPE, context.getHandler()),
      request,
    );
    if (!scopeAllows(key.scope, needed)) {
      throw new DomainError(
        'forbidden',
        `This operation needs an API key with the "${needed}" scope; the key "${key.name}" has "${key.scope}"`,
        { extensions: { requiredScope: needed, keyScope: key.scope, keyName: key.name } },
      );
    }
    return true;
  }
}
