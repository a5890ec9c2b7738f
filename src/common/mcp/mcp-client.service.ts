import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { EmbeddedSandboxes } from './embedded-sandbox.provider.js';
import { McpOAuthService } from './oauth/mcp-oauth.service.js';
import { McpClient, type McpEndpointSpec } from './mcp-client.js';
import { APP_VERSION } from '../version.js';
import { MCP_SERVER_NAMES, type McpServerName, McpToolRegistry } from './tool-contract.js';

/**
 * The MCP client as a Nest provider: inject `McpClientService` and `call(contract, args, options)`.
 * Connects after every module has registered its tool contracts (application bootstrap); never fails the boot.
 */
@Injectable()
export class McpClientService extends McpClient implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly nestLogger: Logger;

  constructor(
    config: AppConfig,
    registry: McpToolRegistry,
    private readonly sandboxes: EmbeddedSandboxes,
    @Optional() metrics?: MetricsService,
    @Optional() private readonly oauth?: McpOAuthService,
    @Optional() events?: EventEmitter2,
  ) {
    const logger = new Logger('McpClient');
    super(config, {
      registry,
      metricsRegistry: metrics?.registry,
      events: events ? (name, event) => events.emit(name, event) : undefined,
      logger: { log: (m) => logger.log(m), warn: (m) => logger.warn(m), debug: (m) => logger.debug(m) },
      version: APP_VERSION,
    });
    this.nestLogger = logger;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.sandboxes.start();
    const endpoints: Partial<Record<McpServerName, McpEndpointSpec[]>> = {};
    for (const name of MCP_SERVER_NAMES) {
      const configured = this.config.mcp.servers[name];
      const embedded = this.sandboxes.get(name);
      if (configured.urls.length > 0) {
        const auth = this.oauth?.session(name);
        endpoints[name] = configured.urls.map((url) =>
          auth ? { url, auth } : { url, bearerToken: configured.bearerToken },
        );
      } else if (embedded) endpoints[name] = [{ url: embedded.url, embedded: true }];
    }
    // A server that accepts connections but never answers must not hold up the boot for the whole connect timeout:
    // wait a little for the first attempts, then let them finish in the background.
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.min(3_000, this.config.mcp.connectTimeoutMs));
    });
    await Promise.race([this.start(endpoints), grace]);
    clearTimeout(timer);
    const summary = this.diagnostics()
      .map((d) => `${d.server}=${d.state}`)
      .join(', ');
    this.nestLogger.log(`MCP servers: ${summary}`);
  }

  /** Before Nest's shutdown hooks close the embedded sandboxes: end sessions while the servers still listen. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.close();
  }
}
