import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { type ValidationError, validateSync } from 'class-validator';
import { type ConfiguredApiKey, parseApiKeys } from '../auth/api-key-scope.js';
import { keyFingerprint } from '../auth/api-key.verifier.js';
import type { SlowClientLimits } from '../http/slow-clients.js';
import { credentialsInUrl } from '../mcp/url-secrets.js';
import { EnvironmentVariables, type LogLevel, type McpOAuthGrant, type WebhookAuthScheme } from './environment.js';

export type UpstreamName = 'apollo' | 'avinode' | 'n8n';

/** Systems that push events to the webhook intake (`lead` is JetVision's own tools starting a pipeline run). */
export type WebhookSourceName = 'apollo' | 'avainode' | 'n8n' | 'lead';

export interface WebhookSourceAuthConfig {
  scheme: WebhookAuthScheme;
  /** Standard Webhooks secrets (`whsec_…`); several during a rotation. */
  secrets: readonly string[];
  basic: { user: string; password: string } | undefined;
  sharedSecret: string | undefined;
}

type WebhookEnvPrefix = 'APOLLO' | 'AVAINODE' | 'N8N' | 'LEAD';

function webhookSource(env: EnvironmentVariables, prefix: WebhookEnvPrefix): WebhookSourceAuthConfig {
  const user = env[`WEBHOOK_${prefix}_BASIC_USER`];
  const password = env[`WEBHOOK_${prefix}_BASIC_PASSWORD`];
  const sharedSecret = env[`WEBHOOK_${prefix}_SHARED_SECRET`];
  return {
    scheme: env[`WEBHOOK_${prefix}_AUTH`],
    secrets: env[`WEBHOOK_${prefix}_SECRETS`].split(/[\s,]+/).filter((secret) => secret.length > 0),
    basic: user && password ? { user, password } : undefined,
    sharedSecret: sharedSecret || undefined,
  };
}

export interface UpstreamServerConfig {
  /**
   * Streamable HTTP endpoints of the same server (replicas behind one upstream); empty means "start the project's
   * sandbox server in-process".
   */
  urls: readonly string[];
  bearerToken: string | undefined;
  /** `bearer`: `bearerToken` as is (or nothing); `oauth`: tokens from the server's authorization server. */
  auth: McpServerAuthConfig;
  ratePerMinute: number;
}

export type McpServerAuthConfig =
  | { mode: 'bearer' }
  | {
      mode: 'oauth';
      grant: McpOAuthGrant;
      clientId: string;
      clientSecret: string | undefined;
      scope: string | undefined;
    };

/** Thrown at boot when the environment is invalid; the message lists every bad variable and why. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid environment (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  - ${problems.join('\n  - ')}`,
    );
    this.name = 'ConfigValidationError';
  }
}

/**
 * The one typed configuration object. Built once at boot from the environment (nothing else reads `process.env`)
 * and injected by class: `constructor(private readonly config: AppConfig)`.
 */
export class AppConfig {
  readonly env: 'development' | 'production' | 'test';
  readonly http: {
    port: number;
    host: string;
    bodyLimitBytes: number;
    docsEnabled: boolean;
    shutdownTimeoutMs: number;
  };
  readonly database:
    | { kind: 'postgres'; url: string; poolSize: number; jobsSchema: string }
    | { kind: 'embedded'; dataDir: string; jobsSchema: string };
  readonly dataDir: string;
  readonly auth: {
    apiKeys: readonly ConfiguredApiKey[];
    /** True when no key was configured and one was generated for this process (printed at startup). */
    generatedKey: boolean;
    ratePerMinute: number;
    anonymousRatePerMinute: number;
  };
  /** `queries`: every SQL statement logged at debug level (text and parameter count, never the values). */
  readonly logging: { level: LogLevel; format: 'json' | 'pretty'; queries: boolean };
  /** OpenTelemetry: spans exported over OTLP/HTTP when `otlpEndpoint` is set, otherwise off. */
  readonly tracing: { otlpEndpoint: string | undefined; serviceName: string };
  /** Limits an attacker meets (README "Security"). */
  readonly security: {
    /** Proxies whose X-Forwarded-For is believed (addresses, CIDRs, proxy-addr keywords); empty: none. */
    trustProxy: readonly string[];
    authFailuresBeforeLockout: number;
    authLockoutSeconds: number;
    authLockoutMaxSeconds: number;
    webhookPerSourcePerMinute: number;
    webhookPerAddressPerMinute: number;
    /** Deadlines and caps for slow or greedy HTTP clients (see common/http/slow-clients.ts). */
    slowClients: SlowClientLimits;
    /** Node types allowed in API-created workflows besides the built-in safe set (see n8n/workflow-policy.ts). */
    n8nExtraNodeTypes: readonly string[];
    /** Hosts HTTP-capable workflow nodes may call (names, *.domain, IPs, CIDRs, `*` for any public host). */
    n8nAllowedHttpHosts: readonly string[];
  };
  readonly mcp: {
    servers: Record<UpstreamName, UpstreamServerConfig>;
    oauth: {
      /** AES-256-GCM key for tokens at rest; undefined: a random one per process (not in production). */
      encryptionKey: Buffer | undefined;
      /** Callback of the operator sign-in; undefined: this process's own address. */
      redirectUrl: string | undefined;
      refreshSkewSeconds: number;
    };
    callTimeoutMs: number;
    connectTimeoutMs: number;
    maxRetries: number;
    breakerThreshold: number;
    breakerCooldownMs: number;
    maxConcurrentCalls: number;
    maxQueuedCalls: number;
    reconnectMinDelayMs: number;
    reconnectMaxDelayMs: number;
    retryBaseDelayMs: number;
    retryMaxDelayMs: number;
    healthCheckIntervalMs: number;
    sandboxSeed: number;
    /** Serve `/admin/*` on the in-process sandbox servers. */
    sandboxAdmin: boolean;
    /** Tool profile the in-process Apollo sandbox serves (`SANDBOX_APOLLO_PROFILE`). */
    sandboxApolloProfile: 'jetvision' | 'official';
    /** The in-process Avinode sandbox runs the broker flow (with AVINODE_QUOTE_FLOW=trip) at this pace. */
    sandboxAvinodeTripFlow: { minuteMs: number } | undefined;
    /**
     * AVINODE_MODE=live: the in-process Avinode server calls the real REST API with these settings (when
     * AVAINODE_MCP_SERVER_URL is unset). The tokens are secrets: never logged, redacted from messages.
     */
    avinodeLive: AvinodeLiveConfig | undefined;
  };
  readonly cache: {
    defaultTtlSeconds: number;
    /** Overrides of the default TTL by namespace (e.g. `apollo.account`). */
    namespaceTtlSeconds: Readonly<Record<string, number>>;
    maxEntries: number;
  };
  readonly webhooks: {
    sources: Record<WebhookSourceName, WebhookSourceAuthConfig>;
    sharedSecretHeader: string;
    bodyLimitBytes: number;
    maxAttempts: number;
    retryDelaySeconds: number;
    retryBackoff: boolean;
    concurrency: number;
    /** Events a processing worker fetches and records at once. */
    processBatchSize: number;
    /** Deliveries stored by one statement at most (1: each on its own). */
    intakeBatchMax: number;
    jobTimeoutSeconds: number;
    /** Base URL embedded sandboxes call back; undefined means this process's listening address. */
    publicUrl: string | undefined;
    /** Test aid: SIGKILL after the listeners of this many events ran, before their status commits (0: off). */
    crashAfterEvents: number;
  };
  readonly sync: {
    enabled: boolean;
    intervalSeconds: Record<'apollo_contacts' | 'avinode_availability' | 'avinode_bookings' | 'n8n_executions', number>;
    pageSize: number;
    consistencySampleSize: number;
    staleAfterSeconds: number;
    webhookDebounceMs: number;
  };
  readonly audit: { retentionDays: number };
  readonly pipeline: {
    batchSize: number;
    batchPauseMs: number;
    batchMaxLeads: number;
    concurrency: number;
    /** Runs in flight across the cluster; the rest wait as `queued`. */
    maxRunsInFlight: number;
    /** Later steps first (job priority by step); false: arrival order. */
    stepPriority: boolean;
    candidatesToPrice: number;
    stepRetryLimit: number;
    stepRetryDelaySeconds: number;
    stepTimeoutSeconds: number;
    /** Longest wait for a confirmation (the quote's validity ends it sooner). */
    confirmationTimeoutSeconds: number;
    /** `trip`: quotes come from Avinode's broker flow over time (AVINODE_QUOTE_FLOW); `instant`: at once. */
    quoteFlow: 'instant' | 'trip';
    quoteDeadlineSeconds: number;
    quotesEnough: number;
    /** Minutes between reconciliations of open trips' RFQs (0: never). */
    tripReconcileMinutes: number;
    n8nWebhookPath: string;
    /** Test aid (never in production): SIGKILL right after this step's side effect. */
    crashAfterStep: 'enrich' | 'search' | 'price' | 'request' | 'notify' | null;
  };

  constructor(values: Omit<AppConfig, never>) {
    Object.assign(this, values);
  }

  /**
   * Validates a raw environment and builds the typed configuration, or throws listing every problem. Without API_KEYS
   * the admin key comes from `options.generatedKey` (the process keeps it in DATA_DIR), else a fresh random one.
   */
  static fromEnvironment(
    raw: Readonly<Record<string, string | undefined>>,
    options: { generatedKey?: (dataDir: string) => string } = {},
  ): AppConfig {
    const known = Object.keys(new EnvironmentVariables());
    const optionalKnown = [
      'DATABASE_URL',
      'API_KEYS',
      'LOG_FORMAT',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'APOLLO_MCP_SERVER_URL',
      'AVAINODE_MCP_SERVER_URL',
      'N8N_MCP_SERVER_URL',
      'APOLLO_API_KEY',
      'AVAINODE_API_KEY',
      'N8N_MCP_AUTH_TOKEN',
      'MCP_EMBEDDED_SANDBOXES',
      'MCP_OAUTH_REDIRECT_URL',
    ];
    const relevant: Record<string, string> = {};
    for (const key of [...known, ...optionalKnown]) {
      const value = raw[key];
      if (value !== undefined) relevant[key] = value;
    }
    const env = plainToInstance(EnvironmentVariables, relevant, { exposeDefaultValues: true });
    const errors = validateSync(env, { whitelist: true, forbidUnknownValues: true, stopAtFirstError: true });
    const keys = parseApiKeys(env.API_KEYS ?? '', keyFingerprint);
    const problems = [
      ...flattenErrors(errors),
      ...keys.problems,
      ...trustProxyProblems(env.TRUST_PROXY),
      ...mcpUrlCredentialProblems(env),
      ...(errors.length === 0 ? mcpOAuthProblems(env) : []),
      ...(errors.length === 0 ? embeddedSandboxProblems(env) : []),
      ...(errors.length === 0 ? testAidProblems(env) : []),
      ...(errors.length === 0 ? avinodeLiveProblems(env) : []),
    ];
    if (problems.length > 0) throw new ConfigValidationError(problems);
    return AppConfig.fromValidated(env, keys.keys, options.generatedKey);
  }

  private static fromValidated(
    env: EnvironmentVariables,
    configuredKeys: ConfiguredApiKey[],
    keyFor: ((dataDir: string) => string) | undefined,
  ): AppConfig {
    const dataDir = resolve(env.DATA_DIR);
    const generatedKey = configuredKeys.length === 0;
    const apiKeys: ConfiguredApiKey[] = generatedKey
      ? [{ name: 'generated', scope: 'admin', key: keyFor?.(dataDir) ?? `jv_${randomBytes(24).toString('base64url')}` }]
      : configuredKeys;
    const jobsSchema = env.JOBS_SCHEMA;
    return new AppConfig({
      env: env.NODE_ENV,
      http: {
        port: env.PORT,
        host: env.HOST,
        bodyLimitBytes: env.BODY_LIMIT_BYTES,
        docsEnabled: env.DOCS_ENABLED,
        shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      },
      database: env.DATABASE_URL
        ? { kind: 'postgres', url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, jobsSchema }
        : { kind: 'embedded', dataDir: resolve(dataDir, 'pglite'), jobsSchema },
      dataDir,
      auth: {
        apiKeys,
        generatedKey,
        ratePerMinute: env.RATE_LIMIT_PER_MINUTE,
        anonymousRatePerMinute: env.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
      },
      security: {
        trustProxy: listOf(env.TRUST_PROXY),
        authFailuresBeforeLockout: env.AUTH_FAILURES_BEFORE_LOCKOUT,
        authLockoutSeconds: env.AUTH_LOCKOUT_SECONDS,
        authLockoutMaxSeconds: Math.max(env.AUTH_LOCKOUT_SECONDS, env.AUTH_LOCKOUT_MAX_SECONDS),
        webhookPerSourcePerMinute: env.WEBHOOK_RATE_LIMIT_PER_SOURCE_PER_MINUTE,
        webhookPerAddressPerMinute: env.WEBHOOK_RATE_LIMIT_PER_ADDRESS_PER_MINUTE,
        slowClients: {
          headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
          bodyReadTimeoutMs: env.HTTP_BODY_READ_TIMEOUT_MS,
          requestTimeoutMs: Math.max(env.HTTP_REQUEST_TIMEOUT_MS, env.HTTP_HEADERS_TIMEOUT_MS),
          maxConcurrentRequestsPerConnection: env.HTTP_MAX_CONCURRENT_REQUESTS_PER_CONNECTION,
        },
        n8nExtraNodeTypes: listOf(env.N8N_ALLOWED_NODE_TYPES),
        n8nAllowedHttpHosts: listOf(env.N8N_ALLOWED_HTTP_HOSTS).map((host) => host.replace(/^\[(.*)\]$/, '$1')),
      },
      tracing: { otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: env.OTEL_SERVICE_NAME },
      logging: {
        level: env.LOG_LEVEL,
        format: env.LOG_FORMAT ?? (env.NODE_ENV === 'development' ? 'pretty' : 'json'),
        queries: env.LOG_QUERIES,
      },
      mcp: {
        servers: {
          apollo: {
            urls: env.APOLLO_MCP_SERVER_URL ?? [],
            bearerToken: env.APOLLO_API_KEY,
            auth: mcpServerAuth(env, 'APOLLO'),
            ratePerMinute: env.APOLLO_RATE_LIMIT_PER_MINUTE,
          },
          avinode: {
            urls: env.AVAINODE_MCP_SERVER_URL ?? [],
            bearerToken: env.AVAINODE_API_KEY,
            auth: mcpServerAuth(env, 'AVAINODE'),
            ratePerMinute: env.AVAINODE_RATE_LIMIT_PER_MINUTE,
          },
          n8n: {
            urls: env.N8N_MCP_SERVER_URL ?? [],
            bearerToken: env.N8N_MCP_AUTH_TOKEN,
            auth: mcpServerAuth(env, 'N8N'),
            ratePerMinute: env.N8N_RATE_LIMIT_PER_MINUTE,
          },
        },
        oauth: {
          encryptionKey: env.MCP_TOKEN_ENCRYPTION_KEY ? decodeKey(env.MCP_TOKEN_ENCRYPTION_KEY) : undefined,
          redirectUrl: env.MCP_OAUTH_REDIRECT_URL,
          refreshSkewSeconds: env.MCP_OAUTH_REFRESH_SKEW_SECONDS,
        },
        callTimeoutMs: env.MCP_CALL_TIMEOUT_MS,
        connectTimeoutMs: env.MCP_CONNECT_TIMEOUT_MS,
        maxRetries: env.MCP_MAX_RETRIES,
        breakerThreshold: env.MCP_BREAKER_THRESHOLD,
        breakerCooldownMs: env.MCP_BREAKER_COOLDOWN_MS,
        maxConcurrentCalls: env.MCP_MAX_CONCURRENT_CALLS,
        maxQueuedCalls: env.MCP_MAX_QUEUED_CALLS,
        reconnectMinDelayMs: env.MCP_RECONNECT_MIN_DELAY_MS,
        reconnectMaxDelayMs: Math.max(env.MCP_RECONNECT_MIN_DELAY_MS, env.MCP_RECONNECT_MAX_DELAY_MS),
        retryBaseDelayMs: env.MCP_RETRY_BASE_DELAY_MS,
        retryMaxDelayMs: Math.max(env.MCP_RETRY_BASE_DELAY_MS, env.MCP_RETRY_MAX_DELAY_MS),
        healthCheckIntervalMs: env.MCP_HEALTH_CHECK_INTERVAL_MS,
        sandboxSeed: env.SANDBOX_SEED,
        sandboxAdmin: env.MCP_SANDBOX_ADMIN,
        sandboxApolloProfile: env.SANDBOX_APOLLO_PROFILE,
        sandboxAvinodeTripFlow:
          env.AVINODE_QUOTE_FLOW === 'trip' ? { minuteMs: env.SANDBOX_AVINODE_MINUTE_MS } : undefined,
        avinodeLive:
          env.AVINODE_MODE === 'live'
            ? {
                baseUrl: env.AVINODE_API_BASE_URL.trim().replace(/\/+$/, ''),
                apiToken: env.AVINODE_API_TOKEN.trim(),
                authToken: env.AVINODE_AUTH_TOKEN.trim(),
                oauth:
                  env.AVINODE_OAUTH_CLIENT_ID.trim() && env.AVINODE_OAUTH_CLIENT_SECRET.trim()
                    ? {
                        clientId: env.AVINODE_OAUTH_CLIENT_ID.trim(),
                        clientSecret: env.AVINODE_OAUTH_CLIENT_SECRET.trim(),
                      }
                    : undefined,
                product: env.AVINODE_PRODUCT.trim() || 'JetVision-Integration/0.1.0',
                actAsAccount: env.AVINODE_ACT_AS_ACCOUNT.trim() || undefined,
              }
            : undefined,
      },
      cache: {
        defaultTtlSeconds: env.CACHE_TTL_SECONDS,
        namespaceTtlSeconds: parseNamespaceTtls(env.CACHE_NAMESPACE_TTLS),
        maxEntries: env.CACHE_MAX_ENTRIES,
      },
      webhooks: {
        sources: {
          apollo: webhookSource(env, 'APOLLO'),
          avainode: webhookSource(env, 'AVAINODE'),
          n8n: webhookSource(env, 'N8N'),
          lead: webhookSource(env, 'LEAD'),
        },
        sharedSecretHeader: env.WEBHOOK_SHARED_SECRET_HEADER.toLowerCase(),
        bodyLimitBytes: env.WEBHOOK_BODY_LIMIT_BYTES,
        maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
        retryDelaySeconds: env.WEBHOOK_RETRY_DELAY_SECONDS,
        retryBackoff: env.WEBHOOK_RETRY_BACKOFF,
        concurrency: env.WEBHOOK_CONCURRENCY,
        processBatchSize: env.WEBHOOK_PROCESS_BATCH_SIZE,
        intakeBatchMax: env.WEBHOOK_INTAKE_BATCH_MAX,
        jobTimeoutSeconds: env.WEBHOOK_JOB_TIMEOUT_SECONDS,
        publicUrl: env.WEBHOOK_PUBLIC_URL.replace(/\/+$/, '') || undefined,
        crashAfterEvents: env.WEBHOOK_CRASH_AFTER_EVENTS,
      },
      sync: {
        enabled: env.SYNC_ENABLED,
        intervalSeconds: {
          apollo_contacts: env.SYNC_APOLLO_CONTACTS_INTERVAL_SECONDS || env.SYNC_INTERVAL_SECONDS,
          avinode_availability: env.SYNC_AVINODE_AVAILABILITY_INTERVAL_SECONDS || env.SYNC_INTERVAL_SECONDS,
          avinode_bookings: env.SYNC_AVINODE_BOOKINGS_INTERVAL_SECONDS || env.SYNC_INTERVAL_SECONDS,
          n8n_executions: env.SYNC_N8N_EXECUTIONS_INTERVAL_SECONDS || env.SYNC_INTERVAL_SECONDS,
        },
        pageSize: env.SYNC_PAGE_SIZE,
        consistencySampleSize: env.SYNC_CONSISTENCY_SAMPLE_SIZE,
        staleAfterSeconds: env.SYNC_STALE_AFTER_SECONDS,
        webhookDebounceMs: env.SYNC_WEBHOOK_DEBOUNCE_MS,
      },
      audit: { retentionDays: env.AUDIT_RETENTION_DAYS },
      pipeline: {
        batchSize: env.PIPELINE_BATCH_SIZE,
        batchPauseMs: env.PIPELINE_BATCH_PAUSE_MS,
        batchMaxLeads: env.PIPELINE_BATCH_MAX_LEADS,
        concurrency: env.PIPELINE_CONCURRENCY,
        maxRunsInFlight: env.PIPELINE_MAX_RUNS_IN_FLIGHT,
        stepPriority: env.PIPELINE_STEP_PRIORITY,
        candidatesToPrice: env.PIPELINE_CANDIDATES_TO_PRICE,
        stepRetryLimit: env.PIPELINE_STEP_RETRY_LIMIT,
        stepRetryDelaySeconds: env.PIPELINE_STEP_RETRY_DELAY_SECONDS,
        stepTimeoutSeconds: env.PIPELINE_STEP_TIMEOUT_SECONDS,
        confirmationTimeoutSeconds: env.PIPELINE_CONFIRMATION_TIMEOUT_SECONDS,
        quoteFlow: env.AVINODE_QUOTE_FLOW,
        quoteDeadlineSeconds: env.PIPELINE_QUOTE_DEADLINE_SECONDS,
        quotesEnough: env.PIPELINE_QUOTES_ENOUGH,
        tripReconcileMinutes: env.PIPELINE_TRIP_RECONCILE_MINUTES,
        n8nWebhookPath: env.PIPELINE_N8N_WEBHOOK_PATH,
        crashAfterStep: (env.PIPELINE_CRASH_AFTER_STEP || null) as AppConfig['pipeline']['crashAfterStep'],
      },
    });
  }
}

function listOf(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

const PROXY_KEYWORDS = ['loopback', 'linklocal', 'uniquelocal'];

function trustProxyProblems(value: string): string[] {
  return listOf(value)
    .filter((entry) => {
      if (PROXY_KEYWORDS.includes(entry)) return false;
      const [address = '', prefix, extra] = entry.split('/');
      const family = isIP(address);
      if (family === 0 || extra !== undefined) return true;
      if (prefix === undefined) return false;
      return !/^\d{1,3}$/.test(prefix) || Number(prefix) > (family === 4 ? 32 : 128);
    })
    .map(
      (entry) =>
        `TRUST_PROXY: "${entry}" is not an IP address, a CIDR (10.0.0.0/8) or one of ${PROXY_KEYWORDS.join(', ')}`,
    );
}

/** The real Avinode REST API the live Avinode server calls (AVINODE_MODE=live). */
export interface AvinodeLiveConfig {
  baseUrl: string;
  apiToken: string;
  /** Empty when `oauth` is set. */
  authToken: string;
  /** OAuth 2.0 client credentials, instead of a static authentication token. */
  oauth: { clientId: string; clientSecret: string } | undefined;
  product: string;
  actAsAccount: string | undefined;
}

/**
 * Live mode needs the API and both tokens when this process serves Avinode itself; with AVAINODE_MCP_SERVER_URL the
 * server at that URL holds them. The message names variables, never values.
 */
function avinodeLiveProblems(env: EnvironmentVariables): string[] {
  if (env.AVINODE_MODE !== 'live' || (env.AVAINODE_MCP_SERVER_URL ?? []).length > 0) return [];
  const given = (name: keyof EnvironmentVariables): boolean => String(env[name] ?? '').trim() !== '';
  const missing: string[] = (['AVINODE_API_BASE_URL', 'AVINODE_API_TOKEN'] as const).filter((name) => !given(name));
  // The bearer: a static token, or both halves of the OAuth client credentials.
  if (!given('AVINODE_AUTH_TOKEN')) {
    const id = given('AVINODE_OAUTH_CLIENT_ID');
    const secret = given('AVINODE_OAUTH_CLIENT_SECRET');
    if (id && !secret) missing.push('AVINODE_OAUTH_CLIENT_SECRET');
    else if (!id && secret) missing.push('AVINODE_OAUTH_CLIENT_ID');
    else if (!id && !secret) missing.push('AVINODE_AUTH_TOKEN');
  }
  const problems =
    missing.length === 0
      ? []
      : [
          `${missing.join(', ')} must be set when AVINODE_MODE=live (the credentials Avinode issued for the API connection)`,
        ];
  const base = env.AVINODE_API_BASE_URL.trim();
  if (base !== '' && credentialsInUrl(base).length > 0) {
    problems.push(
      'AVINODE_API_BASE_URL must not carry credentials: put them in AVINODE_API_TOKEN and AVINODE_AUTH_TOKEN',
    );
  } else if (base !== '' && !/^https?:\/\/[^\s/]+/.test(base)) {
    problems.push('AVINODE_API_BASE_URL must be an http(s) URL, e.g. https://sandbox.avinode.com/api');
  }
  return problems;
}

/** Where each server's credential belongs instead of its URL. */
const MCP_URL_TOKEN_VARIABLES = {
  APOLLO_MCP_SERVER_URL: 'APOLLO_API_KEY',
  AVAINODE_MCP_SERVER_URL: 'AVAINODE_API_KEY',
  N8N_MCP_SERVER_URL: 'N8N_MCP_AUTH_TOKEN',
} as const;

/**
 * A URL that carries a credential is refused at boot: URLs end up in status pages, error answers and logs, and the
 * token variables exist so that they do not have to hold one.
 */
function mcpUrlCredentialProblems(env: EnvironmentVariables): string[] {
  return Object.entries(MCP_URL_TOKEN_VARIABLES).flatMap(([variable, tokenVariable]) => {
    const urls = env[variable as keyof typeof MCP_URL_TOKEN_VARIABLES] ?? [];
    const found = [...new Set(urls.flatMap((url) => credentialsInUrl(url)))];
    return found.length === 0
      ? []
      : [
          `${variable} must not carry credentials (it has ${found.join(' and ')}): remove them from the URL and ` +
            `put the token in ${tokenVariable}, which is sent as "Authorization: Bearer <token>"`,
        ];
  });
}

type McpEnvPrefix = 'APOLLO' | 'AVAINODE' | 'N8N';
const MCP_ENV_PREFIXES: readonly McpEnvPrefix[] = ['APOLLO', 'AVAINODE', 'N8N'];

function mcpServerAuth(env: EnvironmentVariables, prefix: McpEnvPrefix): McpServerAuthConfig {
  if (env[`${prefix}_MCP_AUTH`] !== 'oauth') return { mode: 'bearer' };
  return {
    mode: 'oauth',
    grant: env[`${prefix}_MCP_OAUTH_GRANT`],
    clientId: env[`${prefix}_MCP_OAUTH_CLIENT_ID`].trim(),
    clientSecret: env[`${prefix}_MCP_OAUTH_CLIENT_SECRET`] || undefined,
    scope: env[`${prefix}_MCP_OAUTH_SCOPE`].trim() || undefined,
  };
}

/** 64 hex digits or base64 (standard or URL-safe) of 32 bytes; the format is checked by EnvironmentVariables. */
function decodeKey(value: string): Buffer {
  return /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
}

/**
 * OAuth needs a client, and a key for the tokens at rest: without one a production process would either store tokens
 * in plaintext or lose them at every restart, so it refuses to start.
 */
function mcpOAuthProblems(env: EnvironmentVariables): string[] {
  const problems: string[] = [];
  const oauth = MCP_ENV_PREFIXES.filter((prefix) => env[`${prefix}_MCP_AUTH`] === 'oauth');
  for (const prefix of oauth) {
    if (!env[`${prefix}_MCP_OAUTH_CLIENT_ID`].trim()) {
      problems.push(`${prefix}_MCP_OAUTH_CLIENT_ID must be set when ${prefix}_MCP_AUTH=oauth`);
    }
    if (env[`${prefix}_MCP_OAUTH_GRANT`] === 'client_credentials' && !env[`${prefix}_MCP_OAUTH_CLIENT_SECRET`]) {
      problems.push(`${prefix}_MCP_OAUTH_CLIENT_SECRET must be set for ${prefix}_MCP_OAUTH_GRANT=client_credentials`);
    }
  }
  if (env.MCP_TOKEN_ENCRYPTION_KEY && decodeKey(env.MCP_TOKEN_ENCRYPTION_KEY).length !== 32) {
    problems.push('MCP_TOKEN_ENCRYPTION_KEY must decode to exactly 32 bytes');
  }
  if (oauth.length > 0 && env.NODE_ENV === 'production' && !env.MCP_TOKEN_ENCRYPTION_KEY) {
    problems.push(
      `MCP_TOKEN_ENCRYPTION_KEY must be set when NODE_ENV=production and an MCP server uses OAuth ` +
        `(${oauth.map((prefix) => `${prefix}_MCP_AUTH`).join(', ')}=oauth): tokens are stored encrypted with it`,
    );
  }
  return problems;
}

function parseNamespaceTtls(value: string): Record<string, number> {
  const ttls: Record<string, number> = {};
  for (const pair of value.split(',')) {
    const [name, seconds] = pair.split('=').map((part) => part.trim());
    if (name && seconds !== undefined) ttls[name] = Number(seconds);
  }
  return ttls;
}

/**
 * Test aids that kill the process on purpose: a production process refuses to start with them rather than crash.
 */
function testAidProblems(env: EnvironmentVariables): string[] {
  if (env.NODE_ENV !== 'production') return [];
  return [
    ...(env.PIPELINE_CRASH_AFTER_STEP === '' ? [] : ['PIPELINE_CRASH_AFTER_STEP']),
    ...(env.WEBHOOK_CRASH_AFTER_EVENTS === 0 ? [] : ['WEBHOOK_CRASH_AFTER_EVENTS']),
  ].map((variable) => `${variable} is a test aid and is refused when NODE_ENV=production`);
}

/**
 * A server without a URL is served by an in-process sandbox with simulated data. That is the point of the embedded
 * default, and a disaster in production (bookings against a simulation), so production has to ask for it by name.
 */
function embeddedSandboxProblems(env: EnvironmentVariables): string[] {
  const missing = Object.keys(MCP_URL_TOKEN_VARIABLES).filter(
    (variable) => env[variable as keyof typeof MCP_URL_TOKEN_VARIABLES] === undefined,
  );
  if (missing.length === 0 || env.MCP_EMBEDDED_SANDBOXES === true) return [];
  if (env.MCP_EMBEDDED_SANDBOXES === false) {
    return [`${missing.join(', ')} must be set: MCP_EMBEDDED_SANDBOXES=false turns the in-process sandboxes off`];
  }
  if (env.NODE_ENV !== 'production') return [];
  return [
    `${missing.join(', ')} must be set when NODE_ENV=production; without a URL the service would run against ` +
      'simulated sandbox servers. Set MCP_EMBEDDED_SANDBOXES=true to ask for the sandboxes on purpose',
  ];
}

function flattenErrors(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? message : `${path}: ${message}`,
    );
    return [...own, ...flattenErrors(error.children ?? [], path)];
  });
}
