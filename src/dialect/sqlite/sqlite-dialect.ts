/**
 * The SQLite engine: opens an existing database file (never creates one by accident), sets the
 * connection up (WAL, foreign keys, busy timeout, case-sensitive LIKE, the regexp and base64
 * functions the compiler relies on), and ties compiler, driver, introspector and errors together.
 */
import Database from 'better-sqlite3';
import { existsSync, accessSync, constants } from 'node:fs';
import { Kysely, SqliteAdapter, SqliteDialect, SqliteIntrospector, SqliteQueryCompiler, DummyDriver } from 'kysely';
import type { Dialect, NativeErrorInfo } from '../dialect.js';
import type { ColumnType, Schema } from '../../schema/model.js';
import { SqliteCompiler } from './sqlite-compiler.js';
import { SqliteDriver } from './sqlite-driver.js';
import { toFts5Query } from './sqlite-fts.js';
import { InvalidRegexError, translateSqliteError } from './sqlite-errors.js';
import { introspectSqlite } from './sqlite-introspector.js';

export interface SqliteOptions {
  readonly path: string;
  readonly readonly?: boolean;
  readonly statementTimeoutMs: number;
}

/** Thrown when the database cannot be opened, with a message fit for the command line. */
export class DatabaseOpenError extends Error {}

export function openSqliteDialect(options: SqliteOptions): Dialect {
  const db = openDatabase(options);
  // Kysely compiles our SQL templates (quoting, placeholders); it never executes here.
  const kysely = new Kysely<any>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new SqliteIntrospector(k),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
  const reader = openReader(options.path);
  const driver = new SqliteDriver(db, reader, options.statementTimeoutMs, () => openReader(options.path));
  // Actions and hooks query through Kysely on the same connections the driver uses.
  const onWriter = new Kysely<any>({ dialect: new SqliteDialect({ database: db }) });
  const onReader = new Kysely<any>({ dialect: new SqliteDialect({ database: reader }) });
  return {
    name: 'sqlite',
    transaction: (work, opts) => (opts.readOnly ? work(onReader) : driver.transaction(() => work(onWriter), opts)),
    description: `sqlite:${options.path}`,
    compiler: new SqliteCompiler(kysely),
    driver,
    introspect: async (version: number): Promise<Schema> => introspectSqlite(db, version),
    toDriverValue: toSqliteValue,
    toSearchQuery: toFts5Query,
    translateError: (e: unknown): NativeErrorInfo | null => translateSqliteError(e),
  };
}

function openDatabase(options: SqliteOptions): Database.Database {
  const { path } = options;
  if (!existsSync(path)) {
    throw new DatabaseOpenError(`SQLite database not found: ${path} (rowgate never creates an empty database; use 'rowgate demo shop --db ${path}' for a demo)`);
  }
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new DatabaseOpenError(`SQLite database is not readable: ${path}`);
  }
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true, readonly: options.readonly ?? false });
    // Reading the schema version fails at once on a file that is not a database.
    db.pragma('schema_version');
  } catch (e) {
    throw new DatabaseOpenError(`Cannot open ${path} as a SQLite database: ${(e as Error).message}`);
  }
  if (!options.readonly) db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  // Another process holding the write lock is waited for briefly here (a synchronous wait holds
  // the event loop), then retried with asynchronous backoff (execute/, actions/retry.ts).
  db.pragma(`busy_timeout = ${options.readonly ? 5000 : 20}`);
  // WAL with synchronous=NORMAL survives a process crash without losing committed writes.
  db.pragma('synchronous = NORMAL');
  // PostgREST's `like` is case sensitive; SQLite's is not unless told.
  db.pragma('case_sensitive_like = ON');
  registerFunctions(db);
  return db;
}

/** A read-only connection for streaming, with the same settings and functions as the main one. */
function openReader(path: string): Database.Database {
  const db = new Database(path, { fileMustExist: true, readonly: true });
  db.pragma('busy_timeout = 5000');
  db.pragma('case_sensitive_like = ON');
  registerFunctions(db);
  return db;
}

function registerFunctions(db: Database.Database): void {
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

function toSqliteValue(value: unknown, _type: ColumnType): unknown {
  // better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans are stored as 0/1.
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}
