/**
 * GET/HEAD on a table or row URL -> ReadPlan: which fields, which rows, in which order, how many.
 * The row limit of the config is applied here, so no later stage can forget it.
 */
import { errors, rowgateError } from '../errors/catalog.js';
import type { Table } from '../schema/model.js';
import type { ApiRequest, OrderAt, RangeAt, SelectItem } from '../request/types.js';
import type { CastType, OrderNode, OutputField, Param, Predicate, ReadPlan } from './plan-nodes.js';
import { planConditions, resolveExpr } from './plan-conditions.js';
import { keyColumns } from './resolve-names.js';

export interface PlanLimits {
  /** At most this many rows per response (`limit` above it is clamped). */
  readonly maxRows: number;
}

export function buildReadPlan(api: ApiRequest, table: Table, limits: PlanLimits): ReadPlan {
  const rootConditions = api.where.map((w) => {
    if (w.path.length > 0) throw embeddedNotYet(w.path);
    return w.condition;
  });
  const range = rootRange(api.ranges);
  return {
    kind: 'read',
    table,
    fields: planFields(table, api.select),
    where: andAll(planConditions(table, rootConditions), rowKeyPredicate(api, table)),
    order: planOrder(table, api.order),
    limit: { kind: 'limit', ref: range?.limit ?? null, max: limits.maxRows },
    offset: range?.offset != null ? { kind: 'value', ref: range.offset, type: 'integer', column: 'offset' } : null,
    count: api.preferences.count !== null,
  };
}

/** `select=` -> output fields; absent or `*` means every column in table order. */
export function planFields(table: Table, select: readonly SelectItem[] | null): OutputField[] {
  if (select === null) return table.columns.map((column) => ({ name: column.name, expr: { kind: 'column', column }, cast: null }));
  const fields: OutputField[] = [];
  for (const item of select) {
    switch (item.kind) {
      case 'star':
        for (const column of table.columns) fields.push({ name: column.name, expr: { kind: 'column', column }, cast: null });
        break;
      case 'field': {
        if (item.aggregate) throw aggregatesNotYet();
        const expr = resolveExpr(table, item.field);
        const lastKey = item.field.jsonPath.at(-1)?.key;
        // PostgREST names a JSON path output after its last key: `data->a->>b` becomes "b".
        const name = item.alias ?? (lastKey !== undefined ? String(lastKey) : item.field.name);
        fields.push({ name, expr, cast: item.cast ? resolveCast(item.cast) : null });
        break;
      }
      case 'count-all':
        throw aggregatesNotYet();
      case 'embed':
        // TODO(issue 3): embedding through foreign keys.
        throw errors.notImplemented(`embedding '${item.relation}'`, 'Embedding arrives with the query-depth work.');
    }
  }
  return fields;
}

const CASTS: Record<string, CastType> = {
  text: 'text', varchar: 'text', char: 'text', 'character varying': 'text',
  int: 'integer', integer: 'integer', int4: 'integer', smallint: 'integer', int2: 'integer',
  bigint: 'bigint', int8: 'bigint',
  numeric: 'numeric', decimal: 'numeric',
  real: 'number', float: 'number', float4: 'number', float8: 'number', double: 'number', 'double precision': 'number',
  boolean: 'boolean', bool: 'boolean',
  json: 'json', jsonb: 'json',
  date: 'date',
  timestamp: 'timestamp', timestamptz: 'timestamp',
};

export function resolveCast(name: string): CastType {
  const cast = CASTS[name.toLowerCase()];
  if (cast) return cast;
  throw rowgateError('42704', `type "${name}" does not exist`, { hint: `Casts may name: ${Object.keys(CASTS).join(', ')}` });
}

function planOrder(table: Table, order: readonly OrderAt[]): OrderNode[] {
  const nodes: OrderNode[] = [];
  for (const at of order) {
    if (at.path.length > 0) throw embeddedNotYet(at.path);
    for (const term of at.terms) {
      if (term.relation) throw embeddedNotYet([term.relation]);
      nodes.push({ expr: resolveExpr(table, term.field), direction: term.direction ?? 'asc', nulls: term.nulls });
    }
  }
  return nodes;
}

/** The root range: the last one given wins (the parser merges `limit`/`offset` with `Range`). */
function rootRange(ranges: readonly RangeAt[]): RangeAt | null {
  let root: RangeAt | null = null;
  for (const r of ranges) {
    if (r.path.length > 0) throw embeddedNotYet(r.path);
    root = r;
  }
  return root;
}

/** `/products/5` -> `id = 5`; composite keys take their parts in key order. */
export function rowKeyPredicate(api: ApiRequest, table: Table): Predicate | null {
  if (api.target.kind !== 'row') return null;
  const key = keyColumns(table);
  if (key.length === 0) {
    throw rowgateError('RG103', `Table '${table.name}' has no primary key, so it has no row URLs`, {
      hint: `Filter instead: /${table.name}?col=eq.value`,
    });
  }
  const ids = api.target.id;
  if (ids.length !== key.length) {
    throw rowgateError('RG103', `The key of '${table.name}' has ${key.length} part(s), the URL gives ${ids.length}`, {
      hint: `Give ${key.map((c) => c.name).join(',')} separated by commas`,
    });
  }
  const items: Predicate[] = key.map((column, i) => ({
    kind: 'compare',
    operator: 'eq',
    left: { kind: 'column', column },
    right: { kind: 'value', ref: ids[i], type: column.type, column: column.name } satisfies Param,
    negated: false,
  }));
  return items.length === 1 ? items[0] : { kind: 'and', negated: false, items };
}

export function andAll(a: Predicate | null, b: Predicate | null): Predicate | null {
  if (!a) return b;
  if (!b) return a;
  return { kind: 'and', negated: false, items: [a, b] };
}

function embeddedNotYet(path: readonly string[]) {
  // TODO(issue 3): filters, order and limits on embedded resources.
  return errors.notImplemented(`filters, order or limits on the embedded resource '${path.join('.')}'`);
}

function aggregatesNotYet() {
  // TODO(issue 3): aggregates with implicit grouping.
  return errors.notImplemented('aggregate functions in select', 'Aggregates arrive with the query-depth work.');
}
