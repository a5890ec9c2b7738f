// Data source for the TypeORM CLI (`npm run migration:run|revert|generate`). Uses the same configuration as the app.
import { DataSource } from 'typeorm';
import { loadConfigFromProcess } from './common/config/load-config.js';
import { DATABASE_SCHEMA } from './database-schema.js';
import { buildDataSourceOptions } from './common/database/data-source-options.js';
import { EmbeddedDataSource } from './common/database/embedded-database.js';

const config = loadConfigFromProcess();

export default config.database.kind === 'postgres'
  ? new DataSource(buildDataSourceOptions(config, DATABASE_SCHEMA))
  : await EmbeddedDataSource.open(config.database.dataDir, (pool) =>
      buildDataSourceOptions(config, DATABASE_SCHEMA, pool),
    );
