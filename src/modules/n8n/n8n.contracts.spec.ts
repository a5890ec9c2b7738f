import { describe, expect, it } from '@jest/globals';
import { EXECUTION_STATUSES, executionSchema } from './n8n.contracts.js';

describe('n8n execution contract', () => {
  // n8n's ExecutionStatus: an execution the sync or the API meets in any of these must not fail the contract.
  it.each(['new', 'running', 'waiting', 'success', 'error', 'canceled', 'crashed', 'unknown'])(
    'accepts an execution in status %s',
    (status) => {
      const execution = { id: '7', workflowId: 'wf', status, startedAt: '2026-12-05T10:00:00.000Z' };
      expect(executionSchema.safeParse(execution).success).toBe(true);
    },
  );

  it('knows no status n8n does not report', () => {
    expect(EXECUTION_STATUSES).toHaveLength(8);
    expect(executionSchema.safeParse({ id: '7', workflowId: 'wf', status: 'done', startedAt: null }).success).toBe(
      false,
    );
  });
});
