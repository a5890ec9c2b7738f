import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateIdempotencyKey1764100000000 implements MigrationInterface {
  name = 'CreateIdempotencyKey1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "idempotency_key" (
        "scope" varchar(64) NOT NULL,
        "principal" varchar(64) NOT NULL,
        "key" varchar(255) NOT NULL,
        "request_hash" char(64) NOT NULL,
        "status" varchar(16) NOT NULL,
        "claim_token" uuid NOT NULL,
        "locked_at" timestamptz NOT NULL DEFAULT now(),
        "response_status" integer,
        "response_body" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "completed_at" timestamptz,
        "expires_at" timestamptz NOT NULL,
        CONSTRAINT "pk_idempotency_key" PRIMARY KEY ("scope", "principal", "key"),
        CONSTRAINT "ck_idempotency_key_status" CHECK ("status" IN ('in_progress', 'completed')),
        CONSTRAINT "ck_idempotency_key_response" CHECK ("status" = 'in_progress' OR "response_status" IS NOT NULL)
      )`);
    // The cleanup deletes by expiry.
    await queryRunner.query(`CREATE INDEX "idx_idempotency_key_expires" ON "idempotency_key" ("expires_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "idempotency_key"`);
  }
}
