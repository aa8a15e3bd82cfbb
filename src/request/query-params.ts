/**
 * The query string as a whole: which key is which parameter, and on which embedded resource it
 * applies. Reserved keys are `select`, `columns`, `on_conflict`, `after`, and any key whose last dotted
 * part is `order`, `limit`, `offset`, `and` or `or` (`items.order`, `a.not.or`); every other key
 * is a filter on a column (`price`, `order_items.quantity`, `data->>x`). The grammar of each
 * value is in select-param.ts, filter-param.ts, logic-tree.ts and order-param.ts.
 */
import { Cursor } from './cursor.js';
import { parseColumnList, parseKeyNames, parseTreePath } from './field-path.js';
import { parseOperation } from './filter-param.js';
import { parseLogicTree } from './logic-tree.js';
import { parseOrder } from './order-param.js';
import { splitQueryString } from './query-string.js';
import { parseLimitOffset, type LimitOffset } from './range-header.js';
import { parseSelect } from './select-param.js';
import type { ConditionAt, OrderAt, RpcArgument, SelectItem, ValueRef } from './types.js';

export interface QueryParams {
  select: SelectItem[] | null;
  where: ConditionAt[];
  order: OrderAt[];
  /** Numeric limit/offset per embedding level; range-header.ts turns them into RangeAt. */
  limits: LimitOffset[];
  columns: string[] | null;
  onConflict: string[] | null;
  rpcArgs: RpcArgument[];
  /** `after=<cursor>`: keyset pagination (a rowgate extension); `after=` (-1) asks for the first page. */
  after: ValueRef | null;
}

export interface QueryParamOptions {
  /** GET/HEAD on /rpc/fn: operator-less parameters are function arguments, not errors. */
  readonly rpcRead: boolean;
}

/**
 * `select=id,name&price=gt.1&price=lt.5&or=(a.eq.1,b.eq.2)&order=id.desc&limit=10&items.limit=2`
 *
 * Every filter and logic tree is kept, in order (`price=gt.1&price=lt.5` is two filters). Of the
 * single-valued parameters (`select`, `columns`, `on_conflict`, and `order`/`limit`/`offset` per
 * embedding level) the first occurrence wins, as PostgREST's lookup does for `select`; later
 * `order`s are still parsed so a malformed one is reported. A key without `=` is ignored.
 */
export function parseQueryParams(query: string, values: string[], options: QueryParamOptions): QueryParams {
  const params: QueryParams = { select: null, where: [], order: [], limits: [], columns: null, onConflict: null, rpcArgs: [], after: null };
  let seenSelect = false;
  for (const { key, value } of splitQueryString(query)) {
    if (value === null) continue;
    switch (key) {
      case 'select':
        if (!seenSelect) params.select = parseSelect(value);
        seenSelect = true;
        continue;
      case 'columns':
        params.columns ??= parseColumnList(new Cursor(value, 'columns parameter'));
        continue;
      case 'on_conflict':
        params.onConflict ??= parseColumnList(new Cursor(value, 'on_conflict parameter'));
        continue;
      case 'after':
        // An empty cursor asks for the first page; -1 keeps that apart in the shape.
        if (params.after === null) params.after = value === '' ? -1 : values.push(value) - 1;
        continue;
    }
    const lastDot = key.lastIndexOf('.');
    const last = lastDot < 0 ? key : key.slice(lastDot + 1);
    switch (last) {
      case 'order': {
        const path = keyPath(key);
        const terms = parseOrder(value);
        if (!params.order.some((o) => samePath(o.path, path))) params.order.push({ path, terms });
        continue;
      }
      case 'limit':
      case 'offset':
        addLimitOffset(params.limits, keyPath(key), last, parseLimitOffset(last, value));
        continue;
      case 'and':
      case 'or':
        params.where.push(logicCondition(key, last, value, values));
        continue;
    }
    filterOrArgument(params, key, value, values, options.rpcRead);
  }
  return params;
}

/** `items.order` → ['items']; the key's names all parsed, so `"a.b".order` → ['a.b']. */
function keyPath(key: string): string[] {
  const names = parseKeyNames(new Cursor(key, 'tree path'));
  names.pop();
  return names;
}

function samePath(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}

function addLimitOffset(limits: LimitOffset[], path: string[], which: 'limit' | 'offset', n: number): void {
  let entry = limits.find((l) => samePath(l.path, path));
  if (entry === undefined) {
    entry = { path, limit: null, offset: null };
    limits.push(entry);
  }
  entry[which] ??= n;
}

/**
 * `or=(…)`, `not.and=(…)`, `items.or=(…)`, `items.not.or=(…)`: PostgREST's pLogicPath drops every
 * `not` from the path and negates the tree if there was one.
 */
function logicCondition(key: string, kind: 'and' | 'or', value: string, values: string[]): ConditionAt {
  const names = parseKeyNames(new Cursor(key, 'logic path'));
  names.pop();
  const path = names.filter((n) => n !== 'not');
  const negated = path.length !== names.length;
  return { path, condition: parseLogicTree(kind, negated, value, values) };
}

/** `price=gt.1`, `items.qty=not.in.(1,2)`, `data->>x=eq.a`; on GET /rpc/fn, `x=5` is an argument. */
function filterOrArgument(params: QueryParams, key: string, value: string, values: string[], rpcRead: boolean): void {
  // the key first, as PostgREST reports a bad key before a bad value
  const { path, field } = parseTreePath(new Cursor(key, 'tree path'));
  const c = new Cursor(value, 'filter');
  const op = parseOperation(c, 'param', values, rpcRead);
  if (op === null) {
    values.push(value);
    params.rpcArgs.push({ name: key, value: values.length - 1 });
    return;
  }
  if (!c.atEnd) c.fail('end of input');
  params.where.push({
    path,
    condition: { kind: 'filter', field, negated: op.negated, operator: op.operator, value: op.value },
  });
}
