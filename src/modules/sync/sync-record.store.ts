import type { EntityManager } from 'typeorm';
import { bodyProblems, unstorableReason } from '../../common/http/input-rules.js';
import { dataHash } from './record-hash.js';
import type { SyncCounts } from './sync.entities.js';
import type { UpstreamRecord } from './sync.streams.js';

export interface PreparedRecord {
  id: string;
  data: Record<string, unknown>;
  hash: string;
  updated_at: string | null;
  deleted_at: string | null;
}

export interface QuarantinedRecord {
  id: string;
  field: string;
  reason: string;
}

/**
 * Splits what PostgreSQL can store from what it cannot (U+0000, lone surrogates — the same rule as the HTTP edge's),
 * so one such record is set aside with its reason instead of failing its whole page, and its stream, forever.
 */
export function splitStorable(records: readonly UpstreamRecord[]): {
  storable: UpstreamRecord[];
  quarantined: QuarantinedRecord[];
} {
  const storable: UpstreamRecord[] = [];
  const quarantined: QuarantinedRecord[] = [];
  for (const record of records) {
    const idReason = unstorableReason(record.id);
    const problem = idReason ? { field: 'id', message: `id ${idReason}` } : bodyProblems(record.data, 1)[0];
    if (problem) {
      // The id goes into a text column too: make it storable (and recognisable) if it is the culprit.
      const id = idReason ? JSON.stringify(record.id).slice(1, -1) : record.id;
      quarantined.push({ id, field: problem.field === '(body)' ? '(record)' : problem.field, reason: problem.message });
    } else storable.push(record);
  }
  return { storable, quarantined };
}

/** Sets the records aside (or refreshes their entry), and releases those of `storedIds` that were set aside before. */
export async function updateQuarantine(
  manager: EntityManager,
  stream: string,
  quarantined: readonly QuarantinedRecord[],
  storedIds: readonly string[],
  seenAt: Date,
): Promise<void> {
  if (quarantined.length > 0) {
    await manager.query(
      `INSERT INTO "sync_quarantine" ("stream", "upstream_id", "field", "reason", "first_seen_at", "last_seen_at")
       SELECT $1, q.id, q.field, q.reason, $3, $3 FROM jsonb_to_recordset($2::jsonb) AS q(id text, field text, reason text)
       ON CONFLICT ("stream", "upstream_id") DO UPDATE
         SET "field" = excluded."field", "reason" = excluded."reason", "last_seen_at" = excluded."last_seen_at"`,
      [stream, JSON.stringify(quarantined), seenAt],
    );
  }
  if (storedIds.length > 0) {
    await manager.query(`DELETE FROM "sync_quarantine" WHERE "stream" = $1 AND "upstream_id" = ANY($2::text[])`, [
      stream,
      storedIds,
    ]);
  }
}

/** Hashes outside the transaction, and keeps the last version of an id that appears twice (one upsert per row). */
export function prepareRecords(records: readonly UpstreamRecord[]): PreparedRecord[] {
  const byId = new Map<string, PreparedRecord>();
  for (const record of records) {
    byId.set(record.id, {
      id: record.id,
      data: record.data,
      hash: dataHash(record.data),
      updated_at: record.updatedAt,
      deleted_at: record.deletedAt,
    });
  }
  return [...byId.values()];
}

export interface PageCounts extends SyncCounts {
  deletedIds: string[];
  /** Ids inserted or changed by this page (not deleted ones). */
  writtenIds: string[];
}

/**
 * Writes one page: inserts new ids, updates rows whose hash (or deleted state) differs, leaves the rest alone but
 * marks them seen. `xmax = 0` tells an inserted row from an updated one; rows not returned were unchanged.
 * An older upstream version never overwrites a newer one.
 */
export async function applyPage(
  manager: EntityManager,
  table: string,
  records: readonly PreparedRecord[],
  seenAt: Date,
): Promise<PageCounts> {
  const counts: PageCounts = { inserted: 0, changed: 0, unchanged: 0, deleted: 0, deletedIds: [], writtenIds: [] };
  if (records.length === 0) return counts;
  const rows = await manager.query<Array<{ id: string; inserted: boolean; deleted: boolean }>>(
    `INSERT INTO "${table}" AS r
       ("upstream_id", "data", "data_hash", "upstream_updated_at", "deleted_at", "first_seen_at", "last_seen_at", "last_changed_at")
     SELECT u.id, u.data, u.hash, u.updated_at, u.deleted_at, $2, $2, $2
       FROM jsonb_to_recordset($1::jsonb) AS u(id text, data jsonb, hash text, updated_at timestamptz, deleted_at timestamptz)
     ON CONFLICT ("upstream_id") DO UPDATE SET
       "data" = excluded."data",
       "data_hash" = excluded."data_hash",
       "upstream_updated_at" = excluded."upstream_updated_at",
       "deleted_at" = CASE WHEN excluded."deleted_at" IS NULL THEN NULL ELSE COALESCE(r."deleted_at", excluded."deleted_at") END,
       "last_seen_at" = excluded."last_seen_at",
       "last_changed_at" = excluded."last_changed_at"
     WHERE (r."data_hash" <> excluded."data_hash" OR (r."deleted_at" IS NULL) <> (excluded."deleted_at" IS NULL))
       AND (r."upstream_updated_at" IS NULL OR excluded."upstream_updated_at" IS NULL
            OR excluded."upstream_updated_at" >= r."upstream_updated_at")
     RETURNING "upstream_id" AS id, (xmax = 0) AS inserted, ("deleted_at" IS NOT NULL) AS deleted`,
    [JSON.stringify(records), seenAt],
  );
  for (const row of rows) {
    if (row.deleted) {
      counts.deleted++;
      counts.deletedIds.push(row.id);
    } else {
      if (row.inserted) counts.inserted++;
      else counts.changed++;
      counts.writtenIds.push(row.id);
    }
  }
  counts.unchanged = records.length - rows.length;
  if (counts.unchanged > 0) {
    await manager.query(
      `UPDATE "${table}" SET "last_seen_at" = $2 WHERE "upstream_id" = ANY($1::text[]) AND "last_seen_at" < $2`,
      [records.map((record) => record.id), seenAt],
    );
  }
  return counts;
}

/** Marks deleted every live row a completed full walk did not see (last seen before the walk started). */
export async function sweepUnseen(
  manager: EntityManager,
  table: string,
  walkStartedAt: Date,
  at: Date,
): Promise<{ count: number; examples: string[] }> {
  const rows = await manager.query<Array<{ count: number; examples: string[] | null }>>(
    `WITH gone AS (
       UPDATE "${table}" SET "deleted_at" = $2, "last_changed_at" = $2
        WHERE "deleted_at" IS NULL AND "last_seen_at" < $1
        RETURNING "upstream_id")
     SELECT count(*)::int AS count, (array_agg("upstream_id" ORDER BY "upstream_id"))[1:10] AS examples FROM gone`,
    [walkStartedAt, at],
  );
  return { count: rows[0]?.count ?? 0, examples: rows[0]?.examples ?? [] };
}

/** Marks the given ids deleted (the upstream said it no longer knows them). */
export async function markGone(
  manager: EntityManager,
  table: string,
  ids: readonly string[],
  at: Date,
): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await manager.query<unknown[]>(
    `UPDATE "${table}" SET "deleted_at" = $2, "last_changed_at" = $2
      WHERE "upstream_id" = ANY($1::text[]) AND "deleted_at" IS NULL RETURNING "upstream_id"`,
    [ids, at],
  );
  return Array.isArray(rows[0]) ? (rows[0] as unknown[]).length : rows.length;
}
