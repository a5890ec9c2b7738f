import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';

/** A claim older than this is taken to belong to an instance that died while creating the workflow. */
const CLAIM_LEASE_SECONDS = 60;

/**
 * The cross-instance lease on provisioning a managed workflow: the row `n8n_managed_workflows(name)`. Only the holder
 * of a claim (its INSERT won, or it took over a claim older than the lease) records the workflow it created.
 * Every write is wrapped in `WITH … RETURNING` so PostgreSQL and PGlite answer with rows alike.
 */
@Injectable()
export class ManagedWorkflowClaims {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async recordedWorkflowId(name: string): Promise<string | null> {
    const rows = await this.rows<{ workflow_id: string | null }>(
      `SELECT workflow_id FROM n8n_managed_workflows WHERE name = $1`,
      [name],
    );
    return rows[0]?.workflow_id ?? null;
  }

  /** Claims the right to provision `name`: a new row, or a row without a workflow whose claim is absent or stale. */
  async claim(name: string): Promise<string | undefined> {
    const token = randomUUID();
    const inserted = await this.rows(
      `WITH ins AS (INSERT INTO n8n_managed_workflows (name, claim_token, claimed_at) VALUES ($1, $2, now())
         ON CONFLICT (name) DO NOTHING RETURNING name) SELECT name FROM ins`,
      [name, token],
    );
    if (inserted.length > 0) return token;
    const taken = await this.rows(
      `WITH upd AS (UPDATE n8n_managed_workflows SET claim_token = $2, claimed_at = now(), updated_at = now()
         WHERE name = $1 AND workflow_id IS NULL
           AND (claim_token IS NULL OR claimed_at < now() - make_interval(secs => $3))
         RETURNING name) SELECT name FROM upd`,
      [name, token, CLAIM_LEASE_SECONDS],
    );
    return taken.length > 0 ? token : undefined;
  }

  /** Records the workflow the claim's holder found or created, and ends the claim. */
  async complete(name: string, token: string, workflowId: string): Promise<void> {
    await this.rows(
      `WITH done AS (UPDATE n8n_managed_workflows SET workflow_id = $3, claim_token = NULL, claimed_at = NULL,
         updated_at = now() WHERE name = $1 AND claim_token = $2 RETURNING name) SELECT name FROM done`,
      [name, token, workflowId],
    );
  }

  /** Gives the claim up (the holder failed), so another caller may claim at once. */
  async release(name: string, token: string): Promise<void> {
    await this.rows(
      `WITH released AS (UPDATE n8n_managed_workflows SET claim_token = NULL, claimed_at = NULL, updated_at = now()
         WHERE name = $1 AND claim_token = $2 RETURNING name) SELECT name FROM released`,
      [name, token],
    );
  }

  /** Forgets a recorded workflow that is gone upstream. */
  async forget(name: string, workflowId: string): Promise<void> {
    await this.rows(
      `WITH cleared AS (UPDATE n8n_managed_workflows SET workflow_id = NULL, active = false, updated_at = now()
         WHERE name = $1 AND workflow_id = $2 RETURNING name) SELECT name FROM cleared`,
      [name, workflowId],
    );
  }

  async markActive(workflowId: string, active: boolean): Promise<void> {
    await this.rows(
      `WITH marked AS (UPDATE n8n_managed_workflows SET active = $2, updated_at = now() WHERE workflow_id = $1
         RETURNING name) SELECT name FROM marked`,
      [workflowId, active],
    );
  }

  private async rows<T = Record<string, unknown>>(sql: string, params: unknown[]): Promise<T[]> {
    return this.dataSource.query<T[]>(sql, params);
  }
}
