import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Runs over the cap on runs in flight wait as `queued` (and are admitted oldest first). */
export class PipelineQueuedRuns1765100000001 implements MigrationInterface {
  name = 'PipelineQueuedRuns1765100000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "pipeline_runs" DROP CONSTRAINT "ck_pipeline_runs_status"`);
    await queryRunner.query(`
      ALTER TABLE "pipeline_runs" ADD CONSTRAINT "ck_pipeline_runs_status" CHECK ("status" IN ('queued', 'enriching',
        'searching', 'pricing', 'requesting', 'notifying', 'awaiting_confirmation', 'booked', 'cancelled', 'failed',
        'dead_lettered'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE "pipeline_runs" SET "status" = 'enriching' WHERE "status" = 'queued'`);
    await queryRunner.query(`ALTER TABLE "pipeline_runs" DROP CONSTRAINT "ck_pipeline_runs_status"`);
    await queryRunner.query(`
      ALTER TABLE "pipeline_runs" ADD CONSTRAINT "ck_pipeline_runs_status" CHECK ("status" IN ('enriching', 'searching',
        'pricing', 'requesting', 'notifying', 'awaiting_confirmation', 'booked', 'cancelled', 'failed', 'dead_lettered'))`);
  }
}
