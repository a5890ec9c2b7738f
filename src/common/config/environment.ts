import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength } from 'class-validator';

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() !== '' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toNumber = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)) ? Number(value) : value;
const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
/** One URL, or several separated by commas (one endpoint each); blanks between them are ignored. */
const toUrlList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string'
    ? value.trim() === ''
      ? undefined
      : value
          .split(',')
          .map((url) => url.trim())
          .filter((url) => url.length > 0)
    : value;

export const WEBHOOK_AUTH_SCHEMES = ['standard', 'basic', 'shared-secret'] as const;
export type WebhookAuthScheme = (typeof WEBHOOK_AUTH_SCHEMES)[number];
/** Empty, or Standard Webhooks secrets separated by commas or spaces (several at once for rotation). */
const WHSEC_LIST = /^\s*(whsec_[A-Za-z0-9+/]+={0,2}([\s,]+whsec_[A-Za-z0-9+/]+={0,2})*)?\s*$/;
const WHSEC_LIST_MESSAGE = (name: string): string =>
  `${name} must be a comma-separated list of Standard Webhooks secrets (whsec_<base64>)`;

export const MCP_AUTH_MODES = ['bearer', 'oauth'] as const;
export type McpAuthMode = (typeof MCP_AUTH_MODES)[number];
export const MCP_OAUTH_GRANTS = ['client_credentials', 'authorization_code'] as const;
export type McpOAuthGrant = (typeof MCP_OAUTH_GRANTS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The raw environment as the process receives it, with the rule for every variable. `.env.example` documents each one;
 * keep the two in step (a unit test checks that every property here is documented there).
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// connection URL' })
  DATABASE_URL?: string;

  @IsString()
  @MinLength(1)
  DATA_DIR = './.data';

  /** Comma-separated `<name>:<scope>:<key>` or bare `<key>` (an admin key); parsed and checked in app-config. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  API_KEYS?: string;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';

  /** Log every SQL statement at debug level: its text and parameter count, never the parameter values. */
  @Transform(toBoolean)
  @IsBoolean()
  LOG_QUERIES = false;

  /** OTLP/HTTP collector base URL (spans go to `<url>/v1/traces`); unset: tracing off. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL, e.g. http://localhost:4318' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  @IsString()
  @MinLength(1)
  OTEL_SERVICE_NAME = 'jetvision-integration';

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(50 * 1024 * 1024)
  BODY_LIMIT_BYTES = 1024 * 1024;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_MINUTE = 1200;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_ANONYMOUS_PER_MINUTE = 300;

  // ---- security limits (README "Security") ---------------------------------------------------------------------------
  /** Proxies whose X-Forwarded-For is believed: addresses, CIDRs, or loopback / linklocal / uniquelocal. */
  @IsString()
  TRUST_PROXY = '';

  /** Refused API keys from one address within a minute before that address is locked out. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  AUTH_FAILURES_BEFORE_LOCKOUT = 10;

  /** First lockout; each further lockout of the same address doubles it, up to AUTH_LOCKOUT_MAX_SECONDS. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  AUTH_LOCKOUT_SECONDS = 60;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  AUTH_LOCKOUT_MAX_SECONDS = 3600;

  /** Webhook deliveries accepted per minute for one source, whatever the sender's address. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  WEBHOOK_RATE_LIMIT_PER_SOURCE_PER_MINUTE = 6000;

  /** Webhook deliveries accepted per minute from one address, whatever the source. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  WEBHOOK_RATE_LIMIT_PER_ADDRESS_PER_MINUTE = 1200;

  /** The request line and headers must arrive within this (slow-header clients get 408). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  HTTP_HEADERS_TIMEOUT_MS = 10_000;

  /** Longest silence while a request body arrives (slow-body clients get 408). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  HTTP_BODY_READ_TIMEOUT_MS = 10_000;

  /** The whole request, headers and body, must arrive within this (408 otherwise). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  HTTP_REQUEST_TIMEOUT_MS = 60_000;

  /** Requests one connection may have in flight at once (HTTP/1.1 pipelining); more get 429 and the connection closes. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  HTTP_MAX_CONCURRENT_REQUESTS_PER_CONNECTION = 16;

  /** Node types allowed in workflows created or activated through the API, besides the built-in safe set. */
  @Matches(/^\s*([@\w./-]+\s*(,\s*[@\w./-]+\s*)*)?$/, {
    message: 'N8N_ALLOWED_NODE_TYPES must be a comma-separated list of full node types (n8n-nodes-base.slack)',
  })
  N8N_ALLOWED_NODE_TYPES = '';

  /** Hosts HTTP-capable workflow nodes may call: names, *.domain, IPs, CIDRs, or * for any public host. */
  @Matches(/^\s*([\w.*:/[\]-]+\s*(,\s*[\w.*:/[\]-]+\s*)*)?$/, {
    message: 'N8N_ALLOWED_HTTP_HOSTS must be a comma-separated list of host names, *.domain, IP addresses or CIDRs',
  })
  N8N_ALLOWED_HTTP_HOSTS = '';

  @Transform(toInt)
  @IsInt()
  @Min(100)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  @Transform(toBoolean)
  @IsBoolean()
  DOCS_ENABLED = true;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[a-z_][a-z0-9_]*$/, { message: 'JOBS_SCHEMA must be a lower-case SQL identifier' })
  JOBS_SCHEMA = 'pgboss';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_SIZE = 10;

  // ---- upstream MCP servers ------------------------------------------------------------------------------------------
  @Transform(toUrlList)
  @IsOptional()
  @IsUrl(URL_OPTIONS, {
    each: true,
    message:
      'APOLLO_MCP_SERVER_URL must be an http(s) URL or a comma-separated list of them, e.g. http://localhost:8123/mcp',
  })
  APOLLO_MCP_SERVER_URL?: string[];

  @Transform(toUrlList)
  @IsOptional()
  @IsUrl(URL_OPTIONS, {
    each: true,
    message:
      'AVAINODE_MCP_SERVER_URL must be an http(s) URL or a comma-separated list of them, e.g. http://localhost:8124/mcp',
  })
  AVAINODE_MCP_SERVER_URL?: string[];

  @Transform(toUrlList)
  @IsOptional()
  @IsUrl(URL_OPTIONS, {
    each: true,
    message:
      'N8N_MCP_SERVER_URL must be an http(s) URL or a comma-separated list of them, e.g. http://localhost:8125/mcp',
  })
  N8N_MCP_SERVER_URL?: string[];

  /** Bearer token for the Apollo MCP server. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  APOLLO_API_KEY?: string;

  /** Bearer token for the Avinode MCP server. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  AVAINODE_API_KEY?: string;

  /** Bearer token for the n8n MCP server (n8n-mcp's AUTH_TOKEN). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  N8N_MCP_AUTH_TOKEN?: string;

  /** How the backend authenticates to the Apollo MCP server: `bearer` (the static token above) or `oauth` (OAuth 2.1). */
  @IsIn(MCP_AUTH_MODES)
  APOLLO_MCP_AUTH: McpAuthMode = 'bearer';

  @IsIn(MCP_OAUTH_GRANTS)
  APOLLO_MCP_OAUTH_GRANT: McpOAuthGrant = 'client_credentials';

  @IsString()
  APOLLO_MCP_OAUTH_CLIENT_ID = '';

  @IsString()
  APOLLO_MCP_OAUTH_CLIENT_SECRET = '';

  @IsString()
  APOLLO_MCP_OAUTH_SCOPE = '';

  /** How the backend authenticates to the Avinode MCP server: `bearer` (the static token above) or `oauth` (OAuth 2.1). */
  @IsIn(MCP_AUTH_MODES)
  AVAINODE_MCP_AUTH: McpAuthMode = 'bearer';

  @IsIn(MCP_OAUTH_GRANTS)
  AVAINODE_MCP_OAUTH_GRANT: McpOAuthGrant = 'client_credentials';

  @IsString()
  AVAINODE_MCP_OAUTH_CLIENT_ID = '';

  @IsString()
  AVAINODE_MCP_OAUTH_CLIENT_SECRET = '';

  @IsString()
  AVAINODE_MCP_OAUTH_SCOPE = '';

  /** How the backend authenticates to the n8n MCP server: `bearer` (the static token above) or `oauth` (OAuth 2.1). */
  @IsIn(MCP_AUTH_MODES)
  N8N_MCP_AUTH: McpAuthMode = 'bearer';

  @IsIn(MCP_OAUTH_GRANTS)
  N8N_MCP_OAUTH_GRANT: McpOAuthGrant = 'client_credentials';

  @IsString()
  N8N_MCP_OAUTH_CLIENT_ID = '';

  @IsString()
  N8N_MCP_OAUTH_CLIENT_SECRET = '';

  @IsString()
  N8N_MCP_OAUTH_SCOPE = '';

  /**
   * Key that encrypts OAuth tokens at rest (AES-256-GCM): 32 bytes as base64 or 64 hex digits. Required in production
   * when any MCP server uses OAuth.
   */
  @Matches(/^(|[0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/, {
    message: 'MCP_TOKEN_ENCRYPTION_KEY must be 32 bytes as 64 hex digits or base64 (openssl rand -base64 32)',
  })
  MCP_TOKEN_ENCRYPTION_KEY = '';

  /** Where the authorization server sends the operator back after an OAuth sign-in; default: this process's address. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'MCP_OAUTH_REDIRECT_URL must be an http(s) URL' })
  MCP_OAUTH_REDIRECT_URL?: string;

  /** An OAuth access token is renewed this long before it expires. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  MCP_OAUTH_REFRESH_SKEW_SECONDS = 60;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  MCP_CALL_TIMEOUT_MS = 15_000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  MCP_CONNECT_TIMEOUT_MS = 10_000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(10)
  MCP_MAX_RETRIES = 3;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  MCP_BREAKER_THRESHOLD = 5;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  MCP_BREAKER_COOLDOWN_MS = 30_000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  MCP_MAX_CONCURRENT_CALLS = 32;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  MCP_MAX_QUEUED_CALLS = 256;

  /** First delay before reconnecting to a server that is down; doubles per failed attempt up to the maximum. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  MCP_RECONNECT_MIN_DELAY_MS = 500;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  MCP_RECONNECT_MAX_DELAY_MS = 15_000;

  /** An idle session is pinged this often, so a server that went away is reported down without waiting for traffic. */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  MCP_HEALTH_CHECK_INTERVAL_MS = 10_000;

  /** First delay before retrying a failed call (exponential with jitter; a longer Retry-After wins). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  MCP_RETRY_BASE_DELAY_MS = 200;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  MCP_RETRY_MAX_DELAY_MS = 5_000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  APOLLO_RATE_LIMIT_PER_MINUTE = 200;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  AVAINODE_RATE_LIMIT_PER_MINUTE = 600;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  N8N_RATE_LIMIT_PER_MINUTE = 600;

  @Transform(toNumber)
  @IsInt()
  @Min(0)
  SANDBOX_SEED = 42;

  /**
   * Start the sandbox server in-process for every server without a URL. Unset: yes, except with NODE_ENV=production,
   * which refuses to boot without upstream URLs unless this is `true` (never book against simulated upstreams by
   * accident). `false`: never; a missing URL is then a configuration error.
   */
  @Transform(toBoolean)
  @IsOptional()
  @IsBoolean()
  MCP_EMBEDDED_SANDBOXES?: boolean;

  /**
   * Serve the in-process sandbox servers' admin endpoint (`/admin/*`: faults, data changes, stats, reset) on their
   * loopback ports, as `npm run sandbox` does with SANDBOX_ADMIN. Off by default.
   */
  @Transform(toBoolean)
  @IsBoolean()
  MCP_SANDBOX_ADMIN = false;

  /**
   * Tool profile of the in-process Apollo sandbox: `jetvision` (the JetVision contract) or `official` (the tools of
   * Apollo's hosted MCP server). The Apollo module detects the profile of any server from its tool list, so this only
   * chooses what the embedded sandbox imitates.
   */
  @IsIn(['jetvision', 'official'])
  SANDBOX_APOLLO_PROFILE: 'jetvision' | 'official' = 'jetvision';

  // ---- read-through cache of upstream results ------------------------------------------------------------------------
  /** Default time-to-live of cached upstream results; 0 turns caching off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  CACHE_TTL_SECONDS = 300;

  /** Per-namespace TTL overrides, e.g. `apollo.account=600,avinode.operator=3600` (0 turns a namespace off). */
  @Matches(/^\s*([a-z0-9_.-]+\s*=\s*\d+\s*(,\s*[a-z0-9_.-]+\s*=\s*\d+\s*)*)?$/, {
    message: 'CACHE_NAMESPACE_TTLS must be a comma-separated list of namespace=seconds, e.g. apollo.account=600',
  })
  CACHE_NAMESPACE_TTLS = '';

  /** Entries kept in memory across all namespaces; the least recently used go first. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  CACHE_MAX_ENTRIES = 10_000;

  // ---- incoming webhooks ---------------------------------------------------------------------------------------------
  // Per source: the authentication scheme and its credentials. A source without credentials is refused, except that
  // with no secrets and an embedded sandbox server, a secret is generated and shared with that sandbox at boot.
  @IsIn(WEBHOOK_AUTH_SCHEMES)
  WEBHOOK_APOLLO_AUTH: WebhookAuthScheme = 'standard';

  @Matches(WHSEC_LIST, { message: WHSEC_LIST_MESSAGE('WEBHOOK_APOLLO_SECRETS') })
  WEBHOOK_APOLLO_SECRETS = '';

  @IsString()
  WEBHOOK_APOLLO_BASIC_USER = '';

  @IsString()
  WEBHOOK_APOLLO_BASIC_PASSWORD = '';

  @IsString()
  WEBHOOK_APOLLO_SHARED_SECRET = '';

  @IsIn(WEBHOOK_AUTH_SCHEMES)
  WEBHOOK_AVAINODE_AUTH: WebhookAuthScheme = 'standard';

  @Matches(WHSEC_LIST, { message: WHSEC_LIST_MESSAGE('WEBHOOK_AVAINODE_SECRETS') })
  WEBHOOK_AVAINODE_SECRETS = '';

  @IsString()
  WEBHOOK_AVAINODE_BASIC_USER = '';

  @IsString()
  WEBHOOK_AVAINODE_BASIC_PASSWORD = '';

  @IsString()
  WEBHOOK_AVAINODE_SHARED_SECRET = '';

  @IsIn(WEBHOOK_AUTH_SCHEMES)
  WEBHOOK_N8N_AUTH: WebhookAuthScheme = 'standard';

  @Matches(WHSEC_LIST, { message: WHSEC_LIST_MESSAGE('WEBHOOK_N8N_SECRETS') })
  WEBHOOK_N8N_SECRETS = '';

  @IsString()
  WEBHOOK_N8N_BASIC_USER = '';

  @IsString()
  WEBHOOK_N8N_BASIC_PASSWORD = '';

  @IsString()
  WEBHOOK_N8N_SHARED_SECRET = '';

  @IsIn(WEBHOOK_AUTH_SCHEMES)
  WEBHOOK_LEAD_AUTH: WebhookAuthScheme = 'standard';

  @Matches(WHSEC_LIST, { message: WHSEC_LIST_MESSAGE('WEBHOOK_LEAD_SECRETS') })
  WEBHOOK_LEAD_SECRETS = '';

  @IsString()
  WEBHOOK_LEAD_BASIC_USER = '';

  @IsString()
  WEBHOOK_LEAD_BASIC_PASSWORD = '';

  @IsString()
  WEBHOOK_LEAD_SHARED_SECRET = '';

  /** Header that carries the shared secret for sources using the `shared-secret` scheme. */
  @Matches(/^[a-z0-9-]+$/i, { message: 'WEBHOOK_SHARED_SECRET_HEADER must be an HTTP header name' })
  WEBHOOK_SHARED_SECRET_HEADER = 'x-webhook-secret';

  /** Largest accepted webhook body (413 above it); independent of BODY_LIMIT_BYTES. */
  @Transform(toInt)
  @IsInt()
  @Min(256)
  @Max(50 * 1024 * 1024)
  WEBHOOK_BODY_LIMIT_BYTES = 256 * 1024;

  /** Processing attempts per event, the first included; then the event is dead-lettered. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  WEBHOOK_MAX_ATTEMPTS = 8;

  /** Delay before the first retry; doubled (with jitter) per further retry when WEBHOOK_RETRY_BACKOFF is on. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  WEBHOOK_RETRY_DELAY_SECONDS = 5;

  @Transform(toBoolean)
  @IsBoolean()
  WEBHOOK_RETRY_BACKOFF = true;

  /** Events processed in parallel by this instance; 0 makes it accept and store only (other instances process). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(64)
  WEBHOOK_CONCURRENCY = 4;

  /**
   * Events a processing worker takes at once: the batch is claimed, version-checked and marked done with one statement
   * each, its jobs fetched and completed with one each; the listeners still run per event, in order.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  WEBHOOK_PROCESS_BATCH_SIZE = 25;

  /**
   * Accepted deliveries stored by one statement at most (group commit while a store is in flight); 1 stores each on
   * its own. Every delivery is still answered only after its own row has committed.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  WEBHOOK_INTAKE_BATCH_MAX = 100;

  /** A processing attempt running longer than this (or whose process died) is retried. */
  @Transform(toInt)
  @IsInt()
  @Min(5)
  WEBHOOK_JOB_TIMEOUT_SECONDS = 60;

  /** Base URL the embedded sandbox servers send their webhooks to. Empty: this process's own listening address. */
  @Matches(/^(https?:\/\/\S+)?$/, {
    message: 'WEBHOOK_PUBLIC_URL must be empty or an http(s) URL, e.g. http://localhost:3000',
  })
  WEBHOOK_PUBLIC_URL = '';

  /** TEST AID, refused in production: SIGKILL this process after the listeners of its Nth event ran (0: off). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  WEBHOOK_CRASH_AFTER_EVENTS = 0;

  // ---- data sync and audit log ------------------------------------------------------------------------------------
  /** Run the sync schedule (cron) in this process. Tests and one-off processes turn it off. */
  @Transform(toBoolean)
  @IsBoolean()
  SYNC_ENABLED = true;

  /** Default schedule of every stream, in seconds (a stream's own variable below wins when non-zero). */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  SYNC_INTERVAL_SECONDS = 900;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  SYNC_APOLLO_CONTACTS_INTERVAL_SECONDS = 0;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  SYNC_AVINODE_AVAILABILITY_INTERVAL_SECONDS = 0;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  SYNC_AVINODE_BOOKINGS_INTERVAL_SECONDS = 0;

  /** n8n executions change faster than the rest: every 7.5 minutes by default. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SYNC_N8N_EXECUTIONS_INTERVAL_SECONDS = 450;

  /** Records asked for per upstream page (capped by each tool's maximum: 1000 Apollo/Avinode, 100 n8n). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  SYNC_PAGE_SIZE = 500;

  /** Upstream records compared per stream by a consistency check; 0 compares everything. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SYNC_CONSISTENCY_SAMPLE_SIZE = 0;

  /** A stream whose last successful sync is older than this is reported stale by the consistency check. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SYNC_STALE_AFTER_SECONDS = 3600;

  /** Webhook events for a stream arriving within this window are applied by one incremental sync. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SYNC_WEBHOOK_DEBOUNCE_MS = 250;

  /** Audit entries older than this many days are deleted by the hourly retention job. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  AUDIT_RETENTION_DAYS = 90;

  // ---- lead-to-booking pipeline --------------------------------------------------------------------------------------
  /** Leads started together per group of a batch (PUT /api/integration/leads can ask for another size). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  PIPELINE_BATCH_SIZE = 5;

  /** Pause between two groups of a batch. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  PIPELINE_BATCH_PAUSE_MS = 1000;

  /** Most leads one batch takes from the search. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10_000)
  PIPELINE_BATCH_MAX_LEADS = 500;

  /** Step jobs processed in parallel per instance (runs in flight); keep it within the upstream rate limits. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(256)
  PIPELINE_CONCURRENCY = 16;

  /**
   * Runs in flight (enriching … notifying) across the cluster; further runs wait as `queued` and start oldest first as
   * runs leave. Keeps a burst from spreading the workers over every run at once.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  PIPELINE_MAX_RUNS_IN_FLIGHT = 64;

  /**
   * Later steps of running runs go before first steps of new runs. `false` works steps in arrival order (the behaviour
   * before this setting existed; kept for comparison benchmarks).
   */
  @Transform(toBoolean)
  @IsBoolean()
  PIPELINE_STEP_PRIORITY = true;

  /** Fitting aircraft priced per run (the cheapest estimates); the lowest quote wins. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10)
  PIPELINE_CANDIDATES_TO_PRICE = 3;

  /** Retries of a failing step (after the first attempt) before the run is dead-lettered. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(20)
  PIPELINE_STEP_RETRY_LIMIT = 4;

  /** Delay before a step's first retry, doubled with jitter per further retry. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  PIPELINE_STEP_RETRY_DELAY_SECONDS = 2;

  /** A step attempt running longer than this is considered lost (crashed worker) and retried. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  PIPELINE_STEP_TIMEOUT_SECONDS = 300;

  /**
   * Longest a charter request waits for confirmation; the quote's own validity ends it sooner. Then the run fails with
   * `confirmation_expired` instead of waiting forever.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  PIPELINE_CONFIRMATION_TIMEOUT_SECONDS = 172_800;

  /** Webhook path of the n8n notification workflow (global per n8n instance). */
  @Matches(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, { message: 'PIPELINE_N8N_WEBHOOK_PATH must be a URL path segment' })
  PIPELINE_N8N_WEBHOOK_PATH = 'jetvision-lead-to-booking';

  /**
   * How runs get their quotes from Avinode. `instant`: search and price at once (servers that answer at once, the
   * default). `trip`: Avinode's broker flow — the run creates a trip, waits (durably) for operators' quotes arriving as
   * webhooks until PIPELINE_QUOTE_DEADLINE_SECONDS or PIPELINE_QUOTES_ENOUGH quotes, then chooses among them. With
   * `trip` the in-process Avinode sandbox runs its simulated broker flow.
   */
  @IsIn(['instant', 'trip'])
  AVINODE_QUOTE_FLOW: 'instant' | 'trip' = 'instant';

  /**
   * Which Avinode MCP server runs in-process when AVAINODE_MCP_SERVER_URL is unset: `simulated` (the sandbox, seeded
   * data) or `live` (the same tools over the real Avinode REST API at AVINODE_API_BASE_URL with the credentials below).
   */
  @IsIn(['simulated', 'live'])
  AVINODE_MODE: 'simulated' | 'live' = 'simulated';

  /** Live mode: the Avinode REST API, e.g. https://sandbox.avinode.com/api or https://services.avinode.com/api. */
  @IsString()
  AVINODE_API_BASE_URL = '';

  /** Live mode: sent as `X-Avinode-ApiToken`. Never logged. */
  @IsString()
  AVINODE_API_TOKEN = '';

  /** Live mode: the authentication token, sent as `Authorization: Bearer <token>`. Never logged. */
  @IsString()
  AVINODE_AUTH_TOKEN = '';

  /**
   * Live mode, instead of AVINODE_AUTH_TOKEN: the API connection's OAuth 2.0 client credentials; short-lived bearer
   * tokens are requested from `<AVINODE_API_BASE_URL>/oauth/token` and renewed before expiry. Never logged.
   */
  @IsString()
  AVINODE_OAUTH_CLIENT_ID = '';

  @IsString()
  AVINODE_OAUTH_CLIENT_SECRET = '';

  /** Live mode: sent as `X-Avinode-Product` (calling product and version). */
  @IsString()
  AVINODE_PRODUCT = 'JetVision-Integration/0.1.0';

  /** Live mode: sent as `X-Avinode-ActAsAccount` when set (the Avinode user login to act for). */
  @IsString()
  AVINODE_ACT_AS_ACCOUNT = '';

  /** Trip flow: how long a run waits for seller quotes before choosing among those that arrived. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  PIPELINE_QUOTE_DEADLINE_SECONDS = 3_600;

  /** Trip flow: this many quotes end the wait before the deadline. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  PIPELINE_QUOTES_ENOUGH = 3;

  /**
   * Trip flow: every this many minutes (once per cluster) the RFQs of the trips of unfinished runs are read again, so a
   * seller's answer whose webhook Avinode gave up on still reaches its run. 0: never.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(59)
  PIPELINE_TRIP_RECONCILE_MINUTES = 5;

  /**
   * Trip flow in the in-process Avinode sandbox: real milliseconds per simulated minute (operators answer after 2 to 720
   * simulated minutes; the default makes that seconds to minutes).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(60_000)
  SANDBOX_AVINODE_MINUTE_MS = 1_000;

  /** TEST AID, refused in production: the process kills itself (SIGKILL) right after this step's side effect. */
  @IsIn(['', 'enrich', 'search', 'price', 'request', 'notify'])
  PIPELINE_CRASH_AFTER_STEP = '';
}
