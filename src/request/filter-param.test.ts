import { describe, expect, it } from 'vitest';
import { RowgateError } from '../errors/rowgate-error.js';
import { Cursor } from './cursor.js';
import { parseOperation, type Operation } from './filter-param.js';

function failure(fn: () => unknown): RowgateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RowgateError) return e;
    throw e;
  }
  throw new Error('expected a RowgateError');
}

/** A top-level filter value, as in `col=<text>`: the operation and the values it pushed. */
function op(text: string): Operation & { values: string[] } {
  const values: string[] = [];
  const c = new Cursor(text, 'filter');
  const result = parseOperation(c, 'param', values)!;
  if (!c.atEnd) c.fail('end of input');
  return { ...result, values };
}

describe('parseOperation', () => {
  it('reads every simple operator, negated or not', () => {
    for (const o of ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'match', 'imatch', 'isdistinct', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxr', 'nxl', 'adj']) {
      expect(op(`${o}.5`)).toEqual({ negated: false, operator: o, value: { kind: 'single', value: 0 }, values: ['5'] });
      expect(op(`not.${o}.5`)).toMatchObject({ negated: true, operator: o });
    }
  });

  it('keeps the rest of a top-level value verbatim, dots, commas and quotes included', () => {
    expect(op('eq.a.b,c)"d"').values).toEqual(['a.b,c)"d"']);
    expect(op('eq.').values).toEqual(['']);
    expect(op('cs.{1,2}').values).toEqual(['{1,2}']);
    expect(op('eq.日本').values).toEqual(['日本']);
  });

  it('turns * into % in like and ilike patterns only', () => {
    expect(op('like.*pen*').values).toEqual(['%pen%']);
    expect(op('ilike.a*b').values).toEqual(['a%b']);
    expect(op('eq.a*b').values).toEqual(['a*b']);
    expect(op('like(any).{a*,*b}').values).toEqual(['a%', '%b']);
  });

  it('reads is. keywords case-insensitively into the shape, not the values', () => {
    expect(op('is.null')).toEqual({ negated: false, operator: 'is', value: { kind: 'is', value: 'null' }, values: [] });
    expect(op('is.NULL').value).toEqual({ kind: 'is', value: 'null' });
    expect(op('is.Not_Null').value).toEqual({ kind: 'is', value: 'not_null' });
    expect(op('not.is.true')).toMatchObject({ negated: true, value: { kind: 'is', value: 'true' } });
    expect(op('is.false').value).toEqual({ kind: 'is', value: 'false' });
    expect(op('is.unknown').value).toEqual({ kind: 'is', value: 'unknown' });
    const e = failure(() => op('is.maybe'));
    expect(e).toMatchObject({ code: 'PGRST100', status: 400 });
    expect(e.message).toBe('"failed to parse filter (is.maybe)" (line 1, column 4)');
    expect(e.details).toBe('unexpected "maybe" expecting null, not_null, true, false or unknown');
    expect(failure(() => op('is.nullx')).details).toBe('unexpected "nullx" expecting null, not_null, true, false or unknown');
    expect(failure(() => op('is.')).details).toBe('unexpected end of input expecting null, not_null, true, false or unknown');
  });

  it('reads in.(…) lists with PostgREST quoting', () => {
    expect(op('in.(1,2,3)')).toEqual({ negated: false, operator: 'in', value: { kind: 'list', values: [0, 1, 2] }, values: ['1', '2', '3'] });
    expect(op('in.("a,b","c)d","say \\"hi\\"",e)').values).toEqual(['a,b', 'c)d', 'say "hi"', 'e']);
    expect(op('in.()')).toMatchObject({ value: { kind: 'list', values: [] }, values: [] });
    expect(op('in.( )').values).toEqual([]);
    expect(op('in.("")').values).toEqual(['']);
    expect(op('in.(,)').values).toEqual(['', '']);
    expect(op('not.in.( 1, 2 )').values).toEqual(['1', ' 2 ']);
    expect(op('in.("a"b,c)').values).toEqual(['"a"b', 'c']);
    expect(op('in.(*)').values).toEqual(['*']);
    expect(failure(() => op('in.1,2')).details).toBe('unexpected "1" expecting "("');
    expect(failure(() => op('in.(1,2')).details).toBe('unexpected end of input expecting "," or ")"');
    expect(failure(() => op('in.(1)x')).details).toBe('unexpected "x" expecting end of input');
  });

  it('reads 10,000 in.() items quickly', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => (i % 2 ? `"v,${i}"` : String(i)));
    const t0 = performance.now();
    const result = op(`in.(${items.join(',')})`);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(result.values).toHaveLength(10_000);
    expect(result.values[9_999]).toBe('v,9999');
    // unbalanced quotes everywhere must stay linear too
    const hostile = `in.(${'",'.repeat(50_000)})`;
    const t1 = performance.now();
    expect(op(hostile).values.length).toBeGreaterThan(0);
    expect(performance.now() - t1).toBeLessThan(200);
  });

  it('reads full-text search with and without a configuration', () => {
    expect(op('fts.cat')).toEqual({ negated: false, operator: 'fts', value: { kind: 'fts', language: null, value: 0 }, values: ['cat'] });
    expect(op('plfts(english).fat cats').value).toEqual({ kind: 'fts', language: 'english', value: 0 });
    expect(op('not.phfts(french).a').operator).toBe('phfts');
    expect(op('wfts.a or b').values).toEqual(['a or b']);
    expect(failure(() => op('fts().value')).details).toBe('unexpected ")" expecting text search configuration');
  });

  it('reads the (any)/(all) quantifiers into lists', () => {
    expect(op('eq(any).{1,2}')).toEqual({
      negated: false,
      operator: 'eq',
      value: { kind: 'quantified', quantifier: 'any', values: [0, 1] },
      values: ['1', '2'],
    });
    expect(op('not.gt(all).{5}').value).toEqual({ kind: 'quantified', quantifier: 'all', values: [0] });
    expect(op('ilike(all).{"a,b", c d ,"x\\"y"}').values).toEqual(['a,b', 'c d', 'x"y']);
    expect(op('lte(any).{}').values).toEqual([]);
    for (const o of ['gte', 'lt', 'match', 'imatch']) expect(op(`${o}(any).{a}`).operator).toBe(o);
    expect(failure(() => op('eq(some).{1}')).details).toBe('unexpected "(" expecting "(any)" or "(all)"');
    expect(failure(() => op('neq(any).{1}')).details).toBe('unexpected "(" expecting delimiter (.)');
    expect(failure(() => op('eq(any).1,2')).details).toBe('unexpected "1" expecting an array literal such as {a,b}');
    expect(failure(() => op('eq(any).{1,2')).message).toContain('column 13');
    expect(failure(() => op('eq(any).{1,{2}}')).details).toBe('unexpected "{" expecting an array literal such as {a,b}');
    expect(failure(() => op('eq(any).{1,}')).code).toBe('PGRST100');
    expect(failure(() => op('eq(any).{1}x')).details).toBe('unexpected "x" expecting an array literal such as {a,b}');
  });

  it('names an unknown operator and suggests one', () => {
    const e = failure(() => op('noop.0'));
    expect(e).toMatchObject({ code: 'PGRST100', status: 400 });
    expect(e.message).toBe('"failed to parse filter (noop.0)" (line 1, column 1)');
    expect(e.details).toBe('unexpected "noop" expecting "not" or operator (eq, gt, ...)');
    expect(e.hint).toMatch(/^Valid operators are: eq, neq, gt/);
    expect(failure(() => op('eqq.1')).hint).toBe("Perhaps you meant the operator 'eq'");
    expect(failure(() => op('ilke.a')).hint).toBe("Perhaps you meant the operator 'ilike'");
    expect(failure(() => op('not.noop.0'))).toMatchObject({
      message: '"failed to parse filter (not.noop.0)" (line 1, column 5)',
      details: 'unexpected "noop" expecting operator (eq, gt, ...)',
    });
    expect(failure(() => op('not.not.eq.1')).details).toBe('unexpected "not" expecting operator (eq, gt, ...)');
  });

  it('refuses a value without operator, with a hint', () => {
    const e = failure(() => op('10'));
    expect(e.details).toBe('unexpected "10" expecting "not" or operator (eq, gt, ...)');
    expect(e.hint).toBe('Write an operator before the value, as in eq.10');
    expect(failure(() => op('')).details).toBe('unexpected end of input expecting "not" or operator (eq, gt, ...)');
    expect(failure(() => op('eq')).details).toBe('unexpected end of input expecting delimiter (.)');
    expect(failure(() => op('eq5')).details).toBe('unexpected "5" expecting delimiter (.)');
    expect(failure(() => op('EQ.5')).details).toBe('unexpected "EQ" expecting "not" or operator (eq, gt, ...)');
  });

  it('gives null for an operator-less value when arguments are allowed (GET /rpc)', () => {
    const values: string[] = [];
    for (const text of ['5', 'hello', 'eq', 'is', 'in', 'eq5', '']) {
      const c = new Cursor(text, 'filter');
      expect(parseOperation(c, 'param', values, true)).toBeNull();
      expect(c.pos).toBe(0);
    }
    expect(values).toEqual([]);
    expect(parseOperation(new Cursor('eq.5', 'filter'), 'param', values, true)).toMatchObject({ operator: 'eq' });
    expect(failure(() => parseOperation(new Cursor('not.x', 'filter'), 'param', [], true)).code).toBe('PGRST100');
    expect(failure(() => parseOperation(new Cursor('in.x', 'filter'), 'param', [], true)).code).toBe('PGRST100');
  });

  it('ends tree values at a comma or parenthesis unless quoted or braced', () => {
    const tree = (text: string) => {
      const values: string[] = [];
      const c = new Cursor(text, 'logic tree');
      const result = parseOperation(c, 'tree', values)!;
      return { result, values, rest: text.slice(c.pos) };
    };
    expect(tree('eq.1,b.eq.2)')).toMatchObject({ values: ['1'], rest: ',b.eq.2)' });
    expect(tree('eq."a,b)"),x')).toMatchObject({ values: ['a,b)'], rest: '),x' });
    expect(tree('eq."a"b,x')).toMatchObject({ values: ['"a"b'], rest: ',x' });
    expect(tree('cs.{1,2},x')).toMatchObject({ values: ['{1,2}'], rest: ',x' });
    expect(tree('eq(any).{1,2})')).toMatchObject({ values: ['1', '2'], rest: ')' });
    expect(tree('is.null)')).toMatchObject({ result: { value: { kind: 'is', value: 'null' } }, rest: ')' });
    expect(tree('in.(1,"2,3"))')).toMatchObject({ values: ['1', '2,3'], rest: ')' });
    expect(tree('like.*a*,')).toMatchObject({ values: ['%a%'], rest: ',' });
  });
});
