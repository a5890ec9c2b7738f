import type { SandboxDefinition } from '../core/sandbox-definition.js';
import { applyAvinodeDataChange } from './avinode.data-changes.js';
import { createAvinodeState } from './avinode.state.js';
import { registerAvinodeTools } from './avinode.tools.js';
import type { AvinodeState } from './avinode.types.js';
import { createTripFlowState, stopTrips } from './trip-flow.js';
import { registerTripFlowTools } from './trip-flow.tools.js';

/** The Avinode charter-marketplace sandbox: airports, operators, fleet, availability, quotes and bookings in memory. */
export const avinodeSandbox: SandboxDefinition<AvinodeState> = {
  name: 'avinode',
  createState: createAvinodeState,
  registerTools: (server, state, context, era) => {
    registerAvinodeTools(server, state, context, era);
    registerTripFlowTools(server, state, context);
  },
  applyDataChange: applyAvinodeDataChange,
  // A kept world from before the trip flow existed has no `tripFlow`; the server's setting decides whether it runs.
  loadState: (saved, options) => {
    const state = saved as AvinodeState;
    const settings = options.avinodeTripFlow;
    const kept = state.tripFlow ?? null;
    return {
      ...state,
      tripFlow: settings ? { ...(kept ?? createTripFlowState(settings)), minuteMs: settings.minuteMs } : null,
    };
  },
  disposeState: stopTrips,
};

export type { AvinodeState } from './avinode.types.js';
