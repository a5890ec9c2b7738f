import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How the run's notification ended: the notify step records `sent` once n8n accepted it (the execution id is known);
 * n8n's `workflow_completed` / `workflow_failed` webhook later records `succeeded` or `failed`, found by execution id.
 */
export class PipelineNotificationOutcome1766100000000 implements MigrationInterface {
  name = 'PipelineNotificationOutcome1766100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "pipeline_runs"
        ADD COLUMN "notification_status" varchar(16),
        ADD COLUMN "notification_error" text,
        ADD CONSTRAINT "ck_pipeline_runs_notification_status"
          CHECK ("notification_status" IN ('sent', 'succeeded', 'failed'))`);
    await queryRunner.query(
      `CREATE INDEX "idx_pipeline_runs_n8n_execution" ON "pipeline_runs" ("n8n_execution_id") WHERE "n8n_execution_id" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_pipeline_runs_n8n_execution"`);
    await queryRunner.query(`
      ALTER TABLE "pipeline_runs" DROP CONSTRAINT "ck_pipeline_runs_notification_status",
        DROP COLUMN "notification_error", DROP COLUMN "notification_status"`);
  }
}
