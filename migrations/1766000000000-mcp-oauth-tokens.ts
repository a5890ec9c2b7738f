import type { MigrationInterface, QueryRunner } from 'typeorm';

/** OAuth tokens of the MCP servers, encrypted at rest (see src/common/mcp/oauth/mcp-oauth-token.entity.ts). */
export class McpOAuthTokens1766000000000 implements MigrationInterface {
  name = 'McpOAuthTokens1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "mcp_oauth_tokens" (
      "server" varchar(32) NOT NULL,
      "issuer" text,
      "access_token" text,
      "refresh_token" text,
      "token_type" varchar(32),
      "scope" text,
      "expires_at" timestamptz,
      "status" varchar(16) NOT NULL DEFAULT 'none',
      "status_reason" text,
      "pending_state_hash" char(64),
      "pending_verifier" text,
      "pending_started_at" timestamptz,
      "updated_at" timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT "pk_mcp_oauth_tokens" PRIMARY KEY ("server"),
      CONSTRAINT "ck_mcp_oauth_tokens_status" CHECK ("status" IN ('none', 'authorized', 'unauthorized'))
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "mcp_oauth_tokens"`);
  }
}
