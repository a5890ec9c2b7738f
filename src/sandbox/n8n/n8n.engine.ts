import type { SandboxToolContext } from '../core/sandbox-definition.js';
import { nodeTypeInfo } from './n8n.nodes.js';
import { resolveDeep, resolveParameter, type ExpressionContext } from './n8n.expressions.js';
import type { N8nExecution, N8nExecutionStatus, N8nNode, N8nNodeRun, N8nState, N8nWorkflow } from './n8n.state.js';
import { webhookKeys, webhookMethodOf, webhookPathOf } from './n8n.validation.js';

/**
 * Runs workflows the way the backend can observe them: an execution appears as `running`, then (after a realistic,
 * seeded delay) becomes `success` or `error`, emitting `execution_status` and `workflow_completed` / `workflow_failed`.
 * Node behaviour is simulated, not executed: items flow along `main` connections, Set nodes assign fields, Stop and
 * Error fails the run, Respond to Webhook shapes the HTTP reply.
 *
 * Timing: the drawn duration is the whole execution. The Webhook trigger and Respond to Webhook nodes do no I/O, so
 * they take a millisecond each, as in n8n; the rest of the duration goes to the other nodes by weight (with none, it is
 * n8n finishing the execution). As in n8n, a `responseMode: responseNode` reply is sent when the Respond to Webhook node
 * has run, while the nodes after it keep running; the execution's status and events come at its end.
 */

/** Input key that makes any run fail (at its last node); a string value becomes the error message. */
export const SANDBOX_FAIL_KEY = '__sandboxFail';
/** Input key that overrides this run's duration in milliseconds. */
export const SANDBOX_DELAY_KEY = '__sandboxDelayMs';

export interface WebhookCall {
  method: string;
  path: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  baseUrl: string;
}

export interface WebhookReply {
  status: number;
  statusText: string;
  body: unknown;
}

export interface StartedRun {
  execution: N8nExecution;
  /**
   * The reply n8n sends: immediately for `responseMode: onReceived`, when the Respond to Webhook node has run for
   * `responseNode` (at the end when the run fails before it), otherwise when the run ends.
   */
  reply: Promise<WebhookReply>;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
};

export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? '';
}

/** Looks up which active workflow listens on `method path`, answering like n8n's webhook router when none does. */
export function routeWebhook(
  state: N8nState,
  method: string,
  path: string,
): { workflow: N8nWorkflow; node: N8nNode } | { reply: WebhookReply } {
  const wanted = path.replace(/^\/+|\/+$/g, '');
  const otherMethods: string[] = [];
  for (const workflow of state.workflows.values()) {
    if (!workflow.active) continue;
    for (const { node } of webhookKeys(workflow)) {
      if (webhookPathOf(node) !== wanted) continue;
      if (webhookMethodOf(node) === method) return { workflow, node };
      otherMethods.push(webhookMethodOf(node));
    }
  }
  const body =
    otherMethods.length > 0
      ? {
          code: 404,
          message: `This webhook is not registered for ${method} requests. Did you mean to make a ${otherMethods[0]} request?`,
        }
      : {
          code: 404,
          message: `The requested webhook "${method} ${wanted}" is not registered.`,
          hint: "The workflow must be active for a production URL to run successfully. You can activate the workflow using the toggle in the top-right of the editor. Note that unlike test URL calls, production URL calls aren't shown on the canvas (only in the executions list)",
        };
  return { reply: { status: 404, statusText: 'Not Found', body } };
}

interface PlannedNode {
  node: N8nNode;
  previous: string | undefined;
}

/** Nodes reached from the trigger along `main` connections, breadth first; an If/Switch follows its first output. */
function plan(workflow: N8nWorkflow, trigger: N8nNode): PlannedNode[] {
  const byName = new Map(workflow.nodes.map((n) => [n.name, n]));
  const order: PlannedNode[] = [{ node: trigger, previous: undefined }];
  const seen = new Set([trigger.name]);
  for (let i = 0; i < order.length; i++) {
    const current = order[i]?.node;
    if (!current) break;
    const outputs = workflow.connections[current.name]?.main ?? [];
    const branching = current.type === 'n8n-nodes-base.if' || current.type === 'n8n-nodes-base.switch';
    const followed = branching ? outputs.slice(0, 1) : outputs;
    for (const targets of followed) {
      for (const target of targets ?? []) {
        const next = byName.get(target.node);
        if (!next || seen.has(next.name)) continue;
        seen.add(next.name);
        order.push({ node: next, previous: current.name });
      }
    }
  }
  return order;
}

/** Nodes that do no I/O and take about a millisecond in n8n, whatever the execution's length. */
function isInstant(node: N8nNode): boolean {
  return nodeTypeInfo(node.type)?.kind === 'webhook' || node.type === 'n8n-nodes-base.respondToWebhook';
}

/** Each planned node's execution time: instant nodes 1 ms, the others share the duration by weight. */
function nodeTimes(order: readonly PlannedNode[], durationMs: number, weights: readonly number[]): number[] {
  const nodeWeights = order.map(({ node }, index) => (isInstant(node) ? 0 : (weights[index % weights.length] ?? 1)));
  const busy = durationMs - (order.length - nodeWeights.filter((w) => w > 0).length);
  const totalWeight = nodeWeights.reduce((a, b) => a + b, 0) || 1;
  return nodeWeights.map((w) => (w === 0 ? 1 : Math.max(1, Math.round((Math.max(0, busy) * w) / totalWeight))));
}

/** Milliseconds after the start at which the first Respond to Webhook node has run, if the run reaches one. */
function respondOffset(
  workflow: N8nWorkflow,
  trigger: N8nNode,
  durationMs: number,
  weights: readonly number[],
): number | undefined {
  const order = plan(workflow, trigger);
  const times = nodeTimes(order, durationMs, weights);
  let clock = 0;
  for (const [index, { node }] of order.entries()) {
    clock += times[index] ?? 1;
    if (node.type === 'n8n-nodes-base.respondToWebhook' && !node.disabled) return Math.min(clock, durationMs);
  }
  return undefined;
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let cursor = target;
  keys.forEach((key, i) => {
    if (i === keys.length - 1) {
      cursor[key] = value;
      return;
    }
    const next = cursor[key];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cursor[key] = {};
    cursor = cursor[key] as Record<string, unknown>;
  });
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Fields a Set node assigns, across its parameter layouts (v1–2 `values`, v3.0–3.2 `fields`, v3.3+ `assignments`). */
function setNodeOutput(node: N8nNode, input: Record<string, unknown>, ctx: ExpressionContext): Record<string, unknown> {
  const p = node.parameters;
  const assigned: [string, unknown][] = [];
  for (const a of asArray(asRecord(p.assignments).assignments)) {
    const r = asRecord(a);
    if (typeof r.name === 'string') assigned.push([r.name, resolveParameter(r.value, ctx)]);
  }
  for (const f of asArray(asRecord(p.fields).values)) {
    const r = asRecord(f);
    const value = r.stringValue ?? r.numberValue ?? r.booleanValue ?? r.objectValue ?? r.arrayValue;
    if (typeof r.name === 'string') assigned.push([r.name, resolveParameter(value, ctx)]);
  }
  for (const group of Object.values(asRecord(p.values))) {
    for (const v of asArray(group)) {
      const r = asRecord(v);
      if (typeof r.name === 'string') assigned.push([r.name, resolveParameter(r.value, ctx)]);
    }
  }
  const keepInput = node.typeVersion < 3 ? p.keepOnlySet !== true : p.includeOtherFields === true;
  const out: Record<string, unknown> = keepInput ? structuredClone(input) : {};
  for (const [name, value] of assigned) setPath(out, name, value);
  return out;
}

interface Simulation {
  runData: Record<string, N8nNodeRun[]>;
  lastNode: string;
  error?: { message: string; node: string };
  /** Output of the Respond to Webhook node, if the run reached one. */
  respond?: { status: number; body: unknown };
  lastOutput: Record<string, unknown>;
}

function simulate(
  workflow: N8nWorkflow,
  trigger: N8nNode,
  triggerItem: Record<string, unknown>,
  execution: N8nExecution,
  now: Date,
  durationMs: number,
  weights: number[],
  failure: string | undefined,
): Simulation {
  const order = plan(workflow, trigger);
  const outputs = new Map<string, Record<string, unknown>>();
  const runData: Record<string, N8nNodeRun[]> = {};
  const times = nodeTimes(order, durationMs, weights);
  let clock = Date.parse(execution.startedAt);
  const failAt = failure === undefined ? undefined : (order[order.length - 1]?.node.name ?? trigger.name);
  const result: Simulation = { runData, lastNode: trigger.name, lastOutput: triggerItem };
  for (const [index, { node, previous }] of order.entries()) {
    const executionTime = times[index] ?? 1;
    const input = previous === undefined ? triggerItem : (outputs.get(previous) ?? {});
    const ctx: ExpressionContext = {
      json: input,
      nodeOutputs: outputs,
      execution: { id: execution.id, mode: execution.mode === 'webhook' ? 'production' : execution.mode },
      workflow: { id: workflow.id, name: workflow.name, active: workflow.active },
      now,
    };
    const run: N8nNodeRun = {
      startTime: clock,
      executionTime,
      executionStatus: 'success',
      source: previous === undefined ? [] : [{ previousNode: previous }],
    };
    clock += executionTime;
    runData[node.name] = [run];
    result.lastNode = node.name;
    let errorMessage: string | undefined;
    if (node.type === 'n8n-nodes-base.stopAndError' && !node.disabled) {
      const p = node.parameters;
      const message =
        p.errorType === 'errorObject'
          ? JSON.stringify(resolveParameter(p.errorObject, ctx))
          : resolveParameter(p.errorMessage, ctx);
      errorMessage = typeof message === 'string' && message !== '' ? message : 'An error occurred';
    } else if (node.name === failAt) {
      errorMessage = failure;
    }
    if (errorMessage !== undefined) {
      run.executionStatus = 'error';
      run.error = { message: errorMessage, name: 'NodeOperationError', node: node.name };
      result.error = { message: errorMessage, node: node.name };
      return result;
    }
    let output: Record<string, unknown> = input;
    if (node.disabled || previous === undefined) {
      output = input;
    } else if (node.type === 'n8n-nodes-base.set') {
      output = setNodeOutput(node, input, ctx);
    } else if (node.type === 'n8n-nodes-base.respondToWebhook') {
      const p = node.parameters;
      const options = asRecord(p.options);
      const respondWith = typeof p.respondWith === 'string' ? p.respondWith : 'firstIncomingItem';
      let body: unknown = input;
      if (respondWith === 'json') {
        const resolved = resolveDeep(p.responseBody, ctx);
        if (typeof resolved === 'string') {
          try {
            body = JSON.parse(resolved) as unknown;
          } catch {
            body = resolved;
          }
        } else {
          body = resolved ?? {};
        }
      } else if (respondWith === 'text') {
        body = resolveParameter(p.responseBody, ctx);
      } else if (respondWith === 'noData') {
        body = '';
      } else if (respondWith === 'allIncomingItems') {
        body = [input];
      }
      const code = typeof options.responseCode === 'number' ? options.responseCode : 200;
      result.respond ??= { status: code, body };
    } else if (node.type === 'n8n-nodes-base.httpRequest') {
      output = { ...input, statusCode: 200, body: { ok: true } };
    } else if (nodeTypeInfo(node.type)?.kind === 'action' && node.credentials !== undefined) {
      output = { ...input, ok: true };
    }
    outputs.set(node.name, output);
    run.data = { main: [[{ json: output }]] };
    result.lastOutput = output;
  }
  return result;
}

function emitStatus(
  context: SandboxToolContext,
  workflow: N8nWorkflow,
  execution: N8nExecution,
  previousStatus: N8nExecutionStatus | null,
): void {
  context.emit('execution_status', {
    executionId: execution.id,
    workflowId: execution.workflowId,
    workflowName: workflow.name,
    status: execution.status,
    previousStatus,
    mode: execution.mode,
    startedAt: execution.startedAt,
    stoppedAt: execution.stoppedAt,
  });
}

/** Draws this run's wall-clock duration from the configured range. */
function drawDuration(state: N8nState, context: SandboxToolContext, override: unknown): number {
  if (typeof override === 'number' && Number.isFinite(override) && override >= 0) return Math.min(override, 60_000);
  const { minMs, maxMs } = state.timing;
  return Math.round(minMs + context.random() * (maxMs - minMs));
}

/** Starts a production (webhook) execution of `workflow` through its `trigger` node. */
export function startWebhookRun(
  state: N8nState,
  context: SandboxToolContext,
  workflow: N8nWorkflow,
  trigger: N8nNode,
  call: WebhookCall,
): StartedRun {
  const now = context.now();
  const id = String(state.nextExecutionId++);
  const execution: N8nExecution = {
    id,
    finished: false,
    mode: 'webhook',
    retryOf: null,
    retrySuccessId: null,
    status: 'running',
    createdAt: now.toISOString(),
    startedAt: now.toISOString(),
    stoppedAt: null,
    workflowId: workflow.id,
    waitTill: null,
    customData: {},
    data: { resultData: { runData: {} } },
  };
  state.executions.set(id, execution);
  emitStatus(context, workflow, execution, null);

  const path = webhookPathOf(trigger) ?? '';
  const triggerItem: Record<string, unknown> = {
    headers: { 'content-type': 'application/json', ...call.headers },
    params: {},
    query: call.method === 'GET' ? call.body : {},
    body: call.method === 'GET' ? {} : call.body,
    webhookUrl: `${call.baseUrl}/webhook/${path}`,
    executionMode: 'production',
  };
  const failFlag = call.body[SANDBOX_FAIL_KEY];
  const failure =
    typeof failFlag === 'string' && failFlag !== ''
      ? failFlag
      : failFlag === true
        ? `Sandbox failure requested by "${SANDBOX_FAIL_KEY}"`
        : undefined;
  const durationMs = drawDuration(state, context, call.body[SANDBOX_DELAY_KEY]);
  const weights = workflow.nodes.map(() => 1 + Math.floor(context.random() * 9));
  const responseMode =
    typeof trigger.parameters.responseMode === 'string' ? trigger.parameters.responseMode : 'onReceived';

  let settle: (reply: WebhookReply) => void = () => undefined;
  const finalReply = new Promise<WebhookReply>((resolve) => {
    settle = resolve;
  });

  const respondAt = responseMode === 'responseNode' ? respondOffset(workflow, trigger, durationMs, weights) : undefined;
  if (respondAt !== undefined && respondAt < durationMs) {
    // The reply leaves when the Respond to Webhook node has run; a run that fails before it is answered at its end.
    setTimeout(() => {
      const current = state.executions.get(id);
      if (!current || current.status !== 'running') return;
      const sim = simulate(workflow, trigger, triggerItem, current, context.now(), durationMs, weights, failure);
      if (sim.respond) {
        settle({ status: sim.respond.status, statusText: statusText(sim.respond.status), body: sim.respond.body });
      }
    }, respondAt).unref();
  }

  const timer = setTimeout(() => {
    state.timers.delete(id);
    const current = state.executions.get(id);
    if (!current || current.status !== 'running') {
      settle({ status: 500, statusText: statusText(500), body: { code: 0, message: 'Error in workflow' } });
      return;
    }
    const end = context.now();
    const sim = simulate(workflow, trigger, triggerItem, current, end, durationMs, weights, failure);
    current.stoppedAt = end.toISOString();
    current.data = {
      resultData: {
        runData: sim.runData,
        lastNodeExecuted: sim.lastNode,
        ...(sim.error
          ? {
              error: {
                message: sim.error.message,
                name: 'NodeOperationError',
                node: sim.error.node,
                description: null,
              },
            }
          : {}),
      },
    };
    current.status = sim.error ? 'error' : 'success';
    current.finished = !sim.error;
    emitStatus(context, workflow, current, 'running');
    const summary = {
      executionId: current.id,
      workflowId: workflow.id,
      workflowName: workflow.name,
      status: current.status,
      mode: current.mode,
      startedAt: current.startedAt,
      stoppedAt: current.stoppedAt,
      durationMs: Date.parse(current.stoppedAt) - Date.parse(current.startedAt),
      lastNodeExecuted: sim.lastNode,
    };
    if (sim.error)
      context.emit('workflow_failed', { ...summary, error: { message: sim.error.message, node: sim.error.node } });
    else context.emit('workflow_completed', summary);

    if (sim.respond && (responseMode === 'responseNode' || !sim.error)) {
      settle({ status: sim.respond.status, statusText: statusText(sim.respond.status), body: sim.respond.body });
    } else if (sim.error) {
      settle({ status: 500, statusText: statusText(500), body: { code: 0, message: 'Error in workflow' } });
    } else if (responseMode === 'lastNode') {
      settle({ status: 200, statusText: 'OK', body: sim.lastOutput });
    } else {
      settle({ status: 200, statusText: 'OK', body: { message: 'Workflow executed successfully' } });
    }
  }, durationMs);
  timer.unref();
  state.timers.set(id, timer);

  const reply =
    responseMode === 'lastNode' || responseMode === 'responseNode'
      ? finalReply
      : Promise.resolve<WebhookReply>({ status: 200, statusText: 'OK', body: { message: 'Workflow was started' } });
  return { execution, reply };
}

/** Stops a pending run's timer (the run is being deleted, cancelled or its workflow removed). */
export function stopTimer(state: N8nState, executionId: string): void {
  const timer = state.timers.get(executionId);
  if (timer) clearTimeout(timer);
  state.timers.delete(executionId);
}

/** Moves an execution to another status by hand (admin data change), with the same events a real change causes. */
export function setExecutionStatus(
  state: N8nState,
  context: SandboxToolContext,
  execution: N8nExecution,
  status: N8nExecutionStatus,
): void {
  const previous = execution.status;
  if (previous === status) return;
  if (status !== 'running' && status !== 'waiting') stopTimer(state, execution.id);
  execution.status = status;
  execution.finished = status === 'success';
  execution.stoppedAt = status === 'running' || status === 'waiting' ? null : context.now().toISOString();
  const workflow = state.workflows.get(execution.workflowId);
  if (!workflow) return;
  emitStatus(context, workflow, execution, previous);
  const summary = {
    executionId: execution.id,
    workflowId: workflow.id,
    workflowName: workflow.name,
    status,
    mode: execution.mode,
    startedAt: execution.startedAt,
    stoppedAt: execution.stoppedAt,
  };
  if (status === 'success') context.emit('workflow_completed', summary);
  if (status === 'error') {
    context.emit('workflow_failed', {
      ...summary,
      error: execution.data.resultData.error ?? { message: 'Execution failed' },
    });
  }
}
