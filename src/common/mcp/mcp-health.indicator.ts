import { Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ReadinessRegistry } from '../health/readiness-registry.js';
import { McpClientService } from './mcp-client.service.js';

/**
 * Readiness details for the MCP servers: each server is `up`, or `degraded` with its state and reason. Never `down`:
 * an unavailable upstream is reported, it does not make this instance unready (the other upstreams still work).
 * Registers itself with the health module's `ReadinessRegistry` when one is present.
 */
@Injectable()
export class McpHealthIndicator implements OnModuleInit {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly client: McpClientService,
    @Optional() private readonly readiness?: ReadinessRegistry,
  ) {}

  onModuleInit(): void {
    this.readiness?.register(() => this.check());
  }

  async check(): Promise<HealthIndicatorResult> {
    let result: HealthIndicatorResult = {};
    for (const server of this.client.diagnostics()) {
      const session = this.indicators.check(`mcp_${server.server}`);
      const details = {
        state: server.state,
        breaker: server.breaker,
        embedded: server.embedded,
        ...(server.missingTools.length > 0 ? { missingTools: server.missingTools } : {}),
        ...(server.auth ? { auth: server.auth.state } : {}),
        ...(server.endpoints.length > 1
          ? { endpoints: server.endpoints.map(({ url, state, breaker }) => ({ url, state, breaker })) }
          : {}),
        ...(server.state !== 'up' && server.lastError ? { reason: server.lastError.message } : {}),
      };
      const healthy = server.state === 'up' && server.breaker === 'closed';
      result = { ...result, ...(healthy ? session.up(details) : session.degraded(details)) };
    }
    return result;
  }
}
