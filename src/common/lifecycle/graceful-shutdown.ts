import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '../config/app-config.js';
import { JobQueueService } from '../jobs/job-queue.service.js';
import { McpClientService } from '../mcp/mcp-client.service.js';
import { ShutdownDrain } from './shutdown-drain.js';
import { safeErrorMessage } from '../logging/safe-errors.js';

/**
 * SIGTERM/SIGINT: stop accepting connections, let in-flight requests and jobs finish, close pools, exit 0.
 * If that takes longer than the bound, exit 1 so the orchestrator knows the shutdown was not clean.
 */
export function installGracefulShutdown(app: NestFastifyApplication, timeoutMs: number): void {
  const logger = new Logger('Shutdown');
  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.log(`${signal} received: draining requests and jobs (bound ${timeoutMs} ms)`);
    const timer = setTimeout(() => {
      logger.error(`Shutdown exceeded ${timeoutMs} ms; exiting`);
      process.exit(1);
    }, timeoutMs + 2_000);
    timer.unref();
    closeHttpThenApp(app, signal)
      .then(() => {
        logger.log('Shutdown complete');
        process.exitCode = 0;
      })
      .catch((error: unknown) => {
        logger.error(`Shutdown failed: ${safeErrorMessage(error)}`);
        process.exitCode = 1;
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/**
 * The shutdown sequence: stop accepting requests and fetching jobs; let in-flight requests, running jobs (pipeline
 * steps, webhook processing) and sync pages finish within the bound; then close the MCP client, the job queue and the
 * database, in that order (the rest of Nest's shutdown hooks run with the last step).
 */
export async function closeHttpThenApp(app: NestFastifyApplication, signal?: string): Promise<void> {
  const timeoutMs = app.get(AppConfig).http.shutdownTimeoutMs;
  await Promise.all([closeHttpWithin(app, timeoutMs), app.get(ShutdownDrain).drainAll(timeoutMs)]);
  await app.get(McpClientService).close();
  await app.get(JobQueueService).stop();
  // The interface declares close() without arguments; the implementation (NestApplicationContext) passes the signal on
  // to the shutdown hooks, which record it in the audit log; the database pool closes last.
  const close: (signal?: string) => Promise<void> = app.close.bind(app);
  await close(signal);
}

/**
 * Closes the listener and waits for the responses in progress, for at most `timeoutMs`: then the connections still
 * open are closed. Idle keep-alive connections are closed at once (`forceCloseConnections: 'idle'`), but a client
 * that stops reading a large response keeps its connection busy for as long as it likes, and would hold the shutdown.
 */
async function closeHttpWithin(app: NestFastifyApplication, timeoutMs: number): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const timer = setTimeout(() => {
    new Logger('Shutdown').warn(`Responses still in progress after ${timeoutMs} ms; closing their connections`);
    fastify.server.closeAllConnections();
  }, timeoutMs);
  try {
    await fastify.close();
  } finally {
    clearTimeout(timer);
  }
}
