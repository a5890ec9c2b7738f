import type { SandboxDefinition } from '../core/sandbox-definition.js';
import { applyAvinodeDataChange } from './avinode.data-changes.js';
import { createAvinodeState } from './avinode.state.js';
import { registerAvinodeTools } from './avinode.tools.js';
import type { AvinodeState } from './avinode.types.js';

/** The Avinode charter-marketplace sandbox: airports, operators, fleet, availability, quotes and bookings in memory. */
export const avinodeSandbox: SandboxDefinition<AvinodeState> = {
  name: 'avinode',
  createState: createAvinodeState,
  registerTools: registerAvinodeTools,
  applyDataChange: applyAvinodeDataChange,
};

export type { AvinodeState } from './avinode.types.js';
