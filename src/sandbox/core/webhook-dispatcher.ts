import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

import { Webhook } from 'standardwebhooks';
import { z } from 'zod';

/**
 * Where a sandbox server sends its events, and how it authenticates: `secret`, a Standard Webhooks secret
 * (`whsec_<base64>`) that signs every delivery, or `basic`, HTTP Basic credentials as Avinode sends them (the id and
 * secret given in its webhook settings, `clientAuthenticationType: "BASIC"`; reference-link/createsettings).
 */
export const webhookConfigSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    secret: z
      .string()
      .regex(/^whsec_[A-Za-z0-9+/]+=*$/, 'secret must look like whsec_<base64>')
      .optional(),
    basic: z
      .object({ user: z.string().min(1), password: z.string().min(1) })
      .strict()
      .optional(),
    /**
     * The event types to send (as a receiver subscribes to some of a sender's events); every type when absent. Events
     * of other types are not sent and not counted.
     */
    types: z.array(z.string().min(1).max(100)).min(1).max(100).optional(),
    /** Total tries per event, the first included. */
    attempts: z.number().int().min(1).max(20).optional(),
    /** Delay before the first retry; doubled for each further retry. */
    baseDelayMs: z.number().int().min(0).max(3_600_000).optional(),
  })
  .strict()
  .refine((c) => (c.secret === undefined) !== (c.basic === undefined), {
    message: 'give either secret (Standard Webhooks) or basic (HTTP Basic), not both',
    path: ['secret'],
  });

export type SandboxWebhookConfig = z.infer<typeof webhookConfigSchema>;

export interface WebhookStats {
  configured: boolean;
  /** Events accepted for delivery since start. */
  queued: number;
  delivered: number;
  /** Events given up after the last attempt. */
  failed: number;
  /** Events never sent because of the `dropWebhooks` fault. */
  dropped: number;
  /** Events still waiting for an attempt or a retry. */
  pending: number;
  /** HTTP attempts made, retries included. */
  attempts: number;
  lastError?: string;
}

interface Delivery {
  id: string;
  body: string;
  config: ResolvedConfig;
  /** Null with HTTP Basic: nothing is signed. */
  signer: Webhook | null;
  attempt: number;
}

type ResolvedConfig = SandboxWebhookConfig & { attempts: number; baseDelayMs: number };

const DEFAULT_ATTEMPTS = 5;
const DEFAULT_BASE_DELAY_MS = 500;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Signs and delivers events in the background, retrying with exponential backoff; a tool call only enqueues.
 * Each event keeps its `webhook-id` across retries (the receiver's dedupe key) and is re-signed per attempt.
 */
export class WebhookDispatcher {
  private config: ResolvedConfig | null = null;
  private signer: Webhook | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  private readonly stats: WebhookStats = {
    configured: false,
    queued: 0,
    delivered: 0,
    failed: 0,
    dropped: 0,
    pending: 0,
    attempts: 0,
  };
  private closed = false;

  constructor(config?: SandboxWebhookConfig | null) {
    this.configure(config ?? null);
  }

  configure(config: SandboxWebhookConfig | null): void {
    if (config === null) {
      this.config = null;
      this.signer = null;
    } else {
      const parsed = webhookConfigSchema.parse(config);
      this.config = {
        ...parsed,
        attempts: parsed.attempts ?? DEFAULT_ATTEMPTS,
        baseDelayMs: parsed.baseDelayMs ?? DEFAULT_BASE_DELAY_MS,
      };
      this.signer = parsed.secret !== undefined ? new Webhook(parsed.secret) : null;
    }
    this.stats.configured = this.config !== null;
  }

  get current(): { url: string; attempts: number; baseDelayMs: number; types?: string[] } | null {
    if (!this.config) return null;
    const { url, attempts, baseDelayMs, types } = this.config;
    return { url, attempts, baseDelayMs, ...(types ? { types } : {}) };
  }

  /** Whether events of this type are sent at all (a callback URL is set and the type is subscribed). */
  wants(type: string): boolean {
    return this.config !== null && (this.config.types === undefined || this.config.types.includes(type));
  }

  snapshot(): WebhookStats {
    return { ...this.stats };
  }

  /**
   * Queues `{type, timestamp, data}`; a no-op when no callback URL is configured. With HTTP Basic, a thin notification
   * (`data` is exactly `{id, href}`) goes out as Avinode sends it: the body `{id, href, type}` itself
   * (docs/avinode-webhooks).
   */
  emit(type: string, data: Record<string, unknown>, timestamp: Date): void {
    if (!this.config || this.closed || !this.wants(type)) return;
    const keys = Object.keys(data).sort().join(',');
    const native = this.config.basic !== undefined && keys === 'href,id';
    const delivery: Delivery = {
      id: `msg_${randomUUID().replaceAll('-', '')}`,
      body: JSON.stringify(native ? { ...data, type } : { type, timestamp: timestamp.toISOString(), data }),
      config: this.config,
      signer: this.signer,
      attempt: 0,
    };
    this.stats.queued++;
    this.stats.pending++;
    this.schedule(delivery, 0);
  }

  /** Counts an event the `dropWebhooks` fault keeps from being sent (when a callback URL is configured). */
  drop(type: string): void {
    if (this.wants(type) && !this.closed) this.stats.dropped++;
  }

  /** Cancels retries and aborts requests in flight. */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
  }

  private schedule(delivery: Delivery, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(delivery);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async attempt(delivery: Delivery): Promise<void> {
    if (this.closed) return;
    delivery.attempt++;
    this.stats.attempts++;
    const error = await this.post(delivery);
    if (this.closed) return;
    if (error === null) {
      this.stats.delivered++;
      this.stats.pending--;
      return;
    }
    this.stats.lastError = error;
    if (delivery.attempt >= delivery.config.attempts) {
      this.stats.failed++;
      this.stats.pending--;
      return;
    }
    this.schedule(delivery, delivery.config.baseDelayMs * 2 ** (delivery.attempt - 1));
  }

  /** Resolves to null on a 2xx answer, otherwise to a description of the failure. */
  private post(delivery: Delivery): Promise<string | null> {
    const url = new URL(delivery.config.url);
    const timestamp = new Date();
    const basic = delivery.config.basic;
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(delivery.body)),
      'user-agent': 'jetvision-sandbox-webhooks/1',
      ...(delivery.signer
        ? {
            'webhook-id': delivery.id,
            'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
            'webhook-signature': delivery.signer.sign(delivery.id, timestamp, delivery.body),
          }
        : {}),
      ...(basic ? { authorization: `Basic ${Buffer.from(`${basic.user}:${basic.password}`).toString('base64')}` } : {}),
    };
    const controller = new AbortController();
    this.inFlight.add(controller);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<string | null>((resolve) => {
      const req = send(url, {
        method: 'POST',
        headers,
        agent: false,
        signal: controller.signal,
        timeout: REQUEST_TIMEOUT_MS,
      });
      const finish = (result: string | null): void => {
        this.inFlight.delete(controller);
        resolve(result);
      };
      req.on('response', (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          finish(status >= 200 && status < 300 ? null : `HTTP ${status}`);
        });
        res.on('error', (err) => finish(err.message));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', (err) => finish(err.message));
      req.end(delivery.body);
    });
  }
}
