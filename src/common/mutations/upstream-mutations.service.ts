import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { UpstreamName } from '../config/app-config.js';
import { describeErrorCode } from '../errors/error-catalog.js';
import { DomainError } from '../errors/domain-error.js';
import { UpstreamMutation } from './upstream-mutation.entity.js';
import {
  UpstreamMutationAbandoned,
  UpstreamMutationLeftOpen,
  UpstreamMutationReconciled,
} from './upstream-mutation.events.js';
import { publish } from '../events/publish.js';
import { safeErrorMessage } from '../logging/safe-errors.js';

export interface MutationIntent {
  upstream: UpstreamName;
  /** e.g. `create_charter_request`; a reconciler is registered under the same name. */
  operation: string;
  /** Caller-scoped: the same key is the same mutation (retries find the intent of the first attempt). */
  idempotencyKey: string;
  /** What the mutation targets, when known before the call (e.g. a booking id). */
  subject?: string | null;
  /** Ids and shape only: never contact details. */
  summary?: Record<string, unknown>;
  /**
   * For callers without a key of their own (the route had no Idempotency-Key, so `idempotencyKey` is fresh): an intent
   * of the same change (operation, subject and summary) that the upstream answered but that is still `pending` is
   * resumed instead of mutating again, so repeating the request converges on the upstream's result.
   */
  resumeOpen?: boolean;
}

export interface MutationSteps<T, R> {
  /** The upstream mutation. */
  call: () => Promise<T>;
  /** The upstream record the answer names (e.g. the charter request id). */
  refOf: (result: T) => string;
  /**
   * Reads the record an earlier attempt produced, by its ref: a retry after the upstream answered does not repeat the
   * mutation (which may not be idempotent upstream, e.g. confirming), it asks for the result. `kept` is the answer
   * `keep` stored, if any.
   */
  lookup: (ref: string, kept: unknown) => Promise<T>;
  /** For an upstream that cannot be asked for the record again: what of the answer to keep on the intent. */
  keep?: (result: T) => unknown;
  /** The local write. */
  store: (result: T) => Promise<R>;
}

export type ReconcileOutcome =
  | { kind: 'reconciled'; resultRef: string }
  | { kind: 'failed'; reason: string }
  /** Not decidable now: try again on the next run (until `maxOpenMs`). */
  | { kind: 'unknown'; reason: string };

export type Reconciler = (intent: UpstreamMutation) => Promise<ReconcileOutcome>;

export interface ReconcileSummary {
  examined: number;
  reconciled: number;
  failed: number;
  stillPending: number;
}

/** A pending intent younger than this may still be in flight (the call timeout bounds a call, retries included). */
export const RECONCILE_GRACE_MS = 5 * 60_000;
/** After this an intent the upstream cannot resolve is abandoned (the upstream keeps idempotency keys a day). */
export const RECONCILE_MAX_OPEN_MS = 24 * 3_600_000;
const RECONCILE_BATCH = 100;

/** Logged and stored (the intent's error): a database error's echoed values are masked. */
const messageOf = safeErrorMessage;

/** True when the upstream refused the mutation (the caller's fault): nothing changed there. */
function isRefusal(error: unknown): boolean {
  return error instanceof DomainError && describeErrorCode(error.code).status < 500;
}

/**
 * No half-writes: every mutation that reaches an upstream records its intent locally before the call, records what the
 * upstream answered, and is completed after the local write. When the local write fails the intent stays `pending`
 * with the upstream's record ref, the caller gets 503 (retry with the same key), a retry with the same key reads the
 * upstream's record instead of mutating again, and the reconcile job (upstream-mutations.module.ts) completes what
 * nobody retries.
 *
 * Intent writes are single statements outside any caller transaction, so they survive a rolled-back local write.
 */
@Injectable()
export class UpstreamMutationsService {
  private readonly logger = new Logger('UpstreamMutations');
  private readonly reconcilers = new Map<string, Reconciler>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventEmitter2,
  ) {}

  /** Feature modules register how to resolve their pending intents (called from their constructors). */
  registerReconciler(upstream: UpstreamName, operation: string, reconciler: Reconciler): void {
    this.reconcilers.set(`${upstream}:${operation}`, reconciler);
  }

  async run<T, R>(intent: MutationIntent, steps: MutationSteps<T, R>): Promise<R> {
    // If even this fails nothing has been sent upstream: the error goes back as it is.
    const row = await this.begin(intent);
    const resumed = row.upstreamAnsweredAt !== null && row.resultRef !== null;
    let result: T;
    try {
      result = resumed && row.resultRef !== null ? await steps.lookup(row.resultRef, row.result) : await steps.call();
    } catch (error) {
      if (isRefusal(error) && !resumed) await this.settle(row.id, 'failed', { error: messageOf(error) });
      else await this.note(row.id, { error: messageOf(error) });
      throw error;
    }
    const resultRef = steps.refOf(result);
    await this.note(row.id, { resultRef, answered: true, ...(steps.keep ? { result: steps.keep(result) } : {}) });
    let stored: R;
    try {
      stored = await steps.store(result);
    } catch (error) {
      const reason = `the upstream answered (${resultRef}) but the local write failed: ${messageOf(error)}`;
      await this.note(row.id, { error: reason });
      this.logger.error(`${intent.upstream} ${intent.operation} ${row.id}: ${reason}`);
      publish(this.events, new UpstreamMutationLeftOpen({ ...row, resultRef, upstreamAnsweredAt: new Date() }, reason));
      throw new DomainError(
        'service_unavailable',
        `${intent.upstream} completed ${intent.operation} (${resultRef}) but it could not be stored yet; ` +
          (intent.resumeOpen === true
            ? 'repeat the same request to get the result'
            : 'retry with the same Idempotency-Key to get the result'),
        {
          extensions: { upstream: intent.upstream, operation: intent.operation, intentId: row.id, resultRef },
          retryAfterSeconds: 1,
          cause: error,
        },
      );
    }
    const reopened = row.attempts > 1 && row.status === 'pending' && (resumed || row.error !== null);
    const settled = await this.settle(row.id, reopened ? 'reconciled' : 'completed', { resultRef });
    if (reopened && settled) {
      publish(this.events, new UpstreamMutationReconciled(settled, 'retry'));
    }
    return stored;
  }

  findByKey(upstream: UpstreamName, operation: string, idempotencyKey: string): Promise<UpstreamMutation | null> {
    return this.dataSource.getRepository(UpstreamMutation).findOneBy({ upstream, operation, idempotencyKey });
  }

  /**
   * Resolves pending intents older than `graceMs` with their registered reconciler (the job runs this every minute).
   * Each outcome is audited; an intent without a reconciler, or one still unknowable after `maxOpenMs`, is abandoned.
   */
  async reconcilePending(
    options: { graceMs?: number; maxOpenMs?: number; limit?: number } = {},
  ): Promise<ReconcileSummary> {
    const graceMs = options.graceMs ?? RECONCILE_GRACE_MS;
    const maxOpenMs = options.maxOpenMs ?? RECONCILE_MAX_OPEN_MS;
    const rows = await this.dataSource
      .getRepository(UpstreamMutation)
      .createQueryBuilder('m')
      .where(`m.status = 'pending'`)
      .andWhere(`m.updated_at < now() - make_interval(secs => :grace)`, { grace: graceMs / 1000 })
      .orderBy('m.updated_at', 'ASC')
      .limit(options.limit ?? RECONCILE_BATCH)
      .getMany();
    const summary: ReconcileSummary = { examined: rows.length, reconciled: 0, failed: 0, stillPending: 0 };
    for (const row of rows) {
      const reconciler = this.reconcilers.get(`${row.upstream}:${row.operation}`);
      let outcome: ReconcileOutcome;
      try {
        outcome = reconciler
          ? await reconciler(row)
          : { kind: 'failed', reason: `no reconciler for ${row.upstream} ${row.operation}` };
      } catch (error) {
        outcome = isRefusal(error)
          ? { kind: 'failed', reason: `the upstream has no such record: ${messageOf(error)}` }
          : { kind: 'unknown', reason: messageOf(error) };
      }
      if (outcome.kind === 'unknown' && Date.now() - row.createdAt.getTime() >= maxOpenMs) {
        outcome = {
          kind: 'failed',
          reason: `unresolved after ${Math.round(maxOpenMs / 60_000)} min: ${outcome.reason}`,
        };
      }
      switch (outcome.kind) {
        case 'reconciled': {
          const settled = await this.settle(row.id, 'reconciled', { resultRef: outcome.resultRef });
          if (settled) {
            summary.reconciled++;
            publish(this.events, new UpstreamMutationReconciled(settled, 'reconcile'));
          }
          break;
        }
        case 'failed': {
          const settled = await this.settle(row.id, 'failed', { error: outcome.reason });
          if (settled) {
            summary.failed++;
            publish(this.events, new UpstreamMutationAbandoned(settled, outcome.reason));
          }
          break;
        }
        case 'unknown':
          summary.stillPending++;
          await this.note(row.id, { error: outcome.reason, attempt: true });
          break;
      }
    }
    return summary;
  }

  /** Inserts the intent, or finds the one an earlier attempt with the same key left (counting the attempt). */
  private async begin(intent: MutationIntent): Promise<UpstreamMutation> {
    const idempotencyKey = (intent.resumeOpen === true && (await this.openKeyOf(intent))) || intent.idempotencyKey;
    const rows: unknown = await this.dataSource.query(
      `INSERT INTO "upstream_mutation" ("upstream", "operation", "idempotency_key", "subject", "request_summary")
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ("upstream", "operation", "idempotency_key")
       DO UPDATE SET "attempts" = "upstream_mutation"."attempts" + 1, "updated_at" = now()
       RETURNING "id"`,
      [intent.upstream, intent.operation, idempotencyKey, intent.subject ?? null, JSON.stringify(intent.summary ?? {})],
    );
    const id = Array.isArray(rows) ? (rows[0] as { id?: string } | undefined)?.id : undefined;
    if (id === undefined) throw new Error('upstream_mutation insert returned no row');
    return this.dataSource.getRepository(UpstreamMutation).findOneByOrFail({ id });
  }

  /** The key of the newest answered, still pending intent of the same change, if any (see `resumeOpen`). */
  private async openKeyOf(intent: MutationIntent): Promise<string | undefined> {
    const rows: unknown = await this.dataSource.query(
      `SELECT "idempotency_key" FROM "upstream_mutation"
       WHERE "upstream" = $1 AND "operation" = $2 AND "subject" IS NOT DISTINCT FROM $3
         AND "request_summary" = $4::jsonb AND "status" = 'pending' AND "upstream_answered_at" IS NOT NULL
       ORDER BY "created_at" DESC LIMIT 1`,
      [intent.upstream, intent.operation, intent.subject ?? null, JSON.stringify(intent.summary ?? {})],
    );
    return Array.isArray(rows) ? (rows[0] as { idempotency_key?: string } | undefined)?.idempotency_key : undefined;
  }

  /** Best effort: a failure here must not hide the upstream's answer (the intent row already exists). */
  private async note(
    id: string,
    change: { resultRef?: string; answered?: boolean; error?: string; attempt?: boolean; result?: unknown },
  ): Promise<void> {
    try {
      await this.dataSource.query(
        `UPDATE "upstream_mutation" SET
           "result_ref" = COALESCE($2::varchar, "result_ref"),
           "result" = COALESCE($6::jsonb, "result"),
           "upstream_answered_at" = CASE WHEN $3::boolean THEN COALESCE("upstream_answered_at", now())
                                         ELSE "upstream_answered_at" END,
           "error" = COALESCE($4::text, "error"),
           "attempts" = "attempts" + CASE WHEN $5::boolean THEN 1 ELSE 0 END,
           "updated_at" = now()
         WHERE "id" = $1`,
        [
          id,
          change.resultRef ?? null,
          change.answered === true,
          change.error ?? null,
          change.attempt === true,
          change.result === undefined ? null : JSON.stringify(change.result),
        ],
      );
    } catch (error) {
      this.logger.error(`Could not update upstream mutation ${id}: ${messageOf(error)}`);
    }
  }

  /** pending → a final status, once; returns the settled row, or null when another worker settled it first. */
  private async settle(
    id: string,
    status: 'completed' | 'reconciled' | 'failed',
    change: { resultRef?: string; error?: string },
  ): Promise<UpstreamMutation | null> {
    try {
      const rows: unknown = await this.dataSource.query(
        `UPDATE "upstream_mutation" SET "status" = $2::varchar,
           "result_ref" = COALESCE($3::varchar, "result_ref"),
           "error" = CASE WHEN $2::varchar = 'failed' THEN $4::text ELSE "error" END,
           "completed_at" = now(), "updated_at" = now()
         WHERE "id" = $1 AND "status" = 'pending'
         RETURNING "id"`,
        [id, status, change.resultRef ?? null, change.error ?? null],
      );
      const updated = Array.isArray(rows) && Array.isArray(rows[0]) ? (rows[0] as unknown[]) : rows;
      if (!Array.isArray(updated) || updated.length === 0) return null;
      return await this.dataSource.getRepository(UpstreamMutation).findOneBy({ id });
    } catch (error) {
      // The intent stays pending; the reconcile job completes it.
      this.logger.error(`Could not complete upstream mutation ${id}: ${messageOf(error)}`);
      return null;
    }
  }
}
