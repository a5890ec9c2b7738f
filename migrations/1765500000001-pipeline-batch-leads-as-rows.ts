import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A batch's leads become rows instead of one JSON array that every group rewrote whole (a 5,000-lead batch rewrote
 * 5,000 leads a hundred times). Existing arrays are copied in order.
 */
export class PipelineBatchLeadsAsRows1765500000001 implements MigrationInterface {
  name = 'PipelineBatchLeadsAsRows1765500000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "pipeline_batch_leads" (
        "batch_id" uuid NOT NULL,
        "position" int NOT NULL,
        "apollo_id" varchar(64) NOT NULL,
        "first_name" text,
        "last_name" text,
        "title" text,
        "linkedin_url" text,
        "company" text,
        "company_domain" text,
        "run_id" uuid,
        CONSTRAINT "pk_pipeline_batch_leads" PRIMARY KEY ("batch_id", "position"),
        CONSTRAINT "fk_pipeline_batch_leads_batch" FOREIGN KEY ("batch_id") REFERENCES "pipeline_batches" ("id")
          ON DELETE CASCADE
      )`);
    await queryRunner.query(
      `CREATE INDEX "idx_pipeline_batch_leads_run" ON "pipeline_batch_leads" ("run_id") WHERE "run_id" IS NOT NULL`,
    );
    await queryRunner.query(`
      INSERT INTO "pipeline_batch_leads"
        ("batch_id", "position", "apollo_id", "first_name", "last_name", "title", "linkedin_url", "company",
         "company_domain", "run_id")
      SELECT b."id", lead.ordinality - 1, lead.value->>'apolloId', lead.value->>'firstName', lead.value->>'lastName',
             lead.value->>'title', lead.value->>'linkedinUrl', lead.value->>'company', lead.value->>'companyDomain',
             (lead.value->>'runId')::uuid
      FROM "pipeline_batches" b, jsonb_array_elements(b."leads") WITH ORDINALITY AS lead(value, ordinality)`);
    await queryRunner.query(`ALTER TABLE "pipeline_batches" DROP COLUMN "leads"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "pipeline_batches" ADD COLUMN "leads" jsonb NOT NULL DEFAULT '[]'::jsonb`);
    await queryRunner.query(`
      UPDATE "pipeline_batches" b SET "leads" = (
        SELECT coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
          'apolloId', l."apollo_id", 'firstName', l."first_name", 'lastName', l."last_name", 'title', l."title",
          'linkedinUrl', l."linkedin_url", 'company', l."company", 'companyDomain', l."company_domain",
          'runId', l."run_id")) ORDER BY l."position"), '[]'::jsonb)
        FROM "pipeline_batch_leads" l WHERE l."batch_id" = b."id")`);
    await queryRunner.query(`DROP TABLE "pipeline_batch_leads"`);
  }
}
