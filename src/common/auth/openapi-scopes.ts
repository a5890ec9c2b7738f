import type { OpenAPIObject } from '@nestjs/swagger';
import { defaultScopeFor } from './requires-scope.decorator.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/**
 * Shows each operation's scope in the OpenAPI document: `x-required-scope` (declared by @RequiresScope or the method's
 * default, the same rule the guard applies) and a line in the description. Public operations are left as they are.
 */
export function annotateScopes(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as (Record<string, unknown> & { security?: unknown[] }) | undefined;
      if (!operation) continue;
      if (operation.security?.some((requirement) => Object.keys(requirement as object).length === 0)) continue;
      operation['x-required-scope'] ??= defaultScopeFor(method);
      const byAction = operation['x-required-scope-by-action'] as Record<string, string> | undefined;
      const scopeLine = byAction
        ? `API key scope by \`action\`: ${Object.entries(byAction)
            .filter(([name]) => name !== 'in')
            .map(([action, scope]) => `${action} → \`${scope}\``)
            .join(', ')}.`
        : `API key scope: \`${String(operation['x-required-scope'])}\`.`;
      const description = typeof operation['description'] === 'string' ? operation['description'] : '';
      operation['description'] = description ? `${description}\n\n${scopeLine}` : scopeLine;
    }
  }
  return document;
}
