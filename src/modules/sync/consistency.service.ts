import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../../common/config/app-config.js';
import { safeErrorMessage } from '../../common/logging/safe-errors.js';
import { McpClientService } from '../../common/mcp/mcp-client.service.js';
import { dataHash, differingFields } from './record-hash.js';
import { type StreamFindings, overallScore, streamScore } from './consistency-score.js';
import { SyncConsistencyCheck, SyncStreamState } from './sync.entities.js';
import { SyncConsistencyChecked } from './sync.events.js';
import { SyncMetrics } from './sync.metrics.js';
import { STREAM_DEFINITIONS, SYNC_STREAMS, type SyncStreamName } from './sync.streams.js';
import { publish } from '../../common/events/publish.js';

export type IssueType =
  'missing_here' | 'missing_there' | 'field_mismatch' | 'stale' | 'orphan' | 'unchecked' | 'quarantined';

export interface IssueExample {
  id?: string;
  fields?: string[];
  detail?: string;
}

export interface ConsistencyIssue {
  type: IssueType;
  stream: SyncStreamName;
  count: number;
  description: string;
  examples: IssueExample[];
}

export interface StreamConsistency extends StreamFindings {
  stream: SyncStreamName;
  score: number;
  error?: string;
}

export interface ConsistencyReport {
  id: string;
  checkedAt: string;
  durationMs: number;
  score: number;
  mode: 'full' | 'sample';
  sampleSize: number;
  streams: StreamConsistency[];
  issues: ConsistencyIssue[];
  recommendations: string[];
}

const MAX_EXAMPLES = 10;

class IssueCollector {
  count = 0;
  readonly examples: IssueExample[] = [];
  add(example: IssueExample): void {
    this.count++;
    if (this.examples.length < MAX_EXAMPLES) this.examples.push(example);
  }
}

/** Orphan rules: local records pointing at something the local copy of another stream does not have. */
const ORPHAN_RULES: Array<{ stream: SyncStreamName; description: string; sql: string }> = [
  {
    stream: 'avinode_availability',
    description: 'availability records held by a booking unknown here',
    sql: `SELECT a."upstream_id" AS id, a."data"->>'bookingId' AS ref
            FROM "sync_avinode_availability" a
           WHERE a."deleted_at" IS NULL AND a."data"->>'bookingId' IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM "sync_avinode_booking" b
                              WHERE b."deleted_at" IS NULL AND b."data"->>'bookingId' = a."data"->>'bookingId')
           ORDER BY a."upstream_id"`,
  },
  {
    stream: 'avinode_bookings',
    description: 'charter requests made through this backend that the synced bookings do not contain',
    sql: `SELECT c."upstream_request_id" AS id, c."id"::text AS ref
            FROM "charter_request" c
           WHERE c."upstream_deleted_at" IS NULL
             AND NOT EXISTS (SELECT 1 FROM "sync_avinode_booking" b
                              WHERE b."upstream_id" = c."upstream_request_id" AND b."deleted_at" IS NULL)
           ORDER BY c."upstream_request_id"`,
  },
];

/**
 * Compares the local tables with the upstreams: walks each upstream feed (all of it, or a sample of
 * SYNC_CONSISTENCY_SAMPLE_SIZE records per stream), looks every record up locally, and reports records missing here,
 * missing there, differing, stale and orphaned, a score (consistency-score.ts), and what to do about it.
 */
@Injectable()
export class ConsistencyService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Consistency');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly mcp: McpClientService,
    private readonly config: AppConfig,
    private readonly events: EventEmitter2,
    private readonly metrics: SyncMetrics,
  ) {}

  /** The gauge shows the last stored score after a restart, not nothing. */
  async onApplicationBootstrap(): Promise<void> {
    const last = await this.latest();
    if (last) this.exportScore(last);
  }

  async latest(): Promise<ConsistencyReport | null> {
    const row = await this.dataSource
      .getRepository(SyncConsistencyCheck)
      .createQueryBuilder('c')
      .orderBy('c.checkedAt', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .limit(1)
      .getOne();
    return row ? this.toReport(row) : null;
  }

  async history(limit: number): Promise<Array<Pick<ConsistencyReport, 'id' | 'checkedAt' | 'score' | 'mode'>>> {
    const rows = await this.dataSource
      .getRepository(SyncConsistencyCheck)
      .createQueryBuilder('c')
      .select(['c.id', 'c.checkedAt', 'c.score', 'c.mode'])
      .orderBy('c.checkedAt', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .limit(limit)
      .getMany();
    return rows.map((row) => ({
      id: row.id,
      checkedAt: row.checkedAt.toISOString(),
      score: row.score,
      mode: row.mode,
    }));
  }

  async check(options: { sampleSize?: number; actor?: string | null } = {}): Promise<ConsistencyReport> {
    const started = performance.now();
    const sampleSize = options.sampleSize ?? this.config.sync.consistencySampleSize;
    const states = await this.dataSource.getRepository(SyncStreamState).find();
    const results = await Promise.all(
      SYNC_STREAMS.map((stream) =>
        this.checkStream(
          stream,
          sampleSize,
          states.find((state) => state.stream === stream),
        ),
      ),
    );
    const issues: ConsistencyIssue[] = results.flatMap((result) => result.issues);
    for (const rule of ORPHAN_RULES) {
      const findings = results.find((result) => result.findings.stream === rule.stream)?.findings;
      const rows = await this.dataSource.query<Array<{ id: string; ref: string | null }>>(rule.sql);
      if (!findings || rows.length === 0) continue;
      findings.orphans += rows.length;
      findings.compared = Math.max(findings.compared, rows.length);
      issues.push({
        type: 'orphan',
        stream: rule.stream,
        count: rows.length,
        description: rule.description,
        examples: rows.slice(0, MAX_EXAMPLES).map((row) => ({ id: row.id, detail: `references ${row.ref ?? '?'}` })),
      });
    }
    const streams = results.map((result) => ({ ...result.findings, score: streamScore(result.findings) }));
    const score = overallScore(streams);
    const durationMs = Math.round(performance.now() - started);
    const mode: 'full' | 'sample' = sampleSize > 0 ? 'sample' : 'full';
    const recommendations = recommend(streams, issues);
    const saved = await this.dataSource.getRepository(SyncConsistencyCheck).save(
      this.dataSource.getRepository(SyncConsistencyCheck).create({
        durationMs,
        score,
        mode,
        sampleSize,
        streams,
        issues,
        recommendations,
      }),
    );
    const report = this.toReport(saved);
    this.exportScore(report);
    const issueCounts: Record<string, number> = {};
    for (const issue of issues) issueCounts[issue.type] = (issueCounts[issue.type] ?? 0) + issue.count;
    publish(
      this.events,
      new SyncConsistencyChecked({ id: report.id, score, issues: issueCounts, actor: options.actor ?? null }),
    );
    this.logger.log(`Consistency score ${score} (${issues.length} issue kinds) in ${durationMs} ms`);
    return report;
  }

  private exportScore(report: ConsistencyReport): void {
    this.metrics.consistency.set({ stream: 'all' }, report.score);
    for (const stream of report.streams) this.metrics.consistency.set({ stream: stream.stream }, stream.score);
  }

  private toReport(row: SyncConsistencyCheck): ConsistencyReport {
    return {
      id: row.id,
      checkedAt: row.checkedAt.toISOString(),
      durationMs: row.durationMs,
      score: row.score,
      mode: row.mode,
      sampleSize: row.sampleSize,
      streams: row.streams as StreamConsistency[],
      issues: row.issues as ConsistencyIssue[],
      recommendations: row.recommendations,
    };
  }

  private async checkStream(
    stream: SyncStreamName,
    sampleSize: number,
    state: SyncStreamState | undefined,
  ): Promise<{ findings: StreamFindings & { stream: SyncStreamName; error?: string }; issues: ConsistencyIssue[] }> {
    const definition = STREAM_DEFINITIONS[stream];
    const table = definition.table;
    const findings: StreamFindings & { stream: SyncStreamName; error?: string } = {
      stream,
      checked: true,
      compared: 0,
      missingHere: 0,
      missingThere: 0,
      fieldMismatch: 0,
      orphans: 0,
      stale: 0,
    };
    const missingHere = new IssueCollector();
    const missingThere = new IssueCollector();
    const mismatch = new IssueCollector();
    const seen = new Set<string>();
    const mismatched: Array<{ id: string; upstream: Record<string, unknown> }> = [];
    // Records set aside because they cannot be stored are their own discrepancy, not "missing here": a sync cannot
    // bring them in until the upstream record changes.
    const setAside = await this.dataSource.query<Array<{ id: string; field: string; reason: string }>>(
      `SELECT "upstream_id" AS id, "field", "reason" FROM "sync_quarantine" WHERE "stream" = $1 ORDER BY "upstream_id"`,
      [stream],
    );
    const quarantinedIds = new Set(setAside.map((row) => row.id));
    let sampled = false;
    try {
      const pages = definition.pages(
        this.mcp,
        'full',
        { cursor: null, updatedSince: null, extra: {} },
        { pageSize: this.config.sync.pageSize, signal: AbortSignal.timeout(10 * 60_000) },
      );
      for await (const page of pages) {
        const ids = page.records.map((record) => record.id);
        const rows = await this.dataSource.query<Array<{ id: string; hash: string; deleted: boolean }>>(
          `SELECT "upstream_id" AS id, "data_hash" AS hash, ("deleted_at" IS NOT NULL) AS deleted
             FROM "${table}" WHERE "upstream_id" = ANY($1::text[])`,
          [ids],
        );
        const local = new Map(rows.map((row) => [row.id, row]));
        for (const record of page.records) {
          if (sampleSize > 0 && findings.compared >= sampleSize) {
            sampled = true;
            break;
          }
          seen.add(record.id);
          const row = local.get(record.id);
          const upstreamLive = record.deletedAt === null;
          const localLive = row !== undefined && !row.deleted;
          if (!upstreamLive && !localLive) continue;
          if (quarantinedIds.has(record.id)) continue;
          findings.compared++;
          if (upstreamLive && !localLive) missingHere.add({ id: record.id });
          else if (!upstreamLive && localLive) missingThere.add({ id: record.id, detail: 'deleted upstream' });
          else if (row && row.hash !== dataHash(record.data)) {
            mismatch.add({ id: record.id });
            if (mismatched.length < MAX_EXAMPLES) mismatched.push({ id: record.id, upstream: record.data });
          }
        }
        if (sampled) break;
      }
      if (!sampled) {
        // Local records the whole upstream walk did not return.
        let after = '';
        for (;;) {
          const rows = await this.dataSource.query<Array<{ id: string }>>(
            `SELECT "upstream_id" AS id FROM "${table}" WHERE "deleted_at" IS NULL AND "upstream_id" > $1
              ORDER BY "upstream_id" LIMIT 5000`,
            [after],
          );
          for (const row of rows) {
            if (seen.has(row.id)) continue;
            findings.compared++;
            missingThere.add({ id: row.id, detail: 'not returned by the upstream' });
          }
          if (rows.length < 5000) break;
          after = rows[rows.length - 1]!.id;
        }
      }
      // Name the fields that differ for the examples.
      if (mismatched.length > 0) {
        const rows = await this.dataSource.query<Array<{ id: string; data: Record<string, unknown> }>>(
          `SELECT "upstream_id" AS id, "data" FROM "${table}" WHERE "upstream_id" = ANY($1::text[])`,
          [mismatched.map((m) => m.id)],
        );
        for (const example of mismatch.examples) {
          const upstream = mismatched.find((m) => m.id === example.id)?.upstream;
          const localData = rows.find((row) => row.id === example.id)?.data;
          if (upstream && localData) example.fields = differingFields(upstream, localData);
        }
      }
    } catch (error) {
      findings.checked = false;
      // Stored and shown on the consistency page: a database error's quoted values are masked as in the logs.
      findings.error = safeErrorMessage(error);
      this.logger.warn(`Consistency check of ${findings.stream} could not compare: ${findings.error}`);
    }
    findings.missingHere = missingHere.count;
    findings.missingThere = missingThere.count;
    findings.fieldMismatch = mismatch.count;

    const staleAfterMs = this.config.sync.staleAfterSeconds * 1000;
    const lastSuccess = state?.lastSuccessAt ?? null;
    let staleDetail: string | undefined;
    if (lastSuccess === null || Date.now() - lastSuccess.getTime() > staleAfterMs) {
      const rows = await this.dataSource.query<Array<{ n: number }>>(
        `SELECT count(*)::int AS n FROM "${table}" WHERE "deleted_at" IS NULL`,
      );
      findings.stale = rows[0]?.n ?? 0;
      staleDetail = lastSuccess ? `last successful sync ${lastSuccess.toISOString()}` : 'never synced successfully';
    }

    const issues: ConsistencyIssue[] = [];
    const push = (type: IssueType, collector: IssueCollector, description: string): void => {
      if (collector.count > 0)
        issues.push({ type, stream, count: collector.count, description, examples: collector.examples });
    };
    if (!findings.checked) {
      issues.push({
        type: 'unchecked',
        stream,
        count: 1,
        description: 'the upstream could not be read, so the stream could not be compared',
        examples: [{ detail: findings.error ?? 'unknown error' }],
      });
    }
    push('missing_here', missingHere, 'records the upstream has that are missing (or marked deleted) here');
    if (setAside.length > 0) {
      issues.push({
        type: 'quarantined',
        stream,
        count: setAside.length,
        description: 'upstream records that cannot be stored here (set aside with the reason; retried by every sync)',
        examples: setAside
          .slice(0, MAX_EXAMPLES)
          .map((row) => ({ id: row.id, fields: [row.field], detail: row.reason })),
      });
    }
    push('missing_there', missingThere, 'records live here that the upstream deleted or no longer returns');
    push('field_mismatch', mismatch, 'records whose data differs from the upstream');
    if (findings.stale > 0) {
      issues.push({
        type: 'stale',
        stream,
        count: findings.stale,
        description: `local records of a stream not synced within ${this.config.sync.staleAfterSeconds} s`,
        examples: [{ detail: staleDetail ?? '' }],
      });
    }
    return { findings, issues };
  }
}

function recommend(streams: readonly StreamConsistency[], issues: readonly ConsistencyIssue[]): string[] {
  const out: string[] = [];
  const fullSync = (stream: string): string =>
    `POST /api/integration/sync {"action":"full_sync","streams":["${stream}"]}`;
  for (const issue of issues) {
    switch (issue.type) {
      case 'unchecked':
        out.push(
          `${issue.stream}: the upstream could not be read (${issue.examples[0]?.detail ?? ''}); check GET /api/integration/status and retry the check.`,
        );
        break;
      case 'quarantined': {
        const example = issue.examples[0];
        out.push(
          `${issue.stream}: ${issue.count} upstream records cannot be stored (e.g. ${example?.id ?? '?'}: ${example?.detail ?? ''}); a sync cannot fix this — correct the record upstream, and the next sync that sees it stores it.`,
        );
        break;
      }
      case 'missing_here':
        out.push(
          `${issue.stream}: ${issue.count} upstream records are missing here; run a sync: ${fullSync(issue.stream)}.`,
        );
        break;
      case 'missing_there':
        out.push(
          `${issue.stream}: ${issue.count} local records are gone upstream; a completed full sync marks them deleted: ${fullSync(issue.stream)}.`,
        );
        break;
      case 'field_mismatch': {
        const example = issue.examples[0];
        const named = example?.id
          ? ` (e.g. ${example.id}${example.fields?.length ? `: ${example.fields.join(', ')}` : ''})`
          : '';
        out.push(
          `${issue.stream}: ${issue.count} records differ from the upstream${named}; run a sync, and if they keep drifting between runs check webhook delivery for this upstream.`,
        );
        break;
      }
      case 'stale':
        out.push(
          `${issue.stream}: not synced successfully recently (${issue.examples[0]?.detail ?? ''}); see lastError in GET /api/integration/sync?action=status, or start the schedule: POST /api/integration/sync {"action":"start"}.`,
        );
        break;
      case 'orphan':
        out.push(
          `${issue.stream}: ${issue.count} ${issue.description}; sync the stream they reference (avinode_bookings).`,
        );
        break;
    }
  }
  if (out.length === 0 && streams.length > 0) out.push('Local data agrees with every upstream: no action needed.');
  return out;
}
