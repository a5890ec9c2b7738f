import { Injectable, Logger, Optional } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import {
  AppConfig,
  type UpstreamName,
  type WebhookSourceAuthConfig,
  type WebhookSourceName,
} from '../../common/config/app-config.js';
import type { WebhookAuthScheme } from '../../common/config/environment.js';
import { DomainError } from '../../common/errors/domain-error.js';
import { EmbeddedSandboxes } from '../../common/mcp/embedded-sandbox.provider.js';
import { WEBHOOK_SOURCES } from './webhook.catalog.js';
import { generateSecret, parseSecret, safeEqual, type SigningKey, sign, verify } from './webhook-signature.js';

/** The MCP server whose sandbox sends a source's events, for the embedded default. */
export const SANDBOX_OF_SOURCE: Partial<Record<WebhookSourceName, UpstreamName>> = {
  apollo: 'apollo',
  avainode: 'avinode',
  n8n: 'n8n',
};

export interface SourceCredentials {
  source: WebhookSourceName;
  scheme: WebhookAuthScheme;
  /** Credentials exist for the scheme; otherwise every delivery is refused. */
  configured: boolean;
  /**
   * The in-process sandbox server sends this source's events: with Standard Webhooks under a secret generated at boot,
   * with HTTP Basic (Avinode's scheme) under the configured credentials.
   */
  embedded: boolean;
  secrets: readonly string[];
  keys: readonly SigningKey[];
  basic: { user: string; password: string } | undefined;
  sharedSecret: string | undefined;
}

export interface Authenticated {
  scheme: WebhookAuthScheme;
  /** `webhook-id` for Standard Webhooks (verified as part of the signature). */
  messageId: string | undefined;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Per-source authentication, chosen by configuration: Standard Webhooks, HTTP Basic or a shared-secret header. */
@Injectable()
export class WebhookAuthService {
  private readonly logger = new Logger('WebhookAuth');
  private readonly credentials: Record<WebhookSourceName, SourceCredentials>;

  constructor(
    private readonly config: AppConfig,
    @Optional() sandboxes?: EmbeddedSandboxes,
  ) {
    const embeddedAvailable = sandboxes !== undefined;
    this.credentials = Object.fromEntries(
      WEBHOOK_SOURCES.map((source) => [
        source,
        this.resolve(source, config.webhooks.sources[source], embeddedAvailable),
      ]),
    ) as Record<WebhookSourceName, SourceCredentials>;
  }

  for(source: WebhookSourceName): SourceCredentials {
    return this.credentials[source];
  }

  /** Sources whose secret is generated and must be given to the in-process sandbox server. */
  embeddedSources(): SourceCredentials[] {
    return WEBHOOK_SOURCES.map((source) => this.credentials[source]).filter((c) => c.embedded);
  }

  /** Throws 403 when the source has no credentials, 401 when the request's do not match. */
  authenticate(source: WebhookSourceName, headers: IncomingHttpHeaders, rawBody: Buffer): Authenticated {
    const credentials = this.credentials[source];
    if (!credentials.configured) {
      throw new DomainError(
        'forbidden',
        `Webhook source "${source}" has no credentials configured (scheme ${credentials.scheme}); deliveries are refused`,
        { extensions: { source, authScheme: credentials.scheme } },
      );
    }
    switch (credentials.scheme) {
      case 'standard': {
        const id = header(headers, 'webhook-id');
        const result = verify(
          credentials.keys,
          { id, timestamp: header(headers, 'webhook-timestamp'), signature: header(headers, 'webhook-signature') },
          rawBody,
        );
        if (!result.ok) throw this.unauthorized(source, 'standard', result.message, result.failure);
        return { scheme: 'standard', messageId: id };
      }
      case 'basic': {
        const authorization = header(headers, 'authorization') ?? '';
        const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
        const decoded = match?.[1] ? Buffer.from(match[1], 'base64').toString('utf8') : undefined;
        const colon = decoded?.indexOf(':') ?? -1;
        const expected = credentials.basic;
        // Both halves are always compared, so timing does not reveal which one was wrong.
        const ok =
          decoded !== undefined &&
          colon >= 0 &&
          expected !== undefined &&
          safeEqual(decoded.slice(0, colon), expected.user) &&
          safeEqual(decoded.slice(colon + 1), expected.password);
        if (!ok) throw this.unauthorized(source, 'basic', 'HTTP Basic credentials are missing or wrong', 'basic');
        return { scheme: 'basic', messageId: undefined };
      }
      case 'shared-secret': {
        const name = this.config.webhooks.sharedSecretHeader;
        const presented = header(headers, name);
        const ok = presented !== undefined && safeEqual(presented, credentials.sharedSecret ?? '');
        if (!ok)
          throw this.unauthorized(source, 'shared-secret', `Header ${name} is missing or wrong`, 'shared_secret');
        return { scheme: 'shared-secret', messageId: undefined };
      }
    }
  }

  /**
   * Headers that make `body` an authentic delivery for `source` (used by the test event). Standard Webhooks uses the
   * newest (first) secret.
   */
  signingHeaders(source: WebhookSourceName, messageId: string, body: string): Record<string, string> {
    const credentials = this.credentials[source];
    switch (credentials.scheme) {
      case 'standard': {
        const timestamp = Math.floor(Date.now() / 1000);
        return {
          'webhook-id': messageId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': sign(credentials.secrets[0] ?? '', messageId, timestamp, body),
        };
      }
      case 'basic': {
        const { user, password } = credentials.basic ?? { user: '', password: '' };
        return {
          authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
          'webhook-id': messageId,
        };
      }
      case 'shared-secret':
        return { [this.config.webhooks.sharedSecretHeader]: credentials.sharedSecret ?? '', 'webhook-id': messageId };
    }
  }

  private unauthorized(source: string, scheme: WebhookAuthScheme, message: string, failure: string): DomainError {
    return new DomainError('unauthorized', message, { extensions: { source, authScheme: scheme, failure } });
  }

  private resolve(
    source: WebhookSourceName,
    configured: WebhookSourceAuthConfig,
    embeddedAvailable: boolean,
  ): SourceCredentials {
    const sandbox = SANDBOX_OF_SOURCE[source];
    const sandboxEmbedded =
      embeddedAvailable && sandbox !== undefined && this.config.mcp.servers[sandbox].urls.length === 0;
    const generated = sandboxEmbedded && configured.scheme === 'standard' && configured.secrets.length === 0;
    const embedded = generated || (sandboxEmbedded && configured.scheme === 'basic' && configured.basic !== undefined);
    const secrets = generated ? [generateSecret()] : configured.secrets;
    if (generated) this.logger.log(`${source}: no webhook secret configured; sharing a generated one with the sandbox`);
    const isConfigured =
      configured.scheme === 'standard'
        ? secrets.length > 0
        : configured.scheme === 'basic'
          ? configured.basic !== undefined
          : configured.sharedSecret !== undefined;
    return {
      source,
      scheme: configured.scheme,
      configured: isConfigured,
      embedded,
      secrets,
      keys: secrets.map(parseSecret),
      basic: configured.basic,
      sharedSecret: configured.sharedSecret,
    };
  }
}
