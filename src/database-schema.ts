import { MIGRATIONS } from '../migrations/index.js';
import type { SchemaRegistry } from './common/database/data-source-options.js';
import { AuditLogEntry } from './modules/audit/audit-log.entity.js';

/** Every entity and migration of the application: the app, the TypeORM CLI and the tests use this one list. */
export const DATABASE_SCHEMA: SchemaRegistry = {
  entities: [AuditLogEntry],
  migrations: MIGRATIONS,
};
