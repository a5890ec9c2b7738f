import { resolve } from 'node:path';

import { z } from 'zod';

import { avinodeLiveSettingsFrom, type AvinodeLiveSettings } from './avinode-live/avinode-live.config.js';
import { formatZodError } from './core/http-io.js';
import type { SandboxName } from './core/sandbox-definition.js';
import { SANDBOX_MCP_PROTOCOLS, type SandboxMcpProtocol } from './core/sandbox-host.js';
import type { SandboxWebhookConfig } from './core/webhook-dispatcher.js';
import { APOLLO_PROFILES, type ApolloProfile, SANDBOX_DEFAULT_PORTS, SANDBOX_NAMES } from './index.js';

/** Settings of the standalone `npm run sandbox` process. */
export interface SandboxProcessConfig {
  host: string;
  /** `SANDBOX_MCP_PROTOCOL`: the MCP protocol era every server serves (default `2026-07-28`). */
  protocol: SandboxMcpProtocol;
  /** Start only this server (`--only <name>`); all three otherwise. */
  only: SandboxName | undefined;
  ports: Record<SandboxName, number>;
  seed: number;
  now: Date | undefined;
  apolloSize: number | undefined;
  /** `--profile official` or `SANDBOX_APOLLO_PROFILE`: the tools the Apollo server offers (default `jetvision`). */
  apolloProfile: ApolloProfile;
  admin: boolean;
  sessionIdleMs: number | undefined;
  authTokens: Partial<Record<SandboxName, string>>;
  webhooks: Partial<Record<SandboxName, SandboxWebhookConfig>>;
  /** `--data-dir <dir>`: keep each server's data in `<dir>/<name>.state` across restarts (absolute path). */
  dataDir: string | undefined;
  /** `SANDBOX_AVINODE_TRIP_FLOW=true`: the Avinode server also runs the broker flow, at `SANDBOX_AVINODE_MINUTE_MS`. */
  avinodeTripFlow: { minuteMs: number } | undefined;
  /** AVINODE_MODE=live: the Avinode server calls the real REST API with these settings instead of simulating. */
  avinodeLive: AvinodeLiveSettings | undefined;
}

const port = z.coerce.number().int().min(0).max(65_535);
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .optional()
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  SANDBOX_MCP_PROTOCOL: z.enum(SANDBOX_MCP_PROTOCOLS).default('2026-07-28'),
  SANDBOX_APOLLO_PORT: port.default(SANDBOX_DEFAULT_PORTS.apollo),
  SANDBOX_AVINODE_PORT: port.default(SANDBOX_DEFAULT_PORTS.avinode),
  SANDBOX_N8N_PORT: port.default(SANDBOX_DEFAULT_PORTS.n8n),
  SANDBOX_SEED: z.coerce.number().int().default(42),
  SANDBOX_NOW: z.iso.date().or(z.iso.datetime()).optional(),
  SANDBOX_APOLLO_SIZE: z.coerce.number().int().min(1).max(1_000_000).optional(),
  SANDBOX_APOLLO_PROFILE: z.enum(APOLLO_PROFILES).default('jetvision'),
  SANDBOX_ADMIN: bool,
  SANDBOX_SESSION_IDLE_MS: z.coerce.number().int().min(1).optional(),
  SANDBOX_APOLLO_TOKEN: optionalText,
  SANDBOX_AVINODE_TOKEN: optionalText,
  SANDBOX_N8N_TOKEN: optionalText,
  SANDBOX_APOLLO_WEBHOOK_URL: optionalText,
  SANDBOX_APOLLO_WEBHOOK_SECRET: optionalText,
  SANDBOX_AVINODE_WEBHOOK_URL: optionalText,
  SANDBOX_AVINODE_WEBHOOK_SECRET: optionalText,
  SANDBOX_N8N_WEBHOOK_URL: optionalText,
  SANDBOX_N8N_WEBHOOK_SECRET: optionalText,
  SANDBOX_AVINODE_WEBHOOK_BASIC_USER: optionalText,
  SANDBOX_AVINODE_WEBHOOK_BASIC_PASSWORD: optionalText,
  SANDBOX_AVINODE_TRIP_FLOW: bool,
  /** Real milliseconds per simulated minute of the trip flow (operators answer after 2 to 720 simulated minutes). */
  SANDBOX_AVINODE_MINUTE_MS: z.coerce.number().int().min(1).max(60_000).default(1_000),
});

const webhookEnvSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/]+=*$/, 'must look like whsec_<base64>'),
});

const ENV_PREFIX: Record<SandboxName, 'APOLLO' | 'AVINODE' | 'N8N'> = {
  apollo: 'APOLLO',
  avinode: 'AVINODE',
  n8n: 'N8N',
};

/** Reads and validates the environment and `--only <name>`; throws an Error naming the bad variable. */
export function loadSandboxConfig(
  env: Record<string, string | undefined>,
  argv: readonly string[],
): SandboxProcessConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new Error(`Invalid sandbox configuration: ${formatZodError(parsed.error)}`);
  const e = parsed.data;

  const onlyIndex = argv.indexOf('--only');
  let only: SandboxName | undefined;
  if (onlyIndex >= 0) {
    const value = argv[onlyIndex + 1];
    const name = SANDBOX_NAMES.find((n) => n === value);
    if (!name) throw new Error(`Invalid sandbox configuration: --only expects one of ${SANDBOX_NAMES.join(', ')}`);
    only = name;
  }

  const dataDirIndex = argv.indexOf('--data-dir');
  let dataDir: string | undefined;
  if (dataDirIndex >= 0) {
    const value = argv[dataDirIndex + 1];
    if (value === undefined || value.trim() === '' || value.startsWith('--')) {
      throw new Error('Invalid sandbox configuration: --data-dir expects a directory');
    }
    dataDir = resolve(value);
  }

  const profileIndex = argv.indexOf('--profile');
  let apolloProfile: ApolloProfile = e.SANDBOX_APOLLO_PROFILE;
  if (profileIndex >= 0) {
    const value = argv[profileIndex + 1];
    const profile = APOLLO_PROFILES.find((p) => p === value);
    if (!profile) {
      throw new Error(`Invalid sandbox configuration: --profile expects one of ${APOLLO_PROFILES.join(', ')}`);
    }
    apolloProfile = profile;
  }

  const authTokens: Partial<Record<SandboxName, string>> = {};
  const webhooks: Partial<Record<SandboxName, SandboxWebhookConfig>> = {};
  for (const name of SANDBOX_NAMES) {
    const prefix = ENV_PREFIX[name];
    const token = e[`SANDBOX_${prefix}_TOKEN`];
    if (token) authTokens[name] = token;
    const url = e[`SANDBOX_${prefix}_WEBHOOK_URL`];
    const secret = e[`SANDBOX_${prefix}_WEBHOOK_SECRET`];
    const basicUser = name === 'avinode' ? e.SANDBOX_AVINODE_WEBHOOK_BASIC_USER : undefined;
    const basicPassword = name === 'avinode' ? e.SANDBOX_AVINODE_WEBHOOK_BASIC_PASSWORD : undefined;
    // Avinode authenticates its webhooks with HTTP Basic (the id and secret of its webhook settings), not signatures.
    if (url !== undefined && secret === undefined && basicUser !== undefined && basicPassword !== undefined) {
      webhooks[name] = { url, basic: { user: basicUser, password: basicPassword } };
      continue;
    }
    if (url === undefined && secret === undefined) continue;
    const webhook = webhookEnvSchema.safeParse({ url, secret });
    if (!webhook.success) {
      const field = webhook.error.issues[0]?.path[0] === 'url' ? 'URL' : 'SECRET';
      throw new Error(
        `Invalid sandbox configuration: SANDBOX_${prefix}_WEBHOOK_${field}: ${webhook.error.issues[0]?.message ?? 'invalid'}` +
          ' (set both SANDBOX_<NAME>_WEBHOOK_URL and SANDBOX_<NAME>_WEBHOOK_SECRET)',
      );
    }
    webhooks[name] = webhook.data;
  }

  const mode = env.AVINODE_MODE?.trim() || 'simulated';
  if (mode !== 'simulated' && mode !== 'live') {
    throw new Error('Invalid sandbox configuration: AVINODE_MODE must be simulated or live');
  }
  let avinodeLive: AvinodeLiveSettings | undefined;
  if (mode === 'live') {
    const live = avinodeLiveSettingsFrom(env);
    if (!live.ok) {
      const problems = [
        ...(live.missing.length > 0 ? [`${live.missing.join(', ')} must be set with AVINODE_MODE=live`] : []),
        ...live.invalid,
      ];
      throw new Error(`Invalid sandbox configuration: ${problems.join('; ')}`);
    }
    avinodeLive = live.settings;
  }

  return {
    host: e.SANDBOX_HOST,
    protocol: e.SANDBOX_MCP_PROTOCOL,
    only,
    ports: { apollo: e.SANDBOX_APOLLO_PORT, avinode: e.SANDBOX_AVINODE_PORT, n8n: e.SANDBOX_N8N_PORT },
    seed: e.SANDBOX_SEED,
    now: e.SANDBOX_NOW ? new Date(e.SANDBOX_NOW) : undefined,
    apolloSize: e.SANDBOX_APOLLO_SIZE,
    apolloProfile,
    admin: e.SANDBOX_ADMIN,
    sessionIdleMs: e.SANDBOX_SESSION_IDLE_MS,
    authTokens,
    webhooks,
    dataDir,
    avinodeTripFlow: e.SANDBOX_AVINODE_TRIP_FLOW ? { minuteMs: e.SANDBOX_AVINODE_MINUTE_MS } : undefined,
    avinodeLive,
  };
}
