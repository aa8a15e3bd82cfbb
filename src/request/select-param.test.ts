import { describe, expect, it } from 'vitest';
import { RowgateError } from '../errors/rowgate-error.js';
import { MAX_SELECT_DEPTH, parseSelect } from './select-param.js';
import type { SelectItem } from './types.js';

function failure(fn: () => unknown): RowgateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RowgateError) return e;
    throw e;
  }
  throw new Error('expected a RowgateError');
}

const field = (name: string, extra: Partial<Extract<SelectItem, { kind: 'field' }>> = {}): SelectItem => ({
  kind: 'field',
  field: { name, jsonPath: [] },
  alias: null,
  cast: null,
  aggregate: null,
  aggregateCast: null,
  ...extra,
});

const embed = (relation: string, select: SelectItem[], extra: Partial<Extract<SelectItem, { kind: 'embed' }>> = {}): SelectItem => ({
  kind: 'embed',
  relation,
  alias: null,
  hint: null,
  joinType: null,
  spread: false,
  select,
  ...extra,
});

describe('parseSelect', () => {
  it('reads stars, columns, aliases and casts', () => {
    expect(parseSelect('*')).toEqual([{ kind: 'star' }]);
    expect(parseSelect('id,name')).toEqual([field('id'), field('name')]);
    expect(parseSelect('title:name')).toEqual([field('name', { alias: 'title' })]);
    expect(parseSelect('price::text')).toEqual([field('price', { cast: 'text' })]);
    expect(parseSelect('t:created_at::timestamp with time zone')).toEqual([
      field('created_at', { alias: 't', cast: 'timestamp with time zone' }),
    ]);
  });

  it('treats an empty select= like no select (PostgREST 11+)', () => {
    expect(parseSelect('')).toBeNull();
    expect(parseSelect('   ')).toBeNull();
  });

  it('ignores whitespace around items', () => {
    expect(parseSelect(' id , name ,\tprice ')).toEqual([field('id'), field('name'), field('price')]);
    expect(parseSelect('a : b')).toEqual([field('b', { alias: 'a' })]);
  });

  it('reads JSON paths, with numeric indexes and quoted keys', () => {
    expect(parseSelect('alias:col->a->>b::text')).toEqual([
      field('col', {
        alias: 'alias',
        cast: 'text',
        field: {
          name: 'col',
          jsonPath: [
            { arrow: '->', key: 'a' },
            { arrow: '->>', key: 'b' },
          ],
        },
      }),
    ]);
    expect(parseSelect('data->0->>-1')).toEqual([
      field('data', { field: { name: 'data', jsonPath: [{ arrow: '->', key: 0 }, { arrow: '->>', key: -1 }] } }),
    ]);
    expect(parseSelect('data->"a.b,c"')).toEqual([field('data', { field: { name: 'data', jsonPath: [{ arrow: '->', key: 'a.b,c' }] } })]);
    expect(parseSelect('data->!@#$%^&*_a')).toEqual([
      field('data', { field: { name: 'data', jsonPath: [{ arrow: '->', key: '!@#$%^&*_a' }] } }),
    ]);
    expect(parseSelect('data->a-b')).toEqual([field('data', { field: { name: 'data', jsonPath: [{ arrow: '->', key: 'a-b' }] } })]);
  });

  it('reads aggregates, count() and the casts around them', () => {
    expect(parseSelect('price.sum()')).toEqual([field('price', { aggregate: 'sum' })]);
    expect(parseSelect('price.avg()::numeric')).toEqual([field('price', { aggregate: 'avg', aggregateCast: 'numeric' })]);
    expect(parseSelect('total:price::int.max()::text')).toEqual([
      field('price', { alias: 'total', cast: 'int', aggregate: 'max', aggregateCast: 'text' }),
    ]);
    expect(parseSelect('id.count(),x.min()')).toEqual([field('id', { aggregate: 'count' }), field('x', { aggregate: 'min' })]);
    expect(parseSelect('count()')).toEqual([{ kind: 'count-all', alias: null, cast: null }]);
    expect(parseSelect('n:count()::int')).toEqual([{ kind: 'count-all', alias: 'n', cast: 'int' }]);
    expect(parseSelect('count')).toEqual([field('count')]);
  });

  it('reads embeddings with aliases, hints, join types and spreads, nested', () => {
    expect(parseSelect('*,category:categories(name)')).toEqual([{ kind: 'star' }, embed('categories', [field('name')], { alias: 'category' })]);
    expect(parseSelect('rel!inner(*)')).toEqual([embed('rel', [{ kind: 'star' }], { joinType: 'inner' })]);
    expect(parseSelect('rel!left(*)')).toEqual([embed('rel', [{ kind: 'star' }], { joinType: 'left' })]);
    expect(parseSelect('a:rel!fk_name(*)')).toEqual([embed('rel', [{ kind: 'star' }], { alias: 'a', hint: 'fk_name' })]);
    expect(parseSelect('rel!hint!inner(id)')).toEqual([embed('rel', [field('id')], { hint: 'hint', joinType: 'inner' })]);
    expect(parseSelect('rel!inner!hint(id)')).toEqual([embed('rel', [field('id')], { hint: 'hint', joinType: 'inner' })]);
    expect(parseSelect('rel!"inner"(id)')).toEqual([embed('rel', [field('id')], { hint: 'inner' })]);
    expect(parseSelect('...rel(a,b)')).toEqual([embed('rel', [field('a'), field('b')], { spread: true })]);
    expect(parseSelect('...rel!hint!inner(*)')).toEqual([embed('rel', [{ kind: 'star' }], { spread: true, hint: 'hint', joinType: 'inner' })]);
    expect(parseSelect('rel()')).toEqual([embed('rel', [])]);
    expect(parseSelect('id,order_items(quantity,products(name))')).toEqual([
      field('id'),
      embed('order_items', [field('quantity'), embed('products', [field('name')])]),
    ]);
    expect(parseSelect(' a ( b , c ) ')).toEqual([embed('a', [field('b'), field('c')])]);
  });

  it('allows quoted identifiers, dashes, spaces and unicode in names', () => {
    expect(parseSelect('"my col"')).toEqual([field('my col')]);
    expect(parseSelect('"a:b":"x,y(z)"')).toEqual([field('x,y(z)', { alias: 'a:b' })]);
    expect(parseSelect('"say \\"hi\\""')).toEqual([field('say "hi"')]);
    expect(parseSelect('first name,with-dash,$x,_y')).toEqual([field('first name'), field('with-dash'), field('$x'), field('_y')]);
    expect(parseSelect('prénom,名前,cafe\u0301')).toEqual([field('prénom'), field('名前'), field('cafe\u0301')]);
  });

  it('reports the offending fragment as PostgREST does', () => {
    // PostgREST's message is `"failed to parse select parameter (" <> input <> ")"`, then the position
    const e = failure(() => parseSelect('id,name(('));
    expect(e).toMatchObject({ code: 'PGRST100', status: 400 });
    expect(e.message).toBe('"failed to parse select parameter (id,name(()" (line 1, column 9)');
    expect(e.details).toBe('unexpected "(" expecting field name (* or [a..z0..9_$])');

    expect(failure(() => parseSelect('id,clients(name[])'))).toMatchObject({
      message: '"failed to parse select parameter (id,clients(name[]))" (line 1, column 16)',
      details: 'unexpected "[" expecting "->", "::", ".", ",", ")" or end of input',
    });
    expect(failure(() => parseSelect('name::')).details).toBe('unexpected end of input expecting letter or digit');
    expect(failure(() => parseSelect('*!hint')).details).toBe('unexpected "!" expecting ",", ")" or end of input');
    expect(failure(() => parseSelect('id)')).details).toBe('unexpected ")" expecting "," or end of input');
    expect(failure(() => parseSelect('a,,b')).details).toBe('unexpected "," expecting field name (* or [a..z0..9_$])');
    expect(failure(() => parseSelect('a,')).details).toBe('unexpected end of input expecting field name (* or [a..z0..9_$])');
    expect(failure(() => parseSelect('rel(a')).details).toBe('unexpected end of input expecting "," or ")"');
    expect(failure(() => parseSelect('"open')).details).toBe('unexpected end of input expecting closing quote (")');
  });

  it('refuses malformed aggregates, embeddings and JSON paths', () => {
    expect(failure(() => parseSelect('price.total()')).details).toBe(
      'unexpected "total()" expecting aggregate function (sum(), avg(), count(), min(), max())',
    );
    expect(failure(() => parseSelect('price.sum')).details).toMatch(/^unexpected "sum" expecting aggregate/);
    expect(failure(() => parseSelect('count(a)')).message).toContain('column 6');
    expect(failure(() => parseSelect('rel->x(*)')).details).toBe('unexpected "(" expecting ",", ")" or end of input');
    expect(failure(() => parseSelect('alias:...rel(*)')).details).toBe('unexpected "." expecting field name (* or [a..z0..9_$])');
    expect(failure(() => parseSelect('rel!a!b(*)')).details).toBe('unexpected "!" expecting "(" (only one hint per embedding)');
    expect(failure(() => parseSelect('rel!inner!left(*)')).details).toBe('unexpected "!" expecting "(" (only one join type per embedding)');
    expect(failure(() => parseSelect('...rel')).details).toBe('unexpected end of input expecting "!" or "(" after the embedded resource');
    expect(failure(() => parseSelect('data->>-78xy')).details).toBe(
      'unexpected "-" expecting any non reserved character different from: .,>()',
    );
    expect(failure(() => parseSelect('data->')).details).toBe('unexpected end of input expecting any non reserved character different from: .,>()');
  });

  it('bounds nesting without overflowing the stack', () => {
    const nested = (n: number) => 'a('.repeat(n) + 'x' + ')'.repeat(n);
    expect(parseSelect(nested(MAX_SELECT_DEPTH))).toHaveLength(1);
    const e = failure(() => parseSelect(nested(MAX_SELECT_DEPTH + 1)));
    expect(e).toMatchObject({ code: 'PGRST100', status: 400, message: 'select parameter nested too deeply' });
    expect(failure(() => parseSelect(nested(100_000))).code).toBe('PGRST100');
  });
});
