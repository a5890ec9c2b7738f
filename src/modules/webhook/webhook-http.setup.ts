import { Injectable, Logger, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import { AppConfig, type WebhookSourceName } from '../../common/config/app-config.js';
import { clientAddressOf } from '../../common/http/client-address.js';
import { problemFor, sendProblem } from '../../common/http/problem-details.filter.js';
import { EmbeddedSandboxes } from '../../common/mcp/embedded-sandbox.provider.js';
import { SANDBOX_OF_SOURCE, WebhookAuthService } from './webhook-auth.service.js';
import type { IntakeContext } from './webhook-intake.service.js';
import { SUBSCRIBED_EVENT_TYPES, resolveSource } from './webhook.catalog.js';
import { WebhookIntakeLimiter } from './webhook-intake-limiter.js';
import { WebhookRejectionLedger } from './webhook-rejection-ledger.js';
import { WebhookMetrics } from './webhook.metrics.js';
import { safeErrorMessage } from '../../common/logging/safe-errors.js';

/** Route patterns of the intake (the operations routes under the same prefix are not intake). */
export const INTAKE_ROUTES = ['/api/integration/webhook/:source', '/api/integration/webhook'];

export interface TrackedIntake extends IntakeContext {
  reason?: string;
}

/**
 * The intake's HTTP concerns that live in Fastify rather than in a controller, registered while the application is
 * built (hooks cannot be added after it boots): the intake's own body limit, auditing of refused deliveries (including
 * the 413s Fastify answers before any controller runs), and, once the server listens, pointing the embedded sandbox
 * servers' webhooks at this process with the shared generated secrets.
 */
@Injectable()
export class WebhookHttpSetup {
  private readonly logger = new Logger('Webhooks');
  private readonly tracked = new WeakMap<FastifyRequest, TrackedIntake>();
  private readonly fastify: FastifyInstance | undefined;
  private wiring: Promise<void> | undefined;
  private resolveWired: (() => void) | undefined;
  /** Resolves once embedded sandboxes (if any) send their webhooks here. */
  readonly embeddedWired: Promise<void>;

  constructor(
    private readonly config: AppConfig,
    private readonly auth: WebhookAuthService,
    private readonly metrics: WebhookMetrics,
    private readonly limiter: WebhookIntakeLimiter,
    private readonly ledger: WebhookRejectionLedger,
    adapterHost: HttpAdapterHost,
    @Optional() private readonly sandboxes?: EmbeddedSandboxes,
  ) {
    this.embeddedWired = new Promise<void>((resolve) => (this.resolveWired = resolve));
    this.fastify = adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!this.fastify) {
      this.resolveWired?.();
      return;
    }
    const limit = config.webhooks.bodyLimitBytes;
    const admit = this.admit.bind(this);
    this.fastify.addHook('onRoute', (route) => {
      if (!INTAKE_ROUTES.includes(route.url) || route.method !== 'POST') return;
      route.bodyLimit = limit;
      // Before the body is read: a flood is refused without parsing or signature work.
      route.onRequest = [...(route.onRequest ? [route.onRequest].flat() : []), admit];
    });
    this.fastify.addHook('onResponse', async (request, reply) => {
      if (request.method !== 'POST' || !INTAKE_ROUTES.includes(request.routeOptions.url ?? '')) return;
      const status = reply.statusCode;
      if (status < 400) return;
      const context = this.tracked.get(request);
      const source = context?.source ?? knownSource(request) ?? 'unknown';
      this.metrics.received.inc({ source, outcome: String(status) });
      this.ledger.count({
        source,
        status,
        reason: context?.reason ?? (status === 413 ? 'The request body exceeds the size limit' : `HTTP ${status}`),
        messageId: context?.messageId ?? messageIdOf(request),
        address: clientAddressOf(request),
      });
    });
    this.fastify.addHook('onListen', async () => {
      this.wiring ??= this.wireEmbeddedSandboxes().finally(() => this.resolveWired?.());
    });
  }

  private async admit(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const source = knownSource(request);
    try {
      this.limiter.admit(source, request.ip);
    } catch (error) {
      this.track(request, { ...(source ? { source } : {}), reason: (error as Error).message });
      const { problem, headers } = problemFor(error, { url: request.url, id: String(request.id) }, this.logger);
      sendProblem(reply, problem, headers);
      return reply;
    }
  }

  /** The context a controller collected for a delivery, read when the response is sent. */
  track(request: FastifyRequest, context: TrackedIntake): void {
    this.tracked.set(request, context);
  }

  /** This process's own address as a base URL, once listening. */
  listeningUrl(): string | undefined {
    const address = this.fastify?.server.address();
    if (!address || typeof address === 'string') return undefined;
    return `http://${hostOf(address)}:${address.port}`;
  }

  private async wireEmbeddedSandboxes(): Promise<void> {
    const sources = this.auth.embeddedSources();
    if (sources.length === 0 || !this.sandboxes) return;
    const baseUrl = this.config.webhooks.publicUrl ?? this.listeningUrl();
    if (!baseUrl) return;
    try {
      await this.sandboxes.start();
      for (const credentials of sources) {
        const server = SANDBOX_OF_SOURCE[credentials.source];
        const handle = server ? this.sandboxes.get(server) : undefined;
        const secret = credentials.secrets[0];
        const url = `${baseUrl}/api/integration/webhook/${credentials.source}`;
        if (!handle) continue;
        const subscribed = SUBSCRIBED_EVENT_TYPES[credentials.source];
        const types = subscribed ? { types: [...subscribed] } : {};
        if (credentials.scheme === 'basic' && credentials.basic) {
          handle.setWebhook({ url, basic: credentials.basic, ...types });
          this.logger.log(`${credentials.source}: the embedded sandbox sends webhooks with HTTP Basic to ${url}`);
          continue;
        }
        if (!secret) continue;
        handle.setWebhook({ url, secret, ...types });
        this.logger.log(`${credentials.source}: the embedded sandbox sends signed webhooks to ${url}`);
      }
    } catch (error) {
      this.logger.error(`Could not configure the embedded sandboxes' webhooks: ${safeErrorMessage(error)}`);
    }
  }
}

/** The delivery's source if it names a known one; never the raw name (attacker-chosen, unbounded). */
function knownSource(request: FastifyRequest): WebhookSourceName | undefined {
  const params = request.params as Record<string, unknown> | undefined;
  const query = request.query as Record<string, unknown> | undefined;
  const value = params?.['source'] ?? query?.['source'];
  return typeof value === 'string' ? resolveSource(value) : undefined;
}

function messageIdOf(request: FastifyRequest): string | null {
  const value = request.headers['webhook-id'] ?? request.headers['idempotency-key'];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function hostOf(address: AddressInfo): string {
  if (address.address === '0.0.0.0' || address.address === '::') return '127.0.0.1';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}
