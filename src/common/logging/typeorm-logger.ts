import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';
import { describeDatabaseError, maskDatabaseMessage, truncateSql } from './safe-errors.js';

type Parameters = unknown[] | Record<string, unknown> | undefined;

function parameterCount(parameters: Parameters): number {
  if (parameters === undefined) return 0;
  return Array.isArray(parameters) ? parameters.length : Object.keys(parameters).length;
}

/**
 * TypeORM's logger, through the application's pino logger as JSON. Statements are logged as SQL text and the number of
 * parameters — never the parameter values, which are the rows' contents (names, emails, payloads). TypeORM's own
 * loggers print the values, as raw lines outside pino.
 */
export class TypeOrmPinoLogger implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  /** `queries`: log every statement (at debug level), for LOG_QUERIES. */
  constructor(private readonly queries: boolean) {}

  logQuery(query: string, parameters?: Parameters): void {
    if (!this.queries) return;
    this.logger.debug({ msg: 'query', sql: truncateSql(query), parameterCount: parameterCount(parameters) });
  }

  // A failed statement is a warning here: the caller decides whether it is an error (a unique violation can mean
  // "already there"); an error that reaches a request or a job is logged there again, with its context.
  logQueryError(error: string | Error, query: string, parameters?: Parameters): void {
    const failure =
      typeof error === 'string'
        ? { message: maskDatabaseMessage(error, {}, query), sql: truncateSql(query) }
        : { ...describeDatabaseError(error, query), stack: undefined };
    this.logger.warn({ msg: 'query failed', db: failure, parameterCount: parameterCount(parameters) });
  }

  logQuerySlow(time: number, query: string, parameters?: Parameters): void {
    this.logger.warn({
      msg: 'slow query',
      durationMs: time,
      sql: truncateSql(query),
      parameterCount: parameterCount(parameters),
    });
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    if (level === 'warn') this.logger.warn(text);
    else this.logger.log(text);
  }
}
