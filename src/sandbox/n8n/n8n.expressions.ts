/**
 * A very small subset of n8n expressions, enough for the values a generated workflow typically carries:
 * `={{ $json.body.email }}`, `={{ $execution.id }}`, `={{ $('Webhook').item.json.body.leadId }}`, `{{ $workflow.name }}`
 * inside text, and object literals whose leaves are such references (`={{ { "executionId": $execution.id } }}`).
 * Anything else is left as written, as a reminder that the sandbox does not run JavaScript.
 */
export interface ExpressionContext {
  json: Record<string, unknown>;
  nodeOutputs: ReadonlyMap<string, Record<string, unknown>>;
  execution: { id: string; mode: string };
  workflow: { id: string; name: string; active: boolean };
  now: Date;
}

const UNRESOLVED = Symbol('unresolved');
type Resolved = unknown;

const PATH = String.raw`((?:\.[A-Za-z_$][\w$]*|\[(?:"[^"]*"|'[^']*'|\d+)\])*)`;
const TOKEN = new RegExp(
  String.raw`\$\(\s*(?:"([^"]+)"|'([^']+)')\s*\)\.(?:item|first\(\))\.json${PATH}|\$(json|execution|workflow|now)${PATH}`,
  'g',
);

function segments(path: string): string[] {
  const out: string[] = [];
  const re = /\.([A-Za-z_$][\w$]*)|\[(?:"([^"]*)"|'([^']*)'|(\d+))\]/g;
  for (const m of path.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
  return out;
}

function walk(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const key of segments(path)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function tokenValue(match: RegExpExecArray | RegExpMatchArray, ctx: ExpressionContext): Resolved {
  const [, quotedA, quotedB, nodePath = '', root, rootPath = ''] = match;
  const nodeName = quotedA ?? quotedB;
  if (nodeName !== undefined) {
    const output = ctx.nodeOutputs.get(nodeName);
    return output === undefined ? UNRESOLVED : walk(output, nodePath);
  }
  if (root === 'now') return ctx.now.toISOString();
  const roots: Record<string, unknown> = { json: ctx.json, execution: ctx.execution, workflow: ctx.workflow };
  return root !== undefined && root in roots ? walk(roots[root], rootPath) : UNRESOLVED;
}

function evaluate(expression: string, ctx: ExpressionContext): Resolved {
  const trimmed = expression.trim();
  const whole = new RegExp(`^(?:${TOKEN.source})$`).exec(trimmed);
  if (whole) return tokenValue(whole, ctx);
  let failed = false;
  const literal = trimmed.replace(TOKEN, (...args: unknown[]) => {
    const match = args.slice(0, 6) as unknown as RegExpMatchArray;
    const value = tokenValue(match, ctx);
    if (value === UNRESOLVED) failed = true;
    return JSON.stringify(value === undefined || value === UNRESOLVED ? null : value);
  });
  if (failed) return UNRESOLVED;
  try {
    return JSON.parse(literal) as unknown;
  } catch {
    return UNRESOLVED;
  }
}

/** Resolves one parameter value; strings that do not start with `=` are literals, as in n8n. */
export function resolveParameter(value: unknown, ctx: ExpressionContext): unknown {
  if (typeof value !== 'string' || !value.startsWith('=')) return value;
  const template = value.slice(1);
  const whole = /^\s*\{\{([\s\S]*)\}\}\s*$/.exec(template);
  if (whole?.[1] !== undefined && !whole[1].includes('}}')) {
    const resolved = evaluate(whole[1], ctx);
    if (resolved !== UNRESOLVED) return resolved;
  }
  return template.replace(/\{\{([\s\S]*?)\}\}/g, (raw, expr: string) => {
    const resolved = evaluate(expr, ctx);
    if (resolved === UNRESOLVED) return raw;
    if (resolved === undefined || resolved === null) return '';
    return typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
  });
}

/** Resolves every string inside a parameter tree. */
export function resolveDeep(value: unknown, ctx: ExpressionContext): unknown {
  if (typeof value === 'string') return resolveParameter(value, ctx);
  if (Array.isArray(value)) return value.map((v) => resolveDeep(v, ctx));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v, ctx)]));
  }
  return value;
}
