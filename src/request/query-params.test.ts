import { describe, expect, it } from 'vitest';
import { RowgateError } from '../errors/rowgate-error.js';
import { parseQueryParams } from './query-params.js';

function failure(fn: () => unknown): RowgateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RowgateError) return e;
    throw e;
  }
  throw new Error('expected a RowgateError');
}

function parse(query: string, rpcRead = false) {
  const values: string[] = [];
  return { ...parseQueryParams(query, values, { rpcRead }), values };
}

describe('parseQueryParams', () => {
  it('keeps every filter, repeated keys included, in order', () => {
    const q = parse('price=gt.1&price=lt.5&name=eq.pen');
    expect(q.values).toEqual(['1', '5', 'pen']);
    expect(q.where).toEqual([
      { path: [], condition: { kind: 'filter', field: { name: 'price', jsonPath: [] }, negated: false, operator: 'gt', value: { kind: 'single', value: 0 } } },
      { path: [], condition: { kind: 'filter', field: { name: 'price', jsonPath: [] }, negated: false, operator: 'lt', value: { kind: 'single', value: 1 } } },
      { path: [], condition: { kind: 'filter', field: { name: 'name', jsonPath: [] }, negated: false, operator: 'eq', value: { kind: 'single', value: 2 } } },
    ]);
  });

  it('places filters on embedded resources and keeps JSON paths on the column', () => {
    const q = parse('order_items.quantity=gt.1&a.b.c=eq.x&data->>k=eq.v&items.data->a=is.null');
    expect(q.where.map((w) => [w.path, w.condition.kind === 'filter' ? w.condition.field : null])).toEqual([
      [['order_items'], { name: 'quantity', jsonPath: [] }],
      [['a', 'b'], { name: 'c', jsonPath: [] }],
      [[], { name: 'data', jsonPath: [{ arrow: '->>', key: 'k' }] }],
      [['items'], { name: 'data', jsonPath: [{ arrow: '->', key: 'a' }] }],
    ]);
  });

  it('reads select, columns and on_conflict, the first of each winning', () => {
    const q = parse('select=id,name&select=x&columns=a,b&on_conflict=a&columns=z');
    expect(q.select).toHaveLength(2);
    expect(q.columns).toEqual(['a', 'b']);
    expect(q.onConflict).toEqual(['a']);
    expect(parse('select=').select).toBeNull();
    expect(parse('').select).toBeNull();
  });

  it('reads logic trees at the root and on embedded resources, negated by a not anywhere in the key', () => {
    const q = parse('or=(a.eq.1,b.eq.2)&not.and=(c.eq.3)&items.or=(d.eq.4)&items.not.or=(e.eq.5)&and=(f.eq.6)');
    expect(q.where.map((w) => [w.path, w.condition.kind, w.condition.negated])).toEqual([
      [[], 'or', false],
      [[], 'and', true],
      [['items'], 'or', false],
      [['items'], 'or', true],
      [[], 'and', false],
    ]);
    expect(q.values).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('reads order per embedding level, the first per level winning', () => {
    const q = parse('order=id.desc&items.order=qty&order=name');
    expect(q.order).toEqual([
      { path: [], terms: [{ relation: null, field: { name: 'id', jsonPath: [] }, direction: 'desc', nulls: null }] },
      { path: ['items'], terms: [{ relation: null, field: { name: 'qty', jsonPath: [] }, direction: null, nulls: null }] },
    ]);
    expect(failure(() => parse('order=id&order=id.bad')).code).toBe('PGRST100');
  });

  it('reads limit and offset per level as numbers', () => {
    expect(parse('limit=10&offset=20&items.limit=3&items.offset=0&limit=99').limits).toEqual([
      { path: [], limit: 10, offset: 20 },
      { path: ['items'], limit: 3, offset: 0 },
    ]);
    expect(parse('a.b.offset=5').limits).toEqual([{ path: ['a', 'b'], limit: null, offset: 5 }]);
  });

  it('ignores keys without =, and decodes before parsing', () => {
    const q = parse('price&select&name=eq.a%20b&tag=in.(%22x%2Cy%22,z)&v=eq.a+b');
    expect(q.where).toHaveLength(3);
    expect(q.values).toEqual(['a b', 'x,y', 'z', 'a b']);
    expect(q.select).toBeNull();
  });

  it('keeps unicode keys and values', () => {
    const q = parse('%E5%90%8D%E5%89%8D=eq.%E5%A4%AA%E9%83%8E&pr%C3%A9nom=like.*%C3%A9*');
    expect(q.where.map((w) => (w.condition.kind === 'filter' ? w.condition.field.name : ''))).toEqual(['名前', 'prénom']);
    expect(q.values).toEqual(['太郎', '%é%']);
  });

  it('survives malformed percent escapes', () => {
    const q = parse('name=like.100%&x=eq.%E0%A4%A&%22a%%22=eq.1');
    expect(q.values).toEqual(['100%', '\uFFFD%A', '1']);
    expect(q.where[2]).toMatchObject({ condition: { field: { name: 'a%' } } });
    // `%` is no identifier character: a clean PGRST100, not a URIError
    expect(failure(() => parse('x%=eq.1'))).toMatchObject({ code: 'PGRST100', message: '"failed to parse tree path (x%)" (line 1, column 2)' });
  });

  it('refuses a filter without operator, naming the value', () => {
    const e = failure(() => parse('price=10'));
    expect(e).toMatchObject({ code: 'PGRST100', status: 400, message: '"failed to parse filter (10)" (line 1, column 1)' });
    expect(e.hint).toBe('Write an operator before the value, as in eq.10');
    expect(failure(() => parse('price=')).details).toBe('unexpected end of input expecting "not" or operator (eq, gt, ...)');
    expect(failure(() => parse('price=in.(1)x')).details).toBe('unexpected "x" expecting end of input');
  });

  it('reports a bad key before a bad value', () => {
    const e = failure(() => parse('a..b=nope'));
    expect(e.message).toBe('"failed to parse tree path (a..b)" (line 1, column 3)');
    expect(failure(() => parse('.order=id')).message).toBe('"failed to parse tree path (.order)" (line 1, column 1)');
    expect(failure(() => parse('.or=(a.eq.1)')).message).toBe('"failed to parse logic path (.or)" (line 1, column 1)');
  });

  it('refuses limits and offsets that are not small non-negative integers', () => {
    for (const bad of ['-1', 'abc', '', '1.5', ' 1', '2147483648', '99999999999999999999999']) {
      expect(failure(() => parse(`limit=${encodeURIComponent(bad)}`))).toMatchObject({ code: 'PGRST100', status: 400 });
    }
    expect(failure(() => parse('offset=x'))).toMatchObject({
      message: '"failed to parse offset parameter (x)" (line 1, column 1)',
      details: 'unexpected "x" expecting a non-negative integer',
    });
    expect(parse('limit=2147483647&offset=0000000000007').limits).toEqual([{ path: [], limit: 2147483647, offset: 7 }]);
  });

  it('turns operator-less parameters into arguments on GET /rpc', () => {
    const q = parse('a=1&b=x&b=y&c=gt.5&select=v', true);
    expect(q.rpcArgs).toEqual([
      { name: 'a', value: 0 },
      { name: 'b', value: 1 },
      { name: 'b', value: 2 },
    ]);
    expect(q.values).toEqual(['1', 'x', 'y', '5']);
    expect(q.where).toHaveLength(1);
    expect(failure(() => parse('a=1')).code).toBe('PGRST100');
  });
});
