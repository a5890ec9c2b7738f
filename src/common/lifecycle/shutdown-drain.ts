import { Injectable, Logger } from '@nestjs/common';
import { safeErrorMessage } from '../logging/safe-errors.js';

/** Lets work in hand finish within `timeoutMs`, taking no new work; settles (never throws) when done or at the bound. */
export type Drainer = (timeoutMs: number) => Promise<void>;

/**
 * The work a SIGTERM must let finish before anything closes: job workers (pipeline steps, webhook processing, batches)
 * and sync runs register here. The shutdown sequence drains them all at once, and only then closes the MCP client, the
 * job queue and the database — Nest's shutdown hooks alone run per module and would close a client a step still uses.
 */
@Injectable()
export class ShutdownDrain {
  private readonly logger = new Logger('Shutdown');
  private readonly drainers = new Map<string, Drainer>();
  private draining: Promise<void> | undefined;

  register(name: string, drainer: Drainer): void {
    this.drainers.set(name, drainer);
  }

  /** Idempotent: later calls wait for the first. */
  drainAll(timeoutMs: number): Promise<void> {
    this.draining ??= (async () => {
      const started = performance.now();
      await Promise.all(
        [...this.drainers].map(([name, drain]) =>
          drain(timeoutMs).catch((error: unknown) =>
            this.logger.warn(`Draining ${name} failed: ${safeErrorMessage(error)}`),
          ),
        ),
      );
      this.logger.log(
        `Drained ${[...this.drainers.keys()].join(', ')} in ${Math.round(performance.now() - started)} ms`,
      );
    })();
    return this.draining;
  }
}
