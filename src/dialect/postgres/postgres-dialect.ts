/**
 * The PostgreSQL engine: a pg.Pool sized and timed from the options, the compile-only Kysely that
 * quotes and numbers placeholders for the compiler, introspection of one schema, and errors. The
 * pool's 'error' event is handled here, so an idle connection dropped by a database restart never
 * takes the process down; the pool replaces it on the next request.
 */
import pg from 'pg';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { Dialect, NativeErrorInfo } from '../dialect.js';
import type { ColumnType, Schema } from '../../schema/model.js';
import { rowgateError } from '../../errors/catalog.js';
import { parseSearchQuery, SearchSyntaxError, type SearchMode } from '../../util/search-query.js';
import { PostgresCompiler } from './postgres-compiler.js';
import { PostgresDriver } from './postgres-driver.js';
import { translatePostgresError } from './postgres-errors.js';
import { introspectPostgres } from './postgres-introspector.js';
import { callFunction } from './postgres-functions.js';

export interface PostgresOptions {
  readonly statementTimeoutMs: number;
  readonly poolSize: number;
  /** The request timeout: connecting may take no longer than this (nor 5 s). */
  readonly requestTimeoutMs?: number;
  /** How long to wait for a connection (a new one, or a free one from a full pool). */
  readonly connectionTimeoutMs?: number;
  /** Schemas to expose as profiles (Accept-Profile / Content-Profile), the first the default. Default `public`. */
  readonly schemas?: readonly string[];
  /** `auth.mode: 'database'`: transactions set the caller's role and JWT claims (DbSession). */
  readonly rowLevelSecurity?: boolean;
  /**
   * Behind a pooler in transaction mode (PgBouncer) session settings do not stick to a client:
   * then every statement runs in a transaction that sets them LOCAL, and no startup parameters
   * are sent (PgBouncer refuses unknown ones). Default false: reads and single writes run alone.
   */
  readonly transactionPooler?: boolean;
}

const MAX_CONNECTION_TIMEOUT_MS = 5000;

export function openPostgresDialect(url: string, options: PostgresOptions): Dialect {
  const connectionTimeoutMs = options.connectionTimeoutMs ?? Math.min(MAX_CONNECTION_TIMEOUT_MS, options.requestTimeoutMs ?? MAX_CONNECTION_TIMEOUT_MS);
  const config = (readOnly: boolean): pg.PoolConfig => ({
    connectionString: url,
    max: options.poolSize,
    // Bounds both opening a connection and waiting for a free one, so an outage is a quick 503, not a hang.
    connectionTimeoutMillis: connectionTimeoutMs,
    idleTimeoutMillis: 30_000,
    // Finds connections whose server vanished without a FIN (a network partition) while they sit idle.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'rowgate',
    // The same settings the transactions set LOCAL, for the session itself: a read of one
    // statement then runs without BEGIN/COMMIT, one round trip instead of three. Sessions are
    // read-only by default, so such a read cannot write even through a view over a volatile
    // function; writes begin with an explicit BEGIN READ WRITE.
    ...(options.transactionPooler
      ? {}
      : {
          statement_timeout: Math.max(1, Math.floor(options.statementTimeoutMs)),
          options: `-c TimeZone=UTC -c DateStyle=ISO,YMD -c extra_float_digits=1${readOnly ? ' -c default_transaction_read_only=on' : ''}`,
        }),
  });
  const pool = new pg.Pool(config(true));
  // A write of one statement that needs no transaction around it (no rollback, no check, no caller
  // to set) runs alone on a read-write connection: one round trip instead of three. Opened lazily,
  // so a read-only workload holds no such connections.
  const writePool = new pg.Pool(config(false));
  // An idle client's error (the server restarted, a proxy cut it) is reported here; without a
  // listener Node would throw it and end the process. The pool has already dropped that client.
  pool.on('error', () => {});
  writePool.on('error', () => {});
  const kysely = new Kysely<any>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const schema = options.schemas?.[0] ?? 'public';
  const driver = new PostgresDriver(pool, writePool, {
    singleStatements: !options.transactionPooler,
    poolSize: options.poolSize,
    statementTimeoutMs: options.statementTimeoutMs,
    pingTimeoutMs: Math.min(2000, connectionTimeoutMs),
  });
  return {
    name: 'postgres',
    description: describeTarget(url, schema),
    compiler: new PostgresCompiler(kysely),
    driver,
    ...(options.rowLevelSecurity ? { rowLevelSecurity: true } : {}),
    transaction: (work, opts) => driver.session(work, opts),
    callFunction: (fn, args, opts) =>
      driver.session((db) => callFunction(db, fn, args), { readOnly: fn.readOnly, rollback: opts.rollback, session: opts.session }),
    namespaces: options.schemas && options.schemas.length > 0 ? [...options.schemas] : ['public'],
    // rowgate's own accounts live in the schema `rowgate`, which config.ts never lets be served.
    internalNamespace: 'rowgate',
    introspect: async (version: number, namespace?: string): Promise<Schema> => introspectPostgres(pool, namespace ?? schema, version),
    toDriverValue: toPostgresValue,
    toSearchQuery: checkSearchQuery,
    translateError: (e: unknown): NativeErrorInfo | null => translatePostgresError(e),
  };
}

/** `postgres://user@host:port/db (schema public)`, never the password. */
function describeTarget(url: string, schema: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.search = '';
    return `${u.toString()} (schema ${schema})`;
  } catch {
    return `postgres (schema ${schema})`;
  }
}

function toPostgresValue(value: unknown, _type: ColumnType, text?: string): unknown {
  // pg sends every parameter as text and PostgreSQL types it from the column it meets: numbers,
  // BigInts and booleans become their text (`true`, `9007199254740993`), which every type reads.
  // An integer the request gave (checked: digits and a sign) is bound as that text. Printing it
  // again from a number costs a string per request, which V8 keeps in its number-to-string cache
  // in the old generation: with ids from 100,000 rows, 1.6 MB was promoted per young-generation
  // GC under 50 concurrent reads, and nothing with the text.
  return typeof value === 'number' && text !== undefined && Number.isInteger(value) && INTEGER_TEXT.test(text) ? text : value;
}

const INTEGER_TEXT = /^[+-]?\d+$/;

/**
 * PostgreSQL parses the query itself; `fts` text is first read with the same rules every engine
 * uses (util/search-query.ts), so a syntax error is the same 400 (42601) everywhere.
 */
function checkSearchQuery(mode: SearchMode, text: string): string {
  if (mode !== 'fts') return text;
  try {
    parseSearchQuery(mode, text);
  } catch (e) {
    if (e instanceof SearchSyntaxError) throw rowgateError('42601', e.message, { hint: 'to_tsquery syntax: words joined by & | ! and <->, with (…) and word:* for prefixes' });
    throw e;
  }
  return text;
}
