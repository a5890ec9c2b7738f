export * from './apollo.events.js';
export * from './avinode.events.js';
export * from './lead.events.js';
export * from './n8n.events.js';
export * from './webhook-domain-event.js';
export * from './webhook-lifecycle.events.js';
