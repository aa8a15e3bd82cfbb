/**
 * The MySQL/MariaDB engine: a mysql2 pool sized and timed from the options, each new connection
 * set up the same way (UTC, strict SQL mode, statement and lock timeouts), the compile-only Kysely
 * that quotes and places `?` for the compiler, introspection of the URL's database, and errors.
 * Connection 'error' events are handled here so a server going away never ends the process.
 */
import mysql, { type Pool } from 'mysql2/promise';
import { DummyDriver, Kysely, MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler } from 'kysely';
import { ConfigError } from '../../config.js';
import type { Dialect, NativeErrorInfo } from '../dialect.js';
import type { ColumnType, Schema } from '../../schema/model.js';
import { MysqlCompiler, type MysqlServerTraits } from './mysql-compiler.js';
import { MysqlDriver, type MysqlServerState } from './mysql-driver.js';
import { timeoutStatements } from './mysql-stream.js';
import { translateMysqlError } from './mysql-errors.js';
import { toMysqlSearchQuery } from './mysql-fts.js';
import { introspectMysql } from './mysql-introspector.js';

export interface MysqlOptions {
  readonly statementTimeoutMs: number;
  readonly poolSize: number;
  /** The request timeout: opening a connection may take no longer than this (nor 5 s). */
  readonly requestTimeoutMs?: number;
}

const MAX_CONNECT_TIMEOUT_MS = 5000;

/**
 * The session every pooled connection gets. Strict mode turns bad values into errors instead of
 * silent truncation; NO_BACKSLASH_ESCAPES stays off because Kysely escapes literals for that mode;
 * UTC makes TIMESTAMP render as it is stored; JSON_ARRAYAGG (MariaDB) and GROUP_CONCAT stop at
 * group_concat_max_len, so it is lifted to the maximum.
 */
function sessionSetup(statementTimeoutMs: number): { common: string; flavoured: string[] } {
  const lockWait = Math.max(1, Math.ceil(statementTimeoutMs / 1000));
  return {
    common:
      `SET SESSION time_zone = '+00:00', ` +
      `sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', ` +
      `group_concat_max_len = 4294967295, innodb_lock_wait_timeout = ${lockWait}`,
    // Each server knows only its own variable and refuses the other's (errno 1193), which is ignored.
    flavoured: timeoutStatements(statementTimeoutMs),
  };
}

export function openMysqlDialect(url: string, options: MysqlOptions): Dialect {
  const target = parseMysqlUrl(url);
  const connectTimeout = Math.min(MAX_CONNECT_TIMEOUT_MS, options.requestTimeoutMs ?? MAX_CONNECT_TIMEOUT_MS);
  const pool = mysql.createPool({
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    connectionLimit: options.poolSize,
    maxIdle: options.poolSize,
    idleTimeout: 60_000,
    connectTimeout,
    enableKeepAlive: true,
    keepAliveInitialDelay: 10_000,
    charset: 'utf8mb4',
    // Counts and ids beyond 2^53 arrive as strings; dates and JSON as the server's text.
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    jsonStrings: true,
    rowsAsArray: true,
    // Without FOUND_ROWS, ON DUPLICATE KEY UPDATE reports 0 for a row it left alone, which is how
    // ignored duplicates are told from inserted rows; UPDATE counts come from "Rows matched".
    flags: ['-FOUND_ROWS'],
    // Bounded per connection so a pool of them stays under the server's max_prepared_stmt_count.
    maxPreparedStatements: 500,
  });
  const setup = sessionSetup(options.statementTimeoutMs);
  pool.on('connection', (conn) => {
    const core = conn as unknown as CoreConnection;
    // An error on an idle connection (the server restarted, a proxy cut it) is emitted here; without
    // a listener Node would end the process. mysql2 has already taken that connection out of the pool.
    core.on('error', () => {});
    // A connection that cannot be set up would render timestamps in the wrong zone or truncate
    // values quietly: it is closed, and the request it was opened for fails (503) rather than that.
    core.query(setup.common, (err) => {
      if (err) core.destroy();
    });
    for (const statement of setup.flavoured) core.query(statement, () => {});
  });
  // The core pool emits nothing else, but an 'error' without a listener would throw.
  (pool as unknown as { pool: NodeJS.EventEmitter }).pool.on('error', () => {});

  const traits: MysqlServerTraits = { mariadb: true };
  const server: MysqlServerState = { consecutiveIds: false, idStep: 1 };
  const kysely = new Kysely<any>({
    dialect: {
      createAdapter: () => new MysqlAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new MysqlIntrospector(k),
      createQueryCompiler: () => new MysqlQueryCompiler(),
    },
  });
  const driver = new MysqlDriver(pool, server, Math.min(2000, connectTimeout), options.statementTimeoutMs);
  return {
    name: 'mysql',
    description: describe(target),
    compiler: new MysqlCompiler(kysely, traits),
    driver,
    transaction: (work, opts) => driver.transaction(work, opts),
    introspect: async (version: number): Promise<Schema> => {
      await detectServer(pool, traits, server);
      return introspectMysql(catalogQuery(pool), target.database, traits.mariadb, version);
    },
    toDriverValue: toMysqlValue,
    toSearchQuery: (mode, text) => toMysqlSearchQuery(mode, text),
    translateError: (e: unknown): NativeErrorInfo | null => translateMysqlError(e),
  };
}

interface CoreConnection {
  on(event: 'error', listener: (e: Error) => void): void;
  query(sql: string, callback: (err: Error | null) => void): void;
  destroy(): void;
}

/** Which server, and whether a multi-row insert's AUTO_INCREMENT ids are consecutive (see MysqlServerState). */
async function detectServer(pool: Pool, traits: MysqlServerTraits, server: MysqlServerState): Promise<void> {
  const [rows] = await pool.query({ sql: 'SELECT VERSION(), @@innodb_autoinc_lock_mode, @@auto_increment_increment', rowsAsArray: true });
  const [version, lockMode, step] = (rows as unknown[][])[0];
  traits.mariadb = /mariadb/i.test(String(version));
  server.consecutiveIds = Number(lockMode) === 0 || Number(lockMode) === 1;
  server.idStep = Number(step) || 1;
}

function catalogQuery(pool: Pool) {
  return async (sql: string, params: readonly unknown[]): Promise<Record<string, unknown>[]> => {
    const [rows] = await pool.query({ sql, rowsAsArray: false }, params as unknown[]);
    return rows as Record<string, unknown>[];
  };
}

interface MysqlTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string;
}

/** `mysql://user:password@host:3306/db` (or `mariadb://…`) -> connection settings; the database is required. */
export function parseMysqlUrl(url: string): MysqlTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`Not a database URL: expected mysql://user:password@host:3306/database`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) {
    throw new ConfigError(`The MySQL URL must name a database: mysql://user@${u.host || 'host'}/<database>`);
  }
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username) || 'root',
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database,
  };
}

/** `mysql://user@host:port/db`, never the password. */
function describe(target: MysqlTarget): string {
  return `mysql://${target.user}@${target.host}:${target.port}/${target.database}`;
}

/**
 * Booleans are stored as 0/1. A timestamp with a zone (`…Z`, `…+02:00`) is turned into UTC
 * wall-clock text, which is how the UTC session compares it with DATETIME and TIMESTAMP values
 * (MariaDB does not read offsets itself); the fraction keeps milliseconds.
 */
function toMysqlValue(value: unknown, type: ColumnType): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if ((type === 'timestamp' || type === 'timestamptz') && typeof value === 'string' && /[Tt ]\d\d:\d\d.*(Z|z|[+-]\d\d(:?\d\d)?)$/.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  }
  return value;
}
