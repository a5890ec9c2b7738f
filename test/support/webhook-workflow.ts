import { randomUUID } from 'node:crypto';
import type { WorkflowDefinition } from '../../src/modules/n8n/n8n.contracts.js';

/**
 * A minimal production-valid webhook workflow for tests: Webhook (POST `path`, answered by the Respond node) → Set
 * (adds `fields`) → Respond to Webhook (JSON with the execution id, so a caller can follow the run). Real node types
 * and type versions of n8n 1.x/2.x.
 */
export function webhookWorkflow(options: {
  name: string;
  path: string;
  fields?: Record<string, string>;
}): WorkflowDefinition {
  const assignments = Object.entries(options.fields ?? { receivedAt: '={{ $now.toISO() }}' }).map(
    ([name, value], i) => ({ id: `f${i + 1}`, name, value, type: 'string' }),
  );
  return {
    name: options.name,
    nodes: [
      {
        id: randomUUID(),
        name: 'Webhook',
        type: 'n8n-nodes-base.webhook',
        typeVersion: 2,
        position: [0, 0],
        webhookId: randomUUID(),
        parameters: { httpMethod: 'POST', path: options.path, responseMode: 'responseNode', options: {} },
      },
      {
        id: randomUUID(),
        name: 'Prepare',
        type: 'n8n-nodes-base.set',
        typeVersion: 3.4,
        position: [220, 0],
        parameters: { assignments: { assignments }, includeOtherFields: true, options: {} },
      },
      {
        id: randomUUID(),
        name: 'Respond',
        type: 'n8n-nodes-base.respondToWebhook',
        typeVersion: 1.1,
        position: [440, 0],
        parameters: {
          respondWith: 'json',
          responseBody: '={{ { "received": true, "executionId": $execution.id } }}',
          options: {},
        },
      },
    ],
    connections: {
      Webhook: { main: [[{ node: 'Prepare', type: 'main', index: 0 }]] },
      Prepare: { main: [[{ node: 'Respond', type: 'main', index: 0 }]] },
    },
    settings: { executionOrder: 'v1' },
  };
}
