/**
 * Runs a table's hooks around a write, inside one transaction: before-hooks may change the body
 * (so the request is re-shaped and planned for the columns they add) or reject the write; the
 * statement runs in the same transaction; after-hooks see the written rows. Any throw rolls the
 * whole request back.
 */
import { errors } from '../errors/catalog.js';
import { shapeKeyOf } from '../request/api-request.js';
import type { ApiRequest } from '../request/types.js';
import type { ActionContext, ActionLogger, Caller } from '../actions/define-action.js';
import { actionContext, failAction } from '../actions/run-action.js';
import type { HookContext, Row, TableHooks } from './table-hooks.js';

/** The hooks that apply to this request, or null when none does. */
export function hooksFor(api: ApiRequest, all: Readonly<Record<string, TableHooks>>): TableHooks | null {
  if (api.target.kind !== 'table' && api.target.kind !== 'row') return null;
  const hooks = all[api.target.name];
  if (!hooks) return null;
  switch (api.action) {
    case 'insert':
      return hooks.beforeInsert || hooks.afterInsert ? hooks : null;
    case 'update':
    case 'upsert':
      return hooks.beforeUpdate || hooks.afterUpdate || hooks.beforeInsert || hooks.afterInsert ? hooks : null;
    case 'delete':
      return hooks.beforeDelete || hooks.afterDelete ? hooks : null;
    default:
      return null;
  }
}

export function hookContext(db: ActionContext['db'], table: string, caller: Caller, log: ActionLogger): HookContext {
  return { ...actionContext(db, caller, log), table };
}

/**
 * Whether a hooked write needs a transaction of its own. It does not when the only hook is a
 * before-hook declared with the row alone (`beforeUpdate(patch) {…}`): it takes no context, so it
 * cannot reach the database, and the write is then one statement, atomic by itself, run like a
 * write without hooks (one round trip on PostgreSQL). An after-hook, a before-hook that takes
 * `ctx`, and beforeDelete (whose one parameter is `ctx`) get the transaction.
 */
export function needsTransaction(api: ApiRequest, hooks: TableHooks): boolean {
  if (hasAfterHook(api, hooks)) return true;
  const before = beforeHookOf(api, hooks);
  if (api.action === 'delete') return hooks.beforeDelete !== undefined;
  return before !== undefined && before.length !== 1;
}

/** The context a hook without a transaction is called with; it declared none, so it never uses one. */
export function contextWithoutDatabase(table: string, caller: Caller, log: ActionLogger): HookContext {
  return new ContextWithoutDatabase(table, caller, log);
}

/** A class rather than a literal with a getter: one small object per write, nothing else. */
class ContextWithoutDatabase implements HookContext {
  constructor(
    readonly table: string,
    readonly caller: Caller,
    readonly log: ActionLogger,
  ) {}

  get db(): ActionContext['db'] {
    throw new Error(`a ${this.table} hook declared with one parameter reached for ctx.db; declare (row, ctx) to run it in the write's transaction`);
  }

  fail(status: number, code: string, message: string, extra?: { details?: string; hint?: string }): never {
    return failAction(status, code, message, extra);
  }
}

function beforeHookOf(api: ApiRequest, hooks: TableHooks): TableHooks['beforeInsert'] | TableHooks['beforeUpdate'] {
  return api.action === 'insert' ? hooks.beforeInsert : api.action === 'update' || api.action === 'upsert' ? hooks.beforeUpdate : undefined;
}

/**
 * Applies before-hooks; returns the request as it must now be planned (same object if unchanged).
 * Hooks that return at once (the demo's stamp) are applied without a promise; once one returns a
 * promise, the rest is awaited.
 */
export function applyBeforeHooks(api: ApiRequest, hooks: TableHooks, ctx: HookContext, forceRows: boolean): ApiRequest | Promise<ApiRequest> {
  if (api.body) {
    const hook = beforeHookOf(api, hooks);
    if (hook) {
      const source = api.body.rows;
      const rows: Row[] = [];
      for (let i = 0; i < source.length; i++) {
        const row = source[i]!;
        const out = hook.call(hooks, { ...row }, ctx);
        if (isThenable(out)) return finishRowsLater(api, hooks, hook, ctx, forceRows, rows, out, i);
        rows.push(out ?? row);
      }
      return withForcedRows(withRows(api, rows), forceRows);
    }
  } else if (api.action === 'delete' && hooks.beforeDelete) {
    const out = hooks.beforeDelete(ctx);
    if (isThenable(out)) return Promise.resolve(out).then(() => withForcedRows(api, forceRows));
  }
  return withForcedRows(api, forceRows);
}

async function finishRowsLater(
  api: ApiRequest,
  hooks: TableHooks,
  hook: NonNullable<TableHooks['beforeInsert']>,
  ctx: HookContext,
  forceRows: boolean,
  rows: Row[],
  pending: PromiseLike<Row | void>,
  index: number,
): Promise<ApiRequest> {
  const source = api.body!.rows;
  rows.push(((await pending) as Row | undefined) ?? source[index]!);
  for (let i = index + 1; i < source.length; i++) rows.push(((await hook.call(hooks, { ...source[i]! }, ctx)) as Row | undefined) ?? source[i]!);
  return withForcedRows(withRows(api, rows), forceRows);
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** After-hooks need the written rows, whatever the client asked to get back. */
function withForcedRows(api: ApiRequest, forceRows: boolean): ApiRequest {
  if (!forceRows || api.preferences.return === 'representation') return api;
  return reshape({ ...api, select: null, preferences: { ...api.preferences, return: 'representation' } });
}

export async function applyAfterHooks(api: ApiRequest, hooks: TableHooks, ctx: HookContext, rows: readonly Row[]): Promise<void> {
  const hook = api.action === 'insert' ? hooks.afterInsert : api.action === 'delete' ? hooks.afterDelete : hooks.afterUpdate;
  if (hook) await hook.call(hooks, rows, ctx);
}

export function hasAfterHook(api: ApiRequest, hooks: TableHooks): boolean {
  return Boolean(api.action === 'insert' ? hooks.afterInsert : api.action === 'delete' ? hooks.afterDelete : hooks.afterUpdate);
}

function withRows(api: ApiRequest, rows: Row[]): ApiRequest {
  const body = api.body!;
  const first = rows[0] ?? {};
  const keys = api.columns ? [...new Set(rows.flatMap((r) => Object.keys(r)))] : Object.keys(first);
  // Without columns= every row must give the same keys; with it, columns= picks them from each row.
  if (!api.columns && rows.length > 1) {
    for (const row of rows) {
      const own = Object.keys(row);
      if (own.length !== keys.length || own.some((k) => !(k in first))) {
        throw errors.internal(new Error('a beforeInsert hook returned rows with different keys'));
      }
    }
  }
  // With columns= the client chose the columns; a hook may add to them.
  const bodyColumns = api.columns ? [...new Set([...(api.bodyColumns ?? []), ...keys.filter((k) => !(api.bodyColumns ?? []).includes(k))])] : keys;
  const raw = JSON.stringify(body.isArray ? rows : rows[0]);
  // Written out, not spread: a JSON body has no `format` key, and adding one to a spread object
  // takes V8's slow path (about a microsecond a write).
  const next = { ...api, body: { raw, rows, isArray: body.isArray, format: 'json' as const }, bodyColumns };
  // Only the body's columns changed: the new shape key is remembered per old key and columns.
  const columnsKey = bodyColumns.join('\u0001');
  let known = reshaped.get(api.shapeKey);
  const shapeKey = known?.get(columnsKey);
  if (shapeKey !== undefined) {
    next.shapeKey = shapeKey;
    return next;
  }
  const fresh = reshape(next);
  if (reshaped.size >= RESHAPED_LIMIT) reshaped.clear();
  if (known === undefined || known.size >= RESHAPED_LIMIT) reshaped.set(api.shapeKey, (known = new Map()));
  known.set(columnsKey, fresh.shapeKey);
  return fresh;
}

/** Shape keys after a before-hook, by the key before, then the columns after; bounded like the shape cache. */
const reshaped = new Map<string, Map<string, string>>();
const RESHAPED_LIMIT = 2000;

/** The request with its shape key recomputed after a change to its tree. */
export function reshape(api: ApiRequest): ApiRequest {
  const { shapeKey: _old, values: _values, ...rest } = api;
  return { ...api, shapeKey: shapeKeyOf(rest) };
}
