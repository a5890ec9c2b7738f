import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { type SandboxServerHandle, startSandboxServer } from '../../sandbox/index.js';
import { MCP_SERVER_NAMES, type McpServerName } from './tool-contract.js';

/**
 * The sandbox MCP servers this process runs itself: one for each server whose URL is not configured, so a fresh checkout
 * works offline. Their handles are exposed for modules that configure them (e.g. webhook callbacks).
 */
@Injectable()
export class EmbeddedSandboxes implements OnApplicationShutdown {
  private readonly logger = new Logger('EmbeddedSandboxes');
  private readonly handles = new Map<McpServerName, SandboxServerHandle>();
  private starting: Promise<void> | undefined;

  constructor(private readonly config: AppConfig) {}

  /** Starts a sandbox for every server without a configured URL (once; later calls wait for the first). */
  start(): Promise<void> {
    this.starting ??= this.startMissing();
    return this.starting;
  }

  /** The handle of an embedded server, or undefined when that server is configured by URL. */
  get(name: McpServerName): SandboxServerHandle | undefined {
    return this.handles.get(name);
  }

  /** Names of the servers running embedded. */
  get names(): McpServerName[] {
    return [...this.handles.keys()];
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((handle) => handle.close().catch(() => undefined)));
  }

  private async startMissing(): Promise<void> {
    const missing = MCP_SERVER_NAMES.filter((name) => this.config.mcp.servers[name].url === undefined);
    await Promise.all(
      missing.map(async (name) => {
        try {
          const handle = await startSandboxServer(name, { port: 0, seed: this.config.mcp.sandboxSeed });
          this.handles.set(name, handle);
          this.logger.log(`${name}: no URL configured; embedded sandbox MCP server listening on ${handle.url}`);
        } catch (error) {
          // Boot must not fail because an upstream is unavailable; the status endpoint shows the server as down.
          this.logger.error(`${name}: the embedded sandbox failed to start: ${(error as Error).message}`);
        }
      }),
    );
  }
}
