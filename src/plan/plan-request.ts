/**
 * Stage 2 entry: ApiRequest + Schema -> RequestPlan. Pure; the plan holds everything the later
 * stages need (the query plan, how to answer, the body check), so requests of the same shape
 * reuse it without planning again.
 */
import { errors, rowgateError } from '../errors/catalog.js';
import type { Schema, Table } from '../schema/model.js';
import type { ApiRequest, CountPreference, MediaType, ReturnPreference, ValueRef } from '../request/types.js';
import { bodyValidatorFor, type BodyValidator } from './body-validator.js';
import { buildDeletePlan, buildInsertPlan, buildUpdatePlan, type MutateRules } from './mutate-plan.js';
import type { QueryPlan } from './plan-nodes.js';
import { buildReadPlan, type PlanLimits } from './read-plan.js';
import { keyColumns, resolveTable } from './resolve-names.js';
import { permissionDenied, requireOperation } from './access-filter.js';
import type { RowCheck } from '../auth/row-check.js';
import type { Operation } from '../auth/auth-config.js';

export interface PlanOptions extends PlanLimits, MutateRules {}

export interface RequestPlan {
  readonly query: QueryPlan;
  readonly table: Table;
  /** `object`: Accept asked for one object (406 unless exactly one row); `row`: a row URL (404 unless one). */
  readonly singular: 'object' | 'row' | null;
  readonly media: MediaType;
  readonly headersOnly: boolean;
  readonly returnPreference: ReturnPreference;
  /** Prefer: count=… was given: the response's Content-Range carries the total. */
  readonly count: boolean;
  /** How to count: exactly, from the planner's estimate, or exactly below `maxRows` and estimated above. */
  readonly countMode: CountPreference | null;
  /** `estimated` counts exactly up to here (PostgREST uses its max-rows the same way). */
  readonly countThreshold: number;
  /** Prefer: tx=rollback: run, answer, and undo. */
  readonly rollback: boolean;
  readonly maxAffected: number | null;
  readonly validateBody: BodyValidator | null;
  /** PUT on a row URL: body values of key columns must equal the URL's (PGRST115). */
  readonly keyChecks: readonly { readonly column: string; readonly ref: ValueRef }[];
  /** The `Preference-Applied` header value, or null. */
  readonly preferenceApplied: string | null;
  /** Auth rules' checks every new row must pass before anything is written. */
  readonly checks: readonly RowCheck[];
}

export function planRequest(api: ApiRequest, schema: Schema, options: PlanOptions): RequestPlan {
  // /rpc/<name> never reaches the planner (server/handle-request.ts sends it to actions/); should a
  // caller plan one anyway, it has no table to plan.
  if (api.target.kind === 'rpc') {
    throw rowgateError('PGRST202', `Could not find the function '${api.target.name}' in the schema cache`);
  }
  if (api.target.kind === 'root') throw errors.methodNotAllowed(api.method, '/');
  const table = resolveTable(schema, api.target.name);
  const checks = table.access ? authorise(api, table) : [];
  const query = planQuery(api, schema, table, options);
  const writes = query.kind === 'insert' || query.kind === 'update';
  const isRow = api.target.kind === 'row';
  const prefs = api.preferences;
  const returnPreference = prefs.return ?? 'minimal';

  if (writes && api.body === null) throw errors.invalidBody('Empty or invalid json');
  return {
    query,
    table,
    singular: isRow ? 'row' : api.accept === 'object' ? 'object' : null,
    media: api.accept,
    headersOnly: api.method === 'HEAD',
    returnPreference,
    count: prefs.count !== null,
    countMode: prefs.count,
    countThreshold: options.maxRows,
    rollback: prefs.tx === 'rollback',
    // PostgREST applies max-affected only under handling=strict.
    maxAffected: prefs.handling === 'strict' ? prefs.maxAffected : null,
    validateBody: writes ? withMissingDefault(api, bodyValidatorFor(table, [...query.columns])) : null,
    keyChecks:
      api.action === 'upsert' && api.target.kind === 'row'
        ? keyColumns(table)
            .map((c, i) => ({ column: c.name, ref: (api.target as { id: readonly ValueRef[] }).id[i] }))
            .filter((k) => api.bodyColumns?.includes(k.column))
        : [],
    preferenceApplied: preferenceApplied(api, query),
    checks,
  };
}

/**
 * Under auth rules: may the role do this at all, and which checks must the new rows pass. An
 * upsert that may update needs the update right too; when the role's updates are narrowed to some
 * rows or columns, an upsert cannot honour that on every engine, so it is refused.
 */
function authorise(api: ApiRequest, table: Table): RowCheck[] {
  const access = table.access!;
  const merges = api.action === 'upsert' || (api.action === 'insert' && api.preferences.resolution === 'merge-duplicates');
  const op: Operation = api.action === 'read' ? 'select' : api.action === 'upsert' ? 'insert' : (api.action as Operation);
  if (!['select', 'insert', 'update', 'delete'].includes(op)) return [];
  requireOperation(table, op);
  if (merges) {
    requireOperation(table, 'update');
    if (access.update!.filter || access.update!.columns) {
      throw permissionDenied(access.role, `permission denied to upsert into table ${table.name}: this role may update only some of its rows or columns`, );
    }
  }
  if (api.preferences.return === 'representation' && op !== 'select') requireOperation(table, 'select');
  const checks: RowCheck[] = [];
  const add = (o: 'insert' | 'update', partial: boolean) => {
    const filter = access[o]?.check;
    if (filter) checks.push({ filter, table: access.base, partial });
  };
  if (op === 'insert') add('insert', false);
  if (op === 'update') add('update', true);
  if (merges) add('update', false);
  return checks;
}

function planQuery(api: ApiRequest, schema: Schema, table: Table, options: PlanOptions): QueryPlan {
  switch (api.action) {
    case 'read':
      return buildReadPlan(api, schema, table, options);
    case 'insert':
      if (api.target.kind === 'row') {
        throw errors.methodNotAllowed('POST', `/${table.name}/…`);
      }
      return buildInsertPlan(api, table);
    case 'upsert':
      return buildInsertPlan(api, table);
    case 'update':
      return buildUpdatePlan(api, table, options);
    case 'delete':
      return buildDeletePlan(api, table, options);
    default:
      throw errors.methodNotAllowed(api.method, `/${table.name}`);
  }
}

/**
 * `Prefer: missing=default` asks for the column default where an object leaves a key out. The
 * server inserts such bodies group by group (`handle-request.ts`), so a plan only meets them on
 * paths that do not group (a table with hooks); there, rather than write nulls the client asked
 * not to get, the body is refused. Bodies that give every key are unaffected.
 */
function withMissingDefault(api: ApiRequest, validate: BodyValidator): BodyValidator {
  if (api.preferences.missing !== 'default' || !api.bodyColumns) return validate;
  const columns = api.bodyColumns;
  return (rows) => {
    if (rows.some((row) => columns.some((c) => !(c in row)))) {
      throw errors.notImplemented('Prefer: missing=default with objects that leave keys out, on a table with hooks', 'Give every key in every object, or send the objects that leave out the same keys in requests of their own.');
    }
    validate(rows);
  };
}

/** PostgREST echoes the preferences it honoured, so clients can tell them from ignored ones. */
function preferenceApplied(api: ApiRequest, query: QueryPlan): string | null {
  const p = api.preferences;
  const applied: string[] = [];
  if (p.return && query.kind !== 'read') applied.push(`return=${p.return}`);
  if (p.count) applied.push(`count=${p.count}`);
  if (p.resolution && query.kind === 'insert' && api.action === 'insert') applied.push(`resolution=${p.resolution}`);
  if (p.tx) applied.push(`tx=${p.tx}`);
  if (p.maxAffected !== null && p.handling === 'strict' && query.kind !== 'read' && query.kind !== 'insert') {
    applied.push(`max-affected=${p.maxAffected}`);
  }
  if (p.handling) applied.push(`handling=${p.handling}`);
  return applied.length > 0 ? applied.join(', ') : null;
}
