import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { OnDomainEvent } from '../../common/events/on-domain-event.js';
import { ApolloContactEnriched, ApolloLeadCreated, ApolloLeadUpdated } from '../apollo/apollo.events.js';
import {
  AvinodeAvailabilityUpdated,
  AvinodeBookingCancelled,
  AvinodeBookingConfirmed,
  BookingCancelled,
  BookingConfirmed,
  BookingModified,
  CharterRequestCreated,
} from '../avainode/avainode.events.js';
import {
  N8nExecutionStatusChanged,
  N8nWorkflowCompleted,
  N8nWorkflowExecuted,
  N8nWorkflowFailed,
} from '../n8n/n8n.events.js';
import { AppConfig } from '../../common/config/app-config.js';
import { JobQueueService, type ScheduledJob } from '../../common/jobs/job-queue.service.js';
import { defineQueue } from '../../common/jobs/queue-definition.js';
import { isDue } from './sync-schedule.js';
import { SyncRunner } from './sync.runner.js';
import type { SyncRun } from './sync.entities.js';
import type { SyncStreamName } from './sync.streams.js';
import { safeErrorMessage } from '../../common/logging/safe-errors.js';

/** How long webhook-triggered syncs keep waiting for a busy stream before leaving it to the next scheduled run. */
const WEBHOOK_RETRY_MS = 1_000;
const WEBHOOK_MAX_RETRIES = 300;

/** Sent every minute, once per cluster (see JobQueueService.schedule); a tick only starts the streams that are due. */
export const syncTickQueue = defineQueue<ScheduledJob>({
  name: 'sync.tick',
  policy: 'singleton',
  // A missed tick is made up by the next one a minute later.
  retryLimit: 0,
  deadLetter: false,
  expireInSeconds: 120,
  pollingIntervalSeconds: 5,
});

/**
 * Starts scheduled and webhook-triggered incremental syncs. A tick every minute, sent once for the whole cluster,
 * starts the streams that are due (see sync-schedule.ts; intervals shorter than a minute therefore act as a minute);
 * ticks that meet anyway (a manual run, a webhook-triggered one, an instance catching up) start each stream once (the
 * runner's locks plus the due re-check after locking). Upstream change events start an incremental sync of the stream they concern,
 * debounced, for streams that already had a successful sync (a first load is the schedule's or an operator's job).
 */
@Injectable()
export class SyncScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SyncScheduler');
  private readonly pending = new Set<SyncStreamName>();
  private timer: NodeJS.Timeout | undefined;
  private retries = 0;
  private stopped = false;

  constructor(
    private readonly runner: SyncRunner,
    private readonly config: AppConfig,
    private readonly jobs: JobQueueService,
  ) {}

  /** SYNC_ENABLED=false (tests, one-off processes) leaves the cluster's schedule alone and takes no ticks here. */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.sync.enabled) return;
    await this.jobs.schedule(syncTickQueue, '* * * * *', () => this.onTick());
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async onTick(): Promise<void> {
    if (!this.config.sync.enabled || this.stopped) return;
    try {
      await this.tick();
    } catch (error) {
      this.logger.error(`Scheduled sync could not start: ${safeErrorMessage(error)}`);
    }
  }

  /** What a tick does at `now`: start the due streams, if any. Returns the run started, or null. */
  async tick(now: Date = new Date()): Promise<SyncRun | null> {
    const states = await this.runner.states();
    const due = states
      .filter((state) => isDue(this.runner.scheduleOf(state), now))
      .map((state) => state.stream as SyncStreamName);
    if (due.length === 0) return null;
    const started = await this.runner.start({ streams: due, trigger: 'cron', kind: 'incremental', dueAt: now });
    return started?.run ?? null;
  }

  // Upstream webhooks (raised by the webhook intake) and our own writes through the feature modules.
  @OnDomainEvent(ApolloLeadCreated)
  @OnDomainEvent(ApolloLeadUpdated)
  @OnDomainEvent(ApolloContactEnriched)
  onApolloChange(): void {
    this.upstreamChanged(['apollo_contacts']);
  }

  @OnDomainEvent(AvinodeAvailabilityUpdated)
  onAvailabilityChange(): void {
    this.upstreamChanged(['avinode_availability']);
  }

  // A confirmation or cancellation also frees or holds aircraft days.
  @OnDomainEvent(AvinodeBookingConfirmed)
  @OnDomainEvent(AvinodeBookingCancelled)
  @OnDomainEvent(CharterRequestCreated)
  @OnDomainEvent(BookingConfirmed)
  @OnDomainEvent(BookingCancelled)
  @OnDomainEvent(BookingModified)
  onBookingChange(): void {
    this.upstreamChanged(['avinode_bookings', 'avinode_availability']);
  }

  @OnDomainEvent(N8nExecutionStatusChanged)
  @OnDomainEvent(N8nWorkflowCompleted)
  @OnDomainEvent(N8nWorkflowFailed)
  @OnDomainEvent(N8nWorkflowExecuted)
  onExecutionChange(): void {
    this.upstreamChanged(['n8n_executions']);
  }

  /** Queues an incremental sync of the streams (trigger `webhook`), applied after the debounce window. */
  upstreamChanged(streams: readonly SyncStreamName[]): void {
    if (this.stopped) return;
    for (const stream of streams) this.pending.add(stream);
    this.retries = 0;
    this.arm(this.config.sync.webhookDebounceMs);
  }

  private arm(delayMs: number): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    if (this.pending.size === 0 || this.stopped) return;
    try {
      const states = await this.runner.states([...this.pending]);
      // Only streams with a baseline and an active schedule: `stop` pauses automatic syncing of every kind.
      const eligible = states
        .filter((state) => state.lastSuccessAt !== null && state.scheduleEnabled)
        .map((state) => state.stream as SyncStreamName);
      for (const stream of [...this.pending]) if (!eligible.includes(stream)) this.pending.delete(stream);
      const free = eligible.filter((stream) => !this.runner.activeStreams().includes(stream));
      if (free.length > 0) {
        const started = await this.runner.start({ streams: free, trigger: 'webhook', kind: 'incremental' });
        for (const stream of started?.run.streams ?? []) this.pending.delete(stream as SyncStreamName);
      }
    } catch (error) {
      this.logger.warn(`Webhook-triggered sync could not start: ${safeErrorMessage(error)}`);
    }
    // Streams busy in a run (here or on another instance) are retried: their run may have read the feed before the change.
    if (this.pending.size > 0 && this.retries++ < WEBHOOK_MAX_RETRIES) this.arm(WEBHOOK_RETRY_MS);
    else this.pending.clear();
  }
}
