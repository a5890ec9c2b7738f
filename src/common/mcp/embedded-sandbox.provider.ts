import { join } from 'node:path';

import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import type { SandboxServerHandle } from '../../sandbox/index.js';
import { MCP_SERVER_NAMES, type McpServerName } from './tool-contract.js';
import { safeErrorMessage } from '../logging/safe-errors.js';

/**
 * The sandbox MCP servers this process runs itself: one for each server whose URL is not configured, so a fresh checkout
 * works offline. Their handles are exposed for modules that configure them (e.g. webhook callbacks).
 *
 * On the embedded database the servers keep their data in `DATA_DIR/sandbox/`, beside the database that mirrors it:
 * the world (bookings, requests, workflows, executions, contact changes) survives a restart and the consistency
 * score with it. With DATABASE_URL they start from the seed each time, as before: a PostgreSQL database outlives or
 * is shared beyond one process's DATA_DIR, and files there would pair it with the wrong world.
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

  /** Where the servers keep their data: beside the embedded database only (see the class comment). */
  private get stateDir(): string | undefined {
    return this.config.database.kind === 'embedded' ? join(this.config.dataDir, 'sandbox') : undefined;
  }

  private async startMissing(): Promise<void> {
    const missing = MCP_SERVER_NAMES.filter((name) => this.config.mcp.servers[name].urls.length === 0);
    if (missing.length === 0) return;
    // Loaded only when a server runs here: the sandboxes (MCP server SDK, worlds, workflow engine) are several MB of
    // code and heap that an instance configured with real upstreams never uses.
    const { sandboxStateFile, startAvinodeLiveServer, startSandboxServer } = await import('../../sandbox/index.js');
    await Promise.all(
      missing.map(async (name) => {
        try {
          const live = name === 'avinode' ? this.config.mcp.avinodeLive : undefined;
          if (live) {
            // AVINODE_MODE=live: the same tools over the real Avinode REST API; nothing simulated, nothing kept here.
            const handle = await startAvinodeLiveServer(live, { port: 0, admin: this.config.mcp.sandboxAdmin });
            this.handles.set(name, handle);
            this.logger.log(
              `${name}: no URL configured; embedded live Avinode MCP server listening on ${handle.url} ` +
                `(Avinode REST API at ${live.baseUrl})`,
            );
            return;
          }
          const handle = await startSandboxServer(name, {
            port: 0,
            seed: this.config.mcp.sandboxSeed,
            admin: this.config.mcp.sandboxAdmin,
            ...(name === 'apollo' ? { profile: this.config.mcp.sandboxApolloProfile } : {}),
            ...(name === 'avinode' && this.config.mcp.sandboxAvinodeTripFlow
              ? { tripFlow: this.config.mcp.sandboxAvinodeTripFlow }
              : {}),
            ...(this.stateDir ? { stateFile: sandboxStateFile(this.stateDir, name) } : {}),
          });
          this.handles.set(name, handle);
          const extras = [
            this.stateDir ? `data kept in ${sandboxStateFile(this.stateDir, name)}` : 'data from the seed',
            ...(this.config.mcp.sandboxAdmin ? [`admin at ${handle.baseUrl}/admin`] : []),
          ];
          this.logger.log(
            `${name}: no URL configured; embedded sandbox MCP server listening on ${handle.url} (${extras.join(', ')})`,
          );
        } catch (error) {
          // Boot must not fail because an upstream is unavailable; the status endpoint shows the server as down.
          this.logger.error(`${name}: the embedded sandbox failed to start: ${safeErrorMessage(error)}`);
        }
      }),
    );
  }
}
