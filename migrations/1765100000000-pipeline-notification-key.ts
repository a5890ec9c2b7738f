import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The run's notification identity, written before the n8n workflow is triggered: a retry after a crash knows a
 * notification may already exist and looks for exactly this key instead of guessing from recent executions.
 */
export class PipelineNotificationKey1765100000000 implements MigrationInterface {
  name = 'PipelineNotificationKey1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "pipeline_runs"
        ADD COLUMN "notification_key" varchar(128),
        ADD COLUMN "notification_recorded_at" timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "pipeline_runs" DROP COLUMN "notification_recorded_at", DROP COLUMN "notification_key"`);
  }
}
