import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../common/config/app-config.js';
import { type FieldProblem, ValidationFailedError } from '../../common/errors/domain-error.js';
import type { WorkflowDefinition } from './n8n.contracts.js';
import {
  BACKEND_NODE_TYPES,
  SAFE_NODE_TYPES,
  type WorkflowPolicyConfig,
  type WorkflowPolicyNodes,
  workflowPolicyProblems,
} from './workflow-policy.js';

/**
 * Every check a workflow definition passes before it reaches n8n, in one place: the structure n8n-mcp and n8n would
 * refuse (`validateWorkflowDefinition`) and, for workflows sent through the API, the node policy (`workflow-policy.ts`).
 */

/**
 * Checks what n8n-mcp and n8n would refuse, so a client learns it as a 400 naming the field instead of an upstream
 * error: unique node names, full-form node types, webhook paths, connections keyed by existing node names.
 */
export function validateWorkflowDefinition(definition: WorkflowDefinition, prefix = 'workflow'): void {
  const problems: FieldProblem[] = [];
  const names = new Set<string>();
  definition.nodes.forEach((node, index) => {
    const at = `${prefix}.nodes.${index}`;
    if (names.has(node.name)) {
      problems.push({ field: `${at}.name`, rule: 'uniqueNodeName', message: `node name "${node.name}" is used twice` });
    }
    names.add(node.name);
    if (!/^(@[\w-]+\/)?[\w-]+\.[\w]+$/.test(node.type) || /^nodes-(base|langchain)\./.test(node.type)) {
      problems.push({
        field: `${at}.type`,
        rule: 'isNodeType',
        message: `type must be a full n8n node type such as n8n-nodes-base.webhook (got "${node.type}")`,
      });
    }
    if (node.type === 'n8n-nodes-base.webhook') {
      const path = node.parameters.path;
      if (typeof path !== 'string' || path.replace(/\//g, '').trim() === '') {
        problems.push({
          field: `${at}.parameters.path`,
          rule: 'webhookPath',
          message: 'a Webhook node needs parameters.path',
        });
      }
    }
  });
  for (const [source, outputs] of Object.entries(definition.connections)) {
    if (!names.has(source)) {
      problems.push({
        field: `${prefix}.connections.${source}`,
        rule: 'isNodeName',
        message: `connections are keyed by node name; no node is named "${source}"`,
      });
      continue;
    }
    for (const branches of Object.values(outputs as Record<string, unknown>)) {
      for (const targets of Array.isArray(branches) ? branches : []) {
        for (const target of Array.isArray(targets) ? targets : []) {
          const node = (target as { node?: unknown } | null)?.node;
          if (typeof node !== 'string' || !names.has(node)) {
            problems.push({
              field: `${prefix}.connections.${source}`,
              rule: 'isNodeName',
              message: `connection from "${source}" targets unknown node "${String(node)}"`,
            });
          }
        }
      }
    }
  }
  if (problems.length > 0) throw new ValidationFailedError(problems, 'The workflow is not valid');
}

/** The node policy of this deployment (defaults plus N8N_ALLOWED_NODE_TYPES and N8N_ALLOWED_HTTP_HOSTS). */
@Injectable()
export class WorkflowPolicy {
  private readonly config: WorkflowPolicyConfig;

  constructor(config: AppConfig) {
    this.config = {
      allowedNodeTypes: [...BACKEND_NODE_TYPES, ...SAFE_NODE_TYPES, ...config.security.n8nExtraNodeTypes],
      allowedHttpHosts: config.security.n8nAllowedHttpHosts,
    };
  }

  /** 400 naming each node and the rule it breaks (node type allow-list, HTTP host allow-list). */
  enforce(nodes: WorkflowPolicyNodes, prefix: string): void {
    const problems = workflowPolicyProblems(nodes, this.config, prefix);
    if (problems.length > 0) {
      throw new ValidationFailedError(problems, `The workflow breaks the node policy: ${problems[0]?.message ?? ''}`);
    }
  }
}
