import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Avinode's broker flow: a run's trip, deep link and quote deadline, its sellers' quotes, and the waiting status. */
export class AvinodeTripFlow1765900000000 implements MigrationInterface {
  name = 'AvinodeTripFlow1765900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "pipeline_runs" DROP CONSTRAINT "ck_pipeline_runs_status"`);
    await queryRunner.query(
      `ALTER TABLE "pipeline_runs" ADD CONSTRAINT "ck_pipeline_runs_status" CHECK ("status" IN ('queued', 'enriching',
        'searching', 'pricing', 'requesting', 'notifying', 'awaiting_quotes', 'awaiting_confirmation', 'booked',
        'cancelled', 'failed', 'dead_lettered'))`,
    );
    await queryRunner.query(`ALTER TABLE "pipeline_runs"
      ADD COLUMN "quote_path" varchar(16),
      ADD COLUMN "avinode_trip_id" varchar(64),
      ADD COLUMN "avinode_deep_link" text,
      ADD COLUMN "quotes_due_at" timestamptz,
      ADD COLUMN "trip_closed_at" timestamptz`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_pipeline_runs_avinode_trip" ON "pipeline_runs" ("avinode_trip_id") WHERE "avinode_trip_id" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE TABLE "pipeline_trip_quotes" (
      "run_id" uuid NOT NULL,
      "rfq_id" varchar(64) NOT NULL,
      "status" varchar(16) NOT NULL,
      "quote_id" varchar(64),
      "total_cents" bigint,
      "rfq" jsonb NOT NULL,
      "first_seen_at" timestamptz NOT NULL DEFAULT now(),
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "PK_pipeline_trip_quotes" PRIMARY KEY ("run_id", "rfq_id"),
      CONSTRAINT "fk_pipeline_trip_quotes_run" FOREIGN KEY ("run_id") REFERENCES "pipeline_runs"("id") ON DELETE CASCADE
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "pipeline_trip_quotes"`);
    await queryRunner.query(`DROP INDEX "uq_pipeline_runs_avinode_trip"`);
    await queryRunner.query(`ALTER TABLE "pipeline_runs" DROP COLUMN "quote_path", DROP COLUMN "avinode_trip_id",
      DROP COLUMN "avinode_deep_link", DROP COLUMN "quotes_due_at", DROP COLUMN "trip_closed_at"`);
    await queryRunner.query(`ALTER TABLE "pipeline_runs" DROP CONSTRAINT "ck_pipeline_runs_status"`);
    await queryRunner.query(
      `ALTER TABLE "pipeline_runs" ADD CONSTRAINT "ck_pipeline_runs_status" CHECK ("status" IN ('queued', 'enriching',
        'searching', 'pricing', 'requesting', 'notifying', 'awaiting_confirmation', 'booked', 'cancelled', 'failed',
        'dead_lettered'))`,
    );
  }
}
