/**
 * Database URL -> the engine's Dialect. The only place that looks at the URL scheme.
 */
import { ConfigError } from '../config.js';
import type { Dialect } from './dialect.js';
import { openSqliteDialect } from './sqlite/sqlite-dialect.js';

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
  readonly poolSize: number;
}

export function openDialect(url: string, options: DialectOptions): Dialect {
  const target = parseDatabaseUrl(url);
  switch (target.engine) {
    case 'sqlite':
      return openSqliteDialect({ path: target.location, statementTimeoutMs: options.statementTimeoutMs });
    default:
      // TODO(issue 4): PostgreSQL and MySQL/MariaDB dialects.
      throw new ConfigError(`The ${target.engine} engine is not available in this version of rowgate yet; serve a SQLite file for now.`);
  }
}
