/**
 * Parses the filters of the config's rules (`customer_id=eq.{auth.uid}`, `or=(…)`, several joined
 * with `&`) with the same parser as URLs, so rules and requests share one grammar. A value that
 * is exactly `{auth.…}` refers to the caller; anything else is literal text.
 */
import { parseApiRequest } from '../request/api-request.js';
import type { Condition } from '../request/types.js';
import { ConfigError } from '../config.js';
import type { RuleFilter, RuleValue } from './table-access.js';

const AUTH_REF = /^\{auth\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)\}$/;

/** `where` names the rule for the error message, e.g. `rules.orders.select.authenticated.filter`. */
export function parseRuleFilter(text: string, where: string): RuleFilter {
  let parsed;
  try {
    parsed = parseApiRequest({ method: 'GET', path: '/rule', query: text, headers: {}, body: null });
  } catch (e) {
    throw new ConfigError(`${where}: '${text}' does not parse: ${(e as Error).message}`);
  }
  const extra = [
    parsed.select ? 'select' : null,
    parsed.order.length > 0 ? 'order' : null,
    parsed.ranges.length > 0 ? 'limit/offset' : null,
    parsed.columns ? 'columns' : null,
    parsed.onConflict ? 'on_conflict' : null,
  ].filter((x): x is string => x !== null);
  if (extra.length > 0) throw new ConfigError(`${where}: a rule holds filters only, not ${extra.join(', ')}`);
  if (parsed.where.length === 0) throw new ConfigError(`${where}: '${text}' holds no filter`);
  const conditions: Condition[] = [];
  const related = new Map<string, Condition[]>();
  for (const w of parsed.where) {
    if (w.path.length === 0) conditions.push(w.condition);
    else if (w.path.length === 1) related.set(w.path[0], [...(related.get(w.path[0]) ?? []), w.condition]);
    else throw new ConfigError(`${where}: a rule may name columns of the table and of a table it references (orders.customer_id), no deeper`);
  }
  const values = parsed.values.map((v): RuleValue => {
    const m = AUTH_REF.exec(v);
    if (!m) {
      if (v.startsWith('{auth')) throw new ConfigError(`${where}: '${v}' is not a caller reference ({auth.uid}, {auth.role}, {auth.email}, {auth.claims.<path>})`);
      return { kind: 'text', text: v };
    }
    const path = m[1].split('.');
    const known = (path.length === 1 && ['uid', 'role', 'email'].includes(path[0])) || (path[0] === 'claims' && path.length > 1);
    if (!known) throw new ConfigError(`${where}: '${v}' is not a caller reference ({auth.uid}, {auth.role}, {auth.email}, {auth.claims.<path>})`);
    return { kind: 'auth', path };
  });
  return { source: text, conditions, related: [...related].map(([relation, c]) => ({ relation, conditions: c })), values };
}
