import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { stdSerializers } from 'pino';
import { QueryFailedError } from 'typeorm';
import { safeErrorMessage, serializeError } from './safe-errors.js';

const EMAIL = 'ada.lovelace@example.com';

/** An error as the pg driver builds it from the server's answer. */
function serverError(message: string, fields: Record<string, string>): Error {
  return Object.assign(new pg.DatabaseError(message, 100, 'error'), { severity: 'ERROR', ...fields });
}

describe('database errors in logs', () => {
  const sql = 'INSERT INTO "pipeline_runs" ("id", "lead_input") VALUES ($1, $2)';

  it('masks a value the server quoted in its message, and keeps the names of schema objects', () => {
    const echoed = serverError(`invalid input syntax for type uuid: "${EMAIL}"`, { code: '22P02', routine: 'x' });
    expect(safeErrorMessage(new QueryFailedError(sql, [EMAIL], echoed))).toBe(
      'invalid input syntax for type uuid: "[redacted]"',
    );
    const check = serverError('new row for relation "pipeline_runs" violates check constraint "ck_lead"', {
      code: '23514',
      table: 'pipeline_runs',
      constraint: 'ck_lead',
      detail: `Failing row contains (1, {"email": "${EMAIL}"}).`,
    });
    expect(safeErrorMessage(check)).toBe(check.message);
  });

  it('serializes a failed statement without its parameters, the failing row or the driver error', () => {
    const driverError = serverError('duplicate key value violates unique constraint "uq_email"', {
      code: '23505',
      constraint: 'uq_email',
      detail: `Key (email)=(${EMAIL}) already exists.`,
      where: `SQL function with ${EMAIL}`,
    });
    const failed = new QueryFailedError(sql, ['0f8b1c52', { email: EMAIL }], driverError);
    const serialized = serializeError(failed) as Record<string, unknown>;
    expect(JSON.stringify(serialized)).not.toContain(EMAIL);
    expect(serialized).toMatchObject({
      type: 'QueryFailedError',
      code: '23505',
      constraint: 'uq_email',
      sql,
      message: 'duplicate key value violates unique constraint "uq_email"',
    });
  });

  it("unwraps pino's own serialization and follows causes", () => {
    const echoed = serverError(`value "${EMAIL}" is out of range for type integer`, { code: '22003' });
    const wrapper = new Error('storing the lead failed', { cause: new QueryFailedError(sql, [EMAIL], echoed) });
    // pino-http hands the custom serializer the output of pino's serializer, which folds causes into the message.
    const preSerialized = stdSerializers.err(wrapper);
    expect(JSON.stringify(preSerialized)).toContain(EMAIL);
    const serialized = serializeError(preSerialized) as Record<string, unknown>;
    expect(JSON.stringify(serialized)).not.toContain(EMAIL);
    expect(serialized['message']).toBe('storing the lead failed');
    expect(serialized['cause']).toMatchObject({
      code: '22003',
      message: 'value "[redacted]" is out of range for type integer',
    });
  });

  it('leaves other errors as they are', () => {
    expect(safeErrorMessage(new Error('upstream timed out'))).toBe('upstream timed out');
    expect(serializeError('not an error')).toBe('not an error');
  });
});
