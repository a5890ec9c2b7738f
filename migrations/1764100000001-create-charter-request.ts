import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCharterRequest1764100000001 implements MigrationInterface {
  name = 'CreateCharterRequest1764100000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "charter_request" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "upstream_request_id" varchar(64) NOT NULL,
        "upstream_booking_id" varchar(64),
        "idempotency_key" varchar(200),
        "status" varchar(16) NOT NULL,
        "origin" varchar(16) NOT NULL,
        "aircraft_id" varchar(64) NOT NULL,
        "operator_id" varchar(64) NOT NULL,
        "departure_airport" char(4) NOT NULL,
        "arrival_airport" char(4) NOT NULL,
        "departure_date" date NOT NULL,
        "departure_time" varchar(5) NOT NULL,
        "departure_at" timestamptz NOT NULL,
        "return_date" date,
        "passengers" integer NOT NULL,
        "contact" jsonb NOT NULL,
        "special_requests" text,
        "quote_id" varchar(64) NOT NULL,
        "total_cents" bigint NOT NULL,
        "currency" char(3) NOT NULL,
        "payment" jsonb,
        "cancellation" jsonb,
        "status_history" jsonb NOT NULL DEFAULT '[]'::jsonb,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "upstream_updated_at" timestamptz NOT NULL,
        "upstream_deleted_at" timestamptz,
        "version" integer NOT NULL DEFAULT 1,
        CONSTRAINT "pk_charter_request" PRIMARY KEY ("id"),
        CONSTRAINT "uq_charter_request_upstream_request_id" UNIQUE ("upstream_request_id"),
        CONSTRAINT "uq_charter_request_upstream_booking_id" UNIQUE ("upstream_booking_id"),
        CONSTRAINT "uq_charter_request_idempotency_key" UNIQUE ("idempotency_key"),
        CONSTRAINT "ck_charter_request_status"
          CHECK ("status" IN ('pending', 'confirmed', 'flown', 'completed', 'cancelled')),
        CONSTRAINT "ck_charter_request_origin" CHECK ("origin" IN ('api', 'pipeline', 'sync', 'upstream')),
        CONSTRAINT "ck_charter_request_passengers" CHECK ("passengers" BETWEEN 1 AND 19),
        CONSTRAINT "ck_charter_request_total" CHECK ("total_cents" >= 0)
      )`);
    // Desk views list by status and departure; the sync walks by upstream change time.
    await queryRunner.query(
      `CREATE INDEX "idx_charter_request_status_departure" ON "charter_request" ("status", "departure_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_charter_request_upstream_updated" ON "charter_request" ("upstream_updated_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "charter_request"`);
  }
}
