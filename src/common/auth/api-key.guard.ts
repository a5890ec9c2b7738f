import { type CanActivate, type ExecutionContext, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../errors/domain-error.js';
import { clientAddressOf } from '../http/client-address.js';
import { type ApiKeyScope, scopeAllows } from './api-key-scope.js';
import { ApiKeyVerifier, presentedApiKey, type VerifiedApiKey } from './api-key.verifier.js';
import { AuthLockoutStarted } from './auth.events.js';
import { AuthLockout } from './auth-lockout.js';
import { IS_PUBLIC_ROUTE } from './public.decorator.js';
import { REQUIRED_SCOPE, requiredScope, type ScopeRule } from './requires-scope.decorator.js';
import { publish } from '../events/publish.js';

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
export class ApiKeyGuard implements CanActivate, OnModuleDestroy {
  private readonly verifier: ApiKeyVerifier;
  private readonly lockout: AuthLockout;
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    config: AppConfig,
    private readonly reflector: Reflector,
    private readonly events: EventEmitter2,
  ) {
    this.verifier = new ApiKeyVerifier(config.auth.apiKeys);
    this.lockout = new AuthLockout({
      failuresBeforeLockout: config.security.authFailuresBeforeLockout,
      lockoutSeconds: config.security.authLockoutSeconds,
      lockoutMaxSeconds: config.security.authLockoutMaxSeconds,
    });
    this.sweeper = setInterval(() => this.lockout.sweep(), 60_000);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const presented = presentedApiKey(request.headers);
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, targets)) {
      // Identify a caller that sent a key anyway (its rate limit is per key), but never refuse or count here.
      this.identify(request, this.verifier.verify(presented));
      return true;
    }
    if (!presented) {
      throw new DomainError(
        'unauthorized',
        'An API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"',
        { extensions: { authentication: ['bearer', 'x-api-key'] } },
      );
    }
    // Checked before the key: during a lockout even the right key is refused, or guessing would go on unhindered.
    const lockedFor = this.lockout.lockedFor(request.ip);
    if (lockedFor > 0) {
      throw new DomainError(
        'rate_limited',
        `Too many refused API keys from this address; try again in ${Math.ceil(lockedFor)} s`,
        { retryAfterSeconds: lockedFor, extensions: { reason: 'auth_lockout' } },
      );
    }
    const key = this.verifier.verify(presented);
    if (!key) {
      const started = this.lockout.recordFailure(request.ip);
      if (started) {
        publish(
          this.events,
          new AuthLockoutStarted(clientAddressOf(request), started.lockoutSeconds, started.lockouts),
        );
      }
      throw new DomainError('unauthorized', 'The API key is not valid', {
        extensions: { authentication: ['bearer', 'x-api-key'] },
      });
    }
    this.identify(request, key);
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

  private identify(request: AuthenticatedRequest, key: VerifiedApiKey | null): void {
    if (!key) return;
    request.apiKeyFingerprint = key.fingerprint;
    request.apiKeyName = key.name;
    request.apiKeyScope = key.scope;
  }
}
