/**
 * Runs compiled queries on better-sqlite3: a writer connection and a reader connection, so reads
 * never see a write transaction that is still open (an action awaiting between statements), and
 * WAL lets them run beside it. Statements are prepared once per SQL text and connection. Writes
 * take an async mutex, then run in `BEGIN IMMEDIATE` transactions, so a writer never upgrades a
 * read lock mid-way (the cause of SQLITE_BUSY deadlocks).
 *
 * better-sqlite3 is synchronous: a statement holds the event loop while it runs. So each read's
 * SQL text is classified once from its query plan (`sqlite-read-classifier.ts`): a surely short
 * read (lookups through keys and indexes, scans of small tables) runs here with `all()`; one that
 * may run long goes to a read worker process (`sqlite-read-pool.ts`), which is killed at the
 * statement timeout. See docs/engine-sqlite.md.
 */
import type Database from 'better-sqlite3';
import { Mutex } from '../../util/mutex.js';
import type { Binder, BoundQuery, CompiledWrite, Driver, ReadResult, WriteOptions, WriteResult } from '../dialect.js';
import type { Schema } from '../../schema/model.js';
import { aliasesOf, classifyPlan, LONG_SCAN_ROWS, type PlanStep, type ReadClass } from './sqlite-read-classifier.js';
import { ReadPoolUnavailableError, SqliteReadPool, StatementTimeoutError, type ReadPoolOptions } from './sqlite-read-pool.js';

export { StatementTimeoutError };

/** A count statement's answer: its one value (plucked) or row; undefined when it gave no row (a planned count without statistics). */
function countOf(answer: unknown): number | null {
  const value = Array.isArray(answer) ? answer[0] : answer;
  if (value === null || value === undefined) return null;
  return Number(value);
}

const STATEMENT_CACHE_LIMIT = 2000;

export class SqliteDriver implements Driver {
  private readonly readStatements = new Map<string, Database.Statement>();
  private readonly writeStatements = new Map<string, Database.Statement>();
  /** Reads of one column (most: the database builds each row's JSON) answer values, not one-item arrays. */
  private readonly plucked = new WeakSet<Database.Statement>();
  /** One write transaction at a time on the writer connection, however many requests await. */
  readonly writeLock = new Mutex();

  constructor(
    private readonly writer: Database.Database,
    private readonly reader: Database.Database,
    private readonly statementTimeoutMs: number,
    /** Opens another read-only connection to the same file, set up like the first. */
    private readonly openReader: () => Database.Database,
    /** Read workers for reads that may run long; null: every read runs here (the deadline check). */
    pool: Omit<ReadPoolOptions, 'statementTimeoutMs'> | null = null,
    /** Tables above this many rows make a scan of them long (tests lower it). */
    private readonly longScanRows = LONG_SCAN_ROWS,
  ) {
    this.pool = pool && pool.size > 0 ? new SqliteReadPool({ ...pool, statementTimeoutMs }) : null;
  }

  /** Null when reads never leave the main thread (`readWorkers: 0`). */
  readonly pool: SqliteReadPool | null;
  /** Per SQL text: may this read run long? */
  private readonly classes = new Map<string, ReadClass>();
  /** Per table: sqlite_stat1's row count, from the schema last read. */
  private statRows = new Map<string, number>();
  /** Per table: its rows, counted up to the threshold (+1) when a plan first scans it. */
  private readonly countedRows = new Map<string, number | null>();

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
      if (on === 'read' && statement.reader && statement.columns().length === 1) {
        statement.pluck(true);
        this.plucked.add(statement);
      } else if (statement.reader) {
        statement.raw(true);
      }
      cache.set(text, statement);
    }
    return statement;
  }

  async read(main: BoundQuery, count: BoundQuery | null): Promise<ReadResult> {
    const now = this.readNow(main, count);
    if (now) return now;
    try {
      return await this.pool!.run(main, count);
    } catch (e) {
      // Workers that cannot start leave the reads to the main thread, as before they existed.
      const gaveUp = this.pool!.unavailable;
      if (!gaveUp || (e !== gaveUp && !(e instanceof ReadPoolUnavailableError))) throw e;
      return this.readWithDeadline(main, count);
    }
  }

  /** Every read but one that may run long (which goes to a read worker) runs here, at once. */
  readNow(main: BoundQuery, count: BoundQuery | null): ReadResult | undefined {
    if (!this.pool || this.pool.unavailable) return this.readWithDeadline(main, count);
    if (this.classify(main).long || (count !== null && this.classify(count).long)) return undefined;
    const statement = this.prepare(main.sql);
    if (this.plucked.has(statement)) {
      const rows = statement.all(...main.params) as string[];
      return { rows, total: count ? countOf(this.prepare(count.sql).get(...count.params)) : null, lastCursor: null };
    }
    // Keyset reads carry the last row's cursor as a second column.
    const rows = statement.all(...main.params) as unknown[][];
    const last = rows.length > 0 ? rows[rows.length - 1]! : null;
    const total = count ? countOf(this.prepare(count.sql).get(...count.params)) : null;
    return { rows: rows.map((r) => r[0] as string), total, lastCursor: last && last.length > 1 ? (last[1] as string) : null };
  }

  /**
   * Without read workers: iterate and check a deadline between rows. That bounds a scan that
   * returns rows, not one step that runs long (a scan that finds no row, a big sort).
   */
  private readWithDeadline(main: BoundQuery, count: BoundQuery | null): ReadResult {
    const deadline = performance.now() + this.statementTimeoutMs;
    const rows: string[] = [];
    let last: unknown[] | null = null;
    const statement = this.prepare(main.sql);
    const plucked = this.plucked.has(statement);
    for (const row of statement.iterate(...main.params) as IterableIterator<unknown>) {
      if (plucked) {
        rows.push(row as string);
      } else {
        rows.push((row as unknown[])[0] as string);
        last = row as unknown[];
      }
      if (performance.now() > deadline) throw new StatementTimeoutError('canceling statement due to statement timeout');
    }
    const total = count ? countOf(this.prepare(count.sql).get(...count.params)) : null;
    return { rows, total, lastCursor: last && last.length > 1 ? (last[1] as string) : null };
  }

  /** May this read run long? From its query plan, once per SQL text (see sqlite-read-classifier.ts). */
  classify(query: BoundQuery): ReadClass {
    let known = this.classes.get(query.sql);
    if (known) return known;
    let steps: PlanStep[];
    try {
      steps = this.reader.prepare(`explain query plan ${query.sql}`).all(...query.params) as PlanStep[];
    } catch {
      // The statement itself fails (the main thread reports its error at once) or has no plan.
      return { long: false, reason: 'no plan' };
    }
    const aliases = aliasesOf(query.sql);
    known = classifyPlan(steps, (name) => this.rowsOfName(name, aliases), this.longScanRows);
    if (this.classes.size >= STATEMENT_CACHE_LIMIT) this.classes.clear();
    this.classes.set(query.sql, known);
    return known;
  }

  /** The most rows any table a plan name may stand for holds; null when it stands for no table. */
  private rowsOfName(name: string, aliases: ReadonlyMap<string, readonly string[]>): number | null {
    let most: number | null = null;
    for (const candidate of [name, ...(aliases.get(name) ?? [])]) {
      const rows = this.rowsOfTable(candidate);
      if (rows !== null) most = Math.max(most ?? 0, rows);
    }
    return most;
  }

  private rowsOfTable(name: string): number | null {
    if (!this.countedRows.has(name)) {
      let counted: number | null = null;
      const table = this.reader.prepare("select type from sqlite_schema where type = 'table' and name = ?").get(name);
      if (table) {
        // Counting up to the threshold (+1) is enough to tell small from large, and stays cheap.
        const quoted = `"${name.replaceAll('"', '""')}"`;
        const row = this.reader.prepare(`select count(*) from (select 1 from ${quoted} limit ?)`).raw(true).get(this.longScanRows + 1) as unknown[];
        counted = Number(row[0]);
      } else if (/^sqlite_/.test(name)) {
        counted = 0; // sqlite_schema, sqlite_stat1: catalog tables, small
      }
      this.countedRows.set(name, counted);
    }
    const counted = this.countedRows.get(name) ?? null;
    if (counted === null) return null;
    return Math.max(counted, this.statRows.get(name) ?? 0);
  }

  /** The schema was (re)read: tables and their sizes may have changed, so plans are judged again. */
  schemaChanged(schema: Schema): void {
    this.statRows = new Map([...schema.tables.values()].filter((t) => t.rowEstimate != null).map((t) => [t.name, t.rowEstimate!]));
    this.classes.clear();
    this.countedRows.clear();
  }

  async write(compiled: CompiledWrite, bind: Binder, options: WriteOptions): Promise<WriteResult> {
    if (options.inTransaction) {
      const main = bind(compiled.main);
      return this.runWrite(this.prepare(main.sql, 'write'), main, options);
    }
    const release = this.writeLock.tryLock() ?? (await this.writeLock.lock());
    try {
      return this.writeHeld(compiled, bind, options);
    } finally {
      release();
    }
  }

  /** A write while no other holds the write lock (nearly always: writes are short and synchronous). */
  writeNow(compiled: CompiledWrite, bind: Binder, options: WriteOptions): WriteResult | undefined {
    if (options.inTransaction) return undefined;
    const release = this.writeLock.tryLock();
    if (!release) return undefined;
    try {
      return this.writeHeld(compiled, bind, options);
    } finally {
      release();
    }
  }

  private writeHeld(compiled: CompiledWrite, bind: Binder, options: WriteOptions): WriteResult {
    const main = bind(compiled.main);
    const statement = this.prepare(main.sql, 'write');
    // One statement with nothing to check or undo is atomic by itself: it runs in autocommit,
    // as a hand-written server would, without a transaction around it.
    if (!options.check && !options.rollback) return this.execute(statement, main, options.returnsRows);
    this.prepare('begin immediate', 'write').run();
    try {
      const result = this.execute(statement, main, options.returnsRows);
      options.check?.(result);
      this.prepare(options.rollback ? 'rollback' : 'commit', 'write').run();
      return result;
    } catch (e) {
      if (this.writer.inTransaction) this.prepare('rollback', 'write').run();
      throw e;
    }
  }

  /** The statement alone, in the transaction the caller holds (its commit or rollback decides). */
  private runWrite(statement: Database.Statement, main: BoundQuery, options: WriteOptions): WriteResult {
    if (!this.writer.inTransaction) throw new Error('inTransaction write outside a transaction');
    const result = this.execute(statement, main, options.returnsRows);
    options.check?.(result);
    return result;
  }

  /** Runs a write statement: its RETURNING rows (raw, as prepared), or the count of rows it changed. */
  private execute(statement: Database.Statement, main: BoundQuery, returnsRows: boolean): WriteResult {
    if (returnsRows) {
      const rows = statement.all(...main.params) as string[][];
      return { rows, affected: rows.length };
    }
    return { rows: [], affected: statement.run(...main.params).changes };
  }

  /**
   * Runs `work` inside one write transaction on the writer connection (actions, hooks): the
   * mutex keeps every other write out until it commits or rolls back, however long it awaits.
   */
  async transaction<T>(work: () => Promise<T>, options: { rollback?: boolean } = {}): Promise<T> {
    const release = this.writeLock.tryLock() ?? (await this.writeLock.lock());
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
    await this.pool?.close();
    this.reader.close();
    this.writer.close();
    release();
  }
}
