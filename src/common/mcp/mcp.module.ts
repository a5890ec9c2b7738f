import { type DynamicModule, Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { EmbeddedSandboxes } from './embedded-sandbox.provider.js';
import { McpClientService } from './mcp-client.service.js';
import { McpHealthIndicator } from './mcp-health.indicator.js';
import { McpStatusController } from './mcp-status.controller.js';
import { McpOAuthController } from './oauth/mcp-oauth.controller.js';
import { McpOAuthService } from './oauth/mcp-oauth.service.js';
import { type AnyToolContract, McpToolRegistry } from './tool-contract.js';

let featureCount = 0;
let rootModule: DynamicModule | undefined;

/**
 * MCP client layer. Import `McpModule.forRoot()` once (AppModule); feature modules import
 * `McpModule.forFeature([contracts])` to declare the tools they need, then inject `McpClientService`.
 */
@Global()
@Module({})
export class McpModule {
  /**
   * The same module object on every call: AppModule imports it, and a test that imports it again (or a second
   * feature that does) gets the one client instead of a second one registering the same metrics.
   */
  static forRoot(): DynamicModule {
    return (rootModule ??= {
      module: McpModule,
      global: true,
      imports: [TerminusModule],
      controllers: [McpStatusController, McpOAuthController],
      providers: [
        { provide: McpToolRegistry, useFactory: () => new McpToolRegistry() },
        EmbeddedSandboxes,
        McpOAuthService,
        McpClientService,
        McpHealthIndicator,
      ],
      exports: [McpToolRegistry, EmbeddedSandboxes, McpOAuthService, McpClientService, McpHealthIndicator],
    });
  }

  /** Registers tool contracts; the servers are checked for them on every (re)connect. */
  static forFeature(contracts: readonly AnyToolContract[]): DynamicModule {
    const token = `MCP_TOOL_CONTRACTS_${++featureCount}`;
    return {
      module: McpFeatureContracts,
      providers: [
        {
          provide: token,
          useFactory: (registry: McpToolRegistry): readonly AnyToolContract[] => {
            registry.register(contracts);
            return contracts;
          },
          inject: [McpToolRegistry],
        },
      ],
    };
  }
}

/** Host module of `McpModule.forFeature()` registrations. */
@Module({})
export class McpFeatureContracts {}
