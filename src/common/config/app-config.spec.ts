import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { AppConfig, ConfigValidationError } from './app-config.js';
import { EnvironmentVariables } from './environment.js';

describe('AppConfig.fromEnvironment', () => {
  it('applies documented defaults to an empty environment', () => {
    const config = AppConfig.fromEnvironment({});
    expect(config.http.port).toBe(3000);
    expect(config.database.kind).toBe('embedded');
    expect(config.dataDir.endsWith('.data')).toBe(true);
    expect(config.mcp.servers.apollo.urls).toEqual([]);
    expect(config.mcp.servers.apollo.ratePerMinute).toBe(200);
    expect(config.logging.format).toBe('pretty');
  });

  it('generates an API key when none is configured, never leaving the API open', () => {
    const config = AppConfig.fromEnvironment({});
    expect(config.auth.generatedKey).toBe(true);
    expect(config.auth.apiKeys).toHaveLength(1);
    expect(config.auth.apiKeys[0]).toMatchObject({ name: 'generated', scope: 'admin' });
    expect(config.auth.apiKeys[0]!.key.length).toBeGreaterThanOrEqual(32);
  });

  it('parses several API keys for rotation', () => {
    const config = AppConfig.fromEnvironment({ API_KEYS: 'first-key-0123456789, second-key-0123456789' });
    expect(config.auth.apiKeys.map(({ key }) => key)).toEqual(['first-key-0123456789', 'second-key-0123456789']);
    expect(config.auth.generatedKey).toBe(false);
  });

  it('reads named, scoped keys and keeps a bare key as an admin key named by its fingerprint', () => {
    const config = AppConfig.fromEnvironment({
      API_KEYS: 'dashboard:read:dashboard-key-0123456789, ops:operate:ops-key-0123456789,legacy-key-0123456789',
    });
    expect(config.auth.apiKeys).toEqual([
      { name: 'dashboard', scope: 'read', key: 'dashboard-key-0123456789' },
      { name: 'ops', scope: 'operate', key: 'ops-key-0123456789' },
      { name: expect.stringMatching(/^key-[0-9a-f]{12}$/), scope: 'admin', key: 'legacy-key-0123456789' },
    ]);
  });

  it('names the entry and the rule for every bad API_KEYS entry', () => {
    expect(() =>
      AppConfig.fromEnvironment({
        API_KEYS:
          'a:write:key-0123456789abcdef,b:read:short,a:read:other-0123456789abcdef,x:y,c:read:other-0123456789abcdef',
      }),
    ).toThrow(
      new ConfigValidationError([
        'API_KEYS entry 1: the scope must be one of read, operate, admin',
        'API_KEYS entry 2: the key must be at least 16 URL-safe characters',
        'API_KEYS entry 3: the name "a" is used twice',
        'API_KEYS entry 4 must be <key> or <name>:<scope>:<key>',
        'API_KEYS entry 5: the same key is listed twice',
      ]),
    );
  });

  it('refuses MCP server URLs that carry credentials, naming the token variable to use instead', () => {
    expect(() =>
      AppConfig.fromEnvironment({
        APOLLO_MCP_SERVER_URL: 'http://user:pw@apollo.internal:8123/mcp',
        AVAINODE_MCP_SERVER_URL: 'https://mcp.example.com/mcp?apikey=s3cr3t&region=eu',
        N8N_MCP_SERVER_URL: 'https://n8n.example.com/mcp?region=eu',
      }),
    ).toThrow(
      new ConfigValidationError([
        'APOLLO_MCP_SERVER_URL must not carry credentials (it has a user name or password before the host): remove ' +
          'them from the URL and put the token in APOLLO_API_KEY, which is sent as "Authorization: Bearer <token>"',
        'AVAINODE_MCP_SERVER_URL must not carry credentials (it has the query parameter "apikey"): remove them from ' +
          'the URL and put the token in AVAINODE_API_KEY, which is sent as "Authorization: Bearer <token>"',
      ]),
    );
  });

  it('takes several endpoints per MCP server as a comma-separated list, each checked', () => {
    const config = AppConfig.fromEnvironment({
      AVAINODE_MCP_SERVER_URL: ' http://10.0.0.1:8124/mcp, http://10.0.0.2:8124/mcp ,',
      N8N_MCP_SERVER_URL: 'http://n8n:8125/mcp',
    });
    expect(config.mcp.servers.avinode.urls).toEqual(['http://10.0.0.1:8124/mcp', 'http://10.0.0.2:8124/mcp']);
    expect(config.mcp.servers.n8n.urls).toEqual(['http://n8n:8125/mcp']);
    expect(() => AppConfig.fromEnvironment({ AVAINODE_MCP_SERVER_URL: 'http://a:8124/mcp,ftp://b/mcp' })).toThrow(
      /AVAINODE_MCP_SERVER_URL must be an http\(s\) URL or a comma-separated list of them/,
    );
    expect(() =>
      AppConfig.fromEnvironment({ APOLLO_MCP_SERVER_URL: 'http://a:8123/mcp,http://user:pw@b:8123/mcp' }),
    ).toThrow(/APOLLO_MCP_SERVER_URL must not carry credentials \(it has a user name or password before the host\)/);
  });

  describe('in production', () => {
    const urls = {
      APOLLO_MCP_SERVER_URL: 'https://apollo.example.com/mcp',
      AVAINODE_MCP_SERVER_URL: 'https://avinode.example.com/mcp',
      N8N_MCP_SERVER_URL: 'https://n8n.example.com/mcp',
    };

    it('refuses to boot without upstream URLs, naming the missing ones and the way to ask for sandboxes', () => {
      expect(() =>
        AppConfig.fromEnvironment({ NODE_ENV: 'production', APOLLO_MCP_SERVER_URL: urls.APOLLO_MCP_SERVER_URL }),
      ).toThrow(
        new ConfigValidationError([
          'AVAINODE_MCP_SERVER_URL, N8N_MCP_SERVER_URL must be set when NODE_ENV=production; without a URL the ' +
            'service would run against simulated sandbox servers. Set MCP_EMBEDDED_SANDBOXES=true to ask for the ' +
            'sandboxes on purpose',
        ]),
      );
    });

    it('starts with the three URLs, or with sandboxes asked for explicitly', () => {
      expect(AppConfig.fromEnvironment({ NODE_ENV: 'production', ...urls }).env).toBe('production');
      expect(AppConfig.fromEnvironment({ NODE_ENV: 'production', MCP_EMBEDDED_SANDBOXES: 'true' }).env).toBe(
        'production',
      );
    });

    it('refuses OAuth for an MCP server without MCP_TOKEN_ENCRYPTION_KEY, and starts with one', () => {
      const oauth = {
        NODE_ENV: 'production',
        ...urls,
        N8N_MCP_AUTH: 'oauth',
        N8N_MCP_OAUTH_GRANT: 'authorization_code',
        N8N_MCP_OAUTH_CLIENT_ID: 'jv-backend',
      };
      expect(() => AppConfig.fromEnvironment(oauth)).toThrow(
        new ConfigValidationError([
          'MCP_TOKEN_ENCRYPTION_KEY must be set when NODE_ENV=production and an MCP server uses OAuth ' +
            '(N8N_MCP_AUTH=oauth): tokens are stored encrypted with it',
        ]),
      );
      const key = Buffer.alloc(32, 1).toString('base64');
      const config = AppConfig.fromEnvironment({ ...oauth, MCP_TOKEN_ENCRYPTION_KEY: key });
      expect(config.mcp.oauth.encryptionKey).toEqual(Buffer.alloc(32, 1));
      expect(config.mcp.servers.n8n.auth).toEqual({
        mode: 'oauth',
        grant: 'authorization_code',
        clientId: 'jv-backend',
        clientSecret: undefined,
        scope: undefined,
      });
      expect(config.mcp.servers.apollo.auth).toEqual({ mode: 'bearer' });
    });

    it('refuses OAuth settings that cannot work: no client, client credentials without a secret, a short key', () => {
      expect(() =>
        AppConfig.fromEnvironment({
          AVAINODE_MCP_AUTH: 'oauth',
          APOLLO_MCP_AUTH: 'oauth',
          APOLLO_MCP_OAUTH_CLIENT_ID: 'apollo-client',
          MCP_TOKEN_ENCRYPTION_KEY: 'ab'.repeat(31) + 'abab',
        }),
      ).toThrow(/MCP_TOKEN_ENCRYPTION_KEY must be 32 bytes/);
      expect(() =>
        AppConfig.fromEnvironment({
          AVAINODE_MCP_AUTH: 'oauth',
          APOLLO_MCP_AUTH: 'oauth',
          APOLLO_MCP_OAUTH_CLIENT_ID: 'apollo-client',
        }),
      ).toThrow(
        new ConfigValidationError([
          'APOLLO_MCP_OAUTH_CLIENT_SECRET must be set for APOLLO_MCP_OAUTH_GRANT=client_credentials',
          'AVAINODE_MCP_OAUTH_CLIENT_ID must be set when AVAINODE_MCP_AUTH=oauth',
          'AVAINODE_MCP_OAUTH_CLIENT_SECRET must be set for AVAINODE_MCP_OAUTH_GRANT=client_credentials',
        ]),
      );
    });

    it('refuses both crash test aids', () => {
      expect(() =>
        AppConfig.fromEnvironment({
          NODE_ENV: 'production',
          ...urls,
          PIPELINE_CRASH_AFTER_STEP: 'notify',
          WEBHOOK_CRASH_AFTER_EVENTS: '3',
        }),
      ).toThrow(
        new ConfigValidationError([
          'PIPELINE_CRASH_AFTER_STEP is a test aid and is refused when NODE_ENV=production',
          'WEBHOOK_CRASH_AFTER_EVENTS is a test aid and is refused when NODE_ENV=production',
        ]),
      );
      const test = AppConfig.fromEnvironment({ NODE_ENV: 'test', WEBHOOK_CRASH_AFTER_EVENTS: '3' });
      expect(test.webhooks.crashAfterEvents).toBe(3);
    });
  });

  it('with MCP_EMBEDDED_SANDBOXES=false, needs every URL in any environment', () => {
    expect(() => AppConfig.fromEnvironment({ MCP_EMBEDDED_SANDBOXES: 'false' })).toThrow(
      /APOLLO_MCP_SERVER_URL, AVAINODE_MCP_SERVER_URL, N8N_MCP_SERVER_URL must be set: MCP_EMBEDDED_SANDBOXES=false/,
    );
  });

  it('uses PostgreSQL when DATABASE_URL is set', () => {
    const config = AppConfig.fromEnvironment({
      DATABASE_URL: 'postgres://u:p@db:5432/jv',
      NODE_ENV: 'production',
      MCP_EMBEDDED_SANDBOXES: 'true',
    });
    expect(config.database).toMatchObject({ kind: 'postgres', url: 'postgres://u:p@db:5432/jv' });
    expect(config.logging.format).toBe('json');
  });

  it('lists every bad variable and why in one error', () => {
    let caught: unknown;
    try {
      AppConfig.fromEnvironment({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://nope',
        LOG_LEVEL: 'loud',
        APOLLO_MCP_SERVER_URL: 'not a url',
        API_KEYS: 'short',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigValidationError);
    const problems = (caught as ConfigValidationError).problems.join('\n');
    for (const variable of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'APOLLO_MCP_SERVER_URL', 'API_KEYS']) {
      expect(problems).toContain(variable);
    }
    expect((caught as ConfigValidationError).problems).toHaveLength(5);
  });

  it('rejects out-of-range numbers with the rule', () => {
    expect(() => AppConfig.fromEnvironment({ PORT: '70000' })).toThrow(/PORT must not be greater than 65535/);
  });

  it('ignores variables it does not own', () => {
    expect(() => AppConfig.fromEnvironment({ HOME: '/root', SOMETHING_ELSE: 'x' })).not.toThrow();
  });
});

describe('.env.example', () => {
  it('AVINODE_MODE=live serves Avinode in-process over the REST API, and needs its credentials unless a URL is set', () => {
    const live = AppConfig.fromEnvironment({
      AVINODE_MODE: 'live',
      AVINODE_API_BASE_URL: 'https://sandbox.avinode.com/api/',
      AVINODE_API_TOKEN: 'api-token-1234',
      AVINODE_AUTH_TOKEN: 'auth-token-5678',
      AVINODE_ACT_AS_ACCOUNT: 'broker.jane',
    });
    expect(live.mcp.avinodeLive).toEqual({
      baseUrl: 'https://sandbox.avinode.com/api',
      apiToken: 'api-token-1234',
      authToken: 'auth-token-5678',
      oauth: undefined,
      product: 'JetVision-Integration/0.1.0',
      actAsAccount: 'broker.jane',
    });
    const oauth = AppConfig.fromEnvironment({
      AVINODE_MODE: 'live',
      AVINODE_API_BASE_URL: 'https://sandbox.avinode.com/api',
      AVINODE_API_TOKEN: 'api-token-1234',
      AVINODE_OAUTH_CLIENT_ID: 'client-1',
      AVINODE_OAUTH_CLIENT_SECRET: 'client-secret-1',
    });
    expect(oauth.mcp.avinodeLive).toMatchObject({
      authToken: '',
      oauth: { clientId: 'client-1', clientSecret: 'client-secret-1' },
    });
    expect(() =>
      AppConfig.fromEnvironment({
        AVINODE_MODE: 'live',
        AVINODE_API_BASE_URL: 'https://sandbox.avinode.com/api',
        AVINODE_API_TOKEN: 'api-token-1234',
        AVINODE_OAUTH_CLIENT_ID: 'client-1',
      }),
    ).toThrow('AVINODE_OAUTH_CLIENT_SECRET must be set when AVINODE_MODE=live');
    expect(AppConfig.fromEnvironment({}).mcp.avinodeLive).toBeUndefined();
    expect(() => AppConfig.fromEnvironment({ AVINODE_MODE: 'live', AVINODE_API_TOKEN: 'api-token-1234' })).toThrow(
      'AVINODE_API_BASE_URL, AVINODE_AUTH_TOKEN must be set when AVINODE_MODE=live',
    );
    // The server at the URL holds the credentials then.
    expect(() =>
      AppConfig.fromEnvironment({ AVINODE_MODE: 'live', AVAINODE_MCP_SERVER_URL: 'http://127.0.0.1:8124/mcp' }),
    ).not.toThrow();
  });

  it('documents every variable the configuration reads', () => {
    const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const variables = [
      ...Object.keys(new EnvironmentVariables()),
      'DATABASE_URL',
      'API_KEYS',
      'LOG_FORMAT',
      'APOLLO_MCP_SERVER_URL',
      'AVAINODE_MCP_SERVER_URL',
      'N8N_MCP_SERVER_URL',
      'APOLLO_API_KEY',
      'AVAINODE_API_KEY',
      'N8N_MCP_AUTH_TOKEN',
      'MCP_EMBEDDED_SANDBOXES',
    ];
    const missing = variables.filter((name) => !documented.has(name));
    expect(missing).toEqual([]);
  });
});
