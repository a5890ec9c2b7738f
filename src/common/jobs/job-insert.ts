import type { QueueDefinition } from './queue-definition.js';

/**
 * One job to insert inside a statement the caller sends anyway (a data-modifying CTE), as pg-boss 10.4's `send()`
 * inserts it (now, no singleton key): the caller's change and its job commit together without a round trip of their
 * own. `sql(offset)` uses the placeholders `$offset+1 … $offset+params.length`; the CTE returns the job's id, and no
 * row when the queue does not exist (the caller checks).
 */
export interface JobInsert {
  readonly params: readonly unknown[];
  /** `onlyIf`: an SQL condition (e.g. `EXISTS (SELECT 1 FROM "run")`) without which no job is inserted. */
  sql(offset: number, onlyIf?: string): string;
}

export function jobInsert<TPayload>(
  schema: string,
  queue: QueueDefinition<TPayload>,
  payload: TPayload,
  options: { priority?: number } = {},
): JobInsert {
  return {
    params: [
      queue.name,
      JSON.stringify(payload),
      options.priority ?? 0,
      queue.expireInSeconds,
      queue.retryLimit,
      queue.retryDelaySeconds,
      queue.retryBackoff,
      queue.deadLetter ?? null,
    ],
    sql: (offset, onlyIf) => {
      const $ = (n: number): string => `$${offset + n}`;
      return `INSERT INTO ${schema}.job
                (id, name, data, priority, expire_in, keep_until, retry_limit, retry_delay, retry_backoff, dead_letter,
                 policy)
              SELECT gen_random_uuid(), q.name, ${$(2)}::jsonb, ${$(3)}::int, ${$(4)}::int * interval '1 second',
                     now() + COALESCE(q.retention_minutes * interval '1 minute', interval '14 days'), ${$(5)}::int,
                     CASE WHEN ${$(7)}::bool THEN GREATEST(${$(6)}::int, 1) ELSE ${$(6)}::int END, ${$(7)}::bool,
                     ${$(8)}::text, q.policy
              FROM ${schema}.queue q WHERE q.name = ${$(1)}${onlyIf ? ` AND ${onlyIf}` : ''}
              RETURNING id`;
    },
  };
}
