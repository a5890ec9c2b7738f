import { describe, expect, it } from '@jest/globals';

import type { SandboxToolContext } from '../core/sandbox-definition.js';
import { resolveParameter, type ExpressionContext } from './n8n.expressions.js';
import { n8nSandbox } from './n8n.sandbox.js';
import { timingFromEnv } from './n8n.state.js';

function context(events: { type: string; data: Record<string, unknown> }[] = []): SandboxToolContext {
  return {
    now: () => new Date('2026-03-02T10:00:00Z'),
    random: () => 0.25,
    emit: (type, data) => events.push({ type, data }),
  };
}

describe('n8n sandbox state and data changes', () => {
  const options = { seed: 5, now: new Date('2026-03-02T09:00:00Z') };

  it('builds the same instance from the same seed, with active and inactive workflows and history', () => {
    const a = n8nSandbox.createState(options);
    const b = n8nSandbox.createState(options);
    expect([...a.workflows.keys()]).toEqual([...b.workflows.keys()]);
    expect([...a.executions.values()].map((e) => e.status)).toEqual([...b.executions.values()].map((e) => e.status));
    const active = [...a.workflows.values()].filter((w) => w.active).length;
    expect(active).toBeGreaterThan(0);
    expect(active).toBeLessThan(a.workflows.size);
    expect(a.executions.size).toBeGreaterThan(5);
    for (const e of a.executions.values()) expect(Date.parse(e.startedAt)).toBeLessThan(options.now.getTime());
  });

  it('updates and deletes workflows and executions, emitting status events', () => {
    const state = n8nSandbox.createState(options);
    const events: { type: string; data: Record<string, unknown> }[] = [];
    const ctx = context(events);
    const workflow = [...state.workflows.values()][0]!;
    const renamed = n8nSandbox.applyDataChange(
      state,
      { action: 'update', collection: 'workflows', id: workflow.id, patch: { name: 'Renamed upstream' } },
      ctx,
    ) as { name: string; updatedAt: string };
    expect(renamed.name).toBe('Renamed upstream');
    expect(renamed.updatedAt).toBe('2026-03-02T10:00:00.000Z');

    const waiting = [...state.executions.values()].find((e) => e.status === 'waiting')!;
    n8nSandbox.applyDataChange(
      state,
      { action: 'update', collection: 'executions', id: waiting.id, patch: { status: 'error' } },
      ctx,
    );
    expect(state.executions.get(waiting.id)?.status).toBe('error');
    expect(events.map((e) => e.type)).toEqual(['execution_status', 'workflow_failed']);
    expect(events[0]?.data).toMatchObject({ executionId: waiting.id, status: 'error', previousStatus: 'waiting' });

    const owned = [...state.executions.values()].filter((e) => e.workflowId === workflow.id).length;
    expect(owned).toBeGreaterThan(0);
    expect(
      n8nSandbox.applyDataChange(state, { action: 'delete', collection: 'workflows', id: workflow.id }, ctx),
    ).toEqual({
      deleted: workflow.id,
    });
    expect([...state.executions.values()].some((e) => e.workflowId === workflow.id)).toBe(false);

    expect(() =>
      n8nSandbox.applyDataChange(state, { action: 'delete', collection: 'workflows', id: 'nope' }, ctx),
    ).toThrow(/no workflow with id "nope"/);
    expect(() =>
      n8nSandbox.applyDataChange(state, { action: 'delete', collection: 'credentials', id: 'x' }, ctx),
    ).toThrow(/unknown collection "credentials"/);
    expect(() =>
      n8nSandbox.applyDataChange(
        state,
        { action: 'update', collection: 'executions', id: waiting.id, patch: { status: 'done' } },
        ctx,
      ),
    ).toThrow(/status must be one of/);
  });

  it('reads the run-time range from SANDBOX_N8N_EXECUTION_MS', () => {
    expect(timingFromEnv(undefined)).toEqual({ minMs: 150, maxMs: 600 });
    expect(timingFromEnv('20')).toEqual({ minMs: 20, maxMs: 20 });
    expect(timingFromEnv('10-40')).toEqual({ minMs: 10, maxMs: 40 });
    expect(() => timingFromEnv('fast')).toThrow(/SANDBOX_N8N_EXECUTION_MS/);
  });
});

describe('n8n expression subset', () => {
  const ctx: ExpressionContext = {
    json: { body: { email: 'a@b.co', n: 3 } },
    nodeOutputs: new Map([['Webhook', { body: { leadId: 'L-7' } }]]),
    execution: { id: '1042', mode: 'production' },
    workflow: { id: 'wf1', name: 'Intake', active: true },
    now: new Date('2026-03-02T10:00:00Z'),
  };

  it('resolves references, templates and object literals; leaves literals and unknown code alone', () => {
    expect(resolveParameter('plain', ctx)).toBe('plain');
    expect(resolveParameter('={{ $json.body.n }}', ctx)).toBe(3);
    expect(resolveParameter('=Hi {{ $json.body.email }} from {{ $workflow.name }}', ctx)).toBe('Hi a@b.co from Intake');
    expect(resolveParameter("={{ $('Webhook').item.json.body.leadId }}", ctx)).toBe('L-7');
    expect(resolveParameter('={{ { "id": $execution.id, "n": $json.body.n } }}', ctx)).toEqual({ id: '1042', n: 3 });
    expect(resolveParameter('={{ $json.body.email.toUpperCase() }}', ctx)).toBe('{{ $json.body.email.toUpperCase() }}');
  });
});
