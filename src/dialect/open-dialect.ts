/**
 * Database URL -> the engine's Dialect. The only place that looks at the URL scheme.
 */
import { ConfigError } from '../config.js';
import type { Dialect } from './dialect.js';

export interface DatabaseTarget {
  readonly engine: 'sqlite' | 'postgres' | 'mysql';
  /** File path for SQLite, the URL otherwise. */
  readonly location: string;
}

export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('sqlite://')) return { engine: 'sqlite', location: url.slice('sqlite://'.length) };
  if (url.startsWith('sqlite:')) return { engine: 'sqlite', location: url.slice('sqlite:'.length) };
  if (/^postgres(ql)?:\/\//.test(url)) return { engine: 'postgres', location: url };
  if (/^(mysql|mariadb):\/\//.test(url)) return { engine: 'mysql', location: url };
  if (/\.(db|sqlite|sqlite3)$/i.test(url)) return { engine: 'sqlite', location: url };
  throw new ConfigError(
    `Cannot tell the database from '${url}': use sqlite:PATH (or a path ending in .db/.sqlite), postgres://… or mysql://…`,
  );
}

export interface DialectOptions {
  readonly statementTimeoutMs: number;
  /** Server engines give up on a connection before a request would time out. */
  readonly requestTimeoutMs: number;
  readonly poolSize: number;
  /** PostgreSQL behind a pooler in transaction mode (PgBouncer): settings per transaction only. */
  readonly postgresTransactionPooler?: boolean | undefined;
  /** SQLite: the read worker processes (docs/engine-sqlite.md); undefined: the default. */
  readonly sqliteReadWorkers?: number | undefined;
  /** PostgreSQL: the schemas served, the first the default (issue 4's profiles). */
  readonly schemas?: readonly string[];
  /** `mode: 'database'` hands access to the database's row-level security (PostgreSQL only). */
  readonly auth?: { readonly mode?: 'rules' | 'database' } | undefined;
}

/**
 * Each engine's module (and its driver: better-sqlite3, pg, mysql2) is loaded only when a database
 * of that engine is opened, so a process holds the drivers it uses and no others.
 */
export async function openDialect(url: string, options: DialectOptions): Promise<Dialect> {
  const target = parseDatabaseUrl(url);
  const rowLevelSecurity = options.auth?.mode === 'database';
  if (rowLevelSecurity && target.engine !== 'postgres') {
    throw new ConfigError(
      `auth.mode 'database' hands access control to the database's row-level security, which only PostgreSQL has; ` +
        `${target.engine === 'sqlite' ? 'SQLite' : 'MySQL'} has none, so every caller would see every row. ` +
        `Use auth.mode 'rules' (the default) with \`rules\` in the config on this engine.`,
    );
  }
  switch (target.engine) {
    case 'sqlite':
      return (await import('./sqlite/sqlite-dialect.js')).openSqliteDialect({
        path: target.location,
        statementTimeoutMs: options.statementTimeoutMs,
        ...(options.sqliteReadWorkers !== undefined ? { readWorkers: options.sqliteReadWorkers } : {}),
      });
    case 'postgres':
      return (await import('./postgres/postgres-dialect.js')).openPostgresDialect(target.location, { ...options, rowLevelSecurity, transactionPooler: options.postgresTransactionPooler ?? false });
    case 'mysql':
      return (await import('./mysql/mysql-dialect.js')).openMysqlDialect(target.location, options);
  }
}
