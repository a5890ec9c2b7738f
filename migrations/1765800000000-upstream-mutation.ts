import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Intents of upstream mutations, written before the upstream call (no half-writes, see UpstreamMutationsService). */
export class UpstreamMutation1765800000000 implements MigrationInterface {
  name = 'UpstreamMutation1765800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "upstream_mutation" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "upstream" varchar(16) NOT NULL,
        "operation" varchar(64) NOT NULL,
        "idempotency_key" varchar(200) NOT NULL,
        "subject" varchar(256),
        "request_summary" jsonb NOT NULL DEFAULT '{}',
        "status" varchar(16) NOT NULL DEFAULT 'pending',
        "result_ref" varchar(256),
        "upstream_answered_at" timestamptz,
        "error" text,
        "attempts" integer NOT NULL DEFAULT 1,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "completed_at" timestamptz,
        CONSTRAINT "pk_upstream_mutation" PRIMARY KEY ("id"),
        CONSTRAINT "ck_upstream_mutation_status" CHECK ("status" IN ('pending', 'completed', 'failed', 'reconciled'))
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_upstream_mutation_key" ON "upstream_mutation" ("upstream", "operation", "idempotency_key")`,
    );
    // The reconcile job reads pending intents by age.
    await queryRunner.query(
      `CREATE INDEX "idx_upstream_mutation_status_updated" ON "upstream_mutation" ("status", "updated_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "upstream_mutation"`);
  }
}
