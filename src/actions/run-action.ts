/**
 * Runs an action for `/rpc/<name>`: finds it, takes its arguments (the JSON body, or query
 * parameters on GET for read-only ones), checks them against its schema before any handler runs,
 * and runs the handler in one transaction that an exception rolls back. Transient conflicts are
 * retried with backoff; `Idempotency-Key` replays a stored result instead of running twice.
 */
import { Value } from '@sinclair/typebox/value';
import { Ajv, type ValidateFunction } from 'ajv';
import { createHash } from 'node:crypto';
import { errors, rowgateError } from '../errors/catalog.js';
import { RowgateError } from '../errors/rowgate-error.js';
import type { Dialect } from '../dialect/dialect.js';
import type { ApiRequest } from '../request/types.js';
import type { RenderedResponse } from '../response/render-response.js';
import { closestMatch } from '../util/closest-match.js';
import type { DbFunction } from '../schema/model.js';
import type { ActionContext, ActionDefinition, ActionLogger, Caller } from './define-action.js';
import { withRetries } from './retry.js';
import { sessionFor, toCatalogError } from '../execute/execute-query.js';
import { idempotencyStore } from './idempotency.js';
import { SERVICE_ROLE } from '../auth/role-schema.js';
import { permissionDenied } from '../plan/access-filter.js';

const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false });
const validators = new WeakMap<ActionDefinition<any, any>, ValidateFunction>();

export interface ActionEnv {
  readonly actions: ReadonlyMap<string, ActionDefinition<any, any>>;
  /** Database functions of the request's schema, served where no action has the name. */
  readonly functions?: ReadonlyMap<string, DbFunction>;
  readonly dialect: Dialect;
  readonly log: ActionLogger;
  readonly caller: Caller;
  /** Auth is configured: actions say which roles may call them. */
  readonly rolesApply?: boolean;
}

export async function runAction(api: ApiRequest, env: ActionEnv, headers: Record<string, string | string[] | undefined>): Promise<RenderedResponse> {
  if (api.target.kind !== 'rpc') throw new Error('runAction needs an /rpc/ target');
  const name = api.target.name;
  const action = env.actions.get(name);
  const fn = action ? undefined : env.functions?.get(name);
  if (fn) return runFunction(api, fn, env);
  if (!action) {
    const closest = closestMatch(name, [...env.actions.keys(), ...(env.functions?.keys() ?? [])]);
    throw rowgateError('PGRST202', `Could not find the action '${name}'`, { hint: closest ? `Perhaps you meant '${closest}'` : null });
  }
  if (env.rolesApply && env.caller.role !== SERVICE_ROLE && !(action.roles ?? []).includes(env.caller.role)) {
    throw permissionDenied(env.caller.role, `permission denied for action ${name}`);
  }
  const isGet = api.method === 'GET' || api.method === 'HEAD';
  if (isGet && !action.readOnly) {
    throw rowgateError('PGRST101', `Action '${name}' changes data, so it takes POST`, { hint: 'Only read-only actions answer GET.' });
  }
  const input = checkInput(action, isGet ? queryArguments(api, action) : bodyArguments(api));
  const dialect = env.dialect;
  if (!dialect.transaction) throw errors.notImplemented(`actions on the ${dialect.name} engine yet`);
  const transaction = dialect.transaction.bind(dialect);
  const rollback = api.preferences.tx === 'rollback';
  const key = isGet ? undefined : firstHeader(headers['idempotency-key']);
  const requestHash = key ? hashRequest(name, input) : '';
  const store = key ? await idempotencyStore(dialect) : null;

  const result = await withRetries(() =>
    catalogErrors(dialect, transaction(
      async (db) => {
        if (store && key) {
          const stored = await store.find(db, key);
          if (stored) {
            if (stored.requestHash !== requestHash) {
              throw rowgateError('RG111', 'This Idempotency-Key was used for a different request', { hint: 'Use a new key for a new request.' });
            }
            return { body: stored.body, replayed: true };
          }
        }
        const output = await action.handler(input, actionContext(db, env.caller, env.log));
        const body = JSON.stringify(output ?? null);
        if (store && key && !rollback) await store.save(db, key, name, requestHash, body);
        return { body, replayed: false };
      },
      // In database mode (PostgreSQL RLS) the action's statements run as the caller too.
      { rollback, readOnly: action.readOnly === true, session: sessionFor(dialect, env.caller) },
    )),
  );
  const responseHeaders: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (rollback) responseHeaders['preference-applied'] = 'tx=rollback';
  if (result.replayed) responseHeaders['idempotent-replayed'] = 'true';
  return { status: 200, headers: responseHeaders, body: api.method === 'HEAD' ? null : result.body };
}

/** Native database errors as catalog errors, so retries and responses see neutral codes. */
function catalogErrors<T>(dialect: Dialect, work: Promise<T>): Promise<T> {
  return work.catch((e: unknown) => {
    throw toCatalogError(e, dialect);
  });
}

/** `/rpc/<fn>` for a database function, as PostgREST calls it: named arguments, GET when not volatile. */
async function runFunction(api: ApiRequest, fn: DbFunction, env: ActionEnv): Promise<RenderedResponse> {
  const isGet = api.method === 'GET' || api.method === 'HEAD';
  if (isGet && !fn.readOnly) {
    throw rowgateError('PGRST101', `Function '${fn.name}' is volatile, so it takes POST`, { hint: 'Only stable and immutable functions answer GET.' });
  }
  const args: Record<string, unknown> = {};
  if (isGet) for (const { name, value } of api.rpcArgs ?? []) args[name] = api.values[value];
  else Object.assign(args, bodyArguments(api));
  const known = new Set(fn.args.map((a) => a.name));
  const unknown = Object.keys(args).filter((k) => !known.has(k));
  const missing = fn.args.filter((a) => !a.hasDefault && !(a.name in args)).map((a) => a.name);
  if (unknown.length > 0 || missing.length > 0) {
    throw rowgateError('PGRST202', `Could not find the function ${fn.namespace}.${fn.name}(${Object.keys(args).join(', ')}) in the schema cache`, {
      details: unknown.length > 0 ? `Unknown argument(s): ${unknown.join(', ')}` : `Missing argument(s): ${missing.join(', ')}`,
      hint: `It takes: ${fn.args.map((a) => `${a.name} ${a.nativeType}${a.hasDefault ? ' (optional)' : ''}`).join(', ') || 'no arguments'}`,
    });
  }
  const dialect = env.dialect;
  if (!dialect.callFunction) throw errors.notImplemented(`database functions on the ${dialect.name} engine`);
  const rollback = api.preferences.tx === 'rollback';
  const body = await withRetries(() => catalogErrors(dialect, dialect.callFunction!(fn, args, { rollback, session: sessionFor(dialect, env.caller) })));
  const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
  if (rollback) headers['preference-applied'] = 'tx=rollback';
  return { status: 200, headers, body: api.method === 'HEAD' ? null : body };
}

/** The context actions (and, with the table added, hooks) run with. */
export function actionContext(db: ActionContext['db'], caller: Caller, log: ActionLogger): ActionContext {
  return { db, caller, log, fail: failAction };
}

/** `ctx.fail`: only client errors, since a 5xx would claim the server failed when the action refused. */
export function failAction(status: number, code: string, message: string, extra: { details?: string; hint?: string } = {}): never {
  const safe = Number.isInteger(status) && status >= 400 && status < 500 ? status : 400;
  throw new RowgateError(code, safe, message, { details: extra.details ?? null, hint: extra.hint ?? null });
}

function bodyArguments(api: ApiRequest): unknown {
  if (!api.body) return {};
  if (api.body.isArray) throw errors.invalidBody('An action takes one JSON object of arguments, not an array');
  return api.body.rows[0];
}

/** GET /rpc/fn?a=1&b=x: text values converted to the types the schema asks for. */
function queryArguments(api: ApiRequest, action: ActionDefinition<any, any>): unknown {
  const args: Record<string, unknown> = {};
  for (const { name, value } of api.rpcArgs ?? []) args[name] = api.values[value];
  return Value.Convert(action.input, args);
}

function checkInput(action: ActionDefinition<any, any>, input: unknown): any {
  let validate = validators.get(action);
  if (!validate) {
    validate = ajv.compile(action.input);
    validators.set(action, validate);
  }
  if (validate(input)) return input;
  const e = validate.errors?.[0];
  const at = e?.instancePath || '/';
  const what = e?.keyword === 'required' ? `is missing '${(e.params as { missingProperty: string }).missingProperty}'` : e?.keyword === 'additionalProperties' ? `has an unknown key '${(e.params as { additionalProperty: string }).additionalProperty}'` : (e?.message ?? 'is invalid');
  throw rowgateError('RG110', `Invalid input for action '${action.name}' at ${at}: ${what}`, { details: at });
}

function hashRequest(name: string, input: unknown): string {
  return createHash('sha256').update(name).update('\u0000').update(JSON.stringify(input)).digest('hex');
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  const value = Array.isArray(v) ? v[0] : v;
  return value && value.length > 0 && value.length <= 255 ? value : undefined;
}
