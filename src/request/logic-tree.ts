/**
 * The `or=(…)` / `and=(…)` / `not.or=(…)` grammar (PostgREST's pLogicTree): conditions
 * separated by commas, each a `field.[not.]op.value` filter or a nested `[not.]and(…)` /
 * `[not.]or(…)` group. Nesting is bounded so a hostile URL cannot exhaust the stack.
 * Operators and values are filter-param.ts's; which embedded resource the tree applies to is
 * decided from the key by query-params.ts.
 */
import { Cursor } from './cursor.js';
import { errors } from '../errors/catalog.js';
import { parseField } from './field-path.js';
import { parseOperation } from './filter-param.js';
import type { Condition, LogicTree } from './types.js';

/** Groups nested deeper than this are refused before the parser recurses any further. */
export const MAX_LOGIC_DEPTH = 100;

/**
 * `or=(a.eq.1,and(b.gt.2,c.not.is.null))` → parseLogicTree('or', false, '(a.eq.1,and(…))', values).
 *
 * Values with `,` or `)` must be double-quoted: `or=(name.eq."a,b",tags.cs.{x,y})`.
 * Errors: `or=()` → `"failed to parse logic tree (())" (line 1, column 4)`,
 * `unexpected ")" expecting field name (* or [a..z0..9_$])`; more than 100 nested groups →
 * `logic tree nested too deeply`. Columns count the operator too, as in PostgREST, which parses `or(…)`.
 */
export function parseLogicTree(kind: 'and' | 'or', negated: boolean, text: string, values: string[]): LogicTree {
  const c = new Cursor(text, 'logic tree', (negated ? 4 : 0) + kind.length);
  const tree = parseGroup(c, kind, negated, 1, values);
  if (!c.atEnd) c.fail('end of input');
  return tree;
}

/** `(cond,cond,…)` */
function parseGroup(c: Cursor, kind: 'and' | 'or', negated: boolean, depth: number, values: string[]): LogicTree {
  c.skipSpaces();
  c.expect('(');
  const conditions: Condition[] = [];
  do {
    c.skipSpaces();
    conditions.push(parseCondition(c, depth, values));
    c.skipSpaces();
  } while (c.eat(','));
  c.expect(')', '"," or ")"');
  c.skipSpaces();
  return { kind, negated, conditions };
}

/** `price.gt.2`, `not.and(…)`, `or (…)`; a column may well be called `order` or `not`. */
function parseCondition(c: Cursor, depth: number, values: string[]): Condition {
  const start = c.pos;
  const negated = c.eat('not.');
  const kind = c.startsWith('and') ? 'and' : c.startsWith('or') ? 'or' : null;
  if (kind !== null) {
    const groupAt = c.pos + kind.length;
    c.pos = groupAt;
    c.skipSpaces();
    if (c.peek() === '(') {
      if (depth >= MAX_LOGIC_DEPTH) {
        throw errors.parse(
          'logic tree nested too deeply',
          `${c.message(c.pos)}: and/or groups are nested more than ${MAX_LOGIC_DEPTH} levels deep`,
          'Flatten the condition: and(a,and(b,c)) is and(a,b,c).',
        );
      }
      c.pos = groupAt;
      return parseGroup(c, kind, negated, depth + 1, values);
    }
  }
  c.pos = start;
  const field = parseField(c);
  c.expect('.', 'delimiter (.)');
  const op = parseOperation(c, 'tree', values)!;
  return { kind: 'filter', field, negated: op.negated, operator: op.operator, value: op.value };
}
