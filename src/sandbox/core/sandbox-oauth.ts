import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './http-io.js';

export interface SandboxOAuthOptions {
  /** The authorization server's issuer, listed in the protected-resource metadata. */
  issuer: string;
  /** RFC 7662 introspection endpoint of the authorization server. */
  introspectionEndpoint: string;
  /** This resource server's own client at the authorization server (introspection needs client authentication). */
  clientId: string;
  clientSecret: string;
}

/**
 * A sandbox MCP server as an OAuth 2.1 protected resource (MCP authorization specification): it publishes
 * protected-resource metadata (RFC 9728) naming its authorization server, asks that server about every bearer token
 * (RFC 7662 introspection, no cache, so a revocation takes effect on the next request) and answers 401 with a
 * `WWW-Authenticate` challenge pointing at the metadata otherwise.
 */
export class SandboxTokenVerifier {
  /** Requests refused with 401. */
  refused = 0;
  /** Requests let through, by token (the test tells tokens apart by these). */
  readonly accepted = new Map<string, number>();

  constructor(private readonly options: SandboxOAuthOptions) {}

  /** Serves `/.well-known/oauth-protected-resource[/mcp]`; false when the path is something else. */
  serveMetadata(req: IncomingMessage, res: ServerResponse, path: string, origin: string): boolean {
    if (path !== '/.well-known/oauth-protected-resource' && path !== '/.well-known/oauth-protected-resource/mcp') {
      return false;
    }
    sendJson(res, 200, {
      resource: `${origin}/mcp`,
      authorization_servers: [this.options.issuer],
      bearer_methods_supported: ['header'],
    });
    return true;
  }

  /** True when the request carries an active token; otherwise answers 401 and returns false. */
  async authorize(req: IncomingMessage, res: ServerResponse, origin: string): Promise<boolean> {
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
    if (token && (await this.active(token))) {
      this.accepted.set(token, (this.accepted.get(token) ?? 0) + 1);
      return true;
    }
    this.refused++;
    sendJson(
      res,
      401,
      { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Unauthorized: missing, expired or revoked token' } },
      {
        'www-authenticate': `Bearer error="invalid_token", resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"`,
      },
    );
    return false;
  }

  private async active(token: string): Promise<boolean> {
    const { introspectionEndpoint, clientId, clientSecret } = this.options;
    const response = await fetch(introspectionEndpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token }).toString(),
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) return false;
    const body = (await response.json()) as { active?: unknown };
    return body.active === true;
  }
}
