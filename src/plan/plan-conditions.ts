/**
 * Filters and logic trees of the URL -> predicates over resolved columns. Decides the type each
 * value is converted to before binding (the column's, or text for pattern operators and JSON paths).
 */
import { rowgateError } from '../errors/catalog.js';
import type { SearchMode } from '../util/search-query.js';
import type { ColumnType, Table } from '../schema/model.js';
import type { Condition, FieldPath, Filter, FilterOperator } from '../request/types.js';
import type { CompareOperator, Expr, Param, Predicate } from './plan-nodes.js';
import { resolveColumn } from './resolve-names.js';

/** Resolves `col` or `col->a->>b` on the table, qualified by `source` when the statement has several tables. */
export function resolveExpr(table: Table, field: FieldPath, source: string | null = null): Expr {
  const column = resolveColumn(table, field.name);
  const at = source === null ? {} : { source };
  if (field.jsonPath.length === 0) return { kind: 'column', column, ...at };
  return { kind: 'json-path', column, path: field.jsonPath, ...at };
}

/**
 * Resolves a filter's subject that is not a column: `order_items=is.null` names an embedding,
 * which the read planner turns into a (negated) EXISTS. Null when the name is no embedding.
 */
export type EmbedTest = (name: string, filter: Filter) => Predicate | null;

/** The type a value compared with `expr` is converted to. */
export function valueTypeOf(expr: Expr): ColumnType {
  // A JSON path yields text (->>) or JSON text (->); either compares with a text value.
  return expr.kind === 'column' ? expr.column.type : 'text';
}

const PATTERN_OPERATORS = new Set<FilterOperator>(['like', 'ilike', 'match', 'imatch']);
const COMPARE_OPERATORS = new Set<FilterOperator>(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'isdistinct']);

export interface ConditionScope {
  readonly table: Table;
  readonly source: string | null;
  readonly embedTest?: EmbedTest;
}

export function planConditions(scope: ConditionScope | Table, conditions: readonly Condition[]): Predicate | null {
  if (conditions.length === 0) return null;
  const s: ConditionScope = 'columnsByName' in scope ? { table: scope, source: null } : scope;
  const items = conditions.map((c) => planCondition(s, c));
  return items.length === 1 ? items[0] : { kind: 'and', negated: false, items };
}

function planCondition(scope: ConditionScope, condition: Condition): Predicate {
  if (condition.kind === 'filter') return planFilter(scope, condition);
  return {
    kind: condition.kind,
    negated: condition.negated,
    items: condition.conditions.map((c) => planCondition(scope, c)),
  };
}

function planFilter(scope: ConditionScope, filter: Filter): Predicate {
  const { table } = scope;
  if (filter.field.jsonPath.length === 0 && !table.columnsByName.has(filter.field.name) && scope.embedTest) {
    const test = scope.embedTest(filter.field.name, filter);
    if (test) return test;
  }
  const left = resolveExpr(table, filter.field, scope.source);
  const { operator, value, negated } = filter;
  const column = left.kind === 'column' ? left.column.name : filter.field.name;
  const type = PATTERN_OPERATORS.has(operator) ? 'text' : valueTypeOf(left);
  const param = (ref: number): Param => ({ kind: 'value', ref, type, column });

  switch (value.kind) {
    case 'is':
      return { kind: 'is', left, value: value.value, negated };
    case 'list':
      if (operator !== 'in') break;
      return { kind: 'in', left, values: value.values.map(param), negated };
    case 'single':
      if (!COMPARE_OPERATORS.has(operator)) break;
      return { kind: 'compare', operator: operator as CompareOperator, left, right: param(value.value), negated };
    case 'quantified':
      if (!COMPARE_OPERATORS.has(operator) || operator === 'isdistinct' || operator === 'neq') break;
      return {
        kind: 'quantified',
        operator: operator as CompareOperator,
        quantifier: value.quantifier,
        left,
        values: value.values.map(param),
        negated,
      };
    case 'fts':
      if (left.kind !== 'column' || !['fts', 'plfts', 'phfts', 'wfts'].includes(operator)) break;
      return {
        kind: 'search',
        table,
        left,
        mode: operator as SearchMode,
        language: value.language,
        query: { kind: 'search', ref: value.value, mode: operator as SearchMode, column },
        negated,
      };
  }
  throw rowgateError('42883', `operator ${operator} does not apply to column ${table.name}.${column} here`, {
    hint: 'Array and range operators (cs, cd, ov, sl, sr, nxr, nxl, adj) need a PostgreSQL array or range column.',
  });
}
