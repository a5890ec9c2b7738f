import { CreateAuditLog1764000000000 } from './1764000000000-create-audit-log.js';

/** Every migration, in order. New migrations are appended here (and generated with `npm run migration:generate`). */
export const MIGRATIONS = [CreateAuditLog1764000000000];
