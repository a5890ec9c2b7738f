import { z } from 'zod';
import { looksLikeTrigger, nodeTypeInfo } from './n8n.nodes.js';
import type { N8nConnections, N8nNode, N8nWorkflow } from './n8n.state.js';

/**
 * Two layers of checks, as in production: n8n-mcp validates the structure before it calls n8n (its errors come back
 * as `Workflow validation failed` + a list), then n8n itself refuses what it cannot run (a 400 whose message n8n-mcp
 * relays as `Invalid request: …`).
 */

const nodeSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  typeVersion: z.number(),
  position: z.tuple([z.number(), z.number()]),
  parameters: z.record(z.string(), z.unknown()),
  credentials: z.record(z.string(), z.unknown()).optional(),
  disabled: z.boolean().optional(),
  notes: z.string().optional(),
  notesInFlow: z.boolean().optional(),
  continueOnFail: z.boolean().optional(),
  onError: z.enum(['continueRegularOutput', 'continueErrorOutput', 'stopWorkflow']).optional(),
  retryOnFail: z.boolean().optional(),
  maxTries: z.number().optional(),
  waitBetweenTries: z.number().optional(),
  alwaysOutputData: z.boolean().optional(),
  executeOnce: z.boolean().optional(),
  webhookId: z.string().optional(),
});

const connectionArray = z.array(
  z.array(z.object({ node: z.string(), type: z.string(), index: z.number() })).nullable(),
);
const connectionsSchema = z.record(z.string(), z.record(z.string(), connectionArray));

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length > 0 ? `"${issue.path.join('.')}": ${issue.message}` : issue.message))
    .join('; ');
}

export interface StructureInput {
  name?: unknown;
  nodes?: unknown;
  connections?: unknown;
}

export interface ParsedWorkflowBody {
  nodes: N8nNode[];
  connections: N8nConnections;
}

/** n8n-mcp's `validateWorkflowStructure` for the checks that matter to the backend; returns parsed nodes when clean. */
export function validateStructure(input: StructureInput): { errors: string[]; parsed?: ParsedWorkflowBody } {
  const errors: string[] = [];
  if (!input.name) errors.push('Workflow name is required');
  const rawNodes = input.nodes;
  if (!Array.isArray(rawNodes) || rawNodes.length === 0) errors.push('Workflow must have at least one node');
  if (rawNodes !== undefined && !Array.isArray(rawNodes))
    return { errors: [...errors, 'Workflow nodes must be an array'] };
  const nodes: N8nNode[] = [];
  const shapeErrors: string[] = [];
  (rawNodes ?? []).forEach((raw: unknown, index: number) => {
    const result = nodeSchema.safeParse(raw);
    if (result.success) nodes.push(result.data);
    else shapeErrors.push(`Invalid node at index ${index}: ${describeIssues(result.error)}`);
  });
  if (shapeErrors.length > 0) return { errors: [...errors, ...shapeErrors] };

  const executable = nodes.filter((n) => nodeTypeInfo(n.type)?.kind !== 'note');
  if (nodes.length > 0 && executable.length === 0) {
    errors.push('Workflow must have at least one executable node. Sticky notes alone cannot form a valid workflow.');
  }
  if (input.connections === undefined || input.connections === null) {
    errors.push('Workflow connections are required');
    return { errors };
  }
  const conn = connectionsSchema.safeParse(input.connections);
  if (!conn.success) return { errors: [...errors, `Invalid connections: ${describeIssues(conn.error)}`] };
  const connections = conn.data as N8nConnections;

  const single = nodes.length === 1 ? nodes[0] : undefined;
  if (single && single.type !== 'n8n-nodes-base.webhook') {
    errors.push(
      `Single non-webhook node workflow is invalid. Current node: "${single.name}" (${single.type}). Add another node using: {type: 'addNode', node: {name: 'Process Data', type: 'n8n-nodes-base.set', typeVersion: 3.4, position: [450, 300], parameters: {}}}`,
    );
  }
  if (nodes.length > 1) {
    const connectionCount = Object.keys(connections).length;
    if (connectionCount === 0 && executable.length > 1) {
      const [a, b] = executable;
      errors.push(
        `Multi-node workflow has no connections between nodes. Add a connection using: {type: 'addConnection', source: '${a?.name}', target: '${b?.name}', sourcePort: 'main', targetPort: 'main'}`,
      );
    } else {
      const connected = new Set<string>();
      for (const [source, outputs] of Object.entries(connections)) {
        let hasTarget = false;
        for (const branches of Object.values(outputs)) {
          for (const targets of branches) {
            for (const target of targets ?? []) {
              connected.add(target.node);
              hasTarget = true;
            }
          }
        }
        if (hasTarget) connected.add(source);
      }
      const disconnected = executable.filter((n) => !connected.has(n.name));
      if (disconnected.length > 0) {
        const list = disconnected.map((n) => `"${n.name}" (${n.type})`).join(', ');
        errors.push(`Disconnected nodes detected: ${list}. Each node must have at least one connection.`);
      }
    }
  }
  nodes.forEach((node, index) => {
    if (node.type.startsWith('nodes-base.')) {
      errors.push(
        `Invalid node type "${node.type}" at index ${index}. Use "n8n-nodes-base.${node.type.slice(11)}" instead.`,
      );
    } else if (!node.type.includes('.')) {
      errors.push(
        `Invalid node type "${node.type}" at index ${index}. Node types must include package prefix (e.g., "n8n-nodes-base.webhook").`,
      );
    }
  });
  const names = new Set(nodes.map((n) => n.name));
  const idToName = new Map(nodes.map((n) => [n.id, n.name]));
  for (const [source, outputs] of Object.entries(connections)) {
    if (!names.has(source)) {
      const correct = idToName.get(source);
      errors.push(
        correct
          ? `Connection uses node ID '${source}' but must use node name '${correct}'. Change connections.${source} to connections['${correct}']`
          : `Connection references non-existent node: ${source}`,
      );
    }
    for (const branches of Object.values(outputs)) {
      branches.forEach((targets, outputIndex) => {
        (targets ?? []).forEach((target, targetIndex) => {
          if (names.has(target.node)) return;
          const correct = idToName.get(target.node);
          errors.push(
            correct
              ? `Connection target uses node ID '${target.node}' but must use node name '${correct}' (from ${source}[${outputIndex}][${targetIndex}])`
              : `Connection references non-existent target node: ${target.node} (from ${source}[${outputIndex}][${targetIndex}])`,
          );
        });
      });
    }
  }
  return errors.length > 0 ? { errors } : { errors, parsed: { nodes, connections } };
}

/** What n8n's API itself refuses (HTTP 400), checked after n8n-mcp's structure checks passed. */
export function n8nRejection(nodes: readonly N8nNode[]): string | undefined {
  const seen = new Set<string>();
  for (const node of nodes) {
    if (seen.has(node.name)) return `Node names must be unique: "${node.name}" is used more than once`;
    seen.add(node.name);
  }
  for (const node of nodes) {
    const info = nodeTypeInfo(node.type);
    if (!info) return `Unrecognized node type: ${node.type}`;
    if (!info.versions.includes(node.typeVersion)) {
      return `Unrecognized node type version: ${node.type} has no typeVersion ${node.typeVersion} (known: ${info.versions.join(', ')})`;
    }
    if (info.kind === 'webhook' && !webhookPathOf(node)) {
      return `Webhook node "${node.name}" has no path: set parameters.path`;
    }
  }
  return undefined;
}

/** n8n normalises webhook paths without leading/trailing slashes. */
export function webhookPathOf(node: N8nNode): string | undefined {
  const raw = node.parameters.path;
  if (typeof raw !== 'string') return undefined;
  const path = raw.trim().replace(/^\/+|\/+$/g, '');
  return path === '' ? undefined : path;
}

/** n8n's Webhook node defaults to GET when httpMethod is not set. */
export function webhookMethodOf(node: N8nNode): string {
  const method = node.parameters.httpMethod;
  return typeof method === 'string' && method !== '' ? method.toUpperCase() : 'GET';
}

/** The (method, path) pairs an active workflow registers; n8n keeps them unique across the whole instance. */
export function webhookKeys(workflow: Pick<N8nWorkflow, 'nodes'>): { key: string; node: N8nNode }[] {
  const keys: { key: string; node: N8nNode }[] = [];
  for (const node of workflow.nodes) {
    if (node.disabled || nodeTypeInfo(node.type)?.kind !== 'webhook') continue;
    const path = webhookPathOf(node);
    if (path) keys.push({ key: `${webhookMethodOf(node)} ${path}`, node });
  }
  return keys;
}

/** n8n-mcp's diff engine refuses `activateWorkflow` unless some enabled node looks like a trigger. */
export function mcpActivationError(workflow: Pick<N8nWorkflow, 'nodes'>): string | undefined {
  const triggers = workflow.nodes.filter((n) => !n.disabled && looksLikeTrigger(n.type));
  return triggers.length === 0
    ? 'Cannot activate workflow: No activatable trigger nodes found. Workflows must have at least one enabled trigger node (webhook, schedule, executeWorkflowTrigger, etc.).'
    : undefined;
}

/** n8n's own activation checks: a real trigger (not only Manual Trigger) and no webhook path taken by another workflow. */
export function n8nActivationError(workflow: N8nWorkflow, others: Iterable<N8nWorkflow>): string | undefined {
  const startable = workflow.nodes.some((n) => {
    const kind = nodeTypeInfo(n.type)?.kind;
    return !n.disabled && (kind === 'webhook' || kind === 'trigger');
  });
  if (!startable) {
    return 'Workflow has no node to start the workflow - at least one trigger, poller or webhook node is required';
  }
  const taken = new Map<string, string>();
  for (const other of others) {
    if (other.id === workflow.id || !other.active) continue;
    for (const { key } of webhookKeys(other)) taken.set(key, other.id);
  }
  const own = new Set<string>();
  for (const { key, node } of webhookKeys(workflow)) {
    if (taken.has(key) || own.has(key)) {
      return `The URL path that the "${node.name}" node uses is already taken. Please change it to something else.`;
    }
    own.add(key);
  }
  return undefined;
}
