import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseApiRequest, type HttpInput } from './api-request.js';
import { ParseMemo } from './parse-memo.js';

function input(method: string, url: string, headers: HttpInput['headers'] = {}, extra: Partial<HttpInput> = {}): HttpInput {
  const q = url.indexOf('?');
  return { method, path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1), headers, body: null, ...extra };
}

/** Whatever the memo holds, its answer must be the parser's. */
function expectParsedAlike(memo: ParseMemo, i: HttpInput): void {
  expect(memo.parse(i)).toEqual(parseApiRequest(i));
}

/** The same, for input the parser may refuse: then the memo refuses it with the parser's message. */
function expectParsedOrRefusedAlike(memo: ParseMemo, i: HttpInput): void {
  let expected: unknown;
  try {
    expected = parseApiRequest(i);
  } catch (e) {
    expect(() => memo.parse(i)).toThrow((e as Error).message);
    return;
  }
  expect(memo.parse(i)).toEqual(expected);
}

describe('ParseMemo answers as the parser does', () => {
  it('row URLs share an entry and get their own key values', () => {
    const memo = new ParseMemo();
    for (const url of ['/products/5', '/products/6', '/products/7?select=id', '/products/8?select=id', '/order_items/7,3', '/order_items/9,%2C', '/products/a%20b']) {
      expectParsedAlike(memo, input('GET', url));
    }
    const a = memo.parse(input('GET', '/products/41?select=id,name&name=eq.x'));
    const b = memo.parse(input('GET', '/products/42?select=id,name&name=eq.x'));
    expect(a.shapeKey).toBe(b.shapeKey);
    expect(a.values).toEqual(['41', 'x']);
    expect(b.values).toEqual(['42', 'x']);
  });

  it('a key with a different number of parts is another shape', () => {
    const memo = new ParseMemo();
    expectParsedAlike(memo, input('GET', '/order_items/7,3'));
    expectParsedAlike(memo, input('GET', '/order_items/7'));
    expectParsedAlike(memo, input('GET', '/order_items/7,3,4'));
  });

  it('headers that change the parse are part of the key; an absent header is not an empty one', () => {
    const memo = new ParseMemo();
    const url = '/products?select=id&order=id';
    for (const headers of [{}, { accept: 'text/csv' }, { accept: '' }, { prefer: 'count=exact' }, { range: '0-4' }, { range: '5-9' }, { 'accept-profile': 'other' }, { accept: 'text/csv', prefer: 'count=exact' }]) {
      expectParsedAlike(memo, input('GET', url, headers));
      expectParsedAlike(memo, input('HEAD', url, headers));
    }
  });

  it('the caller is the request\'s own, never a remembered one', () => {
    const memo = new ParseMemo();
    const alice = { role: 'customer', userId: 'a', claims: {} };
    const bob = { role: 'customer', userId: 'b', claims: {} };
    expect(memo.parse(input('GET', '/orders?select=id', {}, { caller: alice })).caller).toBe(alice);
    expect(memo.parse(input('GET', '/orders?select=id', {}, { caller: bob })).caller).toBe(bob);
    expect(memo.parse(input('GET', '/orders?select=id')).caller).toBeUndefined();
  });

  it('errors are thrown every time', () => {
    const memo = new ParseMemo();
    for (let i = 0; i < 2; i++) {
      expect(() => memo.parse(input('GET', '/products?select=('))).toThrow();
      expect(() => memo.parse(input('GET', '/products/1,'))).toThrow();
      expect(() => memo.parse(input('GET', '/a/b/c'))).toThrow();
    }
  });

  it('writes get their own body, keys and values; a body of other keys or kind is another shape', () => {
    const memo = new ParseMemo();
    const json = { 'content-type': 'application/json' };
    const bodies = ['{"name":"a"}', '{"name":"b"}', '{"price":1}', '[{"name":"c"}]', '[{"name":"d"},{"name":"e"}]', '{"name":"f","price":2}', '{}', '[]'];
    for (let round = 0; round < 2; round++) {
      for (const body of bodies) {
        expectParsedAlike(memo, input('POST', '/products', json, { body }));
        expectParsedAlike(memo, input('PATCH', `/products/${round + 5}`, json, { body }));
        expectParsedAlike(memo, input('PATCH', `/products?id=eq.${round + 7}`, { ...json, prefer: 'return=representation' }, { body }));
        expectParsedAlike(memo, input('POST', '/products?columns=name,price', json, { body }));
      }
      expectParsedAlike(memo, input('PUT', '/shelves/a,1', json, { body: '{"room":"a","position":1,"label":"x"}' }));
      expectParsedAlike(memo, input('POST', '/products', { 'content-type': 'text/csv' }, { body: 'name,price\na,1' }));
      expectParsedAlike(memo, input('POST', '/rpc/place_order', json, { body: '{"customer_id":1}' }));
      for (const bad of ['{', '', '"x"', '[1]', '[{"a":1},{"b":2}]']) {
        const i = input('POST', '/products', json, { body: bad });
        expect(() => parseApiRequest(i)).toThrow();
        expectParsedOrRefusedAlike(memo, i);
      }
    }
    const a = memo.parse(input('PATCH', '/products/41', json, { body: '{"price":3}' }));
    const b = memo.parse(input('PATCH', '/products/42', json, { body: '{"price":4}' }));
    expect(a.shapeKey).toBe(b.shapeKey);
    expect(b.values).toEqual(['42']);
    expect(b.body?.rows).toEqual([{ price: 4 }]);
  });

  it('plain comparisons in the query string share an entry and get their own values', () => {
    const memo = new ParseMemo();
    const urls = [
      '/products?id=eq.5', '/products?id=eq.6', '/products?id=eq.',
      '/products?select=id,name&price=gte.9.99&price=lt.20&order=price.desc&limit=20', '/products?select=id,name&price=gte.1&price=lt.2.5&order=price.desc&limit=20',
      '/products?name=eq.a.b.c&stock=neq.0', '/products?name=eq.x:y-z_w&stock=neq.-3',
      '/products/7?select=id&stock=gt.1', '/products/8?select=id&stock=gt.2',
      '/products?category_id=eq.3&or=(price.lt.5,price.gt.100)', '/products?category_id=eq.4&or=(price.lt.6,price.gt.101)',
      '/products?name=not.eq.x&id=in.(1,2)', '/products?name=not.eq.y&id=in.(3,4)',
      '/products?name=eq.a%20b', '/products?name=eq.a+b', '/products?name=eq."q"', '/products?name=eq.(x)', '/products?name=eq.a,b',
      '/products?data->>k=eq.v', '/products?data->>k=eq.w', '/products?items.qty=eq.3', '/products?items.qty=eq.4',
      '/products?select=id&id=eq.1&id=eq.2', '/products?select=id&id=eq.3&id=eq.4',
    ];
    for (let round = 0; round < 2; round++) for (const url of urls) expectParsedAlike(memo, input('GET', url));
    const a = memo.parse(input('GET', '/products?price=gte.1&price=lt.2&order=id'));
    const b = memo.parse(input('GET', '/products?price=gte.30&price=lt.40&order=id'));
    expect(a.shapeKey).toBe(b.shapeKey);
    expect(b.values).toEqual(['30', '40']);
  });

  it('answers as the parser does for generated URLs, seen again and again with other values', () => {
    const memo = new ParseMemo();
    const value = fc.stringMatching(/^[a-z0-9.:_*-]{0,6}$/);
    const param = fc.oneof(
      fc.tuple(fc.constantFrom('id', 'name', 'price', 'data->>k', 'items.qty'), fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'not.eq', 'like', 'is'), value).map(([k, op, v]) => `${k}=${op}.${v}`),
      fc.constantFrom('select=id,name', 'order=price.desc', 'limit=5', 'offset=2', 'or=(id.eq.1,id.eq.2)', 'id=in.(1,2)', 'name=eq.a%2Cb', 'name=eq.a+b'),
    );
    const url = fc.tuple(fc.constantFrom('/products', '/products/1', '/products/22', '/order_items/1,2'), fc.array(param, { maxLength: 5 })).map(([path, params]) => (params.length ? `${path}?${params.join('&')}` : path));
    fc.assert(
      fc.property(url, fc.constantFrom<HttpInput['headers']>({}, { prefer: 'count=exact' }, { accept: 'text/csv' }), (u, headers) => {
        expectParsedOrRefusedAlike(memo, input('GET', u, headers));
      }),
      { numRuns: 1500, seed: 7 },
    );
  });

  it('answers as the parser does for generated writes', () => {
    const memo = new ParseMemo();
    const key = fc.constantFrom('name', 'price', 'id', 'stock');
    const object = fc.dictionary(key, fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null)), { maxKeys: 3 });
    const body = fc.oneof(object.map((o) => JSON.stringify(o)), fc.array(object, { maxLength: 3 }).map((a) => JSON.stringify(a)), fc.constantFrom('{', '', '[1]', 'null'));
    const target = fc.tuple(
      fc.constantFrom('POST', 'PATCH', 'PUT'),
      fc.constantFrom('/products', '/products/1', '/products/22', '/products?id=eq.4', '/products?columns=name,price', '/products?select=id&price=lt.3', '/rpc/f'),
    );
    const headers = fc.constantFrom<HttpInput['headers']>(
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json', prefer: 'return=representation' },
      { 'content-type': 'application/json', prefer: 'missing=default' },
      { 'content-type': 'text/csv' },
      {},
    );
    fc.assert(
      fc.property(target, body, headers, ([method, url], b, h) => {
        expectParsedOrRefusedAlike(memo, input(method, url, h, { body: b }));
      }),
      { numRuns: 1500, seed: 11 },
    );
  });
});
