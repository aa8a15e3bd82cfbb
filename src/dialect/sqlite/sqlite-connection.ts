/**
 * What every rowgate connection to a SQLite file shares: the SQL functions the compiler relies on
 * (regexp, imatch, base64), and how a read-only connection is opened. Imported by the dialect on
 * the main thread and by the read worker process (`sqlite-read-worker.ts`), so both run the same
 * functions with the same settings; keep its imports small, a worker loads it at start-up.
 */
import Database from 'better-sqlite3';
import { InvalidRegexError } from './sqlite-errors.js';

/** A read-only connection (streams, the reader, read workers), set up like the main one. */
export function openReadConnection(path: string): Database.Database {
  const db = new Database(path, { fileMustExist: true, readonly: true });
  db.pragma('busy_timeout = 5000');
  // PostgREST's `like` is case sensitive; SQLite's is not unless told.
  db.pragma('case_sensitive_like = ON');
  registerFunctions(db);
  return db;
}

export function registerFunctions(db: Database.Database): void {
  const cache = new Map<string, RegExp>();
  const regex = (pattern: string, flags: string): RegExp => {
    const key = flags + pattern;
    let re = cache.get(key);
    if (!re) {
      try {
        re = new RegExp(pattern, flags);
      } catch {
        throw new InvalidRegexError(`invalid regular expression: ${pattern.slice(0, 80)}`);
      }
      if (cache.size > 500) cache.clear();
      cache.set(key, re);
    }
    return re;
  };
  const test = (flags: string) => (pattern: unknown, value: unknown) => {
    if (pattern === null || value === null) return null;
    return regex(String(pattern), flags).test(String(value)) ? 1 : 0;
  };
  // SQLite turns `x REGEXP y` into regexp(y, x).
  db.function('regexp', { deterministic: true }, test('u'));
  db.function('rowgate_imatch', { deterministic: true }, test('iu'));
  db.function('rowgate_base64', { deterministic: true }, (value: unknown) =>
    value === null ? null : Buffer.isBuffer(value) ? value.toString('base64') : Buffer.from(String(value)).toString('base64'),
  );
  db.function('rowgate_unbase64', { deterministic: true }, (value: unknown) =>
    value === null ? null : Buffer.from(String(value), 'base64'),
  );
}
