import { Controller, Get, HttpCode, Optional, Post } from '@nestjs/common';
import { RequiresScope } from '../auth/requires-scope.decorator.js';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AppConfig } from '../config/app-config.js';
import { McpReconnectRequested } from './mcp-events.js';
import { APP_VERSION } from '../version.js';
import { McpClientService } from './mcp-client.service.js';
import { McpOAuthService } from './oauth/mcp-oauth.service.js';
import type { LatencyPercentiles, McpServerDiagnostics } from './mcp-diagnostics.js';
import type { McpServerName } from './tool-contract.js';
import { publishAndWait } from '../events/publish.js';

export interface IntegrationStatus {
  service: {
    name: string;
    version: string;
    environment: string;
    status: 'ok' | 'degraded';
    startedAt: string;
    uptimeSeconds: number;
    database: string;
  };
  servers: Record<string, McpServerStatus>;
}

/** A server's diagnostics and its call latency (the `mcp_call_duration_seconds` histogram's last five minutes). */
export type McpServerStatus = McpServerDiagnostics & { latencyMs: LatencyPercentiles };

const NO_CALLS: LatencyPercentiles = { p50: null, p95: null, p99: null, samples: 0 };

const STARTED_AT = new Date(Date.now() - Math.round(process.uptime() * 1000));

const EXAMPLE = {
  service: {
    name: 'jetvision-integration',
    version: APP_VERSION,
    environment: 'development',
    status: 'degraded',
    startedAt: '2026-01-01T09:00:00.000Z',
    uptimeSeconds: 3600,
    database: 'embedded',
  },
  servers: {
    avinode: {
      server: 'avinode',
      url: 'http://127.0.0.1:8124/mcp',
      embedded: false,
      state: 'down',
      breaker: 'open',
      protocolEra: null,
      protocolVersion: null,
      sessionAgeMs: null,
      connectedAt: null,
      lastError: { kind: 'unreachable', message: 'server unreachable (ECONNREFUSED)', at: '2026-01-01T09:59:58.000Z' },
      reconnectAttempts: 4,
      tools: [],
      missingTools: [],
      toolList: null,
      inFlight: 0,
      calls: { total: 120, succeeded: 112, failed: 8, byOutcome: { success: 112, unreachable: 5, breaker_open: 3 } },
      latencyMs: { p50: 1.2, p95: 3.4, p99: 9.8, samples: 120 },
      endpoints: [
        {
          url: 'http://127.0.0.1:8124/mcp',
          state: 'down',
          breaker: 'open',
          protocolEra: null,
          protocolVersion: null,
          sessionAgeMs: null,
          connectedAt: null,
          lastError: {
            kind: 'unreachable',
            message: 'server unreachable (ECONNREFUSED)',
            at: '2026-01-01T09:59:58.000Z',
          },
          reconnectAttempts: 4,
          missingTools: [],
          toolList: null,
          inFlight: 0,
          attempts: {
            total: 125,
            succeeded: 112,
            failed: 13,
            byOutcome: { success: 112, unreachable: 10, breaker_open: 3 },
          },
        },
      ],
    },
  },
};

/** What the integration backend is connected to, and a way to reconnect now (e.g. after an upstream restarted). */
@ApiTags('integration')
@Controller('api/integration/status')
export class McpStatusController {
  constructor(
    private readonly client: McpClientService,
    private readonly config: AppConfig,
    private readonly events: EventEmitter2,
    @Optional() private readonly oauth?: McpOAuthService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Service state and diagnostics of the Apollo, Avinode and n8n MCP servers',
    description:
      '`latencyMs`: call latency percentiles over the last five minutes, estimated from the ' +
      '`mcp_call_duration_seconds` histogram as `histogram_quantile` does (null without calls in that time).',
  })
  @ApiOkResponse({ description: 'Service and per-server state', schema: { example: EXAMPLE } })
  async status(): Promise<IntegrationStatus> {
    return this.render(this.client.diagnostics(), await this.client.latency());
  }

  @Post()
  @RequiresScope('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Drop every MCP session and reconnect now; returns the state afterwards' })
  @ApiOkResponse({ description: 'Service and per-server state after reconnecting', schema: { example: EXAMPLE } })
  async reconnect(): Promise<IntegrationStatus> {
    // An operator asking for a reconnect has presumably fixed what the authorization server refused.
    await this.oauth?.retryRefused();
    const diagnostics = await this.client.reconnectAll();
    await publishAndWait(
      this.events,
      new McpReconnectRequested(Object.fromEntries(diagnostics.map((d) => [d.server, d.state]))),
    );
    return this.render(diagnostics, await this.client.latency());
  }

  private render(
    diagnostics: McpServerDiagnostics[],
    latency: Partial<Record<McpServerName, LatencyPercentiles>>,
  ): IntegrationStatus {
    const allUp = diagnostics.every((d) => d.state === 'up' && d.breaker === 'closed');
    return {
      service: {
        name: 'jetvision-integration',
        version: APP_VERSION,
        environment: this.config.env,
        status: allUp ? 'ok' : 'degraded',
        startedAt: STARTED_AT.toISOString(),
        uptimeSeconds: Math.round(process.uptime()),
        database: this.config.database.kind,
      },
      servers: Object.fromEntries(
        diagnostics.map((d) => [d.server, { ...d, latencyMs: latency[d.server] ?? NO_CALLS }]),
      ),
    };
  }
}
