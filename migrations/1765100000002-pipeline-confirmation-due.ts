import type { MigrationInterface, QueryRunner } from 'typeorm';

/** When a run awaiting confirmation gives up: the quote's validity, bounded by the configured timeout. */
export class PipelineConfirmationDue1765100000002 implements MigrationInterface {
  name = 'PipelineConfirmationDue1765100000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "pipeline_runs" ADD COLUMN "confirmation_due_at" timestamptz`);
    await queryRunner.query(
      `CREATE INDEX "idx_pipeline_runs_awaiting_due" ON "pipeline_runs" ("confirmation_due_at")
       WHERE "status" = 'awaiting_confirmation'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "idx_pipeline_runs_awaiting_due"`);
    await queryRunner.query(`ALTER TABLE "pipeline_runs" DROP COLUMN "confirmation_due_at"`);
  }
}
