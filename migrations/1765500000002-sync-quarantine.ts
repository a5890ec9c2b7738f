import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Records a sync could not store, kept aside with the reason so one bad record never wedges its stream. */
export class SyncQuarantine1765500000002 implements MigrationInterface {
  name = 'SyncQuarantine1765500000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "sync_quarantine" (
        "stream" varchar(32) NOT NULL,
        "upstream_id" text NOT NULL,
        "field" text NOT NULL,
        "reason" text NOT NULL,
        "first_seen_at" timestamptz NOT NULL DEFAULT now(),
        "last_seen_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_sync_quarantine" PRIMARY KEY ("stream", "upstream_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sync_quarantine"`);
  }
}
