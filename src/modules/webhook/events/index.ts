export * from './lead.events.js';
export * from './webhook-domain-event.js';
export * from './webhook-lifecycle.events.js';
