import { storedApiKey } from '../auth/stored-api-key.js';
import { AppConfig } from './app-config.js';

/**
 * The only place in the application that reads `process.env`. The service keeps a generated API key in DATA_DIR
 * (`storeGeneratedKey`); one-off tools such as the migration CLI need no key and leave DATA_DIR alone.
 */
export function loadConfigFromProcess(options: { storeGeneratedKey?: boolean } = {}): AppConfig {
  return AppConfig.fromEnvironment(process.env, options.storeGeneratedKey ? { generatedKey: storedApiKey } : {});
}
