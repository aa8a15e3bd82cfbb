/**
 * The contract every engine implements: how to compile (a SqlCompiler subclass), how to run
 * (a Driver), how to read the catalog, and how its native errors map onto neutral kinds.
 * Everything engine-specific lives behind this interface, in `dialect/<engine>/`.
 */
import type { CompiledQuery, CompiledWrite, SqlCompiler } from '../compile/sql-compiler.js';
import type { DatabaseErrorKind } from '../execute/database-errors.js';
import type { ColumnType, DbFunction, Schema } from '../schema/model.js';
import type { SearchMode } from '../util/search-query.js';
import type { Kysely } from 'kysely';

export type EngineName = 'sqlite' | 'postgres' | 'mysql';

/** A compiled query with its values bound, ready for the driver. */
export interface BoundQuery {
  readonly sql: string;
  readonly params: readonly unknown[];
}

export interface ReadResult {
  /** Column 0 of each row is the row's JSON text, built by the database. */
  readonly rows: readonly string[];
  readonly total: number | null;
  /** Column 1 of the last row, when the query returns one: the keyset cursor of the next page. */
  readonly lastCursor?: string | null;
}

/** A read's result from its raw rows: column 0 is each row's JSON; column 1, when the query has one, the row's keyset cursor (the last one starts the next page). */
export function readResultOf(rows: readonly (readonly unknown[])[], total: number | null): ReadResult {
  const last = rows.length > 0 ? rows[rows.length - 1]! : null;
  return { rows: rows.map((r) => r[0] as string), total, lastCursor: last && last.length > 1 ? (last[1] as string) : null };
}

export interface WriteResult {
  /** Per written row, the returned columns (JSON text), when the statement returns any. */
  readonly rows: readonly (readonly string[])[];
  readonly affected: number;
}

/**
 * What a transaction sets first under `auth.mode: 'database'` (PostgreSQL row-level security),
 * as PostgREST does: the database role (null: the connection's own, for the service role), the
 * JWT claims as JSON text, the user id (`sub`) and the caller's role for `request.jwt.claim.role`.
 * Only engines with `rowLevelSecurity` take it; others ignore it.
 */
export interface DbSession {
  readonly role: string | null;
  readonly claims: string;
  readonly sub: string | null;
  readonly claimRole: string;
}

export interface WriteOptions {
  readonly returnsRows: boolean;
  /** Undo everything after the statement ran (`Prefer: tx=rollback`). */
  readonly rollback: boolean;
  /** Runs inside the transaction before commit; throwing rolls the write back. */
  readonly check?: (result: WriteResult) => void;
  /**
   * The caller already holds a transaction from `Dialect.transaction` (table hooks): run the
   * statement in it, without beginning, committing or taking the write lock. The value is the
   * Kysely that `Dialect.transaction` handed to the work: it names the transaction, passed
   * explicitly (AsyncLocalStorage would switch on Node's promise hooks, a cost on every request).
   */
  readonly inTransaction?: Kysely<any>;
  /** Row-level security: the caller's role and claims for the transaction (or, inTransaction, the one held). */
  readonly session?: DbSession;
}

/** Binds one of the compiled queries of this request, with values the driver supplies (slots). */
export type Binder = (query: CompiledQuery, slots?: Readonly<Record<string, unknown>>) => BoundQuery;

export interface Driver {
  /** `session`: see DbSession; absent, the statements run as the connection's own role. */
  read(main: BoundQuery, count: BoundQuery | null, session?: DbSession): Promise<ReadResult>;
  /**
   * The same read answered at once, or undefined when it has to wait (a network round trip, a read
   * worker). An engine that runs short reads on the main thread (SQLite) saves the promises, the
   * deadline and the tick of a request answered without waiting for anything.
   */
  readNow?(main: BoundQuery, count: BoundQuery | null): ReadResult | undefined;
  /**
   * Rows of a large read in batches (column 0 JSON text), without holding them all; optional per
   * engine. `batchRows`: rows per batch, where the engine lets the caller choose.
   */
  stream?(main: BoundQuery, batchRows?: number, session?: DbSession): AsyncIterable<string[]>;
  /**
   * Runs a compiled write in one transaction. The driver binds the queries itself, so an engine
   * that needs several statements (re-reading written rows where there is no RETURNING) can.
   */
  write(compiled: CompiledWrite, bind: Binder, options: WriteOptions): Promise<WriteResult>;
  /**
   * The same write done at once, or undefined, having done nothing, when it has to wait (the
   * write lock is held, a network round trip). Never within a caller's transaction.
   */
  writeNow?(compiled: CompiledWrite, bind: Binder, options: WriteOptions): WriteResult | undefined;
  /** Resolves when the database answers; used by `/_/ready`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A native error translated: its neutral kind and what may be told to the client. */
export interface NativeErrorInfo {
  readonly kind: DatabaseErrorKind;
  readonly message: string;
  readonly details?: string | null;
}

export interface Dialect {
  readonly name: EngineName;
  readonly compiler: SqlCompiler;
  readonly driver: Driver;
  /** A short, password-free description of what is served, for logs and the banner. */
  readonly description: string;
  /** The namespaces served as profiles (PostgreSQL schemas), the first the default; absent: one. */
  readonly namespaces?: readonly string[];
  /**
   * A namespace of rowgate's own for its tables (accounts), where the engine has namespaces a
   * connection can use at no extra privilege (PostgreSQL schemas); absent: prefixed tables in the
   * served one.
   */
  readonly internalNamespace?: string;
  /**
   * `auth.mode: 'database'`: the database's row-level security decides, so every transaction
   * takes the caller's DbSession (execute/execute-query.ts `sessionFor`). Only PostgreSQL.
   */
  readonly rowLevelSecurity?: boolean;
  /** Reads the catalog of one namespace (the default when absent) into the neutral model. */
  introspect(version: number, namespace?: string): Promise<Schema>;
  /**
   * A request value already converted to its JS type, as this engine's driver wants it bound;
   * `text` is the request's text it was converted from, when there is one.
   */
  toDriverValue(value: unknown, type: ColumnType, text?: string): unknown;
  /**
   * Runs `work` in one transaction with a Kysely bound to it (actions, hooks). Commits when it
   * resolves, rolls back when it throws or when `rollback` is set. Read-only work may run outside
   * the write path. Absent on an engine that has no actions yet.
   */
  transaction?<T>(
    work: (db: Kysely<any>) => Promise<T>,
    options: { rollback?: boolean; readOnly?: boolean; session?: DbSession },
  ): Promise<T>;
  /** Calls a database function (`/rpc/<name>` without an action of that name); the result as JSON text. */
  callFunction?(fn: DbFunction, args: Readonly<Record<string, unknown>>, options: { rollback?: boolean; session?: DbSession }): Promise<string>;
  /** A full-text query in PostgreSQL's syntax of `mode` -> this engine's search syntax (absent: passed as is). */
  toSearchQuery?(mode: SearchMode, text: string, column: string): string;
  /** Native error -> neutral kind, or null when the error is not the database's. */
  translateError(error: unknown): NativeErrorInfo | null;
}

export type { CompiledQuery, CompiledWrite };
