import { z } from 'zod';

import type { SandboxDefinition } from '../../../src/sandbox/core/sandbox-definition.js';

/** A minimal definition for testing the host on its own: an echo, a counter that emits events, and one collection. */
export interface EchoState {
  counter: number;
  items: Map<string, { id: string; value: string }>;
}

export const echoSandbox: SandboxDefinition<EchoState> = {
  name: 'apollo',
  createState: ({ seed }) => ({ counter: 0, items: new Map([['item-1', { id: 'item-1', value: `seed-${seed}` }]]) }),
  registerTools(server, state, context) {
    server.registerTool(
      'echo',
      { inputSchema: z.object({ text: z.string() }), outputSchema: z.object({ text: z.string() }) },
      ({ text }) => ({ content: [{ type: 'text', text }], structuredContent: { text } }),
    );
    server.registerTool('bump', { outputSchema: { counter: z.number() } }, () => {
      state.counter++;
      context.emit('counter_bumped', { counter: state.counter });
      return {
        content: [{ type: 'text', text: String(state.counter) }],
        structuredContent: { counter: state.counter },
      };
    });
  },
  applyDataChange(state, change) {
    const item = change.collection === 'items' ? state.items.get(change.id) : undefined;
    if (!item) throw new Error(`unknown ${change.collection} ${change.id}`);
    if (change.action === 'delete') {
      state.items.delete(change.id);
      return { deleted: change.id };
    }
    const value = change.patch?.value;
    if (typeof value === 'string') item.value = value;
    return item;
  },
};
