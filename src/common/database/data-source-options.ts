import type { DataSourceOptions, MixedList, EntitySchema } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { TypeOrmPinoLogger } from '../logging/typeorm-logger.js';

export interface SchemaRegistry {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

/**
 * The TypeORM options for either database. PostgreSQL and the embedded PGlite share the same entities and migrations;
 * only the connection differs (PGlite is reached through a pg Pool whose "connection" is the in-process database).
 */
export function buildDataSourceOptions(
  config: AppConfig,
  schema: SchemaRegistry,
  embeddedPoolConfig?: Record<string, unknown>,
): DataSourceOptions {
  const common = {
    type: 'postgres' as const,
    entities: schema.entities,
    migrations: schema.migrations,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    // gen_random_uuid() is core PostgreSQL since 13 and exists in PGlite; uuid-ossp does not exist in PGlite.
    uuidExtension: 'pgcrypto' as const,
    installExtensions: false,
    // Through pino, without parameter values (see TypeOrmPinoLogger); every statement with LOG_QUERIES.
    logger: new TypeOrmPinoLogger(config.logging.queries),
  };
  if (config.database.kind === 'postgres') {
    return {
      ...common,
      url: config.database.url,
      poolSize: config.database.poolSize,
      extra: { application_name: 'jetvision-integration', max: config.database.poolSize },
    };
  }
  if (!embeddedPoolConfig) throw new Error('The embedded database needs its PGlite pool configuration');
  return { ...common, extra: embeddedPoolConfig, poolSize: 1 };
}
