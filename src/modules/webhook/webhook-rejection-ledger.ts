import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { fitColumn } from '../../common/database/fit-column.js';
import type { ClientAddress } from '../../common/http/client-address.js';
import { WebhookRejected, type WebhookRejectionSummary } from './events/index.js';
import { publishAndWait } from '../../common/events/publish.js';

export interface RefusedDelivery {
  source: string;
  status: number;
  reason: string;
  messageId: string | null;
  address: ClientAddress;
}

const MINUTE_MS = 60_000;
/** Distinct reasons and addresses kept per bucket; the rest are summed under `(other)`. */
const MAX_DISTINCT = 20;
const MAX_SAMPLE_IDS = 10;
const FLUSH_INTERVAL_MS = 5_000;

/**
 * Counts refused webhook deliveries per source and minute in memory and writes each finished minute as one audit entry
 * (`webhook.rejected` with the counts), so refusals cost no database write each. Every refusal is counted whatever its
 * message id; what goes into the entry is bounded. The open minute is written at shutdown.
 */
@Injectable()
export class WebhookRejectionLedger implements OnModuleDestroy {
  private readonly buckets = new Map<string, WebhookRejectionSummary>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly events: EventEmitter2) {
    this.timer = setInterval(() => void this.flush(false), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
  }

  count(refused: RefusedDelivery, now = Date.now()): void {
    const minute = now - (now % MINUTE_MS);
    const key = `${refused.source}|${minute}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      const at = new Date(now).toISOString();
      bucket = {
        source: refused.source,
        minute,
        count: 0,
        byStatus: {},
        byReason: {},
        byAddress: {},
        sampleMessageIds: [],
        firstAt: at,
        lastAt: at,
      };
      this.buckets.set(key, bucket);
    }
    bucket.count++;
    bucket.lastAt = new Date(now).toISOString();
    increment(bucket.byStatus, String(refused.status));
    increment(bucket.byReason, fitColumn(refused.reason, 200), MAX_DISTINCT);
    const { client, peer } = refused.address;
    increment(bucket.byAddress, client === peer ? client : `${client} via ${peer}`, MAX_DISTINCT);
    if (refused.messageId !== null && bucket.sampleMessageIds.length < MAX_SAMPLE_IDS)
      bucket.sampleMessageIds.push(fitColumn(refused.messageId, 128));
  }

  /** Writes the finished minutes (all of them with `includeOpen`, e.g. at shutdown) as audit entries. */
  async flush(includeOpen: boolean, now = Date.now()): Promise<void> {
    const currentMinute = now - (now % MINUTE_MS);
    const due = [...this.buckets].filter(([, bucket]) => includeOpen || bucket.minute < currentMinute);
    for (const [key, bucket] of due) {
      this.buckets.delete(key);
      await publishAndWait(this.events, new WebhookRejected(bucket));
    }
  }
}

function increment(counts: Record<string, number>, key: string, maxDistinct = Infinity): void {
  const existing = counts[key];
  if (existing !== undefined) counts[key] = existing + 1;
  else if (Object.keys(counts).length < maxDistinct) counts[key] = 1;
  else counts['(other)'] = (counts['(other)'] ?? 0) + 1;
}
