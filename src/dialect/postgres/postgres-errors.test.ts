import { describe, expect, it } from 'vitest';
import { ConnectionLostError, translatePostgresError } from './postgres-errors.js';

/** An error as node-postgres reports one from the server. */
function serverError(code: string, message = 'm', detail?: string): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR', detail });
}

describe('translatePostgresError', () => {
  it.each([
    ['23505', 'unique'],
    ['23P01', 'unique'],
    ['21000', 'unique'],
    ['23503', 'foreign-key'],
    ['23001', 'foreign-key'],
    ['23502', 'not-null'],
    ['23514', 'check'],
    ['22001', 'too-long'],
    ['22003', 'out-of-range'],
    ['22P02', 'invalid-text'],
    ['22007', 'invalid-text'],
    ['22008', 'invalid-text'],
    ['22021', 'invalid-text'],
    ['2201B', 'invalid-regex'],
    ['22025', 'invalid-regex'],
    ['42704', 'invalid-text'],
    ['428C9', 'invalid-text'],
    ['57014', 'timeout'],
    ['40001', 'busy'],
    ['40P01', 'busy'],
    ['55P03', 'busy'],
    ['25006', 'read-only'],
    ['08006', 'unavailable'],
    ['08001', 'unavailable'],
    ['57P01', 'unavailable'],
    ['57P02', 'unavailable'],
    ['57P03', 'unavailable'],
    ['53300', 'unavailable'],
    ['28P01', 'unavailable'],
    ['3D000', 'unavailable'],
  ])('SQLSTATE %s is %s', (code, kind) => {
    expect(translatePostgresError(serverError(code))?.kind).toBe(kind);
  });

  it('keeps the server message and detail, which name the constraint and the key', () => {
    const e = serverError('23505', 'duplicate key value violates unique constraint "authors_name_key"', 'Key (name)=(Italo Calvino) already exists.');
    expect(translatePostgresError(e)).toEqual({
      kind: 'unique',
      message: 'duplicate key value violates unique constraint "authors_name_key"',
      details: 'Key (name)=(Italo Calvino) already exists.',
    });
  });

  it('leaves codes it does not know to the generic 500', () => {
    expect(translatePostgresError(serverError('42P01'))).toBeNull();
    expect(translatePostgresError(serverError('XX000'))).toBeNull();
    expect(translatePostgresError(new Error('something else'))).toBeNull();
    expect(translatePostgresError('not an error')).toBeNull();
  });

  it('treats connection failures as unavailable, without naming hosts', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' });
    for (const e of [
      refused,
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
      new AggregateError([refused], 'connect failed'),
      new ConnectionLostError('the database stopped answering'),
    ]) {
      const info = translatePostgresError(e);
      expect(info?.kind, e.message).toBe('unavailable');
      expect(info?.message).not.toContain('10.0.0.5');
    }
  });

  it('does not read a client-side code that merely looks like an SQLSTATE as one', () => {
    expect(translatePostgresError(Object.assign(new Error('x'), { code: '23505' }))).toBeNull();
  });
});
