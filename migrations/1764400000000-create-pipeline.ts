import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreatePipeline1764400000000 implements MigrationInterface {
  name = 'CreatePipeline1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "pipeline_batches" (
        "id" uuid NOT NULL,
        "status" varchar(16) NOT NULL,
        "search_criteria" jsonb NOT NULL,
        "flight_template" jsonb NOT NULL,
        "batch_size" int NOT NULL,
        "max_leads" int NOT NULL,
        "leads" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "total" int,
        "next_index" int NOT NULL DEFAULT 0,
        "error" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_pipeline_batches" PRIMARY KEY ("id"),
        CONSTRAINT "ck_pipeline_batches_status" CHECK ("status" IN ('searching', 'starting', 'started', 'failed'))
      )`);
    await queryRunner.query(`CREATE INDEX "idx_pipeline_batches_created" ON "pipeline_batches" ("created_at", "id")`);

    await queryRunner.query(`
      CREATE TABLE "pipeline_runs" (
        "id" uuid NOT NULL,
        "status" varchar(32) NOT NULL,
        "generation" int NOT NULL DEFAULT 1,
        "failed_step" varchar(16),
        "failure_reason" varchar(32),
        "failure_message" text,
        "request_created" boolean NOT NULL DEFAULT false,
        "pending_outcome" varchar(16),
        "source" varchar(16) NOT NULL,
        "batch_id" uuid,
        "batch_index" int,
        "lead_input" jsonb NOT NULL,
        "lead" jsonb NOT NULL,
        "flight" jsonb NOT NULL,
        "dedupe_key" varchar(128) NOT NULL,
        "idempotency_key" varchar(200),
        "request_hash" varchar(64) NOT NULL,
        "candidates" jsonb,
        "choice" jsonb,
        "charter_request_id" varchar(64),
        "booking_id" varchar(64),
        "n8n_execution_id" varchar(64),
        "cancel_reason" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "finished_at" timestamptz,
        CONSTRAINT "pk_pipeline_runs" PRIMARY KEY ("id"),
        CONSTRAINT "fk_pipeline_runs_batch" FOREIGN KEY ("batch_id") REFERENCES "pipeline_batches" ("id") ON DELETE SET NULL,
        CONSTRAINT "ck_pipeline_runs_status" CHECK ("status" IN ('enriching', 'searching', 'pricing', 'requesting',
          'notifying', 'awaiting_confirmation', 'booked', 'cancelled', 'failed', 'dead_lettered'))
      )`);
    // One open run per lead and trip: concurrent identical submissions find the same run instead of creating another.
    await queryRunner.query(`
      CREATE UNIQUE INDEX "uq_pipeline_runs_open_dedupe" ON "pipeline_runs" ("dedupe_key")
      WHERE "status" NOT IN ('cancelled', 'failed', 'dead_lettered')`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_pipeline_runs_idempotency_key" ON "pipeline_runs" ("idempotency_key") WHERE "idempotency_key" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_pipeline_runs_charter_request" ON "pipeline_runs" ("charter_request_id") WHERE "charter_request_id" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_pipeline_runs_batch_index" ON "pipeline_runs" ("batch_id", "batch_index") WHERE "batch_id" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX "idx_pipeline_runs_created" ON "pipeline_runs" ("created_at", "id")`);
    await queryRunner.query(
      `CREATE INDEX "idx_pipeline_runs_status_created" ON "pipeline_runs" ("status", "created_at", "id")`,
    );

    await queryRunner.query(`
      CREATE TABLE "pipeline_steps" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "run_id" uuid NOT NULL,
        "step" varchar(16) NOT NULL,
        "status" varchar(16) NOT NULL,
        "attempts" int NOT NULL DEFAULT 0,
        "input" jsonb,
        "output" jsonb,
        "errors" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "started_at" timestamptz,
        "finished_at" timestamptz,
        "duration_ms" int,
        CONSTRAINT "pk_pipeline_steps" PRIMARY KEY ("id"),
        CONSTRAINT "fk_pipeline_steps_run" FOREIGN KEY ("run_id") REFERENCES "pipeline_runs" ("id") ON DELETE CASCADE
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_pipeline_steps_run_step" ON "pipeline_steps" ("run_id", "step")`);

    await queryRunner.query(`
      CREATE TABLE "pipeline_booking_outcomes" (
        "charter_request_id" varchar(64) NOT NULL,
        "outcome" varchar(16) NOT NULL,
        "booking_id" varchar(64),
        "source" varchar(64) NOT NULL,
        "received_at" timestamptz NOT NULL DEFAULT now(),
        "applied_run_id" uuid,
        CONSTRAINT "pk_pipeline_booking_outcomes" PRIMARY KEY ("charter_request_id", "outcome"),
        CONSTRAINT "ck_pipeline_booking_outcomes_outcome" CHECK ("outcome" IN ('confirmed', 'cancelled'))
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "pipeline_booking_outcomes"`);
    await queryRunner.query(`DROP TABLE "pipeline_steps"`);
    await queryRunner.query(`DROP TABLE "pipeline_runs"`);
    await queryRunner.query(`DROP TABLE "pipeline_batches"`);
  }
}
