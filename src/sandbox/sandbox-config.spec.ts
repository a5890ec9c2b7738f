import { resolve } from 'node:path';

import { describe, expect, it } from '@jest/globals';

import { loadSandboxConfig } from './sandbox-config.js';

const secret = `whsec_${Buffer.from('a-secret-of-some-length').toString('base64')}`;

describe('loadSandboxConfig', () => {
  it('defaults to all three servers on 8123-8125, seed 42, admin off', () => {
    expect(loadSandboxConfig({}, [])).toEqual({
      host: '127.0.0.1',
      only: undefined,
      ports: { apollo: 8123, avinode: 8124, n8n: 8125 },
      seed: 42,
      now: undefined,
      apolloSize: undefined,
      apolloProfile: 'jetvision',
      admin: false,
      sessionIdleMs: undefined,
      authTokens: {},
      webhooks: {},
      dataDir: undefined,
      avinodeTripFlow: undefined,
      avinodeLive: undefined,
      protocol: '2026-07-28',
    });
  });

  it('runs the Avinode trip flow on request, sending Basic-authenticated webhooks when given a user and password', () => {
    const config = loadSandboxConfig(
      {
        SANDBOX_AVINODE_TRIP_FLOW: 'true',
        SANDBOX_AVINODE_MINUTE_MS: '50',
        SANDBOX_AVINODE_WEBHOOK_URL: 'http://127.0.0.1:3000/api/integration/webhook/avinode',
        SANDBOX_AVINODE_WEBHOOK_BASIC_USER: 'client-id',
        SANDBOX_AVINODE_WEBHOOK_BASIC_PASSWORD: 'client-secret',
      },
      [],
    );
    expect(config.avinodeTripFlow).toEqual({ minuteMs: 50 });
    expect(config.webhooks.avinode).toEqual({
      url: 'http://127.0.0.1:3000/api/integration/webhook/avinode',
      basic: { user: 'client-id', password: 'client-secret' },
    });
    expect(() => loadSandboxConfig({ SANDBOX_AVINODE_MINUTE_MS: '0' }, [])).toThrow(/SANDBOX_AVINODE_MINUTE_MS/);
  });

  it('serves the official Apollo tools with --profile official or SANDBOX_APOLLO_PROFILE', () => {
    expect(loadSandboxConfig({}, ['--profile', 'official']).apolloProfile).toBe('official');
    expect(loadSandboxConfig({ SANDBOX_APOLLO_PROFILE: 'official' }, []).apolloProfile).toBe('official');
    expect(loadSandboxConfig({ SANDBOX_APOLLO_PROFILE: 'official' }, ['--profile', 'jetvision']).apolloProfile).toBe(
      'jetvision',
    );
    expect(() => loadSandboxConfig({}, ['--profile', 'other'])).toThrow(/--profile expects one of jetvision, official/);
    expect(() => loadSandboxConfig({ SANDBOX_APOLLO_PROFILE: 'other' }, [])).toThrow(/SANDBOX_APOLLO_PROFILE/);
  });

  it('keeps the data under --data-dir, resolved to an absolute path', () => {
    expect(loadSandboxConfig({}, ['--data-dir', 'tmp/world']).dataDir).toBe(resolve('tmp/world'));
    expect(() => loadSandboxConfig({}, ['--data-dir'])).toThrow(/--data-dir expects a directory/);
    expect(() => loadSandboxConfig({}, ['--data-dir', '--only', 'apollo'])).toThrow(/--data-dir/);
  });

  it('reads ports, seed, size, admin, tokens, webhooks and --only', () => {
    const config = loadSandboxConfig(
      {
        SANDBOX_HOST: '0.0.0.0',
        SANDBOX_APOLLO_PORT: '9001',
        SANDBOX_SEED: '7',
        SANDBOX_APOLLO_SIZE: '100000',
        SANDBOX_ADMIN: 'true',
        SANDBOX_NOW: '2026-06-15',
        SANDBOX_AVINODE_TOKEN: 'tok',
        SANDBOX_N8N_WEBHOOK_URL: 'http://127.0.0.1:3000/webhooks/n8n',
        SANDBOX_N8N_WEBHOOK_SECRET: secret,
      },
      ['--only', 'apollo'],
    );
    expect(config).toMatchObject({
      host: '0.0.0.0',
      only: 'apollo',
      ports: { apollo: 9001, avinode: 8124, n8n: 8125 },
      seed: 7,
      apolloSize: 100_000,
      admin: true,
      now: new Date('2026-06-15T00:00:00Z'),
      authTokens: { avinode: 'tok' },
      webhooks: { n8n: { url: 'http://127.0.0.1:3000/webhooks/n8n', secret } },
    });
  });

  it('names the offending variable', () => {
    expect(() => loadSandboxConfig({ SANDBOX_APOLLO_PORT: 'eighty' }, [])).toThrow(/SANDBOX_APOLLO_PORT/);
    expect(() => loadSandboxConfig({ SANDBOX_ADMIN: 'maybe' }, [])).toThrow(/SANDBOX_ADMIN/);
    expect(() => loadSandboxConfig({ SANDBOX_APOLLO_WEBHOOK_URL: 'http://x.test/hook' }, [])).toThrow(
      /SANDBOX_APOLLO_WEBHOOK_SECRET/,
    );
    expect(() => loadSandboxConfig({}, ['--only', 'hubspot'])).toThrow(/--only/);
  });

  it('AVINODE_MODE=live takes the Avinode REST API settings and names the missing ones, never a value', () => {
    const config = loadSandboxConfig(
      {
        AVINODE_MODE: 'live',
        AVINODE_API_BASE_URL: 'https://sandbox.avinode.com/api/',
        AVINODE_API_TOKEN: 'api-token-1234',
        AVINODE_AUTH_TOKEN: 'auth-token-5678',
      },
      [],
    );
    expect(config.avinodeLive).toEqual({
      baseUrl: 'https://sandbox.avinode.com/api',
      apiToken: 'api-token-1234',
      authToken: 'auth-token-5678',
      product: 'JetVision-Integration/0.1.0',
      actAsAccount: undefined,
    });
    expect(loadSandboxConfig({}, []).avinodeLive).toBeUndefined();
    expect(() => loadSandboxConfig({ AVINODE_MODE: 'live', AVINODE_API_TOKEN: 'api-token-1234' }, [])).toThrow(
      'AVINODE_API_BASE_URL, AVINODE_AUTH_TOKEN must be set with AVINODE_MODE=live',
    );
    expect(() =>
      loadSandboxConfig(
        {
          AVINODE_MODE: 'live',
          AVINODE_API_BASE_URL: 'https://user:pw@x.test/api',
          AVINODE_API_TOKEN: 'a',
          AVINODE_AUTH_TOKEN: 'b',
        },
        [],
      ),
    ).toThrow(/AVINODE_API_BASE_URL must be an http\(s\) URL without credentials/);
    expect(() => loadSandboxConfig({ AVINODE_MODE: 'mock' }, [])).toThrow(/AVINODE_MODE/);
  });
});
