import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

export type McpOAuthStatus = 'none' | 'authorized' | 'unauthorized';

/**
 * The OAuth state of one MCP server (one row per server). Every secret column holds a `TokenCipher` value
 * (AES-256-GCM under MCP_TOKEN_ENCRYPTION_KEY), never the token itself; the pending sign-in keeps only a hash of its
 * `state` and the sealed PKCE verifier.
 */
@Entity({ name: 'mcp_oauth_tokens' })
@Check('ck_mcp_oauth_tokens_status', `"status" IN ('none', 'authorized', 'unauthorized')`)
export class McpOAuthToken {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  server: string;

  /** The authorization server that issued the tokens (its metadata `issuer`). */
  @Column({ type: 'text', nullable: true })
  issuer: string | null;

  @Column({ name: 'access_token', type: 'text', nullable: true })
  accessToken: string | null;

  @Column({ name: 'refresh_token', type: 'text', nullable: true })
  refreshToken: string | null;

  @Column({ name: 'token_type', type: 'varchar', length: 32, nullable: true })
  tokenType: string | null;

  @Column({ type: 'text', nullable: true })
  scope: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'varchar', length: 16, default: 'none' })
  status: McpOAuthStatus;

  /** Why the server is `unauthorized` (the authorization server's error), shown in status. */
  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason: string | null;

  /** sha256 (hex) of the `state` of the operator sign-in under way. */
  @Column({ name: 'pending_state_hash', type: 'char', length: 64, nullable: true })
  pendingStateHash: string | null;

  @Column({ name: 'pending_verifier', type: 'text', nullable: true })
  pendingVerifier: string | null;

  @Column({ name: 'pending_started_at', type: 'timestamptz', nullable: true })
  pendingStartedAt: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
