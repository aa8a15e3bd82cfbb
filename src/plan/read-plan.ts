/**
 * GET/HEAD on a table or row URL -> ReadPlan: which fields, which rows, in which order, how many.
 * Embeddings become LEFT JOINs (to-one) or correlated subqueries (to-many) planned level by level
 * in `read-level.ts`; the row limit of the config is applied here, so no later stage can forget it.
 */
import { rowgateError } from '../errors/catalog.js';
import type { Schema, Table } from '../schema/model.js';
import type { ApiRequest, RangeAt, SelectItem } from '../request/types.js';
import type { CastType, Field, OutputField, Param, Predicate, ReadPlan } from './plan-nodes.js';
import { planLevel, type LevelContext } from './read-level.js';
import { keyColumns } from './resolve-names.js';
import { planKeyset } from './keyset.js';
import { accessFilter } from './access-filter.js';

export interface PlanLimits {
  /** At most this many rows per response (`limit` above it is clamped). */
  readonly maxRows: number;
  /** Embeddings nested deeper than this are refused (RG104). */
  readonly maxEmbedDepth: number;
}

export function buildReadPlan(api: ApiRequest, schema: Schema, table: Table, limits: PlanLimits): ReadPlan {
  const embeds = api.select?.some((i) => i.kind === 'embed') ?? false;
  const alias = embeds ? 't0' : null;
  const context: LevelContext = { schema, api, maxDepth: limits.maxEmbedDepth, nextAlias: 1, used: new Set() };
  const level = planLevel(context, table, alias, api.select, []);
  checkAllPathsUsed(api, context.used);
  const range = api.ranges.find((r) => r.path.length === 0) ?? null;
  const keyset = planKeyset(api, table, alias, level.order, range?.offset != null);
  return {
    kind: 'read',
    table,
    alias,
    fields: level.fields,
    joins: level.joins,
    where: andAll(andAll(andAll(level.where, rowKeyPredicate(api, table, alias)), keyset?.after ?? null), accessFilter(table, 'select', alias)),
    groupBy: level.groupBy,
    order: keyset?.order ?? level.order,
    keyset: keyset?.exprs ?? null,
    limit: api.target.kind === 'row' ? null : { kind: 'limit', ref: range?.limit ?? null, max: limits.maxRows },
    offset: range?.offset != null ? { kind: 'value', ref: range.offset, type: 'integer', column: 'offset' } : null,
    count: api.preferences.count !== null,
  };
}

/** `select=` of a write's representation: plain columns only (writes return the written table's rows). */
export function planFields(table: Table, select: readonly SelectItem[] | null): OutputField[] {
  if (select?.some((i) => i.kind === 'embed' || i.kind === 'count-all' || (i.kind === 'field' && i.aggregate))) {
    throw rowgateError('PGRST127', 'Feature not implemented: embedding or aggregates in the representation of a write', {
      hint: 'Read the written rows with a GET to embed related rows.',
    });
  }
  const level = planLevel({ schema: null, api: null, maxDepth: 0, nextAlias: 1, used: new Set() }, table, null, select, []);
  return level.fields as OutputField[];
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

/** Filters, orders and limits on embedded paths must name an embedding of the select (PGRST108). */
function checkAllPathsUsed(api: ApiRequest, used: ReadonlySet<string>): void {
  const paths: (readonly string[])[] = [
    ...api.where.map((w) => w.path),
    ...api.order.map((o) => o.path),
    ...api.ranges.map((r: RangeAt) => r.path),
  ];
  for (const path of paths) {
    if (path.length > 0 && !used.has(path.join('.'))) {
      throw rowgateError('PGRST108', `'${path.join('.')}' is not an embedded resource in this request`, {
        hint: `Verify that '${path.join('.')}' is included in the 'select' query parameter.`,
      });
    }
  }
}

/** `/products/5` -> `id = 5`; composite keys take their parts in key order. */
export function rowKeyPredicate(api: ApiRequest, table: Table, source: string | null = null): Predicate | null {
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
  const at = source === null ? {} : { source };
  const items: Predicate[] = key.map((column, i) => ({
    kind: 'compare',
    operator: 'eq',
    left: { kind: 'column', column, ...at },
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

export function isValueField(f: Field): f is OutputField {
  return 'expr' in f;
}
