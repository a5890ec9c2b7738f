import { BlockList, isIP } from 'node:net';
import type { FieldProblem } from '../../common/errors/domain-error.js';

/** The node types the backend itself creates (the notification workflow). */
export const BACKEND_NODE_TYPES = ['n8n-nodes-base.webhook', 'n8n-nodes-base.respondToWebhook'] as const;

/**
 * Node types that only move, shape or route the data they are given (no code, no shell, no files, no other workflows,
 * no credentials of their own), plus HTTP Request, whose URLs are held to N8N_ALLOWED_HTTP_HOSTS.
 * Deliberately absent: Code / Function (arbitrary JavaScript, its own HTTP helpers), Execute Command, SSH, FTP, Read/Write
 * File, Execute Workflow (would run a workflow nobody vetted) and every service integration.
 */
export const SAFE_NODE_TYPES = [
  'n8n-nodes-base.manualTrigger',
  'n8n-nodes-base.scheduleTrigger',
  'n8n-nodes-base.set',
  'n8n-nodes-base.if',
  'n8n-nodes-base.switch',
  'n8n-nodes-base.filter',
  'n8n-nodes-base.merge',
  'n8n-nodes-base.noOp',
  'n8n-nodes-base.splitOut',
  'n8n-nodes-base.aggregate',
  'n8n-nodes-base.dateTime',
  'n8n-nodes-base.wait',
  'n8n-nodes-base.stopAndError',
  'n8n-nodes-base.httpRequest',
] as const;

/** Node types that call a URL taken from their parameters, and the parameters that hold it. */
export const HTTP_CAPABLE_NODES: Readonly<Record<string, readonly string[]>> = {
  'n8n-nodes-base.httpRequest': ['url'],
  'n8n-nodes-base.httpRequestTool': ['url'],
  '@n8n/n8n-nodes-langchain.toolHttpRequest': ['url'],
  'n8n-nodes-base.graphql': ['endpoint'],
  'n8n-nodes-base.rssFeedRead': ['url'],
  'n8n-nodes-base.rssFeedReadTrigger': ['feedUrl'],
};

export interface WorkflowPolicyConfig {
  /** Every allowed node type (defaults plus N8N_ALLOWED_NODE_TYPES). */
  allowedNodeTypes: readonly string[];
  /** N8N_ALLOWED_HTTP_HOSTS: host names, `*.domain`, IP addresses, CIDRs, or `*` for any public host. */
  allowedHttpHosts: readonly string[];
}

interface PolicyNode {
  name: string;
  type: string;
  parameters?: Record<string, unknown>;
}

export type WorkflowPolicyNodes = readonly PolicyNode[];

/**
 * Loopback, private, link-local (cloud metadata at 169.254.169.254), shared, multicast and reserved ranges: never a
 * workflow's target unless N8N_ALLOWED_HTTP_HOSTS names the address or a CIDR around it.
 */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 127], // :: and ::1
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96], // NAT64: an IPv4 address in disguise
  ['2002::', 16], // 6to4: likewise
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv6');
}
const INTERNAL_NAMES = /(^|\.)(localhost|local|internal|localdomain|home\.arpa)$/i;

/** Returns every problem of a workflow's nodes under this policy; empty when it may be created or activated. */
export function workflowPolicyProblems(
  nodes: readonly PolicyNode[],
  config: WorkflowPolicyConfig,
  prefix = 'workflow',
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  nodes.forEach((node, index) => {
    const at = `${prefix}.nodes.${index}`;
    if (!config.allowedNodeTypes.includes(node.type)) {
      problems.push({
        field: `${at}.type`,
        rule: 'allowedNodeType',
        message:
          `node "${node.name}": type ${node.type} is not allowed; allowed are the types in N8N_ALLOWED_NODE_TYPES ` +
          'and the documented safe set (README, Security)',
      });
      return;
    }
    for (const parameter of HTTP_CAPABLE_NODES[node.type] ?? []) {
      const problem = urlProblem(node.parameters?.[parameter], config.allowedHttpHosts);
      if (problem) {
        problems.push({
          field: `${at}.parameters.${parameter}`,
          rule: problem.rule,
          message: `node "${node.name}" (${node.type}): ${problem.message}`,
        });
      }
    }
  });
  return problems;
}

function urlProblem(value: unknown, allowed: readonly string[]): { rule: string; message: string } | undefined {
  if (value === undefined || value === '') return { rule: 'allowedHttpHost', message: 'a URL is required' };
  if (typeof value !== 'string') return { rule: 'allowedHttpHost', message: 'the URL must be a string' };
  // An n8n expression (`=…{{ … }}`) is checked on the part before the first `{{`, which must fix scheme and host.
  const text = value.startsWith('=') ? value.slice(1) : value;
  const dynamicAt = text.indexOf('{{');
  const fixed = dynamicAt >= 0 ? text.slice(0, dynamicAt) : text;
  if (dynamicAt >= 0 && !/^https?:\/\/[^/?#\s]+[/?#]/i.test(fixed)) {
    return {
      rule: 'staticHttpHost',
      message:
        'the URL\'s scheme and host must be fixed; an expression may only follow the host ("https://host/{{ … }}")',
    };
  }
  let url: URL;
  try {
    url = new URL(fixed.trim());
  } catch {
    return { rule: 'allowedHttpHost', message: `"${value.slice(0, 200)}" is not a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { rule: 'allowedHttpHost', message: `only http and https URLs are allowed (got ${url.protocol})` };
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (listedExactly(host, allowed)) return undefined;
  if (isInternal(host)) {
    return {
      rule: 'internalHttpHost',
      message:
        `${host} is a loopback, private, link-local or reserved address (or an internal name); ` +
        'add it to N8N_ALLOWED_HTTP_HOSTS explicitly to allow it',
    };
  }
  if (allowed.includes('*') || allowed.some((entry) => entry.startsWith('*.') && host.endsWith(entry.slice(1)))) {
    return undefined;
  }
  return {
    rule: 'allowedHttpHost',
    message: `host ${host} is not in N8N_ALLOWED_HTTP_HOSTS${allowed.length === 0 ? ' (empty: no host is allowed)' : ''}`,
  };
}

/** Named by its own name or address, or inside a listed CIDR: how an internal target is allowed. */
function listedExactly(host: string, allowed: readonly string[]): boolean {
  const family = isIP(host);
  const v4 = mappedIpv4(host);
  for (const entry of allowed) {
    if (entry.toLowerCase() === host) return true;
    const [network = '', prefix] = entry.split('/');
    const networkFamily = isIP(network);
    if (family === 0 || networkFamily === 0) continue;
    const list = new BlockList();
    const type = networkFamily === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(network, type);
    else list.addSubnet(network, Number(prefix), type);
    if (list.check(host, family === 4 ? 'ipv4' : 'ipv6') || (v4 !== undefined && list.check(v4, 'ipv4'))) return true;
  }
  return false;
}

function isInternal(host: string): boolean {
  const family = isIP(host);
  if (family === 0) return INTERNAL_NAMES.test(host) || !host.includes('.');
  const v4 = mappedIpv4(host);
  if (v4 !== undefined) return INTERNAL.check(v4, 'ipv4');
  return INTERNAL.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a9fe:a9fe` is 169.254.169.254). */
function mappedIpv4(host: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (dotted?.[1]) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(host);
  if (!hex?.[1] || !hex[2]) return undefined;
  const high = parseInt(hex[1], 16);
  const low = parseInt(hex[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}
