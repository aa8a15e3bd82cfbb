/**
 * POST, PATCH, PUT and DELETE -> insert/update/delete plans: body columns resolved and checked
 * for writability, the conflict target of upserts, the safe-update rule, and what to return.
 */
import { errors, rowgateError } from '../errors/catalog.js';
import type { Column, Table } from '../schema/model.js';
import type { ApiRequest } from '../request/types.js';
import { closestMatch } from '../util/closest-match.js';
import { andAll, planFields, rowKeyPredicate } from './read-plan.js';
import { planConditions } from './plan-conditions.js';
import type { DeletePlan, InsertPlan, Predicate, Returning, UpdatePlan } from './plan-nodes.js';
import { keyColumns } from './resolve-names.js';
import { accessFilter, permissionDenied } from './access-filter.js';

export interface MutateRules {
  /** PATCH/DELETE with no filter at all touches every row; refused unless the config allows it. */
  readonly allowUnfilteredWrites: boolean;
}

export function buildInsertPlan(api: ApiRequest, table: Table): InsertPlan {
  requireCapability(table, 'insertable', 'insert into');
  const columns = bodyColumns(api, table, 'insert');
  const isPut = api.action === 'upsert';
  const key = isPut ? keyColumns(table) : [];
  if (isPut) {
    if (api.target.kind !== 'row') {
      throw rowgateError('PGRST105', 'PUT needs a row URL: /<table>/<key>', { hint: `PUT /${table.name}/<key> replaces one row` });
    }
    if (api.body?.isArray) throw errors.invalidBody('PUT takes one object, not an array');
  }
  const keyNames = new Set(key.map((c) => c.name));
  const written = columns.filter((c) => !keyNames.has(c.name));
  if (isPut) requireAll(table, written, keyNames);
  else if (api.body && api.body.rows.length > 0) requireNotNull(table, columns);

  return {
    kind: 'insert',
    table,
    columns: written,
    fixed: isPut && api.target.kind === 'row'
      ? key.map((column, i) => ({
          column,
          value: { kind: 'value', ref: (api.target as { id: readonly number[] }).id[i], type: column.type, column: column.name },
        }))
      : [],
    onConflict: isPut ? { columns: key, action: 'update' } : conflictTarget(api, table),
    returning: returningOf(api, table, !isPut && api.body !== null && !api.body.isArray),
    single: api.body !== null && !api.body.isArray,
  };
}

export function buildUpdatePlan(api: ApiRequest, table: Table, rules: MutateRules): UpdatePlan {
  requireCapability(table, 'updatable', 'update');
  if (api.body?.isArray) throw errors.invalidBody('PATCH takes one object, not an array');
  const columns = bodyColumns(api, table, 'update');
  if (columns.length === 0) throw errors.invalidBody('The PATCH body names no columns to change');
  const where = andAll(filteredWhere(api, table, rules, 'PATCH'), accessFilter(table, 'update', null));
  return { kind: 'update', table, columns, where, returning: returningOf(api, table, false) };
}

export function buildDeletePlan(api: ApiRequest, table: Table, rules: MutateRules): DeletePlan {
  requireCapability(table, 'deletable', 'delete from');
  const where = andAll(filteredWhere(api, table, rules, 'DELETE'), accessFilter(table, 'delete', null));
  return { kind: 'delete', table, where, returning: returningOf(api, table, false) };
}

function filteredWhere(api: ApiRequest, table: Table, rules: MutateRules, method: string): Predicate | null {
  for (const r of api.ranges) {
    if (r.limit !== null || r.offset !== null) {
      throw errors.notImplemented(`limit or offset on ${method}`, 'Select the rows with filters instead.');
    }
  }
  const conditions = api.where.map((w) => {
    if (w.path.length > 0) throw errors.notImplemented(`filters on embedded resources in ${method}`);
    return w.condition;
  });
  const where = andAll(planConditions(table, conditions), rowKeyPredicate(api, table));
  if (where === null && !rules.allowUnfilteredWrites) {
    throw rowgateError('RG100', `${method} requires a filter: without one it would change every row of '${table.name}'`, {
      hint: `Add a filter such as ?id=eq.1, or allow unfiltered writes in the config`,
    });
  }
  return where;
}

/**
 * The body's columns, each one that exists and may be written. Under auth rules a column the role
 * may write but not read still counts; one it may neither write nor read is "not found" as if absent.
 */
function bodyColumns(api: ApiRequest, table: Table, op: 'insert' | 'update'): Column[] {
  const access = table.access;
  const writable = access ? access[op]?.columns ?? null : null;
  const all = access ? access.base : table;
  return (api.bodyColumns ?? []).map((name) => {
    const column = all.columnsByName.get(name);
    const allowed = column && (writable === null || writable.has(name));
    if (column && !allowed && table.columnsByName.has(name)) {
      throw permissionDenied(access!.role, `permission denied to ${op === 'insert' ? 'insert into' : 'update'} column ${name} of table ${table.name}`);
    }
    if (!column || !allowed) {
      const candidates = [...table.columnsByName.keys()].filter((c) => writable === null || writable.has(c));
      throw errors.unknownBodyColumn(table.name, name, closestMatch(name, candidates));
    }
    if (column.generated) {
      throw rowgateError('RG101', `Column "${name}" of "${table.name}" is generated and cannot be written`);
    }
    return column;
  });
}

/** A missing NOT NULL column without default would fail in the database; name it first. */
function requireNotNull(table: Table, columns: readonly Column[]): void {
  const given = new Set(columns.map((c) => c.name));
  for (const column of table.columns) {
    if (!column.nullable && !column.hasDefault && !column.generated && !given.has(column.name)) {
      throw errors.notNull(table.name, column.name);
    }
  }
}

/** PUT replaces the whole row, so every writable column must be in the body (PostgREST's rule). */
function requireAll(table: Table, written: readonly Column[], key: ReadonlySet<string>): void {
  const given = new Set(written.map((c) => c.name));
  for (const column of table.columns) {
    if (!column.generated && !key.has(column.name) && !given.has(column.name)) {
      throw errors.invalidBody(`PUT replaces the whole row: the body must give every column, and "${column.name}" is missing`);
    }
  }
}

/** `on_conflict=a,b` with `Prefer: resolution=…`; the target must be the key or a unique constraint. */
function conflictTarget(api: ApiRequest, table: Table): InsertPlan['onConflict'] {
  const resolution = api.preferences.resolution;
  if (!resolution) return null;
  const names = api.onConflict ?? table.primaryKey;
  const columns = names.map((name) => {
    const column = table.columnsByName.get(name);
    if (!column) throw errors.unknownColumn(table.name, name, closestMatch(name, table.columnsByName.keys()));
    return column;
  });
  const wanted = [...names].sort().join(',');
  const unique = [table.primaryKey, ...table.uniqueConstraints.map((u) => u.columns)];
  if (columns.length === 0 || !unique.some((cols) => [...cols].sort().join(',') === wanted)) {
    throw rowgateError('42P10', 'there is no unique or exclusion constraint matching the ON CONFLICT specification', {
      hint: `on_conflict must name the primary key or the columns of a unique constraint of '${table.name}'`,
    });
  }
  return { columns, action: resolution === 'merge-duplicates' ? 'update' : 'nothing' };
}

function returningOf(api: ApiRequest, table: Table, wantsLocation: boolean): Returning {
  const representation = api.preferences.return === 'representation';
  const key = keyColumns(table);
  return {
    fields: representation ? planFields(table, api.select) : null,
    key: wantsLocation && key.length > 0 ? key : null,
  };
}

function requireCapability(table: Table, capability: 'insertable' | 'updatable' | 'deletable', verb: string): void {
  if (!table[capability]) {
    throw rowgateError('RG102', `Cannot ${verb} '${table.name}': it is a ${table.kind} that does not allow it`);
  }
}
