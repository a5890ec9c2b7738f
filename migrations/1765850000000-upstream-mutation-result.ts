import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The upstream's answer on the intent, for upstreams that cannot be asked for the record again (Apollo sequences). */
export class UpstreamMutationResult1765850000000 implements MigrationInterface {
  name = 'UpstreamMutationResult1765850000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "upstream_mutation" ADD COLUMN "result" jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "upstream_mutation" DROP COLUMN "result"`);
  }
}
