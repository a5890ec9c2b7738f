import type { SandboxStateOptions } from '../core/sandbox-definition.js';
import { mulberry32, type RandomSource } from '../core/seeded-random.js';

/** A node as n8n's public API stores it. */
export interface N8nNode {
  id: string;
  name: string;
  type: string;
  typeVersion: number;
  position: [number, number];
  parameters: Record<string, unknown>;
  webhookId?: string;
  credentials?: Record<string, unknown>;
  disabled?: boolean;
  notes?: string;
  continueOnFail?: boolean;
  onError?: 'continueRegularOutput' | 'continueErrorOutput' | 'stopWorkflow';
  retryOnFail?: boolean;
  maxTries?: number;
  waitBetweenTries?: number;
  alwaysOutputData?: boolean;
  executeOnce?: boolean;
}

export interface N8nConnectionTarget {
  node: string;
  type: string;
  index: number;
}

/** `connections[sourceName][outputType][outputIndex]` → targets, keyed by node *name* as in n8n. */
export type N8nConnections = Record<string, Record<string, (N8nConnectionTarget[] | null)[]>>;

export interface N8nTag {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface N8nWorkflow {
  id: string;
  name: string;
  active: boolean;
  isArchived: boolean;
  createdAt: string;
  updatedAt: string;
  nodes: N8nNode[];
  connections: N8nConnections;
  settings: Record<string, unknown>;
  staticData: null;
  meta: Record<string, unknown> | null;
  pinData: Record<string, unknown>;
  versionId: string;
  activeVersionId: string | null;
  triggerCount: number;
  tags: N8nTag[];
}

/** Execution statuses of n8n's public API. */
export type N8nExecutionStatus = 'success' | 'error' | 'running' | 'waiting' | 'canceled';

export interface N8nNodeRun {
  startTime: number;
  executionTime: number;
  executionStatus: 'success' | 'error';
  source: { previousNode: string }[];
  data?: { main: { json: Record<string, unknown> }[][] };
  error?: { message: string; name: string; node: string };
}

export interface N8nExecutionData {
  resultData: {
    runData: Record<string, N8nNodeRun[]>;
    lastNodeExecuted?: string;
    error?: { message: string; name: string; node?: string; description?: string | null };
  };
}

export interface N8nExecution {
  id: string;
  finished: boolean;
  mode: 'webhook' | 'trigger' | 'manual' | 'retry' | 'integrated';
  retryOf: string | null;
  retrySuccessId: string | null;
  status: N8nExecutionStatus;
  createdAt: string;
  startedAt: string;
  stoppedAt: string | null;
  workflowId: string;
  waitTill: string | null;
  customData: Record<string, unknown>;
  /** Held back unless the caller asks for data (`includeData`, or a `mode` on get). */
  data: N8nExecutionData;
}

/** How long a simulated run takes (wall-clock ms); drawn per run from the seeded random source. */
export interface N8nExecutionTiming {
  minMs: number;
  maxMs: number;
}

export interface N8nState {
  workflows: Map<string, N8nWorkflow>;
  executions: Map<string, N8nExecution>;
  nextExecutionId: number;
  timing: N8nExecutionTiming;
  /** Pending completion timers, so a run can be found (and cleared) while it is still `running`. */
  timers: Map<string, NodeJS.Timeout>;
  /** Reported by n8n_health_check as the instance version. */
  n8nVersion: string;
  apiUrl: string;
  /** Deterministic id source for seed data and ids generated later (its position is saved with the state). */
  random: RandomSource;
}

/** Default run time: a few hundred milliseconds, like a small real workflow. */
export const DEFAULT_TIMING: N8nExecutionTiming = { minMs: 150, maxMs: 600 };

/** `SANDBOX_N8N_EXECUTION_MS` = `"<ms>"` or `"<min>-<max>"` overrides the default run time (tests use small values). */
export function timingFromEnv(value: string | undefined): N8nExecutionTiming {
  if (!value) return { ...DEFAULT_TIMING };
  const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(value);
  if (!match?.[1]) throw new Error(`SANDBOX_N8N_EXECUTION_MS must be "<ms>" or "<min>-<max>", got "${value}"`);
  const minMs = Number(match[1]);
  const maxMs = match[2] === undefined ? minMs : Number(match[2]);
  if (maxMs < minMs) throw new Error(`SANDBOX_N8N_EXECUTION_MS: max ${maxMs} is below min ${minMs}`);
  return { minMs, maxMs };
}

/** n8n's own id source: mulberry32 on a seed of its own, so its ids differ from the other servers' for one seed. */
export function seededRandom(seed: number): RandomSource {
  return mulberry32((seed ^ 0x6e386e38) >>> 0);
}

const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** n8n workflow ids are 16-character alphanumeric nanoids. */
export function workflowId(random: () => number): string {
  let id = '';
  for (let i = 0; i < 16; i++) id += ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length)];
  return id;
}

export function uuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

export const DEFAULT_WORKFLOW_SETTINGS: Readonly<Record<string, unknown>> = {
  executionOrder: 'v1',
  saveDataErrorExecution: 'all',
  saveDataSuccessExecution: 'all',
  saveManualExecutions: true,
  saveExecutionProgress: true,
};

export type N8nStateOptions = SandboxStateOptions & { timing?: N8nExecutionTiming };

/** The run time to simulate: the option, else `SANDBOX_N8N_EXECUTION_MS`, else the default. */
export function timingOf(options: N8nStateOptions): N8nExecutionTiming {
  return options.timing ?? timingFromEnv(process.env.SANDBOX_N8N_EXECUTION_MS);
}
