/**
 * Runs compiled queries on better-sqlite3: a writer connection and a reader connection, so reads
 * never see a write transaction that is still open (an action awaiting between statements), and
 * WAL lets them run beside it. Statements are prepared once per SQL text and connection. Writes
 * take an async mutex, then run in `BEGIN IMMEDIATE` transactions, so a writer never upgrades a
 * read lock mid-way (the cause of SQLITE_BUSY deadlocks). better-sqlite3 is synchronous: a query
 * holds the event loop while it runs, so reads check a deadline between rows (statement timeout).
 */
import type Database from 'better-sqlite3';
import { Mutex } from '../../util/mutex.js';
import type { Binder, BoundQuery, CompiledWrite, Driver, ReadResult, WriteOptions, WriteResult } from '../dialect.js';

/** Thrown inside a write transaction to undo it on purpose (`Prefer: tx=rollback`). */
class Rollback extends Error {
  constructor(readonly result: WriteResult) {
    super('rollback');
  }
}

/** The first column of a count row; a planned count with no statistics yields no row. */
function countOf(row: unknown): number | null {
  if (!Array.isArray(row) || row[0] === null || row[0] === undefined) return null;
  return Number(row[0]);
}

export class StatementTimeoutError extends Error {
  readonly code = 'SQLITE_INTERRUPT';
}

const STATEMENT_CACHE_LIMIT = 2000;

export class SqliteDriver implements Driver {
  private readonly readStatements = new Map<string, Database.Statement>();
  private readonly writeStatements = new Map<string, Database.Statement>();
  /** One write transaction at a time on the writer connection, however many requests await. */
  readonly writeLock = new Mutex();

  constructor(
    private readonly writer: Database.Database,
    private readonly reader: Database.Database,
    private readonly statementTimeoutMs: number,
    /** Opens another read-only connection to the same file, set up like the first. */
    private readonly openReader: () => Database.Database,
  ) {}

  /**
   * Streams a large read in batches. better-sqlite3 keeps a connection busy while a statement is
   * iterated, so the stream gets a connection of its own (WAL gives it one consistent snapshot),
   * and yields between batches so other requests are served meanwhile. No statement timeout here:
   * an export of a million rows is meant to take a while; the client can close the connection.
   */
  async *stream(main: BoundQuery, batchRows = 1000): AsyncIterable<string[]> {
    const reader = this.openReader();
    try {
      const iterator = reader.prepare(main.sql).raw(true).iterate(...main.params) as IterableIterator<unknown[]>;
      let batch: string[] = [];
      for (const row of iterator) {
        batch.push(row[0] as string);
        if (batch.length >= batchRows) {
          yield batch;
          batch = [];
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      if (batch.length > 0) yield batch;
    } finally {
      reader.close();
    }
  }

  private prepare(text: string, on: 'read' | 'write' = 'read'): Database.Statement {
    const cache = on === 'read' ? this.readStatements : this.writeStatements;
    let statement = cache.get(text);
    if (!statement) {
      if (cache.size >= STATEMENT_CACHE_LIMIT) cache.clear();
      statement = (on === 'read' ? this.reader : this.writer).prepare(text);
      if (statement.reader) statement.raw(true);
      cache.set(text, statement);
    }
    return statement;
  }

  async read(main: BoundQuery, count: BoundQuery | null): Promise<ReadResult> {
    const deadline = performance.now() + this.statementTimeoutMs;
    const rows: string[] = [];
    let last: unknown[] | null = null;
    for (const row of this.prepare(main.sql).iterate(...main.params) as IterableIterator<unknown[]>) {
      rows.push(row[0] as string);
      last = row;
      // A clock read per row costs tens of nanoseconds; it bounds scans that find rows slowly.
      if (performance.now() > deadline) throw new StatementTimeoutError('statement timeout');
    }
    const total = count ? countOf(this.prepare(count.sql).get(...count.params)) : null;
    return { rows, total, lastCursor: last && last.length > 1 ? (last[1] as string) : null };
  }

  async write(compiled: CompiledWrite, bind: Binder, options: WriteOptions): Promise<WriteResult> {
    const main = bind(compiled.main);
    const statement = this.prepare(main.sql, 'write');
    if (options.inTransaction) return this.runWrite(statement, main, options);
    const release = await this.writeLock.lock();
    const run = this.writer.transaction((): WriteResult => {
      let result: WriteResult;
      if (options.returnsRows) {
        const rows = statement.raw(true).all(...main.params) as string[][];
        result = { rows, affected: rows.length };
      } else {
        result = { rows: [], affected: statement.run(...main.params).changes };
      }
      options.check?.(result);
      if (options.rollback) throw new Rollback(result);
      return result;
    });
    try {
      return run.immediate();
    } catch (e) {
      if (e instanceof Rollback) return e.result;
      throw e;
    } finally {
      release();
    }
  }

  /** The statement alone, in the transaction the caller holds (its commit or rollback decides). */
  private runWrite(statement: Database.Statement, main: BoundQuery, options: WriteOptions): WriteResult {
    if (!this.writer.inTransaction) throw new Error('inTransaction write outside a transaction');
    const rows = options.returnsRows ? (statement.raw(true).all(...main.params) as string[][]) : [];
    const result = options.returnsRows ? { rows, affected: rows.length } : { rows, affected: statement.run(...main.params).changes };
    options.check?.(result);
    return result;
  }

  /**
   * Runs `work` inside one write transaction on the writer connection (actions, hooks): the
   * mutex keeps every other write out until it commits or rolls back, however long it awaits.
   */
  async transaction<T>(work: () => Promise<T>, options: { rollback?: boolean } = {}): Promise<T> {
    const release = await this.writeLock.lock();
    try {
      this.prepare('begin immediate', 'write').run();
      let result: T;
      try {
        result = await work();
      } catch (e) {
        if (this.writer.inTransaction) this.prepare('rollback', 'write').run();
        throw e;
      }
      this.prepare(options.rollback ? 'rollback' : 'commit', 'write').run();
      return result;
    } finally {
      release();
    }
  }

  async ping(): Promise<void> {
    this.prepare('select 1').get();
  }

  async close(): Promise<void> {
    // Let a write in progress finish before its connection goes away.
    const release = await this.writeLock.lock();
    this.readStatements.clear();
    this.writeStatements.clear();
    this.reader.close();
    this.writer.close();
    release();
  }
}
