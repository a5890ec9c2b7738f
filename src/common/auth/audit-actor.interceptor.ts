import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { Observable } from 'rxjs';
import { runWithAuditContext } from '../events/audit-context.js';
import type { AuthenticatedRequest } from './api-key.guard.js';

/**
 * Runs each request's handler with the authenticating key's name as the audit actor (guards ran already), so every
 * entry written while it works — directly or by listeners of the events it emits — names who asked.
 */
@Injectable()
export class AuditActorInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const actor = request.apiKeyName ?? null;
    return new Observable((subscriber) => runWithAuditContext({ actor }, () => next.handle().subscribe(subscriber)));
  }
}
