import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap.js';
import { StoredApiKeyError, storedApiKeyPath } from './common/auth/stored-api-key.js';
import { ConfigValidationError } from './common/config/app-config.js';
import { EmbeddedDatabaseInUseError, embeddedDatabaseHolder } from './common/database/embedded-database.js';
import { loadConfigFromProcess } from './common/config/load-config.js';
import { installGracefulShutdown } from './common/lifecycle/graceful-shutdown.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfigFromProcess({ storeGeneratedKey: true });
  } catch (error) {
    if (error instanceof ConfigValidationError || error instanceof StoredApiKeyError) {
      process.stderr.write(`${error.message}\nSee .env.example for every variable and its default.\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  if (config.database.kind === 'embedded') {
    const holder = embeddedDatabaseHolder(config.database.dataDir);
    if (holder !== undefined) throw new EmbeddedDatabaseInUseError(config.database.dataDir, `process ${holder}`);
  }
  const app = await createApp(config);
  installGracefulShutdown(app, config.http.shutdownTimeoutMs);
  await app.listen({ port: config.http.port, host: config.http.host });
  const logger = new Logger('Main');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  logger.log(`JetVision Integration listening on http://localhost:${port} (docs at /docs, health at /health/ready)`);
  if (config.auth.generatedKey) {
    // Never open by default: without API_KEYS an admin key is generated once, kept in DATA_DIR and shown at each start.
    logger.warn(
      `No API_KEYS configured. Admin API key (generated once, kept in ${storedApiKeyPath(config.dataDir)}): ` +
        (config.auth.apiKeys[0]?.key ?? ''),
    );
    logger.warn(
      'Set API_KEYS=<name>:<scope>:<key>,… (scope read, operate or admin) to use fixed keys; see the README.',
    );
  }
}

main().catch((error: unknown) => {
  if (error instanceof EmbeddedDatabaseInUseError) {
    // A clear refusal, not a crash: one line, and the configuration exit code like any other bad setting.
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  process.stderr.write(`Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
