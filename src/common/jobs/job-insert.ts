import type { QueueDefinition } from './queue-definition.js';

/**
 * Jobs to insert inside a statement the caller sends anyway (a data-modifying CTE), as pg-boss 10.4's `send()`
 * inserts them (now, no singleton key): the caller's change and its jobs commit together without a round trip of their
 * own. `sql(offset)` uses the placeholders `$offset+1 … $offset+params.length`; the CTE returns the jobs' ids, and no
 * row when the queue does not exist (the caller checks).
 */
export interface JobInsert {
  readonly params: readonly unknown[];
  /** `onlyIf`: an SQL condition (e.g. `EXISTS (SELECT 1 FROM "run")`) without which no job is inserted. */
  sql(offset: number, onlyIf?: string): string;
}

/** One job with this payload. */
export function jobInsert<TPayload>(
  schema: string,
  queue: QueueDefinition<TPayload>,
  payload: TPayload,
  options: { priority?: number } = {},
): JobInsert {
  return insert(schema, queue, { id: 'gen_random_uuid()', payload: JSON.stringify(payload) }, options.priority ?? 0);
}

/**
 * One job per row of `rows.from` (a CTE of the same statement, e.g. the rows it just stored): `rows.id` and
 * `rows.data` are SQL expressions over that row.
 */
export function jobInsertPerRow(
  schema: string,
  queue: QueueDefinition<unknown>,
  rows: { from: string; id: string; data: string },
): JobInsert {
  return insert(schema, queue, rows, 0);
}

function insert(
  schema: string,
  queue: QueueDefinition<unknown>,
  source: { id: string; payload?: string; data?: string; from?: string },
  priority: number,
): JobInsert {
  const named: Array<[string, unknown]> = [
    ['queue', queue.name],
    ...(source.payload !== undefined ? [['payload', source.payload] as [string, unknown]] : []),
    ['priority', priority],
    ['expireIn', queue.expireInSeconds],
    ['retryLimit', queue.retryLimit],
    ['retryDelay', queue.retryDelaySeconds],
    ['retryBackoff', queue.retryBackoff],
    ['deadLetter', queue.deadLetter ?? null],
  ];
  return {
    params: named.map(([, value]) => value),
    sql: (offset, onlyIf) => {
      const $ = (name: string): string => `$${offset + 1 + named.findIndex(([n]) => n === name)}`;
      const data = source.data ?? `${$('payload')}::jsonb`;
      const queueRow = source.from
        ? `FROM ${source.from} JOIN ${schema}.queue q ON q.name = ${$('queue')}`
        : `FROM ${schema}.queue q WHERE q.name = ${$('queue')}`;
      return `INSERT INTO ${schema}.job
                (id, name, data, priority, expire_in, keep_until, retry_limit, retry_delay, retry_backoff, dead_letter,
                 policy)
              SELECT ${source.id}, q.name, ${data}, ${$('priority')}::int, ${$('expireIn')}::int * interval '1 second',
                     now() + COALESCE(q.retention_minutes * interval '1 minute', interval '14 days'),
                     ${$('retryLimit')}::int,
                     CASE WHEN ${$('retryBackoff')}::bool THEN GREATEST(${$('retryDelay')}::int, 1)
                          ELSE ${$('retryDelay')}::int END,
                     ${$('retryBackoff')}::bool, ${$('deadLetter')}::text, q.policy
              ${queueRow}${onlyIf ? ` ${source.from ? 'WHERE' : 'AND'} ${onlyIf}` : ''}
              RETURNING id`;
    },
  };
}
