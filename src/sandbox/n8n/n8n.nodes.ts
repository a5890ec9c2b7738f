/**
 * The node types the sandbox n8n accepts: a realistic slice of n8n's built-in catalogue with the type versions real
 * n8n releases ship. n8n refuses workflows with node types it does not know, so the sandbox does too; otherwise a
 * workflow the backend builds could pass here and fail in production.
 */
export type N8nNodeKind =
  /** Starts a run from an HTTP call (`/webhook/<path>`); the only trigger `n8n_test_workflow` can fire. */
  | 'webhook'
  /** Other triggers that make a workflow activatable (schedule, form, error, sub-workflow …). */
  | 'trigger'
  /** Manual trigger: a start node in the editor, but n8n refuses to activate a workflow that has only this. */
  | 'manual'
  /** Regular executable node. */
  | 'action'
  /** Canvas decoration (sticky notes); never executed, never connected. */
  | 'note';

export interface N8nNodeTypeInfo {
  displayName: string;
  versions: readonly number[];
  kind: N8nNodeKind;
}

export const N8N_NODE_TYPES: Readonly<Record<string, N8nNodeTypeInfo>> = {
  'n8n-nodes-base.webhook': { displayName: 'Webhook', versions: [1, 1.1, 2, 2.1], kind: 'webhook' },
  'n8n-nodes-base.manualTrigger': { displayName: 'Manual Trigger', versions: [1], kind: 'manual' },
  'n8n-nodes-base.scheduleTrigger': { displayName: 'Schedule Trigger', versions: [1, 1.1, 1.2, 1.3], kind: 'trigger' },
  'n8n-nodes-base.cron': { displayName: 'Cron', versions: [1], kind: 'trigger' },
  'n8n-nodes-base.formTrigger': { displayName: 'n8n Form Trigger', versions: [1, 2, 2.1, 2.2, 2.3], kind: 'trigger' },
  'n8n-nodes-base.errorTrigger': { displayName: 'Error Trigger', versions: [1], kind: 'trigger' },
  'n8n-nodes-base.executeWorkflowTrigger': {
    displayName: 'Execute Workflow Trigger',
    versions: [1, 1.1],
    kind: 'trigger',
  },
  'n8n-nodes-base.set': { displayName: 'Edit Fields (Set)', versions: [1, 2, 3, 3.1, 3.2, 3.3, 3.4], kind: 'action' },
  'n8n-nodes-base.respondToWebhook': {
    displayName: 'Respond to Webhook',
    versions: [1, 1.1, 1.2, 1.3, 1.4, 1.5],
    kind: 'action',
  },
  'n8n-nodes-base.httpRequest': { displayName: 'HTTP Request', versions: [1, 2, 3, 4, 4.1, 4.2], kind: 'action' },
  'n8n-nodes-base.if': { displayName: 'If', versions: [1, 2, 2.1, 2.2], kind: 'action' },
  'n8n-nodes-base.switch': { displayName: 'Switch', versions: [1, 2, 3, 3.1, 3.2], kind: 'action' },
  'n8n-nodes-base.filter': { displayName: 'Filter', versions: [1, 2, 2.1, 2.2], kind: 'action' },
  'n8n-nodes-base.code': { displayName: 'Code', versions: [1, 2], kind: 'action' },
  'n8n-nodes-base.function': { displayName: 'Function', versions: [1], kind: 'action' },
  'n8n-nodes-base.noOp': { displayName: 'No Operation, do nothing', versions: [1], kind: 'action' },
  'n8n-nodes-base.stopAndError': { displayName: 'Stop and Error', versions: [1], kind: 'action' },
  'n8n-nodes-base.wait': { displayName: 'Wait', versions: [1, 1.1], kind: 'action' },
  'n8n-nodes-base.merge': { displayName: 'Merge', versions: [1, 2, 2.1, 3, 3.1], kind: 'action' },
  'n8n-nodes-base.splitInBatches': { displayName: 'Loop Over Items', versions: [1, 2, 3], kind: 'action' },
  'n8n-nodes-base.splitOut': { displayName: 'Split Out', versions: [1], kind: 'action' },
  'n8n-nodes-base.aggregate': { displayName: 'Aggregate', versions: [1], kind: 'action' },
  'n8n-nodes-base.dateTime': { displayName: 'Date & Time', versions: [1, 2], kind: 'action' },
  'n8n-nodes-base.crypto': { displayName: 'Crypto', versions: [1, 2], kind: 'action' },
  'n8n-nodes-base.executeWorkflow': { displayName: 'Execute Workflow', versions: [1, 1.1, 1.2], kind: 'action' },
  'n8n-nodes-base.emailSend': { displayName: 'Send Email', versions: [1, 2, 2.1], kind: 'action' },
  'n8n-nodes-base.gmail': { displayName: 'Gmail', versions: [1, 2, 2.1], kind: 'action' },
  'n8n-nodes-base.slack': { displayName: 'Slack', versions: [1, 2, 2.1, 2.2, 2.3], kind: 'action' },
  'n8n-nodes-base.microsoftTeams': { displayName: 'Microsoft Teams', versions: [1, 1.1, 2], kind: 'action' },
  'n8n-nodes-base.telegram': { displayName: 'Telegram', versions: [1, 1.1, 1.2], kind: 'action' },
  'n8n-nodes-base.twilio': { displayName: 'Twilio', versions: [1], kind: 'action' },
  'n8n-nodes-base.hubspot': { displayName: 'HubSpot', versions: [1, 2, 2.1], kind: 'action' },
  'n8n-nodes-base.googleSheets': {
    displayName: 'Google Sheets',
    versions: [1, 2, 3, 4, 4.1, 4.2, 4.3, 4.4, 4.5],
    kind: 'action',
  },
  'n8n-nodes-base.airtable': { displayName: 'Airtable', versions: [1, 2, 2.1], kind: 'action' },
  'n8n-nodes-base.postgres': { displayName: 'Postgres', versions: [1, 2, 2.1, 2.2, 2.3, 2.4, 2.5], kind: 'action' },
  'n8n-nodes-base.stickyNote': { displayName: 'Sticky Note', versions: [1], kind: 'note' },
};

export function nodeTypeInfo(type: string): N8nNodeTypeInfo | undefined {
  return Object.hasOwn(N8N_NODE_TYPES, type) ? N8N_NODE_TYPES[type] : undefined;
}

/** n8n-mcp's own notion of a trigger (by name), used where the sandbox imitates n8n-mcp rather than n8n. */
export function looksLikeTrigger(type: string): boolean {
  const lower = type.toLowerCase();
  return lower.includes('trigger') || (lower.includes('webhook') && !lower.includes('respond'));
}
