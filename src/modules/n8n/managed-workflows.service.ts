import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error.js';
import type { N8nWorkflowResult, WorkflowDefinition } from './n8n.contracts.js';
import { N8nWorkflowsService, type WorkflowState } from './n8n-workflows.service.js';
import { ManagedWorkflowClaims } from './managed-workflow-claims.js';
import { validateWorkflowDefinition } from './workflow-validation.js';

export interface EnsuredWorkflow extends WorkflowState {
  /** True when this call created it upstream. */
  created: boolean;
}

const ENSURE_TIMEOUT_MS = 90_000;

/** Workflows the backend provisions itself: found by name or created once, kept active. */
@Injectable()
export class ManagedWorkflowsService {
  private readonly logger = new Logger('ManagedWorkflowsService');
  /** In-process single flight of `ensureWorkflow` by name (PGlite is one session: the row claim alone can't tell). */
  private readonly ensuring = new Map<string, Promise<EnsuredWorkflow>>();

  constructor(
    private readonly workflows: N8nWorkflowsService,
    private readonly claims: ManagedWorkflowClaims,
  ) {}

  /**
   * Makes sure a workflow with `definition.name` exists upstream and is active: finds it by name, creates it once if
   * missing, activates it. Safe under concurrency: calls in this process share one run per name, and across
   * instances the claim row (`ManagedWorkflowClaims`) lets only one instance look up and create; the others wait for
   * it to record the workflow id. An existing workflow is adopted as it is (its definition is not updated).
   */
  async ensureWorkflow(definition: WorkflowDefinition): Promise<EnsuredWorkflow> {
    validateWorkflowDefinition(definition);
    const running = this.ensuring.get(definition.name);
    if (running) return running;
    const flight = this.ensureOnce(definition).finally(() => this.ensuring.delete(definition.name));
    this.ensuring.set(definition.name, flight);
    return flight;
  }

  private async ensureOnce(definition: WorkflowDefinition): Promise<EnsuredWorkflow> {
    const { name } = definition;
    const deadline = Date.now() + ENSURE_TIMEOUT_MS;
    for (;;) {
      const recorded = await this.claims.recordedWorkflowId(name);
      if (recorded) {
        try {
          const workflow = await this.workflows.getWorkflow(recorded);
          return await this.activated(workflow, false);
        } catch (error) {
          if (!(error instanceof DomainError && error.code === 'not_found')) throw error;
          // Deleted upstream: forget it and provision again.
          this.logger.warn(`Managed n8n workflow "${name}" (${recorded}) is gone upstream; creating it again`);
          await this.claims.forget(name, recorded);
          continue;
        }
      }
      const token = await this.claims.claim(name);
      if (token) {
        try {
          const existing = await this.workflows.findWorkflowByName(name);
          const workflow = existing
            ? await this.workflows.getWorkflow(existing.id)
            : await this.workflows.createWorkflow(definition, 'ensureWorkflow');
          await this.claims.complete(name, token, workflow.id);
          return await this.activated(workflow, !existing);
        } catch (error) {
          await this.claims.release(name, token).catch(() => undefined);
          throw error;
        }
      }
      if (Date.now() > deadline) {
        throw new DomainError('service_unavailable', `Another instance is still provisioning n8n workflow "${name}"`, {
          extensions: { server: 'n8n', workflowName: name },
          retryAfterSeconds: 5,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async activated(workflow: N8nWorkflowResult, created: boolean): Promise<EnsuredWorkflow> {
    const state = workflow.active
      ? { id: workflow.id, name: workflow.name, active: true }
      : await this.workflows.activateWorkflow(workflow.id, 'ensureWorkflow');
    await this.claims.markActive(workflow.id, state.active);
    return { ...state, created };
  }
}
