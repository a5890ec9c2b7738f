/**
 * A durable queue a module declares once, next to its worker:
 *
 *   export const webhookProcessingQueue = defineQueue<{ eventId: string }>({ name: 'webhook.process', retryLimit: 5 });
 *   jobs.work(webhookProcessingQueue, async (data, context) => …);   // in the module's onApplicationBootstrap
 *   jobs.send(webhookProcessingQueue, { eventId }, { within: manager });   // inside the transaction that stored the event
 *
 * The type parameter ties `send` and `work` to one payload shape.
 */
export interface QueueDefinition<TPayload> {
  readonly name: string;
  /** Attempts after the first one. */
  readonly retryLimit: number;
  readonly retryDelaySeconds: number;
  /** Exponential backoff (with pg-boss's jitter) from retryDelaySeconds. */
  readonly retryBackoff: boolean;
  /** A job running longer than this is considered lost and retried. */
  readonly expireInSeconds: number;
  /** Name of the dead-letter queue that receives jobs whose retries are exhausted, or null for none. */
  readonly deadLetter: string | null;
  /** Parallel workers in this process. */
  readonly concurrency: number;
  readonly pollingIntervalSeconds: number;
  /** Jobs a worker fetches at once (fewer queue round trips for short jobs); handled one after the other. */
  readonly batchSize: number;
  /** pg-boss queue policy; `singleton` allows one active job at a time, across all instances. */
  readonly policy: 'standard' | 'short' | 'singleton' | 'stately';
  /** Phantom member carrying the payload type; never set. */
  readonly payload?: TPayload;
}

export type QueueDefinitionInput = Partial<Omit<QueueDefinition<unknown>, 'name' | 'payload' | 'deadLetter'>> & {
  name: string;
  /** true (default): `<name>.dead-letter`; false: none; a string: that queue. */
  deadLetter?: boolean | string;
};

export function defineQueue<TPayload>(input: QueueDefinitionInput): QueueDefinition<TPayload> {
  if (!/^[A-Za-z0-9_.-]+$/.test(input.name)) throw new Error(`Invalid queue name "${input.name}"`);
  const deadLetter =
    input.deadLetter === false
      ? null
      : typeof input.deadLetter === 'string'
        ? input.deadLetter
        : `${input.name}.dead-letter`;
  return {
    name: input.name,
    retryLimit: input.retryLimit ?? 5,
    retryDelaySeconds: input.retryDelaySeconds ?? 2,
    retryBackoff: input.retryBackoff ?? true,
    expireInSeconds: input.expireInSeconds ?? 15 * 60,
    deadLetter,
    concurrency: input.concurrency ?? 1,
    pollingIntervalSeconds: input.pollingIntervalSeconds ?? 1,
    batchSize: input.batchSize ?? 1,
    policy: input.policy ?? 'standard',
  };
}
