/**
 * Keyset pagination, beyond PostgREST: `?order=price.desc&limit=20&after=<cursor>` continues after
 * the row the cursor names, as a range condition on the order's columns, so page 10,000 costs what
 * page 1 costs (an index walk of `limit` rows) where `offset` would read and skip every row before.
 * The primary key is appended to the order so the position is unique; the cursor is the last row's
 * order values, which the database returns beside each row.
 */
import { rowgateError } from '../errors/catalog.js';
import type { Table } from '../schema/model.js';
import type { ApiRequest } from '../request/types.js';
import type { Expr, OrderNode, Param, Predicate } from './plan-nodes.js';
import { keyColumns } from './resolve-names.js';

export interface Keyset {
  readonly order: OrderNode[];
  readonly after: Predicate | null;
  readonly exprs: Expr[];
}

export function planKeyset(api: ApiRequest, table: Table, alias: string | null, order: readonly OrderNode[], hasOffset: boolean): Keyset | null {
  const after = api.after;
  if (after === undefined || after === null) return null;
  if (hasOffset) throw keysetError('after= and offset do not mix: the cursor already says where the page starts');
  const at = alias === null ? {} : { source: alias };
  const terms: OrderNode[] = [];
  for (const o of order) {
    if (o.expr.kind !== 'column' || (o.expr.source !== undefined && o.expr.source !== alias)) {
      throw keysetError('keyset pagination orders by columns of the table itself');
    }
    if (o.expr.column.nullable) {
      throw keysetError(`keyset pagination needs NOT NULL order columns; "${o.expr.column.name}" may be null`);
    }
    terms.push(o);
  }
  const key = keyColumns(table);
  if (key.length === 0) throw keysetError(`'${table.name}' has no primary key to make the order unique`);
  for (const column of key) {
    if (!terms.some((t) => t.expr.kind === 'column' && t.expr.column.name === column.name)) {
      terms.push({ expr: { kind: 'column', column, ...at }, direction: 'asc', nulls: null });
    }
  }
  const exprs = terms.map((t) => t.expr);
  return { order: terms, exprs, after: after < 0 ? null : afterCursor(terms, after) };
}

/** (a desc, b asc) after (x, y): `a < x OR (a = x AND b > y)`. */
function afterCursor(terms: readonly OrderNode[], ref: number): Predicate {
  const param = (i: number): Param => {
    const e = terms[i].expr as Extract<Expr, { kind: 'column' }>;
    return { kind: 'cursor', ref, index: i, count: terms.length, type: e.column.type, column: e.column.name };
  };
  const branches: Predicate[] = terms.map((t, i) => {
    const equal: Predicate[] = terms.slice(0, i).map((p, j) => ({ kind: 'compare', operator: 'eq', left: p.expr, right: param(j), negated: false }));
    const beyond: Predicate = { kind: 'compare', operator: t.direction === 'desc' ? 'lt' : 'gt', left: t.expr, right: param(i), negated: false };
    return equal.length === 0 ? beyond : { kind: 'and', negated: false, items: [...equal, beyond] };
  });
  return branches.length === 1 ? branches[0] : { kind: 'or', negated: false, items: branches };
}

function keysetError(message: string) {
  return rowgateError('RG105', message, { hint: 'Page with ?order=<NOT NULL columns>&limit=N&after=<the Next-Cursor header of the previous page>' });
}
