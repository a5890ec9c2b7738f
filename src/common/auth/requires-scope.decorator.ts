import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { API_KEY_SCOPES, type ApiKeyScope } from './api-key-scope.js';

export const REQUIRED_SCOPE = 'jetvision:required-scope';

/** For routes whose `action` field picks what they do: the scope per action; an action not listed needs `admin`. */
export interface ScopeByAction {
  from: 'body' | 'query';
  actions: Readonly<Record<string, ApiKeyScope>>;
}

export type ScopeRule = ApiKeyScope | ScopeByAction;

/**
 * Declares the scope a route needs. Routes without it need `read` for GET and HEAD and `admin` for anything else, so a
 * new write route is admin-only until someone decides otherwise. The OpenAPI document shows the scope per operation.
 */
export const RequiresScope = (rule: ScopeRule): MethodDecorator =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPE, rule),
    ...(typeof rule === 'string'
      ? [ApiExtension('x-required-scope', rule)]
      : [
          ApiExtension('x-required-scope', lowestScope(Object.values(rule.actions))),
          ApiExtension('x-required-scope-by-action', { in: rule.from, ...rule.actions }),
        ]),
  );

export function defaultScopeFor(method: string): ApiKeyScope {
  return method.toUpperCase() === 'GET' || method.toUpperCase() === 'HEAD' ? 'read' : 'admin';
}

/** The scope this request needs, from the route's rule (or the method's default) and, for by-action rules, its action. */
export function requiredScope(rule: ScopeRule | undefined, request: FastifyRequest): ApiKeyScope {
  if (rule === undefined) return defaultScopeFor(request.method);
  if (typeof rule === 'string') return rule;
  const source: unknown = rule.from === 'body' ? request.body : request.query;
  const action = source && typeof source === 'object' ? (source as Record<string, unknown>)['action'] : undefined;
  return (
    (typeof action === 'string' && Object.hasOwn(rule.actions, action) ? rule.actions[action] : undefined) ?? 'admin'
  );
}

function lowestScope(scopes: readonly ApiKeyScope[]): ApiKeyScope {
  return API_KEY_SCOPES.find((scope) => scopes.includes(scope)) ?? 'admin';
}
