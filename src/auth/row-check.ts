/**
 * A rule's `check` on the new values of an insert or update, evaluated on the request body before
 * the database is touched: a refused write changes nothing. Values compare after conversion to
 * the column's type, as the database would compare them. An insert's missing column is null; an
 * update's column the body leaves alone keeps its value, which the update's filter already
 * vouches for, so its conditions hold.
 */
import type { Caller } from '../actions/define-action.js';
import { convertValue } from '../execute/bind-params.js';
import type { Condition, Filter } from '../request/types.js';
import type { Table } from '../schema/model.js';
import { ruleValueText } from './rule-predicate.js';
import type { RuleFilter } from './table-access.js';

export interface RowCheck {
  readonly filter: RuleFilter;
  readonly table: Table;
  /** Updates: columns absent from the body are not checked. */
  readonly partial: boolean;
}

/** True when every row passes. */
export function rowsPass(check: RowCheck, rows: readonly Record<string, unknown>[], caller: Caller | undefined): boolean {
  return rows.every((row) => check.filter.conditions.every((c) => holds(c, check, row, caller)));
}

function holds(c: Condition, check: RowCheck, row: Record<string, unknown>, caller: Caller | undefined): boolean {
  if (c.kind !== 'filter') {
    const result = c.kind === 'and' ? c.conditions.every((x) => holds(x, check, row, caller)) : c.conditions.some((x) => holds(x, check, row, caller));
    return result !== c.negated;
  }
  const name = c.field.name;
  if (check.partial && !(name in row)) return true;
  return test(c, check, row[name] ?? null, caller) !== c.negated;
}

function test(f: Filter, check: RowCheck, raw: unknown, caller: Caller | undefined): boolean {
  const column = check.table.columnsByName.get(f.field.name);
  if (!column) return false;
  const left = normalise(raw, column.type, column.name);
  const right = (ref: number) => {
    const text = ruleValueText(check.filter.values[ref], caller);
    return text === null ? null : normalise(text, column.type, column.name);
  };
  const v = f.value;
  if (v.kind === 'is') {
    if (v.value === 'null') return left === null;
    if (v.value === 'not_null') return left !== null;
    if (v.value === 'true') return left === true;
    if (v.value === 'false') return left === false;
    return left === null;
  }
  if (left === null) return false;
  if (v.kind === 'list') return v.values.some((ref) => compare(left, right(ref)) === 0);
  if (v.kind !== 'single') return false;
  const order = compare(left, right(v.value));
  if (order === null) return false;
  switch (f.operator) {
    case 'eq': return order === 0;
    case 'neq': return order !== 0;
    case 'gt': return order > 0;
    case 'gte': return order >= 0;
    case 'lt': return order < 0;
    case 'lte': return order <= 0;
    default: return false;
  }
}

type Comparable = string | number | bigint | boolean | null;

/** The value as the column's type holds it; something that does not convert compares as nothing. */
function normalise(v: unknown, type: Table['columns'][number]['type'], column: string): Comparable | undefined {
  if (v === null || v === undefined) return null;
  let text: string;
  if (typeof v === 'string') text = v;
  else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') text = String(v);
  else return undefined;
  try {
    const converted = convertValue(text, type, column);
    if (typeof converted === 'string' || typeof converted === 'number' || typeof converted === 'bigint' || typeof converted === 'boolean') return converted;
    return text;
  } catch {
    return undefined;
  }
}

function compare(a: Comparable | undefined, b: Comparable | undefined): number | null {
  if (a === undefined || b === undefined || a === null || b === null) return null;
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b ? 0 : null;
  if (typeof a === 'string' || typeof b === 'string') {
    const x = String(a);
    const y = String(b);
    return x === y ? 0 : x < y ? -1 : 1;
  }
  return a === b ? 0 : a < b ? -1 : 1;
}
