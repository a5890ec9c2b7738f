import type { FetchLike } from '@modelcontextprotocol/client';
import { McpHttpError } from '../mcp-errors.js';
import type { McpRequestAuth } from './mcp-oauth-session.js';

/**
 * Puts the server's current OAuth access token on every MCP request, and answers a 401 with exactly one renewal and
 * one retry of that request. The renewal is shared (see `McpOAuthSession.rejected`), so a burst of 401s after a
 * revocation costs the authorization server one token request, and a second 401 on the renewed token fails the call
 * `unauthorized` rather than renewing again.
 *
 * Why not the SDK transport's `authProvider`: our MCP fetch turns a non-2xx reply into `McpHttpError` before the
 * transport sees the status, and the transport retries per request, so N calls in flight at a revocation would ask
 * for N tokens.
 */
export function withMcpAuth(inner: FetchLike, auth: McpRequestAuth): FetchLike {
  const send = async (url: string | URL, init: RequestInit | undefined, token: string): Promise<Response | 401> => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${token}`);
    try {
      const response = await inner(url, { ...init, headers });
      if (response.status !== 401) return response;
      await response.body?.cancel().catch(() => undefined);
      return 401;
    } catch (error) {
      if (error instanceof McpHttpError && error.status === 401) return 401;
      throw error;
    }
  };
  return async (url, init) => {
    const token = await auth.accessToken();
    const first = await send(url, init, token);
    if (first !== 401) return first;
    await auth.rejected(token);
    const renewed = await auth.accessToken();
    const second = await send(url, init, renewed);
    if (second !== 401) return second;
    throw auth.refusedAfterRenewal('HTTP 401');
  };
}
