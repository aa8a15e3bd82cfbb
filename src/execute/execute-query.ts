/**
 * Stage 4: binds one request's values into the compiled queries and runs them on the engine,
 * turning native database errors into catalog errors. Checks that must see the result before
 * commit (max-affected, exactly one row for a singular write) run inside the transaction, so a
 * refused write leaves nothing behind.
 */
import { errors, rowgateError } from '../errors/catalog.js';
import { isRowgateError, type RowgateError } from '../errors/rowgate-error.js';
import type { CompiledPlan, CompiledRead, CompiledWrite } from '../compile/sql-compiler.js';
import type { Param } from '../plan/plan-nodes.js';
import type { Binder, BoundQuery, DbSession, Dialect, ReadResult, WriteOptions, WriteResult } from '../dialect/dialect.js';
import type { Caller } from '../actions/define-action.js';
import { SERVICE_ROLE } from '../auth/role-schema.js';
import type { Kysely } from 'kysely';
import type { RequestPlan } from '../plan/plan-request.js';
import type { ApiRequest } from '../request/types.js';
import { bindQuery, convertValue } from './bind-params.js';
import type { Column } from '../schema/model.js';
import { databaseError } from './database-errors.js';
import { isTransient, withRetries } from '../actions/retry.js';

export type ExecuteResult =
  | ({ kind: 'read' } & ReadResult)
  | ({ kind: 'write' } & WriteResult)
  /** A large read whose rows arrive in batches while the response is sent. */
  | { kind: 'stream'; rows: AsyncIterable<string[]>; total: number | null; offset: number; limit: number };

/** Reads that may return more rows than this stream instead of being held in memory. */
const STREAM_ABOVE_ROWS = 10_000;

export async function executeQuery(
  plan: RequestPlan,
  compiled: CompiledPlan,
  api: ApiRequest,
  dialect: Dialect,
  options: { inTransaction?: Kysely<any> } = {},
): Promise<ExecuteResult> {
  try {
    // Row-level security mode only; the default path passes nothing.
    const session = dialect.rowLevelSecurity ? sessionFor(dialect, api.caller) : undefined;
    if (compiled.kind === 'read') return await (executeRead(plan, compiled, api, dialect) ?? streamed(plan, compiled, api, dialect, session)!);
    const write = writeOf(plan, compiled, api, dialect, session, options.inTransaction);
    // A transient conflict (another process holding SQLite's lock, a deadlock, a serialization
    // failure) is retried with backoff, unless the caller holds the transaction.
    const result = options.inTransaction
      ? await dialect.driver.write(compiled, write.bind, write.options)
      : await withRetries(() => dialect.driver.write(compiled, write.bind, write.options).catch((e: unknown) => Promise.reject(toCatalogError(e, dialect))));
    return { kind: 'write', ...result };
  } catch (e) {
    throw toCatalogError(e, dialect);
  }
}

/**
 * A write done without waiting, when the engine can (Driver.writeNow: SQLite with its write lock
 * free) and there is no row-level security session. Undefined when it has to wait, or met a
 * transient conflict (nothing was written): executeQuery then does it, with retries.
 */
export function executeWriteNow(plan: RequestPlan, compiled: CompiledWrite, api: ApiRequest, dialect: Dialect): ExecuteResult | undefined {
  if (!dialect.driver.writeNow || dialect.rowLevelSecurity) return undefined;
  let result: WriteResult | undefined;
  try {
    const write = writeOf(plan, compiled, api, dialect, undefined, undefined);
    result = dialect.driver.writeNow(compiled, write.bind, write.options);
  } catch (e) {
    const error = toCatalogError(e, dialect);
    if (isTransient(error)) return undefined;
    throw error;
  }
  return result && { kind: 'write', rows: result.rows, affected: result.affected };
}

/** The body checked and the statement's binder and options: what every way of running a write needs. */
function writeOf(plan: RequestPlan, compiled: CompiledWrite, api: ApiRequest, dialect: Dialect, session: DbSession | undefined, inTransaction: Kysely<any> | undefined): { bind: Binder; options: WriteOptions } {
  if (api.body?.format === 'csv') api = withTypedCsvBody(api, plan);
  if (api.body && plan.validateBody) plan.validateBody(api.body.rows);
  checkKeys(plan, api);
  const checked = api;
  return {
    bind: (query, slots) => bindQuery(query, checked, dialect, slots),
    options: {
      returnsRows: compiled.returns.body || compiled.returns.key,
      // In a caller's transaction the caller rolls back (tx=rollback) at its end.
      rollback: plan.rollback && !inTransaction,
      // Only when there is something to check: a write without a check may run without a transaction.
      ...(plan.maxAffected !== null || (plan.singular === 'object' && plan.returnPreference === 'representation') ? { check: (r: WriteResult) => checkWrite(plan, r) } : {}),
      inTransaction,
      ...(session ? { session } : {}),
    },
  };
}

/**
 * A read answered without waiting, when the engine can (Driver.readNow) and nothing in it must wait:
 * no row-level security session, no stream, no estimated count that may need a second query.
 * Undefined otherwise; executeQuery then does the same work asynchronously.
 */
export function executeReadNow(plan: RequestPlan, compiled: CompiledRead, api: ApiRequest, dialect: Dialect): ExecuteResult | undefined {
  if (!dialect.driver.readNow || dialect.rowLevelSecurity) return undefined;
  if (compiled.count && plan.countMode !== 'exact' && compiled.plannedCount) return undefined;
  try {
    if (streamRange(plan, api, dialect)) return undefined;
    const main = bindQuery(compiled.main, api, dialect);
    const result = dialect.driver.readNow(main, compiled.count ? bindQuery(compiled.count, api, dialect) : null);
    return result && { kind: 'read', rows: result.rows, total: result.total, lastCursor: result.lastCursor };
  } catch (e) {
    throw toCatalogError(e, dialect);
  }
}

/**
 * A read that waits on the engine (PostgreSQL, MySQL, a SQLite read worker), as one promise chain
 * with no async function in between: fewer promises, and less of each request kept alive while it
 * waits. Undefined for a read that streams; executeQuery does those.
 */
export function executeRead(plan: RequestPlan, compiled: CompiledRead, api: ApiRequest, dialect: Dialect): Promise<ExecuteResult> | undefined {
  let reading: Promise<ReadResult>;
  try {
    if (streamRange(plan, api, dialect)) return undefined;
    reading = readCounted(plan, compiled, api, dialect, dialect.rowLevelSecurity ? sessionFor(dialect, api.caller) : undefined);
  } catch (e) {
    return Promise.reject(toCatalogError(e, dialect));
  }
  return reading.then(
    (result): ExecuteResult => ({ kind: 'read', rows: result.rows, total: result.total, lastCursor: result.lastCursor }),
    (e: unknown) => Promise.reject(toCatalogError(e, dialect)),
  );
}

/**
 * CSV and NDJSON, and any read that may exceed STREAM_ABOVE_ROWS, stream when the engine can:
 * memory stays flat however many rows an export has. Singular, HEAD and keyset reads never do.
 * Null, decided without waiting, for a read that does not stream.
 */
function streamed(
  plan: RequestPlan,
  compiled: CompiledRead,
  api: ApiRequest,
  dialect: Dialect,
  session: DbSession | undefined,
): Promise<ExecuteResult> | null {
  const range = streamRange(plan, api, dialect);
  if (!range) return null;
  const stream = dialect.driver.stream!.bind(dialect.driver);
  return (async (): Promise<ExecuteResult> => {
    // The count runs first, so Content-Range is known before the first byte is sent.
    const total = compiled.count ? Number((await dialect.driver.read(bindQuery(compiled.count, api, dialect), null, session)).rows[0]) : null;
    return { kind: 'stream', rows: stream(bindQuery(compiled.main, api, dialect), undefined, session), total, ...range };
  })();
}

/** The rows a read that streams asks for, or null for one that does not stream. */
function streamRange(plan: RequestPlan, api: ApiRequest, dialect: Dialect): { offset: number; limit: number } | null {
  const query = plan.query;
  if (!dialect.driver.stream || query.kind !== 'read' || !query.limit || plan.singular || plan.headersOnly || query.keyset) return null;
  const bound = (param: Param) => Number(bindQuery({ sql: '', params: [param] }, api, dialect).params[0]);
  const limit = bound(query.limit);
  if (plan.media !== 'csv' && plan.media !== 'ndjson' && limit <= STREAM_ABOVE_ROWS) return null;
  return { offset: query.offset ? bound(query.offset) : 0, limit };
}

/**
 * Prefer: count=exact counts with the read; planned takes the planner's estimate where the engine
 * has one; estimated takes the estimate, but counts exactly when it is small (below max rows).
 */
function readCounted(
  plan: RequestPlan,
  compiled: CompiledRead,
  api: ApiRequest,
  dialect: Dialect,
  session: DbSession | undefined,
): Promise<ReadResult> {
  const main = bindQuery(compiled.main, api, dialect);
  const exact = compiled.count ? bindQuery(compiled.count, api, dialect) : null;
  if (!exact || plan.countMode === 'exact' || !compiled.plannedCount) return dialect.driver.read(main, exact, session);
  return readEstimated(plan, dialect, session, main, exact, bindQuery(compiled.plannedCount, api, dialect));
}

async function readEstimated(plan: RequestPlan, dialect: Dialect, session: DbSession | undefined, main: BoundQuery, exact: BoundQuery, planned: BoundQuery): Promise<ReadResult> {
  const result = await dialect.driver.read(main, planned, session);
  const tooFewForAnEstimate = plan.countMode === 'estimated' && result.total !== null && result.total < plan.countThreshold;
  if (result.total !== null && !tooFewForAnEstimate) return result;
  // A count query's one row comes back as the first "row".
  const counted = await dialect.driver.read(exact, null, session);
  return { ...result, total: Number(counted.rows[0]) };
}

/**
 * The caller as the database sees it under `auth.mode: 'database'` (PostgreSQL row-level
 * security), or undefined when the dialect is not in that mode. The database role is the
 * caller's, except `service`, which keeps the connection's own; the claims are the token's, or
 * `{"role": …}` for a caller without a token (an API key, nobody), as PostgREST sets them. A
 * request without a caller is anonymous. Also for `Dialect.transaction` (actions, table hooks).
 */
export function sessionFor(dialect: Dialect, caller: Caller | undefined): DbSession | undefined {
  if (!dialect.rowLevelSecurity) return undefined;
  const role = caller?.role ?? 'anon';
  const userId = caller?.userId ?? null;
  const claims = caller && Object.keys(caller.claims).length > 0 ? caller.claims : { role, ...(userId !== null ? { sub: userId } : {}) };
  return { role: role === SERVICE_ROLE ? null : role, claims: JSON.stringify(claims), sub: userId, claimRole: role };
}

/** CSV fields are text: convert each to its column's type, then bind the rows as JSON like any body. */
function withTypedCsvBody(api: ApiRequest, plan: RequestPlan): ApiRequest {
  const query = plan.query;
  const columns = query.kind === 'insert' ? query.columns : [];
  const rows = api.body!.rows.map((row) => {
    const typed: Record<string, unknown> = {};
    for (const column of columns) {
      const text = row[column.name];
      typed[column.name] = text === null || text === undefined ? null : csvValue(text as string, column.type, column.name);
    }
    return typed;
  });
  return { ...api, body: { raw: JSON.stringify(rows), rows, isArray: true, format: 'json' } };
}

function csvValue(text: string, type: Column['type'], column: string): unknown {
  if (type === 'json') {
    try {
      return JSON.parse(text);
    } catch {
      throw errors.invalidValue(column, 'json', text);
    }
  }
  return convertValue(text, type, column);
}

function checkWrite(plan: RequestPlan, result: WriteResult): void {
  if (plan.maxAffected !== null && result.affected > plan.maxAffected) {
    throw rowgateError('PGRST124', 'Query result exceeds max-affected preference constraint', {
      details: `The query affects ${result.affected} rows`,
    });
  }
  // PostgREST rolls back a write whose singular response cannot be given.
  if (plan.singular === 'object' && plan.returnPreference === 'representation' && result.affected !== 1) {
    throw errors.singularity(result.affected);
  }
}

/** PUT /t/5 with {"id": 6}: the body may repeat the key, but not contradict it. */
function checkKeys(plan: RequestPlan, api: ApiRequest): void {
  const row = api.body?.rows[0];
  if (!row) return;
  for (const { column, ref } of plan.keyChecks) {
    if (String(row[column]) !== api.values[ref]) {
      throw rowgateError('PGRST115', 'Payload values do not match URL in primary key column(s)', {
        details: `Column '${column}' is ${JSON.stringify(row[column])} in the body and ${api.values[ref]} in the URL.`,
      });
    }
  }
}

export function toCatalogError(e: unknown, dialect: Dialect): RowgateError {
  if (isRowgateError(e)) return e;
  const info = dialect.translateError(e);
  if (info) return databaseError(info.kind, info.message, info.details ?? null, e);
  return errors.internal(e);
}
