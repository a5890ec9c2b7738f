import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who is acting and which history an action belongs to, for audit entries written while it runs: a request carries
 * the name of the API key that authenticated it (never the key), a pipeline step the run's id. The audit writer reads
 * it, so events need not carry either.
 */
export interface AuditContext {
  /** The acting API key's name; null for the system's own work. */
  actor: string | null;
  /** Ties entries to one history (a pipeline run's id); overrides an event's own correlation id. */
  correlationId: string | null;
}

const storage = new AsyncLocalStorage<AuditContext>();

export function runWithAuditContext<T>(context: Partial<AuditContext>, fn: () => T): T {
  const outer = storage.getStore();
  return storage.run({ actor: outer?.actor ?? null, correlationId: null, ...context }, fn);
}

export function currentAuditContext(): AuditContext | undefined {
  return storage.getStore();
}
