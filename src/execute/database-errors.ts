/**
 * Neutral database error kinds and the one table that maps each to a catalog code and status.
 * Dialects translate native codes (SQLSTATE, SQLite extended codes, MySQL errno) into these kinds;
 * nothing outside a dialect knows a native code.
 */
import { rowgateError, type ErrorCode } from '../errors/catalog.js';
import type { RowgateError } from '../errors/rowgate-error.js';

export type DatabaseErrorKind =
  | 'unique'
  | 'foreign-key'
  | 'not-null'
  | 'check'
  | 'too-long'
  | 'out-of-range'
  | 'invalid-text'
  | 'invalid-regex'
  | 'undefined-operation'
  | 'read-only'
  | 'permission'
  | 'raised'
  | 'busy'
  | 'timeout'
  | 'unavailable';

const KIND_TO_CODE: Record<DatabaseErrorKind, { code: ErrorCode; retryAfter?: string }> = {
  unique: { code: '23505' }, // 409: the row exists; the client must change its request
  'foreign-key': { code: '23503' }, // 409: a referenced row is missing or still referenced
  'not-null': { code: '23502' }, // 400: the request left out a required value
  check: { code: '23514' }, // 400: a value breaks a CHECK constraint
  'too-long': { code: '22001' }, // 400: a string longer than its column allows
  'out-of-range': { code: '22003' }, // 400: a number beyond the column's type
  'invalid-text': { code: '22P02' }, // 400: a value that does not convert
  'invalid-regex': { code: '22023' },
  'undefined-operation': { code: '42883' }, // 400: a cast or aggregate the column's type does not have // 400: the match/imatch pattern is not a regular expression
  'read-only': { code: '25006' }, // 405: the database was opened read-only
  permission: { code: '42501' }, // 403: the database refuses the role this request runs as
  raised: { code: 'P0001' }, // 400: a database function raised an exception, as PostgREST answers it
  busy: { code: '40001', retryAfter: '1' }, // 503: contention outlasted the retries; try again shortly
  timeout: { code: '57014' }, // 504: the statement ran past its timeout and was cancelled
  unavailable: { code: '08000', retryAfter: '5' }, // 503: the database cannot be reached now
};

export function databaseError(kind: DatabaseErrorKind, message: string, details: string | null, cause: unknown): RowgateError {
  const { code, retryAfter } = KIND_TO_CODE[kind];
  return rowgateError(code, message, { details, cause, headers: retryAfter ? { 'retry-after': retryAfter } : undefined });
}
