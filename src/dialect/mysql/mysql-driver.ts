/**
 * Runs compiled queries on a mysql2 pool. Reads take one pooled connection (a count and its page
 * share one consistent snapshot); writes run the steps mysql-write-compiler.ts compiled inside one
 * transaction, filling the slots (rows, ids, keys) as they go, since there is no RETURNING. Each
 * statement is prepared once per connection (mysql2's statement cache) and watched, so a server
 * that stops answering costs a 503, not a hung request.
 */
import { Kysely, MysqlDialect } from 'kysely';
import type { Pool, PoolConnection, ResultSetHeader } from 'mysql2/promise';
import mysql from 'mysql2/promise';
import { readResultOf, type Binder, type BoundQuery, type CompiledWrite, type Driver, type ReadResult, type WriteOptions, type WriteResult } from '../dialect.js';
import type { CompiledQuery } from '../../compile/sql-compiler.js';
import { MysqlConflictError, MysqlWriteRaceError, translateMysqlError } from './mysql-errors.js';
import { streamMysqlRows } from './mysql-stream.js';
import type { MysqlCompiledWrite, MysqlWriteSteps } from './mysql-write-compiler.js';

/** What the driver learns about the server when it first connects. */
export interface MysqlServerState {
  /** innodb_autoinc_lock_mode 0 or 1: a multi-row INSERT … SELECT gets consecutive AUTO_INCREMENT ids. */
  consecutiveIds: boolean;
  /** auto_increment_increment: the step between those ids. */
  idStep: number;
}

type Row = unknown[];
type Slots = Record<string, unknown>;

const BODY: CompiledQuery = { sql: '', params: [{ kind: 'body' }] };
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/**
 * How much longer than the statement timeout a statement may go unanswered before its connection
 * is given up: as on PostgreSQL. With 1 s, a busy MariaDB sometimes answered its own cancellation
 * of a SLEEP later than that (the pool test's 504 came as the watchdog's 503).
 */
const WATCHDOG_GRACE_MS = 2000;

/** A statement got no answer at all: the server or the network hangs. Translated as `unavailable`. */
export class MysqlNoAnswerError extends Error {
  readonly code = 'PROTOCOL_SEQUENCE_TIMEOUT';
  readonly fatal = true;
}

export class MysqlDriver implements Driver {
  /** The transaction an action or a hooked write holds, for writes that run inside it. */
  /** The session behind each Kysely handed to a hooked write, for the statement that joins it. */
  private readonly held = new WeakMap<Kysely<any>, Session>();

  constructor(
    private readonly pool: Pool,
    private readonly server: MysqlServerState,
    private readonly pingTimeoutMs: number,
    private readonly statementTimeoutMs: number,
  ) {}

  async read(main: BoundQuery, count: BoundQuery | null): Promise<ReadResult> {
    return this.session(async (s) => {
      if (!count) return readResultOf(await s.rows(main), null);
      // One snapshot for both, so the total matches the page; READ ONLY skips InnoDB's write bookkeeping.
      await s.text('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      try {
        const rows = await s.rows(main);
        const total = await s.rows(count);
        await s.text('COMMIT');
        // A planned count without statistics yields NULL; the caller then counts exactly.
        return readResultOf(rows, total.length > 0 && total[0][0] !== null ? Number(total[0][0]) : null);
      } catch (e) {
        await s.rollback();
        throw e;
      }
    });
  }

  stream(main: BoundQuery): AsyncIterable<string[]> {
    return streamMysqlRows(this.pool, { sql: main.sql, params: main.params.map(wireValue) }, this.statementTimeoutMs);
  }

  async write(compiled: CompiledWrite, bind: Binder, options: WriteOptions): Promise<WriteResult> {
    const steps: MysqlWriteSteps = (compiled as Partial<MysqlCompiledWrite>).steps ?? { kind: 'direct', count: 'affected' };
    if (options.inTransaction) {
      const held = this.held.get(options.inTransaction);
      if (!held) throw new Error('inTransaction write outside a transaction');
      const result = await this.runSteps(held, compiled, steps, bind);
      options.check?.(result);
      return result;
    }
    return this.session(async (s) => {
      await s.text('START TRANSACTION');
      try {
        const result = await this.runSteps(s, compiled, steps, bind);
        options.check?.(result);
        await s.text(options.rollback ? 'ROLLBACK' : 'COMMIT');
        return result;
      } catch (e) {
        await s.rollback();
        throw e;
      }
    });
  }

  private async runSteps(s: Session, compiled: CompiledWrite, steps: MysqlWriteSteps, bind: Binder): Promise<WriteResult> {
    const exec = (query: CompiledQuery, slots?: Slots) => s.exec(bind(query, slots));
    const read = (query: CompiledQuery, slots?: Slots) => s.rows(bind(query, slots));
    const body = (): string => bind(BODY).params[0] as string;
    switch (steps.kind) {
      case 'direct': {
        const slots = compiled.main.params.some((p) => p.kind === 'slot') ? { rows: body() } : undefined;
        const header = await exec(compiled.main, slots);
        const affected = steps.count === 'rows' ? splitJsonArray(body()).length : steps.count === 'matched' ? rowsMatched(header) : header.affectedRows;
        return { rows: [], affected };
      }
      case 'insert-auto': {
        const ids: string[] = [];
        let affected: number;
        if (steps.bulk && this.server.consecutiveIds) {
          const header = await exec(compiled.main, { rows: body() });
          const first = BigInt(header.insertId);
          for (let i = 0; i < header.affectedRows; i++) ids.push(String(first + BigInt(i * this.server.idStep)));
          affected = header.affectedRows;
        } else {
          const elements = splitJsonArray(body());
          for (const element of elements) {
            const header = await exec(steps.perRow, { row: element });
            // Ignored duplicates change nothing (0 affected rows) and are not sent back, as with DO NOTHING.
            if (steps.mode === 'ignore' && header.affectedRows === 0) continue;
            ids.push(String(header.insertId));
          }
          affected = steps.mode === 'ignore' ? ids.length : elements.length;
        }
        const rows = ids.length > 0 ? await read(steps.reread, { ids: `[${ids.join(',')}]` }) : [];
        return { rows: rows.map(asStrings), affected };
      }
      case 'insert-keyed': {
        let source = body();
        let affected = -1;
        if (steps.mode === 'ignore') {
          const kept: string[] = [];
          for (const element of splitJsonArray(source)) {
            if ((await exec(compiled.main, { rows: `[${element}]` })).affectedRows > 0) kept.push(element);
          }
          source = `[${kept.join(',')}]`;
          affected = kept.length;
        } else {
          const header = await exec(compiled.main, { rows: source });
          if (steps.mode === 'insert') affected = header.affectedRows;
        }
        const found = affected === 0 ? [] : await read(steps.reread, { rows: source });
        if (found.some((r) => !Number(r[r.length - 1]))) {
          // A merged row missing under its key: the upsert updated a row that conflicted on another unique key.
          if (steps.mode === 'merge') throw new MysqlConflictError('A row conflicted on a unique key other than the one on_conflict names.');
          throw new Error('an inserted row was not found again by its key (a key value the server converts differently?)');
        }
        return { rows: found.map((r) => asStrings(r.slice(0, -1))), affected: affected < 0 ? found.length : affected };
      }
      case 'update-keyed': {
        const locked = await read(steps.lock);
        if (locked.length === 0) return { rows: [], affected: 0 };
        const keys = `[${locked.map((r) => r[0] as string).join(',')}]`;
        if (rowsMatched(await exec(compiled.main, { keys })) !== locked.length) throw new MysqlWriteRaceError('updated rows differ from locked rows');
        return { rows: (await read(steps.reread, { keys })).map(asStrings), affected: locked.length };
      }
      case 'delete-keyed': {
        const locked = await read(steps.lock);
        if (locked.length === 0) return { rows: [], affected: 0 };
        const keys = `[${locked.map((r) => r[r.length - 1] as string).join(',')}]`;
        if ((await exec(compiled.main, { keys })).affectedRows !== locked.length) throw new MysqlWriteRaceError('deleted rows differ from locked rows');
        return { rows: locked.map((r) => asStrings(r.slice(0, -1))), affected: locked.length };
      }
      case 'delete-unkeyed': {
        // The locking read took next-key locks on what it scanned, so the DELETE's filter meets the same rows.
        const locked = await read(steps.lock);
        if ((await exec(compiled.main)).affectedRows !== locked.length) throw new MysqlWriteRaceError('deleted rows differ from locked rows');
        return { rows: locked.map(asStrings), affected: locked.length };
      }
    }
  }

  /**
   * Runs `work` in one transaction with a Kysely bound to its connection (actions, table hooks);
   * a write the driver runs with `inTransaction: db` meanwhile joins it.
   */
  async transaction<T>(work: (db: Kysely<any>) => Promise<T>, options: { rollback?: boolean; readOnly?: boolean }): Promise<T> {
    return this.session(async (s) => {
      await s.text(options.readOnly ? 'START TRANSACTION READ ONLY' : 'START TRANSACTION');
      try {
        const db = s.kysely();
        this.held.set(db, s);
        const result = await work(db);
        await s.text(options.rollback ? 'ROLLBACK' : 'COMMIT');
        return result;
      } catch (e) {
        await s.rollback();
        throw e;
      }
    });
  }

  /** `/_/ready`: a connection and an answer within the ping timeout, whatever state the server is in. */
  async ping(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const conn = await withDeadline(this.pool.getConnection(), this.pingTimeoutMs, (late) => late.release());
      const s = new Session(conn, this.pingTimeoutMs);
      try {
        return await s.text('SELECT 1');
      } catch (e) {
        // A connection that died while idle: the next one tells the truth.
        if (attempt > 0 || e instanceof MysqlNoAnswerError || translateMysqlError(e)?.kind !== 'unavailable') throw e;
        s.broken = true;
      } finally {
        if (s.broken) conn.destroy();
        else conn.release();
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * Runs `work` on one pooled connection. A connection that died while idle can be handed out
   * before the pool hears of it; when the very first statement fails for that reason nothing has
   * happened yet, so the work is tried once more on a fresh connection.
   */
  private async session<T>(work: (s: Session) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const conn = await this.pool.getConnection();
      const s = new Session(conn, this.statementTimeoutMs + WATCHDOG_GRACE_MS);
      try {
        return await work(s);
      } catch (e) {
        if (attempt > 0 || s.completed > 0 || e instanceof MysqlNoAnswerError || translateMysqlError(e)?.kind !== 'unavailable') throw e;
        s.broken = true;
      } finally {
        if (s.broken) conn.destroy();
        else conn.release();
      }
    }
  }
}

/** One pooled connection for the length of a read or write; every statement on it is watched. */
class Session {
  broken = false;
  /** Statements that got their answer; 0 means nothing has reached the database yet. */
  completed = 0;

  constructor(
    private readonly conn: PoolConnection,
    private readonly watchdogMs: number,
  ) {}

  /**
   * A Kysely whose every query goes to this connection, inside its open transaction. Rows come as
   * objects (the pool's are arrays), and an UPDATE's affected rows are the rows it matched, as on
   * PostgreSQL (the pool's connections report changed rows: see FOUND_ROWS in mysql-dialect.ts).
   */
  kysely(): Kysely<any> {
    const core = this.core();
    const borrowed = {
      query: (sql: string, parameters: unknown[], callback: (error: unknown, result: unknown) => void) =>
        core.query({ sql, rowsAsArray: false }, parameters, (error: unknown, result: unknown) => {
          const header = result as { info?: string; affectedRows?: number } | undefined;
          const matched = typeof header?.info === 'string' ? /Rows matched: (\d+)/.exec(header.info) : null;
          if (matched) header!.affectedRows = Number(matched[1]);
          callback(error, result);
        }),
      release: () => {},
    };
    const pool = { getConnection: (callback: (error: unknown, connection: unknown) => void) => callback(null, borrowed), end: (callback: () => void) => callback() };
    return new Kysely<any>({ dialect: new MysqlDialect({ pool: pool as never }) });
  }

  async rows(query: BoundQuery): Promise<Row[]> {
    return (await this.run(query)) as Row[];
  }

  async exec(query: BoundQuery): Promise<ResultSetHeader> {
    return (await this.run(query)) as ResultSetHeader;
  }

  /**
   * A statement without parameters. COMMIT is not watched: giving up on it would leave nobody
   * knowing whether the write happened (the request times out instead).
   */
  async text(statement: string): Promise<void> {
    await this.statement((done) => this.core().query(statement, done), statement !== 'COMMIT');
  }

  async rollback(): Promise<void> {
    if (this.broken) return;
    try {
      await this.text('ROLLBACK');
    } catch {
      // The connection is gone; the server rolls back what it had, and the connection is not reused.
      this.broken = true;
    }
  }

  private run(query: BoundQuery): Promise<unknown> {
    const params = query.params.map(wireValue);
    return this.statement((done) => this.core().execute({ sql: query.sql, rowsAsArray: true }, params, done), true);
  }

  /** The callback connection under mysql2's promise wrapper (see `statement`). */
  private core(): CoreConnection {
    return (this.conn as unknown as { connection: CoreConnection }).connection;
  }

  /**
   * One statement, answered through mysql2's callback rather than its promise wrapper, which makes
   * a promise and captures a stack (its `trace` option) per statement, while the watchdog raced a
   * second promise against it: one promise per statement now. Watched, it has a watchdog: the server cancels a statement at its timeout by itself, so one that
   * gets no answer for longer means a server or network that hangs, and the connection is abandoned
   * so its request can fail.
   */
  private statement<T>(send: (done: (error: unknown, result: T) => void) => void, watched: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const watchdog = watched
        ? setTimeout(() => {
            this.broken = true;
            this.conn.destroy();
            reject(new MysqlNoAnswerError(`no answer from the database within ${this.watchdogMs} ms`));
          }, this.watchdogMs)
        : undefined;
      send((error, result) => {
        clearTimeout(watchdog);
        if (error) {
          reject(error);
          return;
        }
        this.completed++;
        resolve(result);
      });
    });
  }
}

/** `work`, or a MysqlNoAnswerError after `ms`; what `work` yields too late goes to `late`. */
async function withDeadline<T>(work: Promise<T>, ms: number, late: (value: T) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let expired = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      expired = true;
      reject(new MysqlNoAnswerError(`no connection to the database within ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    if (expired) work.then(late, () => {});
  }
}

/** mysql2's connection under its promise wrapper: the same statements, answered by callback. */
interface CoreConnection {
  query(sql: string, callback: (error: unknown, result: unknown) => void): void;
  query(options: { sql: string; rowsAsArray: boolean }, values: unknown[], callback: (error: unknown, result: unknown) => void): void;
  execute(options: { sql: string; rowsAsArray: boolean }, values: unknown[], callback: (error: unknown, result: unknown) => void): void;
}

function asStrings(row: Row): string[] {
  return row.map((v) => v as string);
}

/**
 * mysql2 sends JS numbers as DOUBLE; integers go as BIGINT instead, so they compare exactly with
 * BIGINT columns and are accepted where only integers are (LIMIT inside JSON_ARRAYAGG).
 */
export function wireValue(value: unknown): unknown {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return mysql.TypedParameter.LONGLONG(value);
  if (typeof value === 'bigint') return value >= INT64_MIN && value <= INT64_MAX ? mysql.TypedParameter.LONGLONG(value) : value.toString();
  return value;
}

/** "Rows matched: 3  Changed: 2  Warnings: 0": an UPDATE's matched rows (affectedRows counts only changed ones). */
function rowsMatched(header: ResultSetHeader): number {
  const m = /Rows matched: (\d+)/.exec(header.info ?? '');
  return m ? Number(m[1]) : header.affectedRows;
}

/**
 * `[{"a":1}, {"b":"]"}]` -> ['{"a":1}', '{"b":"]"}']: the element texts of a JSON array, without
 * parsing them, so numbers beyond 2^53 reach the server with every digit.
 */
export function splitJsonArray(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (depth === 1 && start < 0 && ch !== ',' && ch !== ']' && !/\s/.test(ch)) start = i;
    if (ch === '"') inString = true;
    else if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) {
        if (start >= 0) out.push(text.slice(start, i).trim());
        break;
      }
    } else if (ch === ',' && depth === 1) {
      out.push(text.slice(start, i).trim());
      start = -1;
    }
  }
  return out;
}
