/**
 * Runs compiled queries on a pg.Pool, one transaction per request (reads `BEGIN READ ONLY`; a read of
 * one statement with no caller to set runs alone, on the connection's own settings) with
 * the statement timeout set per transaction, so PostgreSQL cancels a long query itself, and a
 * watchdog for a server that stops answering. Statements are prepared once per connection; rows
 * come back as raw text, column 0 being the JSON PostgreSQL built, forwarded without parsing.
 * Under `auth.mode: 'database'` a transaction given a DbSession first sets the caller's role and
 * JWT claims, local to the transaction, as PostgREST does.
 */
import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { readResultOf, type Binder, type BoundQuery, type CompiledWrite, type DbSession, type Driver, type ReadResult, type WriteOptions, type WriteResult } from '../dialect.js';
import { ConnectionLostError, SessionRoleError, translatePostgresError } from './postgres-errors.js';

export interface PostgresDriverOptions {
  readonly statementTimeoutMs: number;
  /** How long `ping()` waits for `select 1`. */
  readonly pingTimeoutMs: number;
  /** Connections in the pool: how many a restart can leave dead at once. */
  readonly poolSize: number;
  /** Reads and writes of one statement run alone on connections set up at connect time (no pooler in transaction mode). */
  readonly singleStatements: boolean;
}

/** Every value as the text PostgreSQL sent: the row JSON is forwarded, counts are converted here. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/** A connection that has prepared this many statements is replaced, so hostile variety cannot grow it forever. */
const STATEMENTS_PER_CONNECTION = 1000;

/** Rows per FETCH of a streamed read. */
const STREAM_BATCH_ROWS = 1000;
const FETCH: BoundQuery = { sql: `fetch ${STREAM_BATCH_ROWS} from rg_stream`, params: [] };

/**
 * Row-level security: the caller's role and claims, local to the transaction (`is_local` true:
 * COMMIT or ROLLBACK ends them, so a pooled connection never keeps them). The role is a bound
 * parameter: `set_config('role', …)` is SET LOCAL ROLE without splicing a name into SQL. The
 * service role keeps the connection's own role, so its statement leaves `role` alone.
 */
const SET_ROLE_AND_CLAIMS =
  `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), ` +
  `set_config('request.jwt.claim.sub', $3, true), set_config('request.jwt.claim.role', $4, true)`;
const SET_CLAIMS =
  `select set_config('request.jwt.claims', $1, true), set_config('request.jwt.claim.sub', $2, true), ` +
  `set_config('request.jwt.claim.role', $3, true)`;

function sessionQuery(session: DbSession): BoundQuery {
  // A missing sub is '' (what PostgreSQL shows for an unset placeholder anyway); policies read
  // `request.jwt.claims`, whose ->>'sub' is then SQL null.
  const sub = session.sub ?? '';
  return session.role === null
    ? { sql: SET_CLAIMS, params: [session.claims, sub, session.claimRole] }
    : { sql: SET_ROLE_AND_CLAIMS, params: [session.role, session.claims, sub, session.claimRole] };
}

/** A statement past its timeout is cancelled by the server; this much longer means the server is gone. */
const WATCHDOG_GRACE_MS = 2000;

/**
 * The first column of a count row as a number; null when there is none. A planned count is
 * EXPLAIN's JSON (PostgresCompiler.plannedCount): its top node's "Plan Rows" is the estimate.
 */
function countOf(row: unknown[] | undefined): number | null {
  const value = row?.[0];
  if (typeof value !== 'string') return null;
  if (!value.startsWith('[')) return Number(value);
  const rows = (JSON.parse(value) as { Plan?: { 'Plan Rows'?: unknown } }[])[0]?.Plan?.['Plan Rows'];
  return typeof rows === 'number' ? Math.round(rows) : null;
}

const statements = new Map<string, StatementConfig>();

/** What pg is told about a statement, but its values: the same object for every run of one SQL text. */
interface StatementConfig {
  readonly name: string;
  readonly text: string;
  readonly rowMode: 'array';
  readonly types: pg.CustomTypesConfig;
}

/** The prepared statement of a SQL text: named by a hash of the text, computed once per text (a SHA-1 costs microseconds). */
function statementConfig(sql: string): StatementConfig {
  let config = statements.get(sql);
  if (config === undefined) {
    if (statements.size >= 10_000) statements.clear();
    config = { name: `rg_${createHash('sha1').update(sql).digest('base64url')}`, text: sql, rowMode: 'array', types: RAW_TEXT };
    statements.set(sql, config);
  }
  return config;
}

/**
 * One run's query config: the statement's config as prototype, the values its own property. pg
 * copies a config's own properties before it reads them (three microseconds a query for a literal
 * with five), and reads the rest through the prototype as from any object.
 */
function queryConfig(statement: StatementConfig, values: readonly unknown[]): pg.QueryArrayConfig {
  const config = Object.create(statement) as { values: readonly unknown[] };
  config.values = values;
  return config as unknown as pg.QueryArrayConfig;
}

export class PostgresDriver implements Driver {
  private readonly prepared = new WeakMap<pg.PoolClient, Set<string>>();
  /** The transaction behind each Kysely handed to a hooked write, for the statement that joins it. */
  private readonly held = new WeakMap<Kysely<any>, Transaction>();
  private readonly prelude: { readonly read: string; readonly write: string };

  constructor(
    private readonly pool: pg.Pool,
    /** Read-write connections for writes of one statement in autocommit. */
    private readonly writePool: pg.Pool,
    private readonly options: PostgresDriverOptions,
  ) {
    const ms = Math.max(1, Math.floor(options.statementTimeoutMs));
    // One simple-protocol message, so one round trip. UTC makes timestamptz render the same
    // whatever the server's or role's TimeZone; ISO keeps `::text` casts of dates unambiguous.
    // extra_float_digits 1 (the default since PostgreSQL 12) prints the shortest exact float.
    const settings =
      `SET LOCAL statement_timeout = ${ms}; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; ` +
      `SET LOCAL extra_float_digits = 1`;
    this.prelude = { read: `BEGIN READ ONLY; ${settings}`, write: `BEGIN READ WRITE; ${settings}` };
  }

  read(main: BoundQuery, count: BoundQuery | null, session?: DbSession): Promise<ReadResult> {
    // One statement with nothing to set per request: the connection's own settings (pool options)
    // suffice, and a SELECT compiled from a plan changes nothing, so no transaction is needed.
    if (!count && !session && this.options.singleStatements) return this.readAlone(main, 0);
    return this.transaction('read', session, async (tx) => {
      const rows = (await tx.run(main)).rows;
      const total = count ? countOf((await tx.run(count)).rows[0]) : null;
      await tx.end('COMMIT', true);
      return readResultOf(rows, total);
    });
  }

  /**
   * A read of one statement on a pooled connection as it is, as a promise chain (the commonest
   * request: no async function to keep alive while it waits). A connection found dead before the
   * statement ran is given up and the read tried on another, as transaction() does.
   */
  private readAlone(main: BoundQuery, attempt: number): Promise<ReadResult> {
    return this.pool.connect().then((client) => {
      const tx = new Transaction(client, this.options.statementTimeoutMs + WATCHDOG_GRACE_MS, this.prepared);
      return tx.run(main).then(
        (result) => {
          tx.release(this.isWornOut(client));
          return readResultOf(result.rows, null);
        },
        (e: unknown) => {
          tx.release(this.isWornOut(client));
          if (attempt < this.options.poolSize && tx.droppedBy(e)) return this.readAlone(main, attempt + 1);
          throw tx.lost ?? e;
        },
      );
    });
  }

  async write(compiled: CompiledWrite, bind: Binder, options: WriteOptions): Promise<WriteResult> {
    const held = options.inTransaction ? this.held.get(options.inTransaction) : undefined;
    if (options.inTransaction) {
      if (!held) throw new Error('inTransaction write outside a session');
      // A transaction opened without the caller's session (a caller that did not pass one) takes
      // it now, so at least this statement and what follows run as the caller.
      if (options.session && !held.session) await held.assume(options.session);
      const res = await held.run(bind(compiled.main));
      const result: WriteResult = { rows: options.returnsRows ? (res.rows as string[][]) : [], affected: res.rowCount ?? res.rows.length };
      options.check?.(result);
      return result;
    }
    if (!options.rollback && !options.check && !options.session && this.options.singleStatements) {
      // One statement is atomic by itself: no BEGIN/COMMIT round trips around it.
      return this.transaction('single-write', undefined, async (tx) => {
        const res = await tx.run(bind(compiled.main));
        return { rows: options.returnsRows ? (res.rows as string[][]) : [], affected: res.rowCount ?? res.rows.length };
      }, 0, this.writePool);
    }
    return this.transaction('write', options.session, async (tx) => {
      const res = await tx.run(bind(compiled.main));
      const result: WriteResult = {
        rows: options.returnsRows ? (res.rows as string[][]) : [],
        affected: res.rowCount ?? res.rows.length,
      };
      // A throwing check leaves the transaction open; transaction() rolls it back.
      options.check?.(result);
      await tx.end(options.rollback ? 'ROLLBACK' : 'COMMIT', false);
      return result;
    });
  }

  /**
   * A large read in batches through a cursor in a read-only transaction, so memory stays flat
   * however many rows an export has. Each FETCH is a statement under the statement timeout; the
   * connection is held while the client reads, and given back (rolled back) if it stops early.
   */
  async *stream(main: BoundQuery, _batchRows?: number, session?: DbSession): AsyncIterable<string[]> {
    const tx = new Transaction(await this.pool.connect(), this.options.statementTimeoutMs + WATCHDOG_GRACE_MS, this.prepared);
    let finished = false;
    try {
      await tx.begin(this.prelude.read, session);
      await tx.run({ sql: `declare rg_stream no scroll cursor for ${main.sql}`, params: main.params });
      for (;;) {
        const rows = (await tx.run(FETCH)).rows;
        if (rows.length > 0) yield rows.map((r) => r[0] as string);
        if (rows.length < STREAM_BATCH_ROWS) break;
      }
      await tx.end('COMMIT', true);
      finished = true;
    } catch (e) {
      throw tx.lost ?? e;
    } finally {
      if (!finished) await tx.rollback();
      tx.release(this.isWornOut(tx.client));
    }
  }

  /**
   * Runs `work` in one transaction with a Kysely bound to its connection (actions, table hooks).
   * A write the driver runs with `inTransaction: db` meanwhile joins it.
   * With `session`, everything in it runs as the caller (row-level security).
   */
  async session<T>(
    work: (db: Kysely<any>) => Promise<T>,
    options: { rollback?: boolean; readOnly?: boolean; session?: DbSession },
  ): Promise<T> {
    return this.transaction(options.readOnly ? 'read' : 'write', options.session, async (tx) => {
      const db = kyselyOn(tx.client);
      this.held.set(db, tx);
      const result = await work(db);
      await tx.end(options.rollback ? 'ROLLBACK' : 'COMMIT', false);
      return result;
    });
  }

  async ping(): Promise<void> {
    // pool.query releases a failed client with its error, so a timed-out ping also drops its connection.
    await this.pool.query({ text: 'select 1', query_timeout: this.options.pingTimeoutMs } as pg.QueryConfig);
  }

  async close(): Promise<void> {
    await this.writePool.end();
    await this.pool.end();
  }

  /**
   * Runs `work` in a transaction on one pooled client. On error the transaction is rolled back if
   * the connection still works; a connection in doubt is destroyed, never returned to the pool.
   * A pooled connection can have died while idle (a database restart) without the pool knowing
   * yet: when it fails before anything ran, or under a read, the work is tried once more on a
   * fresh connection, so the first request after a restart does not fail for nothing.
   */
  private async transaction<T>(
    mode: 'read' | 'write' | 'single-write',
    session: DbSession | undefined,
    work: (tx: Transaction) => Promise<T>,
    attempt = 0,
    pool: pg.Pool = this.pool,
  ): Promise<T> {
    const tx = new Transaction(await pool.connect(), this.options.statementTimeoutMs + WATCHDOG_GRACE_MS, this.prepared);
    try {
      if (mode === 'read' || mode === 'write') await tx.begin(this.prelude[mode], session);
      const result = await work(tx);
      tx.release(this.isWornOut(tx.client));
      return result;
    } catch (e) {
      if (mode === 'read' || mode === 'write') await tx.rollback();
      tx.release(this.isWornOut(tx.client));
      // After a restart every idle connection is dead, and each may be handed out before the pool
      // hears of it: try again on another, up to the pool's size, before calling it an outage.
      // A write sent alone may have happened before its connection died: it is never tried again.
      if (attempt < this.options.poolSize && mode !== 'single-write' && tx.droppedBy(e) && (mode !== 'write' || !tx.begun)) {
        return this.transaction(mode, session, work, attempt + 1, pool);
      }
      throw tx.lost ?? e;
    }
  }

  private isWornOut(client: pg.PoolClient): boolean {
    return (this.prepared.get(client)?.size ?? 0) > STATEMENTS_PER_CONNECTION;
  }
}

/**
 * One statement on a client, answered through pg's callback. pg's promise form (`client.query(config)`
 * without a callback) was measured to keep each query's rows alive past the next young-generation
 * GC: under 50 concurrent reads 2 MB were promoted per scavenge, each scavenge took 15 ms instead
 * of 1, and old space grew by about 50 MB between full GCs. With a callback nothing is promoted.
 * Watched statements take the same callback in Transaction.guarded.
 */
function sent<R extends pg.QueryResult | pg.QueryArrayResult>(client: pg.PoolClient, query: string | pg.QueryConfig | pg.QueryArrayConfig): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    client.query(query as pg.QueryConfig, (error: Error | null, result: pg.QueryResult) => (error ? reject(error) : resolve(result as R)));
  });
}

/** A Kysely whose every query goes to one checked-out client, inside its open transaction. */
function kyselyOn(client: pg.PoolClient): Kysely<any> {
  const borrowed = { query: (text: string, values: unknown[]) => sent(client, { text, values }), release: () => {} };
  const pool = { connect: async () => borrowed, end: async () => {} };
  return new Kysely<any>({ dialect: new PostgresDialect({ pool: pool as unknown as pg.Pool }) });
}

/** One checked-out client for the length of a transaction, with its error listener and watchdog. */
class Transaction {
  /** Set when the connection failed or the watchdog gave up on it: nothing more is sent on it. */
  lost: Error | undefined;
  /** True once BEGIN went through: from then on a write may have happened. */
  begun = false;
  /** The caller's role and claims, once set in this transaction (row-level security). */
  session: DbSession | undefined;
  private broken = false;
  private timedOut = false;
  private released = false;
  private watchdog: NodeJS.Timeout | undefined;
  // While a client is checked out the pool does not listen for its errors, and an error emitted
  // with no listener (the server restarting between two queries) would kill the process.
  private readonly onError = (e: Error) => {
    this.broken = true;
    this.lost ??= new ConnectionLostError(`the connection to the database was lost: ${e.message}`);
  };

  constructor(
    readonly client: pg.PoolClient,
    private readonly watchdogMs: number,
    private readonly prepared: WeakMap<pg.PoolClient, Set<string>>,
  ) {
    client.on('error', this.onError);
  }

  async begin(prelude: string, session?: DbSession): Promise<void> {
    await this.guarded(prelude);
    this.begun = true;
    if (session) await this.assume(session);
  }

  /**
   * Sets the caller's role and claims for the rest of the transaction. A role the database does
   * not have (a token naming a custom role nobody created) is refused as a permission error.
   */
  async assume(session: DbSession): Promise<void> {
    try {
      await this.run(sessionQuery(session));
    } catch (e) {
      const fields = e as { code?: unknown; severity?: unknown };
      if (fields.code === '22023' && typeof fields.severity === 'string' && session.role !== null) {
        throw new SessionRoleError(`the request's role "${session.role}" is not a role of the database`, { cause: e });
      }
      throw e;
    }
    this.session = session;
  }

  /** Whether `error` means the connection went away (not the watchdog giving up, not an SQL error). */
  droppedBy(error: unknown): boolean {
    if (this.timedOut) return false;
    return (this.lost !== undefined && !(error instanceof Error && 'severity' in error)) || translatePostgresError(error)?.kind === 'unavailable';
  }

  /** A prepared statement per SQL text, named by its hash; pg parses each name once per connection. */
  run(query: BoundQuery): Promise<pg.QueryArrayResult> {
    let names = this.prepared.get(this.client);
    if (!names) this.prepared.set(this.client, (names = new Set()));
    const statement = statementConfig(query.sql);
    names.add(statement.name);
    const config = queryConfig(statement, query.params);
    return this.guarded(config);
  }

  /**
   * COMMIT or ROLLBACK. A write's end runs without the watchdog: its COMMIT can wait on synchronous
   * replication, and dropping the connection then would leave nobody knowing whether it happened.
   */
  async end(command: 'COMMIT' | 'ROLLBACK', watched: boolean): Promise<void> {
    await (watched ? this.guarded(command) : sent(this.client, command));
  }

  async rollback(): Promise<void> {
    if (this.broken) return;
    try {
      await sent(this.client, 'ROLLBACK');
    } catch {
      this.broken = true;
    }
  }

  /** Back to the pool, or destroyed when the connection is in doubt or `retire` asks for a fresh one. */
  release(retire: boolean): void {
    clearTimeout(this.watchdog);
    this.client.removeListener('error', this.onError);
    if (this.released) return;
    this.released = true;
    this.client.release(this.broken ? (this.lost ?? true) : retire);
  }

  /**
   * Runs one statement under a watchdog: the server cancels a statement at its timeout, so one
   * still unanswered well after that means the server or the network is gone; the connection is
   * destroyed, which fails the statement at once instead of when TCP gives up (minutes).
   */
  private guarded<R>(query: string | pg.QueryArrayConfig): Promise<R> {
    if (this.lost) return Promise.reject(this.lost);
    return new Promise<R>((resolve, reject) => {
      const watchdog = setTimeout(() => {
        this.broken = true;
        this.timedOut = true;
        this.lost ??= new ConnectionLostError('the database stopped answering');
        this.release(true);
      }, this.watchdogMs);
      this.watchdog = watchdog;
      this.client.query(query as pg.QueryConfig, (error: Error | null, result: pg.QueryResult) => {
        clearTimeout(watchdog);
        if (error) reject(error);
        else resolve(result as R);
      });
    });
  }

}
