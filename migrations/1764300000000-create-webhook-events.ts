import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateWebhookEvents1764300000000 implements MigrationInterface {
  name = 'CreateWebhookEvents1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "webhook_events" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "source" varchar(32) NOT NULL,
        "message_id" varchar(256) NOT NULL,
        "type" varchar(64) NOT NULL,
        "event_name" varchar(96) NOT NULL,
        "payload" jsonb NOT NULL,
        "auth_scheme" varchar(16) NOT NULL,
        "occurred_at" timestamptz,
        "received_at" timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        "status" varchar(16) NOT NULL DEFAULT 'received',
        "attempts" integer NOT NULL DEFAULT 0,
        "processed_count" integer NOT NULL DEFAULT 0,
        "replay_count" integer NOT NULL DEFAULT 0,
        "processed_at" timestamptz,
        "last_error" text,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_webhook_events" PRIMARY KEY ("id"),
        CONSTRAINT "ck_webhook_events_status"
          CHECK ("status" IN ('received', 'failed', 'processed', 'stale', 'dead_lettered'))
      )`);
    // The dedupe key: INSERT … ON CONFLICT DO NOTHING on it decides which of concurrent deliveries is the first.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_webhook_events_source_message" ON "webhook_events" ("source", "message_id")`,
    );
    // The operations API lists newest first (cursor on received_at+id), filtered by source/type/status.
    await queryRunner.query(`CREATE INDEX "idx_webhook_events_received" ON "webhook_events" ("received_at", "id")`);
    await queryRunner.query(
      `CREATE INDEX "idx_webhook_events_source_type" ON "webhook_events" ("source", "type", "received_at")`,
    );
    await queryRunner.query(`CREATE INDEX "idx_webhook_events_status" ON "webhook_events" ("status", "received_at")`);
    await queryRunner.query(`
      CREATE TABLE "webhook_entity_versions" (
        "source" varchar(32) NOT NULL,
        "entity_type" varchar(32) NOT NULL,
        "entity_id" varchar(200) NOT NULL,
        "version" bigint NOT NULL,
        "event_id" uuid NOT NULL,
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_webhook_entity_versions" PRIMARY KEY ("source", "entity_type", "entity_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_entity_versions"`);
    await queryRunner.query(`DROP TABLE "webhook_events"`);
  }
}
