import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateN8nManagedWorkflows1764200000000 implements MigrationInterface {
  name = 'CreateN8nManagedWorkflows1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "n8n_managed_workflows" (
        "name" varchar(128) NOT NULL,
        "workflow_id" varchar(64),
        "active" boolean NOT NULL DEFAULT false,
        "claim_token" uuid,
        "claimed_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_n8n_managed_workflows" PRIMARY KEY ("name")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "n8n_managed_workflows"`);
  }
}
