import { describe, expect, it } from '@jest/globals';
import { DomainError } from '../errors/domain-error.js';
import { McpFailure, toDomainError } from './mcp-errors.js';
import type { McpServerName } from './tool-contract.js';

function answer(
  server: McpServerName,
  tool: string,
  message: string,
  structured: { upstreamCode?: string; upstreamField?: string } = {},
): DomainError {
  return toDomainError(new McpFailure('tool_error', message, { server, tool, ...structured }));
}

describe('upstream error taxonomy', () => {
  // Texts as n8n-mcp 2.87.0 sends them (dist/mcp/handlers-n8n-manager.js, handlers-workflow-diff.js,
  // dist/utils/n8n-errors.js), after the client appends the envelope's details.
  it.each([
    ['n8n_test_workflow', 'Workflow must be active to trigger via this method', undefined, 'precondition_failed'],
    [
      'n8n_test_workflow',
      'Workflow cannot be triggered externally: No trigger nodes found',
      undefined,
      'precondition_failed',
    ],
    ['n8n_test_workflow', 'Workflow does not have a webhook trigger', undefined, 'precondition_failed'],
    [
      'n8n_update_partial_workflow',
      'Workflow updated successfully but activation failed: Workflow has no node to start the workflow',
      undefined,
      'precondition_failed',
    ],
    [
      'n8n_update_partial_workflow',
      'Failed to apply diff operations: Cannot activate workflow: No activatable trigger nodes found.',
      undefined,
      'precondition_failed',
    ],
    [
      'n8n_update_partial_workflow',
      'Failed to apply diff operations: Node "X" not found',
      undefined,
      'validation_failed',
    ],
    [
      'n8n_create_workflow',
      'Workflow validation failed: Single non-webhook node workflow is invalid',
      undefined,
      'validation_failed',
    ],
    [
      'n8n_create_workflow',
      'Node type format error: n8n API requires FULL form node types',
      undefined,
      'validation_failed',
    ],
    ['n8n_create_workflow', 'Invalid request: Unrecognized node type: x.y', 'VALIDATION_ERROR', 'validation_failed'],
    ['n8n_list_workflows', 'Invalid request: Parameter cursor is not valid', 'VALIDATION_ERROR', 'validation_failed'],
    ['n8n_get_workflow', 'Not Found', 'NOT_FOUND', 'not_found'],
    ['n8n_get_workflow', 'No published version. Workflow is inactive', 'NO_ACTIVE_VERSION', 'precondition_failed'],
    ['n8n_test_workflow', 'pinData is required for method: pinned', 'INVALID_ARGS', 'validation_failed'],
    [
      'n8n_list_workflows',
      'Invalid input: limit: Number must be less than or equal to 100',
      undefined,
      'validation_failed',
    ],
  ])('n8n %s "%s" (%s) → %s', (tool, message, upstreamCode, code) => {
    const error = answer('n8n', tool, message, upstreamCode === undefined ? {} : { upstreamCode });
    expect(error.code).toBe(code);
    expect(error.message).toContain(message.split(':')[0]);
    expect(error.extensions).toMatchObject({ server: 'n8n', tool });
  });

  it.each([
    ['Unable to connect to n8n. Please check the server URL and ensure n8n is running.', 'NO_RESPONSE'],
    ['n8n server error occurred', 'SERVER_ERROR'],
    ['Failed to authenticate with n8n. Please check your API key.', 'AUTHENTICATION_ERROR'],
    ['Set N8N_MCP_ACCESS_TOKEN to the MCP API key', 'NOT_CONFIGURED'],
  ])('keeps n8n upstream faults 502: "%s" (%s)', (message, upstreamCode) => {
    expect(answer('n8n', 'n8n_list_workflows', message, { upstreamCode }).code).toBe('upstream_error');
  });

  it('names the resource the message names: a missing contact is a contact, a completed sequence is a precondition', () => {
    expect(answer('apollo', 'add-contacts-to-sequence', 'Contacts not found: c1, c2').extensions).toMatchObject({
      resource: 'contact',
      id: 'c1, c2',
    });
    expect(answer('apollo', 'add-contacts-to-sequence', 'Sequence not found: s1').extensions).toMatchObject({
      resource: 'sequence',
      id: 's1',
    });
    const completed = answer('apollo', 'add-contacts-to-sequence', 'Sequence s1 is completed; create a new sequence');
    expect(completed.code).toBe('precondition_failed');
    expect(completed.extensions).toMatchObject({ resource: 'sequence', id: 's1', server: 'apollo' });
    expect(answer('apollo', 'list-contacts', 'cursor: not a cursor returned by list-contacts').code).toBe(
      'validation_failed',
    );
    expect(answer('apollo', 'search-leads', 'injected fault').code).toBe('upstream_error');
  });

  it('uses Avinode’s structured _meta.errorCode and field, whatever the text says', () => {
    const missing = answer('avinode', 'get-pricing', 'quoteId: quote q-1 not found', {
      upstreamCode: 'not_found',
      upstreamField: 'quoteId',
    });
    expect(missing.code).toBe('not_found');
    expect(missing.message).toBe('quote q-1 not found');
    expect(missing.extensions).toMatchObject({ resource: 'quote', id: 'q-1', field: 'quoteId' });
    const expired = answer('avinode', 'create-charter-request', 'quoteId: quote q-1 expired at 2026-01-01', {
      upstreamCode: 'quote_mismatch',
      upstreamField: 'quoteId',
    });
    expect(expired.code).toBe('precondition_failed');
    const untyped = answer('avinode', 'get-pricing', 'quoteId: quote q-1 not found');
    expect(untyped.code).toBe('upstream_error');
  });
});
