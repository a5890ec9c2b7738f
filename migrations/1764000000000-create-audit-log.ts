import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAuditLog1764000000000 implements MigrationInterface {
  name = 'CreateAuditLog1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "audit_log" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "occurred_at" timestamptz NOT NULL DEFAULT now(),
        "source" varchar(64) NOT NULL,
        "type" varchar(128) NOT NULL,
        "subject" varchar(256),
        "correlation_id" varchar(128),
        "outcome" varchar(16) NOT NULL,
        "details" jsonb NOT NULL DEFAULT '{}'::jsonb,
        CONSTRAINT "pk_audit_log" PRIMARY KEY ("id"),
        CONSTRAINT "ck_audit_log_outcome" CHECK ("outcome" IN ('success', 'failure', 'info'))
      )`);
    // An audit page lists by time (newest first, cursor on time+id) and filters by source, type, subject or correlation id.
    await queryRunner.query(`CREATE INDEX "idx_audit_log_time" ON "audit_log" ("occurred_at", "id")`);
    await queryRunner.query(`CREATE INDEX "idx_audit_log_source_time" ON "audit_log" ("source", "occurred_at")`);
    await queryRunner.query(`CREATE INDEX "idx_audit_log_type_time" ON "audit_log" ("type", "occurred_at")`);
    await queryRunner.query(
      `CREATE INDEX "idx_audit_log_subject_time" ON "audit_log" ("subject", "occurred_at") WHERE "subject" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_audit_log_correlation" ON "audit_log" ("correlation_id") WHERE "correlation_id" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_log"`);
  }
}
