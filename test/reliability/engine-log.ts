/**
 * The engine's own error log, where one can be read: PostgreSQL logs every failed statement
 * (`log_min_messages` is `warning` by default) to /var/log/postgresql/*.log on Debian, prefixed
 * with `user@database`. A watcher remembers where each log file ended, and later returns the
 * ERROR lines written since for one database — so a test can assert that no payload reached the
 * engine as SQL text (no `syntax error`). SQLite has no log, and MariaDB logs no statement errors
 * unless an audit plugin is installed; for those, and when the log cannot be read, there is no
 * watcher and the caller relies on the error bodies.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

const PG_LOG_DIR = process.env.ROWGATE_TEST_POSTGRES_LOG_DIR ?? '/var/log/postgresql';

export interface EngineLogWatcher {
  /** Where the log is read from, for the printed counts. */
  readonly source: string;
  /** The ERROR lines logged for the database since the watcher started (or since the last call). */
  errorsSince(): string[];
}

/** A watcher of PostgreSQL's log for the database of `databaseUrl`, or why there is none. */
export function postgresLogWatcher(databaseUrl: string): EngineLogWatcher | string {
  let files: string[];
  try {
    files = readdirSync(PG_LOG_DIR).filter((f) => f.endsWith('.log')).map((f) => join(PG_LOG_DIR, f));
  } catch {
    return `no PostgreSQL log directory ${PG_LOG_DIR}`;
  }
  const readable = files.filter((f) => {
    try {
      closeSync(openSync(f, 'r'));
      return true;
    } catch {
      return false;
    }
  });
  if (readable.length === 0) return `no readable log in ${PG_LOG_DIR}`;
  const database = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  if (database === '') return 'the database URL names no database';
  const offsets = new Map(readable.map((f) => [f, statSync(f).size]));
  return {
    source: readable.join(', '),
    errorsSince() {
      const lines: string[] = [];
      for (const [file, from] of offsets) {
        const size = statSync(file).size;
        if (size <= from) continue;
        const buffer = Buffer.alloc(size - from);
        const fd = openSync(file, 'r');
        try {
          readSync(fd, buffer, 0, buffer.length, from);
        } finally {
          closeSync(fd);
        }
        offsets.set(file, size);
        for (const line of buffer.toString('utf8').split('\n')) {
          if (line.includes(`@${database} ERROR:`)) lines.push(line);
        }
      }
      return lines;
    },
  };
}

/** An engine-native syntax error in a log line or response body: a payload reached the engine as SQL. */
export const ENGINE_SYNTAX_ERROR =
  /syntax error at or near|syntax error at end of input|: syntax error|unrecognized token|incomplete input|unterminated quoted|You have an error in your SQL syntax|ER_PARSE_ERROR|SQLITE_ERROR|near "[^"]*": syntax/i;
