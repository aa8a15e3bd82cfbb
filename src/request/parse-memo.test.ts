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

  it('errors are thrown every time, and writes are always parsed', () => {
    const memo = new ParseMemo();
    for (let i = 0; i < 2; i++) {
      expect(() => memo.parse(input('GET', '/products?select=('))).toThrow();
      expect(() => memo.parse(input('GET', '/products/1,'))).toThrow();
      expect(() => memo.parse(input('GET', '/a/b/c'))).toThrow();
    }
    const post = input('POST', '/products', { 'content-type': 'application/json' }, { body: '{"name":"a"}' });
    expect(memo.parse(post)).toEqual(parseApiRequest(post));
  });
});
