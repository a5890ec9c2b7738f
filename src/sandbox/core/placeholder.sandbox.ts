import type { SandboxDefinition, SandboxName } from './sandbox-definition.js';

/**
 * Stand-in for a server whose definition is not written yet, so the registry and `npm run sandbox` work meanwhile.
 * It has no tools; remove it once every definition exists.
 */
export function placeholderSandbox(name: SandboxName): SandboxDefinition<Record<string, never>> {
  return {
    name,
    createState: () => ({}),
    registerTools: () => undefined,
    applyDataChange: (_state, change) => {
      throw new Error(`unknown collection ${change.collection} (the ${name} sandbox has no data yet)`);
    },
  };
}
