/**
 * SQLite's extended result codes (as better-sqlite3 reports them in `error.code`) -> neutral kinds,
 * with messages phrased as PostgreSQL phrases them so clients see one wording on every engine.
 */
import type { NativeErrorInfo } from '../dialect.js';

/** Thrown by the regexp functions the driver registers, so a bad pattern is the client's 400. */
export class InvalidRegexError extends Error {}

export function translateSqliteError(error: unknown): NativeErrorInfo | null {
  if (error instanceof InvalidRegexError) return { kind: 'invalid-regex', message: error.message };
  if (!(error instanceof Error) || typeof (error as { code?: unknown }).code !== 'string') return null;
  const code = (error as unknown as { code: string }).code;
  if (!code.startsWith('SQLITE_')) return null;
  // "UNIQUE constraint failed: products.sku, products.x" -> the columns after the colon.
  const subject = error.message.includes(': ') ? error.message.slice(error.message.indexOf(': ') + 2) : null;
  switch (code) {
    case 'SQLITE_CONSTRAINT_UNIQUE':
    case 'SQLITE_CONSTRAINT_PRIMARYKEY':
      return { kind: 'unique', message: 'duplicate key value violates unique constraint', details: subject ? `Key (${subject}) already exists.` : null };
    case 'SQLITE_CONSTRAINT_FOREIGNKEY':
      return {
        kind: 'foreign-key',
        message: 'insert or update or delete violates foreign key constraint',
        details: 'A referenced row does not exist, or the row is still referenced.',
      };
    case 'SQLITE_CONSTRAINT_NOTNULL':
      return { kind: 'not-null', message: `null value violates not-null constraint`, details: subject ? `Failing column: ${subject}.` : null };
    case 'SQLITE_CONSTRAINT_CHECK':
      return { kind: 'check', message: 'new row violates check constraint', details: subject ? `Failing check: ${subject}.` : null };
    case 'SQLITE_BUSY':
    case 'SQLITE_BUSY_SNAPSHOT':
    case 'SQLITE_BUSY_TIMEOUT':
    case 'SQLITE_LOCKED':
      return { kind: 'busy', message: 'the database is busy; try again' };
    case 'SQLITE_READONLY':
      return { kind: 'read-only', message: 'cannot execute a write on a read-only database' };
    case 'SQLITE_INTERRUPT':
      return { kind: 'timeout', message: 'canceling statement due to statement timeout' };
    case 'SQLITE_MISMATCH':
      // A rowid (INTEGER PRIMARY KEY) given a value that is no 64-bit integer, e.g. 1e20.
      return { kind: 'out-of-range', message: 'value out of range for an integer key' };
    case 'SQLITE_RANGE':
      return { kind: 'out-of-range', message: 'value out of range' };
    case 'SQLITE_TOOBIG':
      return { kind: 'too-long', message: 'value too large' };
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_IOERR':
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return { kind: 'unavailable', message: 'the database cannot be read' };
    default:
      if (error.message.startsWith('malformed JSON')) return { kind: 'invalid-text', message: 'invalid JSON value' };
      return null;
  }
}
