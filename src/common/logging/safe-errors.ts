import { QueryFailedError } from 'typeorm';

/** SQL text kept in a log line; long generated statements (bulk inserts) are cut. */
const MAX_SQL_LENGTH = 2000;
const MAX_CAUSE_DEPTH = 3;
const SQLSTATE = /^[0-9A-Z]{5}$/;
/** A double-quoted segment of a PostgreSQL message: an identifier, or a value the server echoed. */
const QUOTED = /"((?:[^"]|"")*)"/g;
/** The fields of a PostgreSQL error that name schema objects, never row values. */
const IDENTIFIER_FIELDS = ['schema', 'table', 'column', 'dataType', 'constraint', 'routine'] as const;

type DatabaseErrorLike = Error & Partial<Record<(typeof IDENTIFIER_FIELDS)[number] | 'code' | 'query', unknown>>;

/**
 * A failed statement (TypeORM's QueryFailedError) or a PostgreSQL/PGlite error. Both carry what must not reach a log:
 * the statement's parameters (`parameters`), the failing row or key (`detail`: "Key (email)=(…) already exists",
 * "Failing row contains (…)"), and a message that may quote the input ('invalid input syntax for type uuid: "…"').
 */
export function isDatabaseError(error: unknown): error is DatabaseErrorLike {
  if (error instanceof QueryFailedError) return true;
  if (!(error instanceof Error)) return false;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  return typeof code === 'string' && SQLSTATE.test(code) && typeof severity === 'string';
}

/**
 * The message with every quoted value masked. A quoted segment stays only when it names a schema object: one of the
 * error's identifier fields, or text of the statement itself (values travel as parameters, never in the SQL text).
 */
export function maskDatabaseMessage(message: string, error: object, sql?: string): string {
  const fields = error as Record<string, unknown>;
  const identifiers = new Set(IDENTIFIER_FIELDS.map((field) => fields[field]).filter((v) => typeof v === 'string'));
  return message.replace(QUOTED, (whole, inner: string) =>
    identifiers.has(inner) || (sql !== undefined && inner.length > 0 && sql.includes(inner)) ? whole : '"[redacted]"',
  );
}

/** A database error as a log line may show it: code, schema object names, masked message, SQL text; no values. */
export function describeDatabaseError(error: Error, sql?: string): Record<string, unknown> {
  const fields = error as DatabaseErrorLike;
  const statement = sql ?? (typeof fields.query === 'string' ? fields.query : undefined);
  const message = maskDatabaseMessage(error.message, error, statement);
  const described: Record<string, unknown> = { type: error.name, message };
  if (typeof fields.code === 'string') described['code'] = fields.code;
  for (const field of IDENTIFIER_FIELDS) if (typeof fields[field] === 'string') described[field] = fields[field];
  if (statement !== undefined) described['sql'] = truncateSql(statement);
  if (error.stack) described['stack'] = error.stack.replace(error.message, message);
  return described;
}

/** The message of any error, safe for a log line: a database error's message has its quoted values masked. */
export function safeErrorMessage(error: unknown): string {
  if (isDatabaseError(error)) {
    const query = (error as { query?: unknown }).query;
    return maskDatabaseMessage(error.message, error, typeof query === 'string' ? query : undefined);
  }
  return error instanceof Error ? error.message : String(error);
}

export function truncateSql(sql: string): string {
  return sql.length > MAX_SQL_LENGTH ? `${sql.slice(0, MAX_SQL_LENGTH)}… (${sql.length} characters)` : sql;
}

/**
 * pino's `err` serializer. Like pino's own (type, message, stack, own properties, cause), except that a database error
 * anywhere in the chain is described by `describeDatabaseError`: its parameters, row detail and echoed values stay out.
 */
export function serializeError(value: unknown, depth = 0): unknown {
  // pino-http hands its serializer pino's own serialization of the error, which keeps the original as `raw`.
  const raw = typeof value === 'object' && value !== null ? (value as { raw?: unknown }).raw : undefined;
  const error = value instanceof Error ? value : raw instanceof Error ? raw : undefined;
  if (error === undefined) return value;
  if (isDatabaseError(error)) return describeDatabaseError(error);
  const serialized: Record<string, unknown> = { type: error.name, message: error.message, stack: error.stack };
  const nested = (value: unknown): unknown =>
    depth >= MAX_CAUSE_DEPTH
      ? value instanceof Error
        ? `${value.name}: ${safeErrorMessage(value)}`
        : value
      : Array.isArray(value)
        ? (value as unknown[]).map((item) => (item instanceof Error ? serializeError(item, depth + 1) : item))
        : serializeError(value, depth + 1);
  for (const [key, value] of Object.entries(error)) {
    if (!(key in serialized)) serialized[key] = nested(value);
  }
  if (error.cause !== undefined) serialized['cause'] = nested(error.cause);
  return serialized;
}
