import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

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
    // Nest's close() would stop the job workers before the HTTP server, so close the server first: fastify stops
    // accepting and waits for in-flight requests. Then app.close(): jobs stop gracefully, then the database pool closes.
    closeHttpThenApp(app, signal)
      .then(() => {
        logger.log('Shutdown complete');
        process.exitCode = 0;
      })
      .catch((error: unknown) => {
        logger.error(`Shutdown failed: ${(error as Error).message}`);
        process.exitCode = 1;
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

export async function closeHttpThenApp(app: NestFastifyApplication, signal?: string): Promise<void> {
  await app.getHttpAdapter().getInstance().close();
  // The interface declares close() without arguments; the implementation (NestApplicationContext) passes the signal on
  // to the shutdown hooks, which record it in the audit log.
  const close: (signal?: string) => Promise<void> = app.close.bind(app);
  await close(signal);
}
