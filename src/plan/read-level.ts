/**
 * One level of a read: the select items of one table (the root or an embedding), with the
 * filters, order and limits the URL gives for that level's path. To-one embeddings become joins
 * of this level; to-many embeddings become correlated subqueries (SubRead) planned recursively.
 * Aggregates group by the level's other plain fields (PostgREST 12).
 */
import { errors, rowgateError } from '../errors/catalog.js';
import type { Schema, Table } from '../schema/model.js';
import { isToOne, type Relationship } from '../schema/relationships.js';
import type { ApiRequest, Filter, SelectItem, SelectEmbed } from '../request/types.js';
import { resolveRelationship } from './embed-relation.js';
import { planConditions, resolveExpr, type EmbedTest } from './plan-conditions.js';
import type { ArrayField, Expr, Field, Join, OrderNode, Param, Predicate, SubRead } from './plan-nodes.js';
import { andAll, resolveCast } from './read-plan.js';
import { accessFilter } from './access-filter.js';
import { resolveColumn } from './resolve-names.js';

export interface LevelContext {
  /** Null where embeddings are not allowed (the representation of a write). */
  readonly schema: Schema | null;
  readonly api: ApiRequest | null;
  readonly maxDepth: number;
  nextAlias: number;
  /** Embedding paths that exist, so filters on any other path can be refused. */
  readonly used: Set<string>;
}

export interface Level {
  readonly fields: Field[];
  readonly joins: Join[];
  readonly where: Predicate | null;
  readonly groupBy: Expr[];
  readonly order: OrderNode[];
}

type Embedded = { readonly kind: 'one'; readonly table: Table; readonly alias: string; readonly nullWhen: Expr } | { readonly kind: 'many'; readonly sub: SubRead };

const STAR: readonly SelectItem[] = [{ kind: 'star' }];

export function planLevel(ctx: LevelContext, table: Table, alias: string | null, select: readonly SelectItem[] | null, path: readonly string[]): Level {
  const at = alias === null ? {} : { source: alias };
  const fields: Field[] = [];
  const joins: Join[] = [];
  const semiJoins: Predicate[] = [];
  const embeds = new Map<string, Embedded>();

  for (const item of select ?? STAR) {
    switch (item.kind) {
      case 'star':
        for (const column of table.columns) fields.push({ name: column.name, expr: { kind: 'column', column, ...at }, cast: null });
        break;
      case 'count-all':
        fields.push({ name: item.alias ?? 'count', expr: { kind: 'aggregate', fn: 'count', arg: null }, cast: item.cast ? resolveCast(item.cast) : null });
        break;
      case 'field': {
        // `films(count)`: inside an embedding a bare `count` that is no column is the count() aggregate.
        if (path.length > 0 && item.field.name === 'count' && item.field.jsonPath.length === 0 && !item.aggregate && !table.columnsByName.has('count')) {
          fields.push({ name: item.alias ?? 'count', expr: { kind: 'aggregate', fn: 'count', arg: null }, cast: item.cast ? resolveCast(item.cast) : null });
          break;
        }
        const expr = resolveExpr(table, item.field, alias);
        const lastKey = item.field.jsonPath.at(-1)?.key;
        // PostgREST names a JSON path after its last key (`data->a->>b` is "b"), an aggregate after its function.
        const plainName = lastKey !== undefined ? String(lastKey) : item.field.name;
        if (item.aggregate) {
          const inner = item.cast ? resolveCast(item.cast) : null;
          if (inner) throw errors.notImplemented('a cast inside an aggregate', `Cast the result instead: ${item.field.name}.${item.aggregate}()::type`);
          fields.push({ name: item.alias ?? item.aggregate, expr: { kind: 'aggregate', fn: item.aggregate, arg: expr }, cast: item.aggregateCast ? resolveCast(item.aggregateCast) : null });
        } else {
          fields.push({ name: item.alias ?? plainName, expr, cast: item.cast ? resolveCast(item.cast) : null });
        }
        break;
      }
      case 'embed': {
        if (!ctx.schema || !ctx.api) throw errors.notImplemented('embedding here');
        if (path.length + 1 > ctx.maxDepth) {
          throw rowgateError('RG104', `Embedding '${[...path, item.relation].join('.')}' is nested deeper than ${ctx.maxDepth} levels`, {
            hint: 'Flatten the request, or raise maxEmbedDepth in the config.',
          });
        }
        const relationship = resolveRelationship(ctx.schema, table, item.relation, item.hint);
        const name = item.alias ?? item.relation;
        const childPath = [...path, name];
        ctx.used.add(childPath.join('.'));
        if (isToOne(relationship) && relationship.kind === 'direct') {
          const embedded = planToOne(ctx, relationship, alias, item, childPath, fields, joins);
          embeds.set(name, embedded);
        } else {
          const field = planToMany(ctx, relationship, alias, item, childPath);
          fields.push(field);
          embeds.set(name, { kind: 'many', sub: field.sub });
          if (item.joinType === 'inner') semiJoins.push({ kind: 'exists', sub: field.sub, negated: false });
        }
        break;
      }
    }
  }

  const api = ctx.api;
  const key = path.join('.');
  const conditions = api ? api.where.filter((w) => w.path.join('.') === key).map((w) => w.condition) : [];
  const where = planConditions({ table, source: alias, embedTest: embedTest(embeds) }, conditions);
  const allWhere = [where, ...semiJoins].filter((p): p is Predicate => p !== null);
  return {
    fields,
    joins,
    where: allWhere.length === 0 ? null : allWhere.length === 1 ? allWhere[0] : { kind: 'and', negated: false, items: allWhere },
    groupBy: groupByOf(fields),
    order: api ? planOrder(api, table, alias, key, embeds) : [],
  };
}

/** Many-to-one or one-to-one: a join of this level; its filters go into the join condition. */
function planToOne(
  ctx: LevelContext,
  r: Extract<Relationship, { kind: 'direct' }>,
  parentAlias: string | null,
  item: SelectEmbed,
  childPath: string[],
  fields: Field[],
  joins: Join[],
): Embedded {
  const alias = `t${ctx.nextAlias++}`;
  const child = planLevel(ctx, r.target, alias, item.select, childPath);
  const on = andAll(correlate(r.pairs, r.source, parentAlias, r.target, alias), accessFilter(r.target, 'select', alias))!;
  const nullWhen: Expr = { kind: 'column', column: resolveColumn(r.target, r.pairs[0][1]), source: alias };
  joins.push({ table: r.target, alias, on: child.where ? { kind: 'and', negated: false, items: [on, child.where] } : on, inner: item.joinType === 'inner' }, ...child.joins);
  if (item.spread) fields.push(...child.fields);
  else fields.push({ kind: 'object', name: item.alias ?? item.relation, nullWhen, fields: child.fields });
  return { kind: 'one', table: r.target, alias, nullWhen };
}

/** One-to-many or many-to-many: a correlated subquery with its own filters, order and limit. */
function planToMany(ctx: LevelContext, r: Relationship, parentAlias: string | null, item: SelectEmbed, childPath: string[]): ArrayField {
  if (item.spread) {
    throw rowgateError('PGRST119', `A spread operation on '${item.relation}' is not possible`, {
      hint: "Only to-one embeddings can be spread ('...'); embed it without the spread to get an array.",
    });
  }
  const alias = `t${ctx.nextAlias++}`;
  let through: SubRead['through'] = null;
  let correlation: Predicate;
  if (r.kind === 'junction') {
    const junctionAlias = `t${ctx.nextAlias++}`;
    through = { table: r.junction, alias: junctionAlias, on: correlate(r.targetPairs, r.junction, junctionAlias, r.target, alias) };
    correlation = andAll(correlate(r.sourcePairs, r.source, parentAlias, r.junction, junctionAlias), accessFilter(r.junction, 'select', junctionAlias))!;
  } else {
    correlation = correlate(r.pairs, r.source, parentAlias, r.target, alias);
  }
  const child = planLevel(ctx, r.target, alias, item.select, childPath);
  const range = ctx.api?.ranges.find((x) => x.path.join('.') === childPath.join('.'));
  const sub: SubRead = {
    table: r.target,
    alias,
    through,
    fields: child.fields,
    joins: child.joins,
    where: andAll(andAll(correlation, child.where), accessFilter(r.target, 'select', alias))!,
    groupBy: child.groupBy,
    order: child.order,
    limit: range?.limit != null ? ({ kind: 'value', ref: range.limit, type: 'integer', column: 'limit' } satisfies Param) : null,
    offset: range?.offset != null ? ({ kind: 'value', ref: range.offset, type: 'integer', column: 'offset' } satisfies Param) : null,
  };
  return { kind: 'array', name: item.alias ?? item.relation, sub };
}

/** `[source col, target col]` pairs -> `target.col = source.col AND …`. */
function correlate(pairs: readonly (readonly [string, string])[], source: Table, sourceAlias: string | null, target: Table, targetAlias: string): Predicate {
  const items: Predicate[] = pairs.map(([s, t]) => ({
    kind: 'columns-equal',
    left: { kind: 'column', column: resolveColumn(target, t), source: targetAlias },
    right: sourceAlias === null ? { kind: 'column', column: resolveColumn(source, s) } : { kind: 'column', column: resolveColumn(source, s), source: sourceAlias },
    negated: false,
  }));
  return items.length === 1 ? items[0] : { kind: 'and', negated: false, items };
}

/** `order_items=is.null` (no such rows: anti-join) and `order_items=not.is.null` (semi-join). */
function embedTest(embeds: ReadonlyMap<string, Embedded>): EmbedTest {
  return (name: string, filter: Filter) => {
    const e = embeds.get(name);
    if (!e) return null;
    if (filter.operator !== 'is' || filter.value.kind !== 'is' || (filter.value.value !== 'null' && filter.value.value !== 'not_null')) {
      throw rowgateError('PGRST120', `Only is.null or not.is.null filters are allowed on the embedded resource '${name}'`);
    }
    const wantsNone = (filter.value.value === 'null') !== filter.negated;
    if (e.kind === 'many') return { kind: 'exists', sub: e.sub, negated: wantsNone };
    return { kind: 'is', left: e.nullWhen, value: wantsNone ? 'null' : 'not_null', negated: false };
  };
}

function planOrder(api: ApiRequest, table: Table, alias: string | null, key: string, embeds: ReadonlyMap<string, Embedded>): OrderNode[] {
  const nodes: OrderNode[] = [];
  for (const at of api.order) {
    if (at.path.join('.') !== key) continue;
    for (const term of at.terms) {
      let expr: Expr;
      if (term.relation) {
        // `order=category(name).desc`: only a to-one embedding has one value per row to sort by.
        const e = embeds.get(term.relation);
        if (!e || e.kind !== 'one') {
          throw rowgateError('PGRST118', `A related order on '${term.relation}' is not possible`, {
            hint: e ? 'Only to-one embeddings can order their parent rows.' : `Embed '${term.relation}' in select to order by it.`,
          });
        }
        expr = resolveExpr(e.table, term.field, e.alias);
      } else {
        expr = resolveExpr(table, term.field, alias);
      }
      nodes.push({ expr, direction: term.direction ?? 'asc', nulls: term.nulls });
    }
  }
  return nodes;
}

/** With an aggregate among the fields, every other plain field (also in to-one objects) is grouped by. */
function groupByOf(fields: readonly Field[]): Expr[] {
  const plain: Expr[] = [];
  let aggregated = false;
  let arrays = false;
  const visit = (list: readonly Field[]) => {
    for (const f of list) {
      if ('expr' in f) {
        if (f.expr.kind === 'aggregate') aggregated = true;
        else plain.push(f.expr);
      } else if (f.kind === 'object') {
        // The object's null test reads the joined key, so it is grouped by too (PostgreSQL insists).
        plain.push(f.nullWhen);
        visit(f.fields);
      } else {
        arrays = true;
      }
    }
  };
  visit(fields);
  if (!aggregated) return [];
  if (arrays) {
    throw errors.notImplemented('aggregates beside a to-many embedding', 'Aggregate inside the embedding instead: customers?select=name,orders(total.sum())');
  }
  return plain;
}
