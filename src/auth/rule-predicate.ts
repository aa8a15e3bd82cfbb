/**
 * Rule filters -> plan predicates. The conditions are planned like a URL's (same operators, same
 * type conversion), then their values are re-pointed from the request's value list to the rule's
 * own values, bound per request from the caller (`bind-params.ts`).
 */
import type { Caller } from '../actions/define-action.js';
import { planConditions } from '../plan/plan-conditions.js';
import type { Param, Predicate, SubRead } from '../plan/plan-nodes.js';
import { resolveColumn } from '../plan/resolve-names.js';
import { rowgateError } from '../errors/catalog.js';
import type { DirectRelationship } from '../schema/relationships.js';
import type { Table } from '../schema/model.js';
import type { RuleFilter, RuleValue } from './table-access.js';

let aliases = 0;

/**
 * `relations` resolves the referenced tables a filter names. Outside any alias (`source` null) the
 * table's own columns are qualified by its name, so the parent's EXISTS cannot capture them.
 */
export function rulePredicate(filter: RuleFilter, table: Table, source: string | null, relations: ReadonlyMap<string, DirectRelationship>): Predicate {
  const own = source ?? table.name;
  const items: Predicate[] = [];
  const root = planConditions({ table, source: filter.related.length > 0 ? own : source }, filter.conditions);
  if (root) items.push(root);
  for (const { relation, conditions } of filter.related) {
    const r = relations.get(relation);
    if (!r) throw rowgateError('PGRST200', `'${table.name}' has no foreign key to a table '${relation}' a rule could follow`);
    // Unique per plan node; only needs to differ from the aliases around it (t0, t1, …).
    const alias = `rg_${relation.slice(0, 20)}_${(aliases = (aliases + 1) % 1000)}`;
    const correlation: Predicate[] = r.pairs.map(([mine, theirs]) => ({
      kind: 'columns-equal',
      left: { kind: 'column', column: resolveColumn(r.target, theirs), source: alias },
      right: { kind: 'column', column: resolveColumn(table, mine), source: own },
      negated: false,
    }));
    const where = planConditions({ table: r.target, source: alias }, conditions)!;
    const sub: SubRead = {
      table: r.target, alias, through: null, fields: [], joins: [], groupBy: [], order: [], limit: null, offset: null,
      where: { kind: 'and', negated: false, items: [...correlation, where] },
    };
    items.push({ kind: 'exists', sub, negated: false });
  }
  const planned: Predicate = items.length === 1 ? items[0] : { kind: 'and', negated: false, items };
  return mapParams(planned, (p) => (p.kind === 'value' ? { kind: 'rule', value: filter.values[p.ref], type: p.type, column: p.column } : p));
}

function mapParams(p: Predicate, f: (p: Param) => Param): Predicate {
  switch (p.kind) {
    case 'exists':
      return { ...p, sub: { ...p.sub, where: mapParams(p.sub.where, f) } };
    case 'and':
    case 'or':
      return { ...p, items: p.items.map((i) => mapParams(i, f)) };
    case 'compare':
      return { ...p, right: f(p.right) };
    case 'in':
    case 'quantified':
      return { ...p, values: p.values.map(f) };
    case 'search':
      return { ...p, query: f(p.query) };
    default:
      return p;
  }
}

/** The text a rule value stands for with this caller; null when the caller has no such value. */
export function ruleValueText(value: RuleValue, caller: Caller | undefined): string | null {
  if (value.kind === 'text') return value.text;
  if (!caller) return null;
  const [head, ...rest] = value.path;
  let v: unknown;
  if (head === 'uid') v = caller.userId;
  else if (head === 'role') v = caller.role;
  else if (head === 'email') v = caller.claims.email;
  else {
    v = caller.claims;
    for (const key of rest) v = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return null;
}
