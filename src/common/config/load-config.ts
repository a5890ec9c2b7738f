import { AppConfig } from './app-config.js';

/** The only place in the application that reads `process.env`. */
export function loadConfigFromProcess(): AppConfig {
  return AppConfig.fromEnvironment(process.env);
}
