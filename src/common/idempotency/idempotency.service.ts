import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../errors/domain-error.js';

import { IdempotencyKey } from './idempotency-key.entity.js';
import { safeErrorMessage } from '../logging/safe-errors.js';

export interface IdempotentRequest {
  /** Route family, e.g. `charter-request`; keys are unique per scope and principal. */
  scope: string;
  /** The caller (API key fingerprint). */
  principal: string;
  /** The client's `Idempotency-Key`. */
  key: string;
  /** `requestFingerprint(method, path, body)`: the same key with another fingerprint is refused. */
  fingerprint: string;
}

export interface IdempotentResponse {
  status: number;
  body: unknown;
}

export interface IdempotentOutcome extends IdempotentResponse {
  /** True when this is the stored response of an earlier request with the same key. */
  replayed: boolean;
}

export interface IdempotencySettings {
  /** How long a completed response is replayed. */
  ttlMs: number;
  /** How long a request waits for another one holding the same key before answering 409. */
  waitMs: number;
  pollIntervalMs: number;
  /** A claim older than this belongs to a request that died (process killed): another request may take it over. */
  staleClaimMs: number;
}

type ClaimResult =
  | { kind: 'claimed'; token: string }
  | { kind: 'held'; row: Pick<IdempotencyKey, 'requestHash' | 'status' | 'responseStatus' | 'responseBody'> }
  | { kind: 'vanished' };

const DAY_MS = 24 * 3_600_000;

/** Optional provider overriding some settings (tests use short waits). */
export const IDEMPOTENCY_SETTINGS = Symbol('IDEMPOTENCY_SETTINGS');

/**
 * HTTP idempotency keys (Stripe-style): the first request with a key runs, later ones with the same key and request get
 * its response replayed, with another request 422. Concurrent requests wait for the first one and replay it.
 *
 * Claims are single statements (INSERT … ON CONFLICT DO NOTHING), never a transaction held across the handler, so this
 * works on PostgreSQL with many instances and on the single-session embedded PGlite alike.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger('Idempotency');
  readonly settings: IdempotencySettings;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
    @Optional() @Inject(IDEMPOTENCY_SETTINGS) overrides?: Partial<IdempotencySettings>,
  ) {
    // The first request may spend a whole upstream call (its timeout bounds retries too) before it completes.
    const callTimeoutMs = config.mcp.callTimeoutMs;
    this.settings = {
      ttlMs: DAY_MS,
      waitMs: Math.min(callTimeoutMs + 5_000, 60_000),
      pollIntervalMs: 50,
      staleClaimMs: Math.max(60_000, 2 * callTimeoutMs + 30_000),
      ...overrides,
    };
  }

  /**
   * A stable key for the upstream call made on behalf of this HTTP key, so a retried HTTP request (after a timeout, or
   * after its first attempt failed) reaches the upstream with the same key and cannot create a second record there.
   */
  static upstreamKey(request: Pick<IdempotentRequest, 'scope' | 'principal' | 'key'>): string {
    const digest = createHash('sha256')
      .update(`${request.scope}\u0000${request.principal}\u0000${request.key}`)
      .digest('hex');
    return `jv-${request.scope}-${digest.slice(0, 40)}`;
  }

  /**
   * Runs `handler` once per key. Replays the stored response for a repeated request; throws `idempotency_key_reused`
   * (422) for the same key with a different request and `idempotency_request_in_progress` (409) when the first request
   * is still running after `waitMs`. A handler that throws leaves nothing behind: the key is free again.
   */
  async execute(request: IdempotentRequest, handler: () => Promise<IdempotentResponse>): Promise<IdempotentOutcome> {
    const deadline = Date.now() + this.settings.waitMs;
    for (;;) {
      const claim = await this.claim(request);
      if (claim.kind === 'claimed') return this.runClaimed(request, claim.token, handler);
      if (claim.kind === 'held') {
        const { row } = claim;
        if (row.requestHash !== request.fingerprint) {
          throw new DomainError(
            'idempotency_key_reused',
            `Idempotency-Key "${request.key}" was already used with a different request; use a new key for a new request`,
            { extensions: { idempotencyKey: request.key } },
          );
        }
        if (row.status === 'completed' && row.responseStatus !== null) {
          const body: unknown = row.responseBody === null ? null : JSON.parse(row.responseBody);
          return { status: row.responseStatus, body, replayed: true };
        }
        if (Date.now() >= deadline) {
          throw new DomainError(
            'idempotency_request_in_progress',
            `A request with Idempotency-Key "${request.key}" is still in progress; retry shortly`,
            { extensions: { idempotencyKey: request.key }, retryAfterSeconds: 1 },
          );
        }
        await new Promise((resolve) => setTimeout(resolve, this.settings.pollIntervalMs));
      }
      // 'vanished': the holder failed and released the key between our insert and select; claim again at once.
    }
  }

  /** Deletes expired keys; returns how many (IdempotencyCleanupJob, every 15 minutes). */
  async purgeExpired(): Promise<number> {
    const result = await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(IdempotencyKey)
      .where('expires_at <= now()')
      .execute();
    return result.affected ?? 0;
  }

  private async runClaimed(
    request: IdempotentRequest,
    token: string,
    handler: () => Promise<IdempotentResponse>,
  ): Promise<IdempotentOutcome> {
    let response: IdempotentResponse;
    try {
      response = await handler();
    } catch (error) {
      await this.release(request, token);
      throw error;
    }
    // Stored and returned as the same plain JSON, so the first answer and every replay are byte-for-byte equal.
    const text = JSON.stringify(response.body ?? null);
    const body: unknown = JSON.parse(text);
    try {
      await this.dataSource
        .createQueryBuilder()
        .update(IdempotencyKey)
        .set({
          status: 'completed',
          responseStatus: response.status,
          responseBody: text,
          completedAt: () => 'now()',
          expiresAt: () => `now() + make_interval(secs => ${Math.round(this.settings.ttlMs / 1000)})`,
        })
        .where(...this.keyWhere(request))
        .andWhere('claim_token = :token', { token })
        .execute();
    } catch (error) {
      // The work is done; a retry takes over the stale claim and the upstream key makes the repeat harmless.
      this.logger.error(`Could not store the response for idempotency key ${request.key}: ${safeErrorMessage(error)}`);
    }
    return { status: response.status, body, replayed: false };
  }

  private async claim(request: IdempotentRequest): Promise<ClaimResult> {
    const where = this.keyWhere(request);
    await this.dataSource
      .createQueryBuilder()
      .delete()
      .from(IdempotencyKey)
      .where(...where)
      .andWhere('expires_at <= now()')
      .execute();
    const token = randomUUID();
    const inserted = await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(IdempotencyKey)
      .values({
        scope: request.scope,
        principal: request.principal,
        key: request.key,
        requestHash: request.fingerprint,
        status: 'in_progress',
        claimToken: token,
        lockedAt: () => 'now()',
        expiresAt: () => `now() + make_interval(secs => ${Math.round(this.settings.ttlMs / 1000)})`,
      })
      .orIgnore()
      .returning(['claim_token'])
      .execute();
    if (Array.isArray(inserted.raw) && inserted.raw.length > 0) return { kind: 'claimed', token };

    const row = await this.dataSource
      .getRepository(IdempotencyKey)
      .findOne({ where: { scope: request.scope, principal: request.principal, key: request.key } });
    if (!row) return { kind: 'vanished' };
    if (row.status === 'in_progress' && row.requestHash === request.fingerprint) {
      const takeover = await this.dataSource
        .createQueryBuilder()
        .update(IdempotencyKey)
        .set({ claimToken: token, lockedAt: () => 'now()' })
        .where(...where)
        .andWhere("status = 'in_progress' AND claim_token = :old", { old: row.claimToken })
        .andWhere(`locked_at < now() - make_interval(secs => ${Math.ceil(this.settings.staleClaimMs / 1000)})`)
        .execute();
      if ((takeover.affected ?? 0) > 0) {
        this.logger.warn(`Took over the stale claim on idempotency key ${request.key} (scope ${request.scope})`);
        return { kind: 'claimed', token };
      }
    }
    return { kind: 'held', row };
  }

  private async release(request: IdempotentRequest, token: string): Promise<void> {
    try {
      await this.dataSource
        .createQueryBuilder()
        .delete()
        .from(IdempotencyKey)
        .where(...this.keyWhere(request))
        .andWhere("claim_token = :token AND status = 'in_progress'", { token })
        .execute();
    } catch (error) {
      // The claim then goes stale and is taken over by the next retry.
      this.logger.error(`Could not release idempotency key ${request.key}: ${safeErrorMessage(error)}`);
    }
  }

  private keyWhere(request: IdempotentRequest): [string, Record<string, string>] {
    return [
      '"scope" = :scope AND "principal" = :principal AND "key" = :key',
      { scope: request.scope, principal: request.principal, key: request.key },
    ];
  }
}
