/**
 * A read worker: a child process (started by `sqlite-read-pool.ts`) with a read-only connection
 * of its own to the database file. It answers one read at a time: the main statement's rows
 * (column 0 JSON text, column 1 the keyset cursor when present) and the count, or the error as
 * plain data. It is a process, not a thread, because only killing a process stops SQLite in the
 * middle of a step: a terminated worker thread keeps running the statement until it ends.
 */
import type Database from 'better-sqlite3';
import { openReadConnection } from './sqlite-connection.js';
import { InvalidRegexError } from './sqlite-errors.js';
import type { WorkerReply, WorkerRequest } from './sqlite-read-pool.js';

const STATEMENT_CACHE_LIMIT = 2000;

let db: Database.Database | null = null;
const statements = new Map<string, Database.Statement>();

function send(reply: WorkerReply): void {
  process.send!(reply);
}

function prepare(text: string): Database.Statement {
  let statement = statements.get(text);
  if (!statement) {
    if (statements.size >= STATEMENT_CACHE_LIMIT) statements.clear();
    statement = db!.prepare(text);
    if (statement.reader) statement.raw(true);
    statements.set(text, statement);
  }
  return statement;
}

/** Structured clone turns Buffers into plain Uint8Arrays; better-sqlite3 binds Buffers. */
function bindable(params: readonly unknown[]): unknown[] {
  return params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p));
}

function errorData(e: unknown): { name: string; code: string | null; message: string } {
  if (e instanceof InvalidRegexError) return { name: 'InvalidRegexError', code: null, message: e.message };
  const error = e instanceof Error ? e : new Error(String(e));
  const code = (error as { code?: unknown }).code;
  return { name: error.name, code: typeof code === 'string' ? code : null, message: error.message };
}

process.on('message', (message: WorkerRequest) => {
  if (message.type === 'open') {
    try {
      db = openReadConnection(message.path);
      send({ type: 'ready' });
    } catch (e) {
      send({ type: 'failed', error: errorData(e) });
    }
    return;
  }
  const { id, main, count } = message;
  try {
    const rows = prepare(main.sql).all(...bindable(main.params)) as unknown[][];
    const last = rows.length > 0 ? rows[rows.length - 1]! : null;
    let total: number | null = null;
    if (count) {
      const row = prepare(count.sql).get(...bindable(count.params)) as unknown[] | undefined;
      total = row && row[0] !== null && row[0] !== undefined ? Number(row[0]) : null;
    }
    send({ type: 'rows', id, rows: rows.map((r) => r[0] as string), total, lastCursor: last && last.length > 1 ? (last[1] as string) : null });
  } catch (e) {
    send({ type: 'error', id, error: errorData(e) });
  }
});

// The server went away (closed the channel, or died): nothing is left to answer.
process.on('disconnect', () => {
  db?.close();
  process.exit(0);
});
