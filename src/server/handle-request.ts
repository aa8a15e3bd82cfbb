/**
 * The pipeline, and nothing else: parse -> plan -> compile -> execute -> respond, each timed for
 * the Server-Timing header when that is on. Plan and compile run once per request shape; later requests of the
 * same shape go from parse straight to execute.
 */
import type { HttpInput } from '../request/api-request.js';
import { planRequest } from '../plan/plan-request.js';
import { executeQuery, executeRead, executeReadNow, executeWriteNow, type ExecuteResult } from '../execute/execute-query.js';
import { renderResponse, type RenderedResponse } from '../response/render-response.js';
import type { CachedShape, Runtime } from './runtime.js';
import { errors } from '../errors/catalog.js';
import { applyAfterHooks, applyBeforeHooks, contextWithoutDatabase, hasAfterHook, hooksFor, hookContext, needsTransaction, reshape } from '../hooks/run-hooks.js';
import type { Row, TableHooks } from '../hooks/table-hooks.js';
import type { ApiRequest } from '../request/types.js';
import { withRetries } from '../actions/retry.js';
import { sessionFor, toCatalogError } from '../execute/execute-query.js';
import { runAction } from '../actions/run-action.js';
import type { ActionLogger } from '../actions/define-action.js';
import type { RequestPlan } from '../plan/plan-request.js';
import { isRowgateError } from '../errors/rowgate-error.js';
import { rowsPass } from '../auth/row-check.js';
import { permissionDenied } from '../plan/access-filter.js';

/**
 * A request the engine answers at once (SQLite reads, and writes while its write lock is free) is
 * answered here without a promise; everything else returns one. Reads that wait on the engine go
 * as one promise chain (executeRead).
 */
export function handleRequest(input: HttpInput, runtime: Runtime, log?: ActionLogger): RenderedResponse | Promise<RenderedResponse> {
  // Clock reads and their formatting cost about a microsecond a request: only when asked for.
  if (runtime.options.serverTiming) return handleTimed(input, runtime, log);
  const api = runtime.parseMemo.parse(input);
  return answerNow(api, runtime, log) ?? handleParsed(input, api, runtime, log, null);
}

/**
 * The answer without waiting, where the engine gives one: undefined, having run nothing, when the
 * request must take the asynchronous way (handleParsed). A hooked write whose hook returned a
 * promise is already under way, so it comes back as that promise.
 */
function answerNow(api: ApiRequest, runtime: Runtime, log: ActionLogger | undefined): RenderedResponse | Promise<RenderedResponse> | undefined {
  if (api.target.kind === 'rpc') return undefined;
  if (api.action === 'read') {
    const shape = shapeFor(api, runtime);
    if (shape.compiled.kind !== 'read') return undefined;
    if (shape.plan.checks.length > 0) enforceChecks(shape.plan, api);
    // A read that streams goes the asynchronous way (handleParsed), which logs its query itself.
    const result = executeReadNow(shape.plan, shape.compiled, api, runtime.dialect) ?? executeRead(shape.plan, shape.compiled, api, runtime.dialect);
    if (result && runtime.options.logLevel === 'debug') log?.debug?.({ sql: shape.compiled.main.sql }, 'query');
    if (result instanceof Promise) return result.then((later) => respond(shape, later, api, runtime));
    return result && respond(shape, result, api, runtime);
  }
  if (api.action !== 'insert' && api.action !== 'update' && api.action !== 'upsert' && api.action !== 'delete') return undefined;
  if (!runtime.dialect.driver.writeNow || missingDefaultGroups(api)) return undefined;
  const hooks = hooksFor(api, runtime.options.hooks);
  if (hooks) return needsTransaction(api, hooks) ? undefined : handleHookedWrite(api, hooks, runtime, log ?? runtime.actionEnv.log);
  return writeOutsideTransaction(api, runtime, log);
}

/**
 * A write that needs no transaction of the caller's (no hooks, or a before-hook that took no
 * context): planned, checked and run at once when the engine can, else awaited (with retries).
 */
function writeOutsideTransaction(api: ApiRequest, runtime: Runtime, log: ActionLogger | undefined): RenderedResponse | Promise<RenderedResponse> {
  const shape = shapeFor(api, runtime);
  if (shape.plan.checks.length > 0) enforceChecks(shape.plan, api);
  // The query log: with --log-level debug every request names the one statement it ran.
  if (runtime.options.logLevel === 'debug') log?.debug?.({ sql: shape.compiled.main.sql }, 'query');
  if (shape.plan.query.kind === 'insert' && api.body?.rows.length === 0) return respond(shape, NOTHING_WRITTEN, api, runtime);
  const now = shape.compiled.kind === 'write' ? executeWriteNow(shape.plan, shape.compiled, api, runtime.dialect) : undefined;
  if (now) return respond(shape, now, api, runtime);
  return executeQuery(shape.plan, shape.compiled, api, runtime.dialect).then((result) => respond(shape, result, api, runtime));
}

/** Inserting no rows (`[]`) writes nothing on any engine: answered without a statement, as PostgREST answers it. */
const NOTHING_WRITTEN: ExecuteResult = { kind: 'write', rows: [], affected: 0 };

async function handleTimed(input: HttpInput, runtime: Runtime, log: ActionLogger | undefined): Promise<RenderedResponse> {
  const t0 = performance.now();
  const api = runtime.parseMemo.parse(input);
  return handleParsed(input, api, runtime, log, { t0, t1: performance.now() });
}

async function handleParsed(input: HttpInput, api: ApiRequest, runtime: Runtime, log: ActionLogger | undefined, timing: { t0: number; t1: number } | null): Promise<RenderedResponse> {
  // Actions have a pipeline of their own: check the input, run the handler in a transaction.
  if (api.target.kind === 'rpc') {
    const functions = runtime.schemaFor(api.profile, api.caller).functions;
    const caller = api.caller ?? runtime.actionEnv.caller;
    return runAction(api, { ...runtime.actionEnv, functions, caller, ...(log ? { log } : {}) }, input.headers);
  }
  const hooks = hooksFor(api, runtime.options.hooks);
  if (hooks) return handleHookedWrite(api, hooks, runtime, log ?? runtime.actionEnv.log);
  const groups = missingDefaultGroups(api);
  if (groups) return handleGroupedInsert(api, groups, runtime);

  const shape = shapeFor(api, runtime);
  if (shape.plan.checks.length > 0) enforceChecks(shape.plan, api);
  const t2 = timing ? performance.now() : 0;
  // The query log: with --log-level debug every request names the one statement it ran.
  if (runtime.options.logLevel === 'debug') log?.debug?.({ sql: shape.compiled.main.sql }, 'query');

  const result: ExecuteResult =
    shape.plan.query.kind === 'insert' && api.body?.rows.length === 0 ? NOTHING_WRITTEN : await executeQuery(shape.plan, shape.compiled, api, runtime.dialect);
  const t3 = timing ? performance.now() : 0;

  const response = respond(shape, result, api, runtime);
  if (timing) {
    const t4 = performance.now();
    response.headers['server-timing'] = `parse;dur=${ms(timing.t1 - timing.t0)}, plan;dur=${ms(t2 - timing.t1)}, execute;dur=${ms(t3 - t2)}, respond;dur=${ms(t4 - t3)}`;
  }
  return response;
}

function respond(shape: CachedShape, result: ExecuteResult, api: ApiRequest, runtime: Runtime): RenderedResponse {
  const response = renderResponse(shape.plan, result, api);
  // PostgREST names the schema that answered whenever several are served.
  if (runtime.profileNames.length > 1) response.headers['content-profile'] = api.profile ?? runtime.defaultProfile;
  return response;
}

/**
 * A write with table hooks: hooks, statement and after-hooks in one transaction; or, when the only
 * hook is a before-hook that takes no context (needsTransaction), the hook and then the write
 * alone, both at once when they can be.
 */
function handleHookedWrite(api: ApiRequest, hooks: TableHooks, runtime: Runtime, log: ActionLogger): RenderedResponse | Promise<RenderedResponse> {
  const dialect = runtime.dialect;
  if (!dialect.transaction) throw errors.notImplemented(`table hooks on the ${dialect.name} engine yet`);
  const table = api.target.kind === 'table' || api.target.kind === 'row' ? api.target.name : '';
  const wantedRows = api.preferences.return === 'representation';
  // The request as sent must plan before any hook runs: a request the planner refuses is the
  // client's 4xx, never a hook's surprise. Only what a before-hook may still supply (a required
  // column it fills in) waits for the plan after the hooks, and so do the rules' checks.
  try {
    shapeFor(api, runtime);
  } catch (e) {
    if (!(isRowgateError(e) && e.code === '23502')) throw e;
  }
  const caller = api.caller ?? runtime.actionEnv.caller;
  if (!needsTransaction(api, hooks)) {
    const shaped = applyBeforeHooks(api, hooks, contextWithoutDatabase(table, caller, log), false);
    return shaped instanceof Promise ? shaped.then((next) => writeOutsideTransaction(next, runtime, log)) : writeOutsideTransaction(shaped, runtime, log);
  }
  return withRetries(() =>
    dialect.transaction!(
      async (db) => {
        const ctx = hookContext(db, table, caller, log);
        const shaped = await applyBeforeHooks(api, hooks, ctx, hasAfterHook(api, hooks));
        const shape = shapeFor(shaped, runtime);
        if (shape.plan.checks.length > 0) enforceChecks(shape.plan, shaped);
        const result = await executeQuery(shape.plan, shape.compiled, shaped, dialect, { inTransaction: db });
        if (result.kind === 'write' && hasAfterHook(api, hooks)) {
          await applyAfterHooks(api, hooks, ctx, result.rows.map((r) => JSON.parse(r[0]) as Row));
        }
        const response = respond(shape, result, shaped, runtime);
        // Rows fetched only for after-hooks are not the client's to receive.
        return wantedRows || response.body === null ? response : { ...response, status: response.status === 200 ? 204 : response.status, body: null };
      },
      { rollback: api.preferences.tx === 'rollback', session: sessionFor(dialect, caller) },
    ).catch((e: unknown) => {
      throw toCatalogError(e, dialect);
    }),
  );
}

/**
 * `Prefer: missing=default` on a bulk insert whose objects leave out different keys: the rows,
 * grouped by the keys they give, or null when there is nothing to group (every object gives every
 * key of `columns=`). Each group is inserted naming only its keys, so the database fills the others
 * with their defaults, whatever each engine's way of spelling a default.
 */
function missingDefaultGroups(api: ApiRequest): Map<string, { keys: string[]; rows: Record<string, unknown>[] }> | null {
  if (api.preferences.missing !== 'default' || api.action !== 'insert' || !api.body || !api.bodyColumns) return null;
  const columns = api.bodyColumns;
  if (api.body.rows.every((row) => columns.every((c) => c in row))) return null;
  const groups = new Map<string, { keys: string[]; rows: Record<string, unknown>[] }>();
  for (const row of api.body.rows) {
    const keys = columns.filter((c) => c in row);
    if (keys.length === 0) throw errors.invalidBody('Under Prefer: missing=default every object must give at least one column');
    const id = keys.join('\u0000');
    const group = groups.get(id) ?? { keys, rows: [] };
    group.rows.push(row);
    groups.set(id, group);
  }
  return groups;
}

/** One insert per group of rows, in one transaction; the answer lists the rows group by group. */
async function handleGroupedInsert(api: ApiRequest, groups: Map<string, { keys: string[]; rows: Record<string, unknown>[] }>, runtime: Runtime): Promise<RenderedResponse> {
  const dialect = runtime.dialect;
  if (!dialect.transaction) throw errors.notImplemented(`Prefer: missing=default with objects that leave keys out on the ${dialect.name} engine`);
  const parts = [...groups.values()].map(({ keys, rows }) =>
    reshape({ ...api, columns: keys, bodyColumns: keys, body: { ...api.body!, rows, isArray: true, raw: JSON.stringify(rows), format: 'json' } }),
  );
  // Every part plans (and passes the rules' checks) before anything is written.
  const shapes = parts.map((part) => {
    const shape = shapeFor(part, runtime);
    if (shape.plan.checks.length > 0) enforceChecks(shape.plan, part);
    return shape;
  });
  return withRetries(() =>
    dialect.transaction!(
      async (db) => {
        const rows: (readonly string[])[] = [];
        let affected = 0;
        for (let i = 0; i < parts.length; i++) {
          const result = await executeQuery(shapes[i].plan, shapes[i].compiled, parts[i], dialect, { inTransaction: db });
          if (result.kind === 'write') {
            rows.push(...result.rows);
            affected += result.affected;
          }
        }
        return respond(shapes[0]!, { kind: 'write', rows, affected }, api, runtime);
      },
      { rollback: api.preferences.tx === 'rollback', session: sessionFor(dialect, api.caller ?? runtime.actionEnv.caller) },
    ).catch((e: unknown) => {
      throw toCatalogError(e, dialect);
    }),
  );
}

/** Auth rules' checks on the rows about to be written: a refused write touches nothing. */
function enforceChecks(plan: RequestPlan, api: ApiRequest): void {
  const rows = api.body?.rows ?? [];
  for (const check of plan.checks) {
    if (!rowsPass(check, rows, api.caller)) {
      throw permissionDenied(plan.table.access?.role ?? 'anon', `new row violates row-level security policy for table "${plan.table.name}"`);
    }
  }
}

function shapeFor(api: ApiRequest, runtime: Runtime): CachedShape {
  // Each role plans against its own view of the schema, so its shapes are its own.
  const schema = runtime.schemaFor(api.profile, api.caller);
  let shape = runtime.cachedShape(schema, api.shapeKey);
  if (!shape) {
    const plan = planRequest(api, schema, runtime.options);
    shape = { plan, compiled: runtime.dialect.compiler.compile(plan.query) };
    runtime.rememberShape(schema, api.shapeKey, shape);
  }
  return shape;
}

function ms(d: number): string {
  return d.toFixed(2);
}
