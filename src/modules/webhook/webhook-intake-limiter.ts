import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { FixedWindowCounter } from '../../common/auth/fixed-window-counter.js';
import { AppConfig, type WebhookSourceName } from '../../common/config/app-config.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { addressKey } from '../../common/http/client-address.js';

const WINDOW_MS = 60_000;

/**
 * Deliveries per minute per sender address and per source, checked when the request arrives — before its body is read
 * or any signature is computed — so a flood costs the intake almost nothing. Per instance, like the API rate limit.
 */
@Injectable()
export class WebhookIntakeLimiter implements OnModuleDestroy {
  private readonly perAddress = new FixedWindowCounter(WINDOW_MS);
  private readonly perSource = new FixedWindowCounter(WINDOW_MS);
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly config: AppConfig) {
    this.sweeper = setInterval(() => {
      this.perAddress.sweep();
      this.perSource.sweep();
    }, WINDOW_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  /** Throws 429 (with Retry-After) when the address or the source is over its limit; counts the delivery otherwise. */
  admit(source: WebhookSourceName | undefined, address: string, now = Date.now()): void {
    const { webhookPerAddressPerMinute, webhookPerSourcePerMinute } = this.config.security;
    const byAddress = this.perAddress.hit(addressKey(address), now);
    if (byAddress.count > webhookPerAddressPerMinute) {
      throw limited(`from this address`, webhookPerAddressPerMinute, byAddress.resetAt - now);
    }
    // An unknown source is refused later (404); it has no budget of its own to spend.
    if (!source) return;
    const bySource = this.perSource.hit(source, now);
    if (bySource.count > webhookPerSourcePerMinute) {
      throw limited(`for source "${source}"`, webhookPerSourcePerMinute, bySource.resetAt - now);
    }
  }
}

function limited(scope: string, limit: number, resetInMs: number): DomainError {
  return new DomainError('rate_limited', `More than ${limit} webhook deliveries a minute ${scope}`, {
    retryAfterSeconds: resetInMs / 1000,
    extensions: { limit },
  });
}
