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
import { translateSqliteError } from './sqlite-errors.js';
import { openReadConnection as openReader, registerFunctions } from './sqlite-connection.js';
import { introspectSqlite } from './sqlite-introspector.js';

export interface SqliteOptions {
  readonly path: string;
  readonly readonly?: boolean;
  readonly statementTimeoutMs: number;
  /**
   * Read worker processes for reads whose query plan may run long (scans of large tables,
   * recursive queries); they run off the event loop and are killed at the statement timeout.
   * Default 2; 0 runs every read on the main thread (a deadline checked between rows only).
   */
  readonly readWorkers?: number;
  /** Reads that may wait for a busy read worker; more are refused with 503 (default 64). */
  readonly readQueueLimit?: number;
}

export const DEFAULT_READ_WORKERS = 2;
export const DEFAULT_READ_QUEUE_LIMIT = 64;

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
  const driver = new SqliteDriver(db, reader, options.statementTimeoutMs, () => openReader(options.path), {
    path: options.path,
    size: options.readWorkers ?? DEFAULT_READ_WORKERS,
    queueLimit: options.readQueueLimit ?? DEFAULT_READ_QUEUE_LIMIT,
  });
  // Actions and hooks query through Kysely on the same connections the driver uses.
  const onWriter = new Kysely<any>({ dialect: new SqliteDialect({ database: preparedOnce(db) }) });
  const onReader = new Kysely<any>({ dialect: new SqliteDialect({ database: preparedOnce(reader) }) });
  return {
    name: 'sqlite',
    transaction: (work, opts) => (opts.readOnly ? work(onReader) : driver.transaction(() => work(onWriter), opts)),
    description: `sqlite:${options.path}`,
    compiler: new SqliteCompiler(kysely),
    driver,
    introspect: async (version: number): Promise<Schema> => {
      const schema = introspectSqlite(db, version);
      // Table sizes decide which reads go to the read workers; a reload judges plans again.
      driver.schemaChanged(schema);
      return schema;
    },
    toDriverValue: toSqliteValue,
    toSearchQuery: toFts5Query,
    translateError: (e: unknown): NativeErrorInfo | null => translateSqliteError(e),
  };
}

/** Distinct SQL texts whose statements Kysely's connections keep; past this they start over. */
const KYSELY_STATEMENT_LIMIT = 500;

/**
 * The connection as Kysely's SQLite driver sees it, with each SQL text prepared once: the driver
 * prepares every query it runs, which costs more than running a small one (an action such as
 * place_order runs half a dozen). Kysely holds its one connection under a mutex, so a statement
 * is never in use twice at once.
 */
function preparedOnce(db: Database.Database): Pick<Database.Database, 'prepare' | 'close'> {
  const statements = new Map<string, Database.Statement>();
  return {
    prepare(text: string) {
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= KYSELY_STATEMENT_LIMIT) statements.clear();
        statement = db.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
    close: () => db.close(),
  } as Pick<Database.Database, 'prepare' | 'close'>;
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

function toSqliteValue(value: unknown, type: ColumnType): unknown {
  // better-sqlite3 binds numbers, strings, bigints, buffers and null; booleans are stored as 0/1.
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && (type === 'timestamptz' || type === 'timestamp')) return utcTimestamp(value);
  return value;
}

const OFFSET_TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * SQLite keeps timestamps as text and compares them as text, so one instant written two ways
 * (`…22:28:27+00:00`, `…00:28:27+02:00`, `…22:28:27.000Z`) would match different rows. A filter
 * value with an offset or milliseconds is written in UTC the way SQLite's date functions and
 * rowgate's demos store instants: `YYYY-MM-DDTHH:MM:SSZ`, with `.mmm` only when not zero. Any
 * other text (no zone, microseconds, not a date) is compared as it is.
 */
export function utcTimestamp(text: string): string {
  const m = OFFSET_TIMESTAMP.exec(text);
  if (!m || (m[4] === 'Z' && m[3] === undefined)) return text;
  const zone = m[4] === 'Z' ? 'Z' : m[4].includes(':') ? m[4] : `${m[4].slice(0, 3)}:${m[4].slice(3)}`;
  const date = new Date(`${m[1]}T${m[2]}${m[3] ?? ''}${zone}`);
  if (Number.isNaN(date.getTime())) return text;
  const iso = date.toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}
