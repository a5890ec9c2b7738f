import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Public } from '../../auth/public.decorator.js';
import { RequiresScope } from '../../auth/requires-scope.decorator.js';
import { DomainError, ValidationFailedError } from '../../errors/domain-error.js';
import { publishAndWait } from '../../events/publish.js';
import { McpClientService } from '../mcp-client.service.js';
import { MCP_SERVER_NAMES, type McpServerName } from '../tool-contract.js';
import { McpOAuthSignInStarted } from './mcp-oauth.events.js';
import { McpOAuthService } from './mcp-oauth.service.js';

/**
 * The one-time operator sign-in for MCP servers that use OAuth with the authorization-code grant (README "MCP server
 * authorization"): `start` returns the authorization server's URL to open in a browser; the authorization server
 * sends the browser back to `callback`, which stores the tokens (encrypted) and reconnects the server.
 */
@ApiTags('integration')
@Controller('api/integration/mcp')
export class McpOAuthController {
  constructor(
    private readonly oauth: McpOAuthService,
    private readonly client: McpClientService,
    private readonly events: EventEmitter2,
  ) {}

  @Post(':server/oauth/start')
  @RequiresScope('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Start an operator sign-in (OAuth authorization code with PKCE) for an MCP server' })
  @ApiOkResponse({
    description: 'Open authorizationUrl in a browser; the authorization server then calls the callback',
    schema: { example: { server: 'n8n', authorizationUrl: 'https://auth.example.com/authorize?…' } },
  })
  async start(@Param('server') server: string): Promise<{ server: McpServerName; authorizationUrl: string }> {
    const name = serverName(server);
    const started = await this.oauth.startSignIn(name);
    await publishAndWait(this.events, new McpOAuthSignInStarted(name));
    return started;
  }

  // Public: the operator's browser arrives here from the authorization server without our API key. What protects it
  // is the single-use `state` (256 random bits, only its hash stored) and the PKCE verifier that never left this
  // process.
  @Get('oauth/callback')
  @Public()
  @ApiOperation({ summary: 'Where the authorization server sends the operator back: stores the tokens' })
  @ApiOkResponse({ schema: { example: { server: 'n8n', signedIn: true, state: 'up' } } })
  async callback(
    @Query('state') state?: string,
    @Query('code') code?: string,
    @Query('iss') iss?: string,
    @Query('error') error?: string,
    @Query('error_description') description?: string,
  ): Promise<{ server: McpServerName; signedIn: true; state: string }> {
    if (error) {
      throw new DomainError('upstream_error', `the authorization server ended the sign-in: ${description ?? error}`, {
        extensions: { reason: 'oauth', error },
      });
    }
    const problems = [
      ...(state ? [] : [{ field: 'state', rule: 'required', message: 'state is required' }]),
      ...(code ? [] : [{ field: 'code', rule: 'required', message: 'code is required' }]),
    ];
    if (!state || !code) throw new ValidationFailedError(problems);
    const name = await this.oauth.completeSignIn(state, code, iss);
    const connection = await this.client.reconnectServer(name);
    return { server: name, signedIn: true, state: connection ?? 'not_started' };
  }
}

function serverName(value: string): McpServerName {
  const name = MCP_SERVER_NAMES.find((candidate) => candidate === value);
  if (name) return name;
  throw new ValidationFailedError([
    { field: 'server', rule: 'isIn', message: `server must be one of ${MCP_SERVER_NAMES.join(', ')}` },
  ]);
}
