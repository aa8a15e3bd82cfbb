import { describe, expect, it } from 'vitest';
import { RowgateError } from '../errors/rowgate-error.js';
import { MAX_LOGIC_DEPTH, parseLogicTree } from './logic-tree.js';
import type { Condition } from './types.js';

function failure(fn: () => unknown): RowgateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RowgateError) return e;
    throw e;
  }
  throw new Error('expected a RowgateError');
}

function tree(text: string, kind: 'and' | 'or' = 'or', negated = false) {
  const values: string[] = [];
  return { tree: parseLogicTree(kind, negated, text, values), values };
}

const eq = (name: string, ref: number, negated = false): Condition => ({
  kind: 'filter',
  field: { name, jsonPath: [] },
  negated,
  operator: 'eq',
  value: { kind: 'single', value: ref },
});

describe('parseLogicTree', () => {
  it('reads flat and nested trees', () => {
    expect(tree('(a.eq.1,b.eq.2)')).toEqual({
      tree: { kind: 'or', negated: false, conditions: [eq('a', 0), eq('b', 1)] },
      values: ['1', '2'],
    });
    const { tree: t, values } = tree('(a.eq.1,and(b.gt.2,c.not.is.null))');
    expect(values).toEqual(['1', '2']);
    expect(t.conditions[1]).toEqual({
      kind: 'and',
      negated: false,
      conditions: [
        { kind: 'filter', field: { name: 'b', jsonPath: [] }, negated: false, operator: 'gt', value: { kind: 'single', value: 1 } },
        { kind: 'filter', field: { name: 'c', jsonPath: [] }, negated: true, operator: 'is', value: { kind: 'is', value: 'null' } },
      ],
    });
  });

  it('reads negated trees and negated inner groups', () => {
    expect(tree('(a.eq.1)', 'or', true).tree).toMatchObject({ kind: 'or', negated: true });
    expect(tree('(a.eq.1,not.and(b.eq.2,c.eq.3),not.or(d.eq.4))', 'and').tree.conditions.slice(1)).toMatchObject([
      { kind: 'and', negated: true },
      { kind: 'or', negated: true },
    ]);
  });

  it('tells columns called and, or, order or not from groups', () => {
    const { tree: t } = tree('(order.eq.1,or.eq.2,not.eq.3,andy.eq.4,not.not.eq.5)');
    expect(t.conditions.map((c) => (c.kind === 'filter' ? [c.field.name, c.negated] : c.kind))).toEqual([
      ['order', false],
      ['or', false],
      ['not', false],
      ['andy', false],
      ['not', true],
    ]);
    expect(tree('(or (a.eq.1), and ( b.eq.2 ))').tree.conditions.map((c) => c.kind)).toEqual(['or', 'and']);
  });

  it('takes quoted values, array literals, in lists, JSON paths and spaces', () => {
    const { tree: t, values } = tree('( name.eq."a,b(c)", tags.cs.{x,y},id.in.(1,"2,3"),data->>k.eq.v, x.like.*a*)');
    expect(values).toEqual(['a,b(c)', '{x,y}', '1', '2,3', 'v', '%a%']);
    // as in PostgREST, a quote not followed by `,` or `)` is not a quote: `"x" ,` is text up to the comma
    expect(tree('(a.eq."x" ,b.eq.2)').values).toEqual(['"x" ', '2']);
    expect(t.conditions[3]).toMatchObject({ field: { name: 'data', jsonPath: [{ arrow: '->>', key: 'k' }] } });
    expect(tree('(a.eq.1 ,b.eq.2)').values).toEqual(['1 ', '2']);
  });

  it('reports errors with PostgREST columns (which count the operator)', () => {
    const e = failure(() => tree('()'));
    expect(e).toMatchObject({ code: 'PGRST100', status: 400 });
    expect(e.message).toBe('"failed to parse logic tree (())" (line 1, column 4)');
    expect(e.details).toBe('unexpected ")" expecting field name (* or [a..z0..9_$])');
    expect(failure(() => tree('(id.in.1,2,id.eq.3)')).details).toBe('unexpected "1" expecting "("');
    expect(failure(() => tree(')(')).details).toBe('unexpected ")" expecting "("');
    // `not.xor(…)` reads as a filter on a column called `not`
    expect(failure(() => tree('(a.eq.1,not.xor(b.eq.2))')).details).toBe('unexpected "xor" expecting "not" or operator (eq, gt, ...)');
    expect(failure(() => tree('(a.eq.1')).details).toBe('unexpected end of input expecting "," or ")"');
    expect(failure(() => tree('(a.eq.1)x')).details).toBe('unexpected "x" expecting end of input');
    expect(failure(() => tree('(a.eq.1,)')).details).toBe('unexpected ")" expecting field name (* or [a..z0..9_$])');
    expect(failure(() => tree('(a.1)')).details).toBe('unexpected "1" expecting "not" or operator (eq, gt, ...)');
    expect(failure(() => tree('(a)')).details).toBe('unexpected ")" expecting delimiter (.)');
    expect(failure(() => tree('(a.eq.1', 'and', true)).message).toBe('"failed to parse logic tree ((a.eq.1)" (line 1, column 15)');
  });

  it('accepts 100 levels and refuses more, even 100,000, without a RangeError', () => {
    const nested = (depth: number) => '(' + 'and('.repeat(depth - 1) + 'a.eq.1' + ')'.repeat(depth);
    expect(tree(nested(MAX_LOGIC_DEPTH)).values).toEqual(['1']);
    const e = failure(() => tree(nested(MAX_LOGIC_DEPTH + 1)));
    expect(e).toMatchObject({ code: 'PGRST100', status: 400, message: 'logic tree nested too deeply' });
    const deep = failure(() => tree(nested(100_000)));
    expect(deep.message).toBe('logic tree nested too deeply');
    expect(deep.details!.length).toBeLessThan(400);
    const parens = failure(() => tree('('.repeat(100_000)));
    expect(parens.code).toBe('PGRST100');
  });
});
