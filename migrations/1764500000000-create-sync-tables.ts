import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One local table per synced stream; the same shape for each (see src/modules/sync/sync-record.entity.ts). */
const RECORD_TABLES = [
  'sync_apollo_contact',
  'sync_avinode_availability',
  'sync_avinode_booking',
  'sync_n8n_execution',
];

export class CreateSyncTables1764500000000 implements MigrationInterface {
  name = 'CreateSyncTables1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of RECORD_TABLES) {
      await queryRunner.query(`
        CREATE TABLE "${table}" (
          "upstream_id" varchar(128) NOT NULL,
          "data" jsonb NOT NULL,
          "data_hash" char(64) NOT NULL,
          "upstream_updated_at" timestamptz,
          "first_seen_at" timestamptz NOT NULL DEFAULT now(),
          "last_seen_at" timestamptz NOT NULL DEFAULT now(),
          "last_changed_at" timestamptz NOT NULL DEFAULT now(),
          "deleted_at" timestamptz,
          CONSTRAINT "pk_${table}" PRIMARY KEY ("upstream_id")
        )`);
    }
    // Lookups of the consistency check's orphan rules and of the n8n re-check of unfinished executions.
    await queryRunner.query(
      `CREATE INDEX "idx_sync_apollo_contact_email" ON "sync_apollo_contact" (lower("data"->>'email')) WHERE "deleted_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_sync_avinode_booking_booking_id" ON "sync_avinode_booking" (("data"->>'bookingId'))`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_sync_n8n_execution_unfinished" ON "sync_n8n_execution" ("upstream_id") WHERE ("data"->>'finished') = 'false' AND "deleted_at" IS NULL`,
    );

    await queryRunner.query(`
      CREATE TABLE "sync_stream_state" (
        "stream" varchar(64) NOT NULL,
        "cursor" text,
        "updated_since" timestamptz,
        "extra" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "schedule_enabled" boolean NOT NULL DEFAULT true,
        "interval_seconds" integer,
        "schedule_anchor_at" timestamptz NOT NULL DEFAULT now(),
        "last_run_id" uuid,
        "last_started_at" timestamptz,
        "last_finished_at" timestamptz,
        "last_success_at" timestamptz,
        "last_full_sync_at" timestamptz,
        "last_error_at" timestamptz,
        "last_error" text,
        "last_counts" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_sync_stream_state" PRIMARY KEY ("stream"),
        CONSTRAINT "ck_sync_stream_state_interval" CHECK ("interval_seconds" IS NULL OR "interval_seconds" >= 10)
      )`);

    await queryRunner.query(`
      CREATE TABLE "sync_run" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "streams" varchar(64)[] NOT NULL,
        "trigger" varchar(16) NOT NULL,
        "kind" varchar(16) NOT NULL,
        "started_at" timestamptz NOT NULL DEFAULT now(),
        "finished_at" timestamptz,
        "duration_ms" integer,
        "inserted" integer NOT NULL DEFAULT 0,
        "changed" integer NOT NULL DEFAULT 0,
        "unchanged" integer NOT NULL DEFAULT 0,
        "deleted" integer NOT NULL DEFAULT 0,
        "outcome" varchar(16) NOT NULL DEFAULT 'running',
        "error" text,
        "stream_results" jsonb NOT NULL DEFAULT '{}'::jsonb,
        CONSTRAINT "pk_sync_run" PRIMARY KEY ("id"),
        CONSTRAINT "ck_sync_run_trigger" CHECK ("trigger" IN ('cron', 'manual', 'webhook')),
        CONSTRAINT "ck_sync_run_kind" CHECK ("kind" IN ('incremental', 'full')),
        CONSTRAINT "ck_sync_run_outcome" CHECK ("outcome" IN ('running', 'success', 'partial', 'failure', 'interrupted'))
      )`);
    await queryRunner.query(`CREATE INDEX "idx_sync_run_started" ON "sync_run" ("started_at", "id")`);
    await queryRunner.query(
      `CREATE INDEX "idx_sync_run_running" ON "sync_run" ("outcome") WHERE "outcome" = 'running'`,
    );

    await queryRunner.query(`
      CREATE TABLE "sync_consistency_check" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "checked_at" timestamptz NOT NULL DEFAULT now(),
        "duration_ms" integer NOT NULL,
        "score" double precision NOT NULL,
        "mode" varchar(8) NOT NULL,
        "sample_size" integer NOT NULL,
        "streams" jsonb NOT NULL,
        "issues" jsonb NOT NULL,
        "recommendations" jsonb NOT NULL,
        CONSTRAINT "pk_sync_consistency_check" PRIMARY KEY ("id"),
        CONSTRAINT "ck_sync_consistency_check_score" CHECK ("score" >= 0 AND "score" <= 100)
      )`);
    await queryRunner.query(
      `CREATE INDEX "idx_sync_consistency_check_time" ON "sync_consistency_check" ("checked_at", "id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sync_consistency_check"`);
    await queryRunner.query(`DROP TABLE "sync_run"`);
    await queryRunner.query(`DROP TABLE "sync_stream_state"`);
    for (const table of [...RECORD_TABLES].reverse()) await queryRunner.query(`DROP TABLE "${table}"`);
  }
}
