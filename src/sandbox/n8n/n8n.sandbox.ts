import type {
  SandboxDataChange,
  SandboxDefinition,
  SandboxStateOptions,
  SandboxToolContext,
} from '../core/sandbox-definition.js';
import { mulberry32 } from '../core/seeded-random.js';
import { setExecutionStatus } from './n8n.engine.js';
import { createN8nState } from './n8n.seed.js';
import { timingOf, type N8nExecutionStatus, type N8nState } from './n8n.state.js';
import { deleteWorkflowRecord, registerN8nTools } from './n8n.tools.js';

export type { N8nState } from './n8n.state.js';

const EXECUTION_STATUSES: readonly N8nExecutionStatus[] = ['success', 'error', 'running', 'waiting', 'canceled'];
const WORKFLOW_FIELDS = new Set(['name', 'active', 'isArchived', 'settings', 'nodes', 'connections']);
const EXECUTION_FIELDS = new Set(['status', 'waitTill', 'customData']);

/** Imitates a change made in the n8n editor by somebody else, for sync and webhook tests. */
function applyN8nDataChange(state: N8nState, change: SandboxDataChange, context: SandboxToolContext): unknown {
  const patch = change.patch ?? {};
  if (change.collection === 'workflows') {
    const workflow = state.workflows.get(change.id);
    if (!workflow) throw new Error(`n8n sandbox: no workflow with id "${change.id}"`);
    if (change.action === 'delete') {
      deleteWorkflowRecord(state, change.id);
      return { deleted: change.id };
    }
    const unknown = Object.keys(patch).filter((k) => !WORKFLOW_FIELDS.has(k));
    if (unknown.length > 0) {
      throw new Error(
        `n8n sandbox: workflows cannot patch ${unknown.join(', ')} (allowed: ${[...WORKFLOW_FIELDS].join(', ')})`,
      );
    }
    Object.assign(workflow, structuredClone(patch));
    if ('active' in patch) {
      workflow.activeVersionId = workflow.active ? workflow.versionId : null;
    }
    workflow.updatedAt = new Date(Math.max(context.now().getTime(), Date.parse(workflow.updatedAt) + 1)).toISOString();
    return structuredClone(workflow);
  }
  if (change.collection === 'executions') {
    const execution = state.executions.get(change.id);
    if (!execution) throw new Error(`n8n sandbox: no execution with id "${change.id}"`);
    if (change.action === 'delete') {
      const timer = state.timers.get(change.id);
      if (timer) clearTimeout(timer);
      state.timers.delete(change.id);
      state.executions.delete(change.id);
      return { deleted: change.id };
    }
    const unknown = Object.keys(patch).filter((k) => !EXECUTION_FIELDS.has(k));
    if (unknown.length > 0) {
      throw new Error(
        `n8n sandbox: executions cannot patch ${unknown.join(', ')} (allowed: ${[...EXECUTION_FIELDS].join(', ')})`,
      );
    }
    if ('waitTill' in patch) execution.waitTill = typeof patch.waitTill === 'string' ? patch.waitTill : null;
    if ('customData' in patch && patch.customData && typeof patch.customData === 'object') {
      execution.customData = structuredClone(patch.customData as Record<string, unknown>);
    }
    if ('status' in patch) {
      const status = patch.status as N8nExecutionStatus;
      if (!EXECUTION_STATUSES.includes(status)) {
        throw new Error(`n8n sandbox: execution status must be one of ${EXECUTION_STATUSES.join(', ')}`);
      }
      setExecutionStatus(state, context, execution, status);
    }
    const { data: _data, ...rest } = structuredClone(execution);
    return rest;
  }
  throw new Error(`n8n sandbox: unknown collection "${change.collection}" (use workflows or executions)`);
}

/** The saved part of the state: the data, and where its id source stood (timers and the run timing are not data). */
type SavedN8nState = Omit<N8nState, 'timers' | 'random' | 'timing'> & { randomPosition: number };

function saveN8nState(state: N8nState): SavedN8nState {
  const { timers: _timers, random, timing: _timing, ...data } = state;
  return { ...data, randomPosition: random.position() };
}

/**
 * A run still `running` when the server stopped has lost its timer with the process; like n8n after a crash, it
 * ends as an error instead of staying `running` forever.
 */
function loadN8nState(saved: unknown, options: SandboxStateOptions): N8nState {
  const { randomPosition, ...data } = saved as SavedN8nState;
  const state: N8nState = { ...data, timing: timingOf(options), timers: new Map(), random: mulberry32(randomPosition) };
  const stoppedAt = options.now.toISOString();
  for (const execution of state.executions.values()) {
    if (execution.status !== 'running') continue;
    execution.status = 'error';
    execution.finished = false;
    execution.stoppedAt = stoppedAt;
    execution.data.resultData.error = { message: 'n8n stopped while the execution was running', name: 'Error' };
  }
  return state;
}

export const n8nSandbox: SandboxDefinition<N8nState> = {
  name: 'n8n',
  createState: (options) => createN8nState(options),
  registerTools: (server, state, context) => registerN8nTools(server, state, context),
  // As n8n-mcp 2.87 (a low-level Server declaring `tools: {}`, src/mcp/server.ts), which never announces list changes.
  toolListChanged: false,
  applyDataChange: applyN8nDataChange,
  saveState: saveN8nState,
  loadState: loadN8nState,
};
