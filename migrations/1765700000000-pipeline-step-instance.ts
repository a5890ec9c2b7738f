import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Which instance ran a step's latest attempt: with several instances on one database, who did the work. */
export class PipelineStepInstance1765700000000 implements MigrationInterface {
  name = 'PipelineStepInstance1765700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "pipeline_steps" ADD COLUMN "instance" varchar(128)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "pipeline_steps" DROP COLUMN "instance"`);
  }
}
