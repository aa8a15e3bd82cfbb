/**
 * Large reads in batches (CSV, NDJSON, more than 10,000 rows): the rows arrive as mysql2 parses
 * them, and the socket is paused while a batch waits to be sent, so memory stays flat whatever
 * the row count. Each stream has a pooled connection of its own for as long as it runs.
 */
import type { Pool, PoolConnection } from 'mysql2/promise';

interface CoreConnection {
  execute(options: { sql: string; rowsAsArray: boolean }, params: unknown[]): NodeJS.EventEmitter;
  pause(): void;
  resume(): void;
}

/**
 * Column 0 of each row, in batches. Like SQLite's, a stream has no statement timeout: an export of
 * a million rows is meant to take a while, and the client can close the connection to stop it.
 */
export async function* streamMysqlRows(
  pool: Pool,
  main: { readonly sql: string; readonly params: readonly unknown[] },
  statementTimeoutMs: number,
  batchRows = 1000,
): AsyncIterable<string[]> {
  const conn = await pool.getConnection();
  const core = (conn as unknown as { connection: CoreConnection }).connection;
  let finished = false;
  try {
    await setTimeouts(conn, 0);
    const queue: string[][] = [];
    let batch: string[] = [];
    let failure: unknown = null;
    let wake: (() => void) | null = null;
    const notify = () => {
      wake?.();
      wake = null;
    };
    const command = core.execute({ sql: main.sql, rowsAsArray: true }, [...main.params]);
    command.on('result', (row: unknown) => {
      batch.push((row as unknown[])[0] as string);
      if (batch.length >= batchRows) {
        queue.push(batch);
        batch = [];
        core.pause();
        notify();
      }
    });
    command.on('error', (e: unknown) => {
      failure ??= e;
      finished = true;
      notify();
    });
    command.on('end', () => {
      if (batch.length > 0) queue.push(batch);
      batch = [];
      finished = true;
      notify();
    });
    for (;;) {
      if (queue.length > 0) {
        yield queue.shift()!;
        if (queue.length === 0 && !finished) core.resume();
        continue;
      }
      if (failure) throw failure;
      if (finished) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    if (finished) {
      await setTimeouts(conn, statementTimeoutMs).then(
        () => conn.release(),
        () => conn.destroy(),
      );
    } else {
      // The client went away mid-stream: the rest of the result cannot be skipped cheaply, so the connection goes.
      conn.destroy();
    }
  }
}

async function setTimeouts(conn: PoolConnection, statementTimeoutMs: number): Promise<void> {
  for (const statement of timeoutStatements(statementTimeoutMs)) {
    await conn.query(statement).catch((e: { errno?: number }) => {
      // ER_UNKNOWN_SYSTEM_VARIABLE: the other server's variable.
      if (e.errno !== 1193) throw e;
    });
  }
}

/**
 * This connection's statement timeout (0: none). Each server refuses the other's variable
 * (errno 1193, ignored), so both are set; mysql-dialect.ts sets them on every new connection.
 */
export function timeoutStatements(statementTimeoutMs: number): string[] {
  return [
    `SET SESSION max_statement_time = ${(statementTimeoutMs / 1000).toFixed(3)}`, // MariaDB: every statement
    `SET SESSION max_execution_time = ${Math.round(statementTimeoutMs)}`, // MySQL 8: SELECT only
  ];
}
