import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two indexes the queries needed: every booking outcome looks a run up by `booking_id`, and the audit page's type
 * prefix search (`type=sync.*` → `LIKE 'sync.%'`) can use a btree only with pattern operators outside the C collation.
 */
export class IndexBookingAndAuditTypePrefix1765500000000 implements MigrationInterface {
  name = 'IndexBookingAndAuditTypePrefix1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "idx_pipeline_runs_booking" ON "pipeline_runs" ("booking_id") WHERE "booking_id" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_audit_log_type_prefix" ON "audit_log" ("type" text_pattern_ops, "occurred_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_audit_log_type_prefix"`);
    await queryRunner.query(`DROP INDEX "idx_pipeline_runs_booking"`);
  }
}
