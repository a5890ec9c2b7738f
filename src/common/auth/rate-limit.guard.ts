import { type CanActivate, type ExecutionContext, Injectable, type OnModuleDestroy, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../errors/domain-error.js';
import type { AuthenticatedRequest } from './api-key.guard.js';
import { FixedWindowCounter } from './fixed-window-counter.js';
import { addressKey } from '../http/client-address.js';

const SKIP_RATE_LIMIT = 'jetvision:skip-rate-limit';

/** Exempts a route or controller from rate limiting (health probes, metrics scraping). */
export const SkipRateLimit = (): MethodDecorator & ClassDecorator => SetMetadata(SKIP_RATE_LIMIT, true);

const WINDOW_MS = 60_000;

/**
 * Fixed one-minute windows per API key (when a valid key was presented) or per client address otherwise, answered
 * with 429 and Retry-After. Counters live in this instance's memory, so with N replicas a client gets up to N times the
 * limit; that is the usual trade-off for a limiter that protects the instance rather than meters a customer.
 * (@nestjs/throttler does this too but cannot be loaded by Jest on Node 20: see docs/decisions.md.)
 */
@Injectable()
export class RateLimitGuard implements CanActivate, OnModuleDestroy {
  private readonly windows = new FixedWindowCounter(WINDOW_MS);
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    this.sweeper = setInterval(() => this.windows.sweep(), WINDOW_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(SKIP_RATE_LIMIT, [context.getHandler(), context.getClass()]))
      return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const tracker = request.apiKeyFingerprint ? `key:${request.apiKeyFingerprint}` : `ip:${addressKey(request.ip)}`;
    const limit = request.apiKeyFingerprint ? this.config.auth.ratePerMinute : this.config.auth.anonymousRatePerMinute;
    const now = Date.now();
    const window = this.windows.hit(tracker, now);
    const reply = http.getResponse<FastifyReply>();
    void reply.header('x-ratelimit-limit', String(limit));
    void reply.header('x-ratelimit-remaining', String(Math.max(0, limit - window.count)));
    if (window.count > limit) {
      throw new DomainError('rate_limited', `Rate limit of ${limit} requests per minute exceeded`, {
        retryAfterSeconds: (window.resetAt - now) / 1000,
        extensions: { limit },
      });
    }
    return true;
  }
}
