import { assertUnreachable } from '../errors/assert-unreachable.js';
import { DomainError, type DomainErrorOptions } from '../errors/domain-error.js';
import type { McpFailure } from './mcp-errors.js';
import type { McpServerName } from './tool-contract.js';

/**
 * The upstream error taxonomy: which upstream tool errors are the caller's fault, and what they become.
 *
 * A tool error is an answer, not an outage. When it says the caller's input is wrong it becomes a 4xx with the
 * upstream's message and the resource it names; only what no rule recognises stays a 502 `upstream_error` (and
 * transport failures stay 503/504). Structured data wins where the server sends it (Avinode's `_meta.errorCode` and
 * `_meta.field`, n8n-mcp's envelope `code`); n8n-mcp 2.87 and Apollo answer with text, matched against the texts they
 * really send (n8n-mcp's from its `dist/mcp/handlers-*.js` and `dist/utils/n8n-errors.js`). The README's error
 * section shows this table.
 */
export type RefusalKind =
  | 'invalid_input' // 400 validation_failed
  | 'bad_cursor' // 400 validation_failed naming cursor
  | 'not_found' // 404 not_found naming the resource
  | 'conflict' // 409 conflict
  | 'invalid_transition' // 409 invalid_state_transition
  | 'precondition'; // 422 precondition_failed: valid input, but the resource is not in a state that allows it

interface RefusalRule {
  server: McpServerName;
  /** The server's error code (structured); a rule with both code and pattern needs both. */
  code?: string;
  /** The message text; named groups `resource`, `id` and `field` name what the message names. */
  pattern?: RegExp;
  /** Limits the rule to these tools. */
  tools?: readonly string[];
  kind: RefusalKind;
  /** The resource when the message does not name it. */
  resource?: string;
  /** Our field when neither the message nor the server names it. */
  field?: string;
}

const N8N_WORKFLOW_TOOLS = [
  'n8n_get_workflow',
  'n8n_update_partial_workflow',
  'n8n_delete_workflow',
  'n8n_test_workflow',
] as const;
const NOT_FOUND_TEXT = /^(?<resource>[a-z]+) (?<id>\S+) not found\b/i;

/** First match wins: specific rules before general ones. */
export const REFUSAL_RULES: readonly RefusalRule[] = [
  // Avinode: structured `_meta.errorCode` (and `_meta.field`) on every domain error.
  { server: 'avinode', code: 'validation', pattern: /^cursor: /, kind: 'bad_cursor', field: 'cursor' },
  { server: 'avinode', code: 'validation', kind: 'invalid_input' },
  // An airport code is a value of the request, not a resource it addresses: a wrong one is bad input.
  { server: 'avinode', code: 'not_found', pattern: /unknown airport/, kind: 'invalid_input' },
  { server: 'avinode', code: 'not_found', kind: 'not_found' },
  { server: 'avinode', code: 'unavailable', kind: 'conflict' },
  { server: 'avinode', code: 'invalid_transition', kind: 'invalid_transition', resource: 'booking' },
  { server: 'avinode', code: 'idempotency_conflict', kind: 'conflict' },
  // The live server: Avinode's REST API answered 409.
  { server: 'avinode', code: 'conflict', kind: 'conflict' },
  { server: 'avinode', code: 'quote_mismatch', kind: 'precondition', resource: 'quote' },
  // n8n-mcp 2.87: the envelope's `code` where it sends one.
  { server: 'n8n', code: 'NOT_FOUND', tools: ['n8n_executions'], kind: 'not_found', resource: 'execution' },
  { server: 'n8n', code: 'NOT_FOUND', tools: N8N_WORKFLOW_TOOLS, kind: 'not_found', resource: 'workflow' },
  { server: 'n8n', code: 'NOT_FOUND', kind: 'not_found' },
  { server: 'n8n', code: 'VALIDATION_ERROR', pattern: /\bcursor\b/i, kind: 'bad_cursor', field: 'cursor' },
  { server: 'n8n', code: 'VALIDATION_ERROR', kind: 'invalid_input', field: 'workflow' },
  { server: 'n8n', code: 'NO_ACTIVE_VERSION', kind: 'precondition', resource: 'workflow' },
  { server: 'n8n', code: 'INVALID_ARGS', kind: 'invalid_input' },
  // n8n-mcp 2.87: text-only answers.
  { server: 'n8n', pattern: /^Workflow must be active to trigger/, kind: 'precondition', resource: 'workflow' },
  { server: 'n8n', pattern: /^Workflow cannot be triggered externally/, kind: 'precondition', resource: 'workflow' },
  { server: 'n8n', pattern: /^Workflow does not have a \w+ trigger/, kind: 'precondition', resource: 'workflow' },
  { server: 'n8n', pattern: /^Chat trigger requires a message/, kind: 'invalid_input', field: 'inputData' },
  {
    server: 'n8n',
    pattern: /^Workflow updated successfully but (de)?activation failed/,
    kind: 'precondition',
    resource: 'workflow',
  },
  { server: 'n8n', pattern: /Cannot (de)?activate workflow/, kind: 'precondition', resource: 'workflow' },
  { server: 'n8n', pattern: /^Failed to apply diff operations/, kind: 'invalid_input', field: 'workflow' },
  { server: 'n8n', pattern: /^Workflow validation failed/, kind: 'invalid_input', field: 'workflow' },
  { server: 'n8n', pattern: /^Node type format error/, kind: 'invalid_input', field: 'workflow' },
  { server: 'n8n', pattern: /^Invalid input\b/, kind: 'invalid_input' },
  // Apollo: text only.
  {
    server: 'apollo',
    pattern: /^Person not found: (?:no match for )?(?<id>.+)$/,
    kind: 'not_found',
    resource: 'person',
  },
  {
    server: 'apollo',
    pattern: /^Organization not found for domain (?<id>\S+)/,
    kind: 'not_found',
    resource: 'organization',
  },
  { server: 'apollo', pattern: /^Contacts? not found: (?<id>.+)$/, kind: 'not_found', resource: 'contact' },
  { server: 'apollo', pattern: /^Sequence not found: (?<id>\S+)/, kind: 'not_found', resource: 'sequence' },
  {
    server: 'apollo',
    pattern: /^Sequence (?<id>\S+) is completed/,
    kind: 'precondition',
    resource: 'sequence',
  },
  { server: 'apollo', pattern: /^cursor: /, kind: 'bad_cursor', field: 'cursor' },
];

export interface Refusal {
  kind: RefusalKind;
  /** The upstream's message, without a leading `field: ` the server also sent as structured data. */
  message: string;
  resource?: string;
  id?: string;
  field?: string;
}

function matches(rule: RefusalRule, failure: McpFailure): RegExpExecArray | true | undefined {
  if (rule.server !== failure.server) return undefined;
  if (rule.code !== undefined && rule.code !== failure.upstreamCode) return undefined;
  if (rule.tools !== undefined && (failure.tool === undefined || !rule.tools.includes(failure.tool))) return undefined;
  if (rule.pattern === undefined) return true;
  return rule.pattern.exec(failure.message) ?? undefined;
}

/** The refusal a tool error stands for, or undefined when it is not recognised as the caller's fault. */
export function classifyRefusal(failure: McpFailure): Refusal | undefined {
  if (failure.kind !== 'tool_error' && failure.kind !== 'invalid_params') return undefined;
  for (const rule of REFUSAL_RULES) {
    const match = matches(rule, failure);
    if (match === undefined) continue;
    const groups = match === true ? {} : (match.groups ?? {});
    const field = failure.upstreamField;
    const prefix = field === undefined ? '' : `${field}: `;
    const message =
      prefix !== '' && failure.message.startsWith(prefix) ? failure.message.slice(prefix.length) : failure.message;
    const named = rule.kind === 'not_found' ? NOT_FOUND_TEXT.exec(message)?.groups : undefined;
    const resource = groups.resource ?? named?.resource ?? rule.resource;
    const id = groups.id ?? named?.id;
    const refusalField = groups.field ?? field ?? rule.field;
    return {
      kind: rule.kind,
      message,
      ...(resource === undefined ? {} : { resource: resource.toLowerCase() }),
      ...(id === undefined ? {} : { id }),
      ...(refusalField === undefined ? {} : { field: refusalField }),
    };
  }
  return undefined;
}

/** What the caller sees for a refusal: 400 / 404 / 409 / 422 with the upstream's message, naming the server. */
export function refusalToDomainError(failure: McpFailure, refusal: Refusal): DomainError {
  const extensions: Record<string, unknown> = { server: failure.server, reason: refusal.kind };
  if (failure.tool !== undefined) extensions.tool = failure.tool;
  if (failure.upstreamCode !== undefined) extensions.upstreamCode = failure.upstreamCode;
  if (refusal.resource !== undefined) extensions.resource = refusal.resource;
  if (refusal.id !== undefined) extensions.id = refusal.id;
  if (refusal.field !== undefined) extensions.field = refusal.field;
  const options: DomainErrorOptions = { extensions, cause: failure };
  const field = refusal.field ?? 'request';
  switch (refusal.kind) {
    case 'invalid_input':
    case 'bad_cursor':
      return new DomainError('validation_failed', `${failure.server} rejected ${field}: ${refusal.message}`, {
        ...options,
        errors: [
          { field, rule: refusal.kind === 'bad_cursor' ? 'upstreamCursor' : 'upstream', message: refusal.message },
        ],
      });
    case 'not_found':
      return new DomainError('not_found', refusal.message, options);
    case 'conflict':
      return new DomainError('conflict', refusal.message, options);
    case 'invalid_transition':
      return new DomainError('invalid_state_transition', refusal.message, options);
    case 'precondition':
      return new DomainError('precondition_failed', refusal.message, options);
    default:
      return assertUnreachable(refusal.kind);
  }
}
