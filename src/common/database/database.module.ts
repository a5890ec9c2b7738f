import { type DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule, type TypeOrmModuleOptions } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { buildDataSourceOptions, type SchemaRegistry } from './data-source-options.js';
import { EmbeddedDataSource, EmbeddedDatabaseInUseError } from './embedded-database.js';
import { runMigrationsExclusively } from './migration-runner.js';
import { DatabaseHealth } from './database.health.js';

/**
 * TypeORM on PostgreSQL (DATABASE_URL) or on the embedded PGlite database. Migrations are applied at startup, under an
 * advisory lock on PostgreSQL, before any module can use the database.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(schema: SchemaRegistry): DynamicModule {
    const logger = new Logger('Database');
    let config: AppConfig | undefined;
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (appConfig: AppConfig): TypeOrmModuleOptions => {
            config = appConfig;
            // The embedded pool config exists only once PGlite is open; dataSourceFactory builds the real options.
            const options: DataSourceOptions =
              appConfig.database.kind === 'postgres'
                ? buildDataSourceOptions(appConfig, schema)
                : { type: 'postgres', entities: schema.entities };
            // Another instance holding the embedded database will not let go within a retry: refuse at once.
            return { ...options, toRetry: (error: unknown) => !(error instanceof EmbeddedDatabaseInUseError) };
          },
          dataSourceFactory: async (options?: DataSourceOptions): Promise<DataSource> => {
            if (!config || !options) throw new Error('DatabaseModule: configuration missing');
            const appConfig = config;
            let dataSource: DataSource;
            if (appConfig.database.kind === 'embedded') {
              dataSource = await EmbeddedDataSource.open(appConfig.database.dataDir, (pool) =>
                buildDataSourceOptions(appConfig, schema, pool),
              );
              logger.log(
                `Using the embedded PostgreSQL (PGlite) in ${appConfig.database.dataDir}. ` +
                  'For production set DATABASE_URL=postgres://user:password@host:5432/dbname to use a PostgreSQL server.',
              );
            } else {
              dataSource = new DataSource(options);
              logger.log(`Using PostgreSQL at ${redactUrl(appConfig.database.url)}`);
            }
            await dataSource.initialize();
            try {
              const applied = await runMigrationsExclusively(dataSource, appConfig.database.kind === 'embedded');
              if (applied.length > 0) logger.log(`Applied migrations: ${applied.join(', ')}`);
            } catch (error) {
              await dataSource.destroy();
              throw error;
            }
            return dataSource;
          },
        }),
      ],
      providers: [DatabaseHealth],
      exports: [TypeOrmModule, DatabaseHealth],
    };
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
