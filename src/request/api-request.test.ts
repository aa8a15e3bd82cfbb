import { describe, expect, it } from 'vitest';
import { RowgateError } from '../errors/rowgate-error.js';
import { parseApiRequest, type HttpInput } from './api-request.js';

function failure(fn: () => unknown): RowgateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RowgateError) return e;
    throw e;
  }
  throw new Error('expected a RowgateError');
}

function req(method: string, url: string, headers: HttpInput['headers'] = {}, body: string | null = null) {
  const q = url.indexOf('?');
  return parseApiRequest({
    method,
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? '' : url.slice(q + 1),
    headers,
    body,
  });
}

const shape = (method: string, url: string, headers: HttpInput['headers'] = {}, body: string | null = null) =>
  req(method, url, headers, body).shapeKey;

describe('targets and actions', () => {
  it('maps paths to targets', () => {
    expect(req('GET', '/').target).toEqual({ kind: 'root' });
    expect(req('GET', '').target).toEqual({ kind: 'root' });
    expect(req('GET', '/products').target).toEqual({ kind: 'table', name: 'products' });
    expect(req('GET', '/rpc').target).toEqual({ kind: 'table', name: 'rpc' });
    expect(req('POST', '/rpc/place_order', {}, '{}').target).toEqual({ kind: 'rpc', name: 'place_order' });
    const row = req('GET', '/order_items/7,3');
    expect(row.target).toEqual({ kind: 'row', name: 'order_items', id: [0, 1] });
    expect(row.values).toEqual(['7', '3']);
  });

  it('percent-decodes names and id parts, splitting ids before decoding', () => {
    expect(req('GET', '/caf%C3%A9').target).toEqual({ kind: 'table', name: 'café' });
    expect(req('GET', '/my%20table').target).toEqual({ kind: 'table', name: 'my table' });
    expect(req('GET', '/rpc/f%2Bg').target).toEqual({ kind: 'rpc', name: 'f+g' });
    const r = req('GET', '/t/a%2Cb,c%20d,100%');
    expect(r.values).toEqual(['a,b', 'c d', '100%']);
    expect(req('GET', '/名前').target).toEqual({ kind: 'table', name: '名前' });
  });

  it('refuses paths that name nothing', () => {
    for (const path of ['/a/b/c', '/rpc/a/b', '//', '/products/', '/a//b', '/t/1,', '/t/,1', 'products']) {
      const e = failure(() => req('GET', path));
      expect(e).toMatchObject({ code: 'PGRST125', status: 404, message: `Invalid path specified in request URL: ${path}` });
    }
  });

  it('maps methods to actions', () => {
    expect(req('GET', '/t').action).toBe('read');
    expect(req('HEAD', '/t').action).toBe('read');
    expect(req('POST', '/t', {}, '{"a":1}').action).toBe('insert');
    expect(req('PATCH', '/t', {}, '{"a":1}').action).toBe('update');
    expect(req('PUT', '/t/1', {}, '{"a":1}').action).toBe('upsert');
    expect(req('DELETE', '/t').action).toBe('delete');
    expect(req('OPTIONS', '/t').action).toBe('options');
    expect(req('GET', '/rpc/f').action).toBe('call');
    expect(req('HEAD', '/rpc/f').action).toBe('call');
    expect(req('POST', '/rpc/f').action).toBe('call');
    expect(req('OPTIONS', '/rpc/f').action).toBe('options');
    expect(req('GET', '/').action).toBe('read');
    expect(req('OPTIONS', '/').action).toBe('options');
  });

  it('refuses methods a path does not take', () => {
    const cases: [string, string][] = [
      ['POST', '/'],
      ['DELETE', '/'],
      ['PATCH', '/rpc/f'],
      ['DELETE', '/rpc/f'],
      ['PUT', '/rpc/f'],
      ['POST', '/t/1'],
      ['TRACE', '/t'],
      ['CONNECT', '/t'],
      ['get', '/t'],
    ];
    for (const [method, path] of cases) {
      expect(failure(() => req(method, path, {}, '{}'))).toMatchObject({
        code: 'PGRST117',
        status: 405,
        message: `Unsupported HTTP method: ${method} on ${path}`,
      });
    }
  });
});

describe('assembling the request', () => {
  it('parses a full read', () => {
    const r = req('GET', '/products?select=id,name,category:categories(name)&price=lt.10&order=id.desc&limit=5', {
      prefer: 'count=exact',
      accept: 'application/json',
    });
    expect(r).toMatchObject({
      method: 'GET',
      action: 'read',
      target: { kind: 'table', name: 'products' },
      columns: null,
      onConflict: null,
      accept: 'json',
      body: null,
      bodyColumns: null,
      rpcArgs: [],
      values: ['10', '5'],
    });
    expect(r.select).toHaveLength(3);
    expect(r.preferences.count).toBe('exact');
    expect(r.ranges).toEqual([{ path: [], limit: 1, offset: null }]);
  });

  it('parses a write with its body, columns and on_conflict', () => {
    const r = req(
      'POST',
      '/products?columns=name,price&on_conflict=name',
      { 'content-type': 'application/json', prefer: ['resolution=merge-duplicates', 'return=representation'] },
      '[{"name":"a","price":1,"x":0}]',
    );
    expect(r).toMatchObject({
      action: 'insert',
      columns: ['name', 'price'],
      onConflict: ['name'],
      bodyColumns: ['name', 'price'],
      body: { isArray: true, rows: [{ name: 'a', price: 1, x: 0 }] },
      preferences: { resolution: 'merge-duplicates', return: 'representation' },
    });
  });

  it('collects GET /rpc arguments', () => {
    const r = req('GET', '/rpc/search?q=pen&limit=3&price=lt.5');
    expect(r.rpcArgs).toEqual([{ name: 'q', value: 0 }]);
    expect(r.values).toEqual(['pen', '5', '3']);
    expect(r.where).toHaveLength(1);
    expect(failure(() => req('POST', '/rpc/search?q=pen', {}, '{}')).code).toBe('PGRST100');
  });

  it('refuses limit and offset on PUT', () => {
    expect(failure(() => req('PUT', '/t/1?limit=1', {}, '{"id":1}'))).toMatchObject({
      code: 'PGRST114',
      status: 400,
      message: 'limit/offset querystring parameters are not allowed for PUT',
    });
    expect(req('PUT', '/t/1?items.limit=1', {}, '{"id":1}').ranges).toHaveLength(1);
  });

  it('reads the Range header on GET only, merged with limit/offset', () => {
    const r = req('GET', '/t?offset=5', { range: '0-24', 'range-unit': 'items' });
    expect(r.ranges).toEqual([{ path: [], offset: 0, limit: 1 }]);
    expect(r.values).toEqual(['5', '20']);
    expect(req('GET', '/t', { range: '0-' }).ranges).toEqual([{ path: [], offset: 0, limit: null }]);
    expect(req('HEAD', '/t', { range: '0-24' }).ranges).toEqual([]);
    expect(req('DELETE', '/t', { range: '0-24' }).ranges).toEqual([]);
    expect(req('GET', '/t', { range: 'items=0-24' }).ranges).toEqual([]);
    expect(failure(() => req('GET', '/t', { range: '9-1' }))).toMatchObject({ code: 'PGRST103', status: 416 });
  });

  it('negotiates Accept, except for OPTIONS', () => {
    expect(req('GET', '/t', { accept: 'text/csv' }).accept).toBe('csv');
    expect(req('GET', '/', { accept: 'application/json' }).accept).toBe('openapi');
    expect(req('OPTIONS', '/t', { accept: 'image/png' }).accept).toBe('json');
    expect(req('GET', '/t', { accept: ['text/html', 'application/vnd.pgrst.object+json'] }).accept).toBe('object');
    expect(failure(() => req('GET', '/t', { accept: 'image/png' })).status).toBe(406);
  });

  it('refuses invalid preferences under handling=strict', () => {
    expect(failure(() => req('GET', '/t', { prefer: 'handling=strict, nope' })).code).toBe('PGRST122');
  });

  it('never throws anything but a 4xx RowgateError on junk', () => {
    const junk = ['%', '%%', '%zz=%zz', 'select=%E0', 'a=%FF', 'or=(((', 'order=((', 'select=(((', '=', '==', '&=&', 'a.=eq.1', 'limit=1e999'];
    for (const query of junk) {
      try {
        req('GET', `/t?${query}`);
      } catch (e) {
        expect(e).toBeInstanceOf(RowgateError);
        expect((e as RowgateError).status).toBeGreaterThanOrEqual(400);
        expect((e as RowgateError).status).toBeLessThan(500);
      }
    }
  });
});

describe('shapeKey', () => {
  it('is equal when only values differ', () => {
    const pairs: [string, string][] = [
      ['/t?id=eq.1', '/t?id=eq.2'],
      ['/t?id=in.(1,2)', '/t?id=in.(3,"4,5")'],
      ['/t?name=like.*a*', '/t?name=like.b'],
      ['/t/1', '/t/2'],
      ['/t?or=(a.eq.1,b.in.(1,2))', '/t?or=(a.eq.9,b.in.(8,7))'],
      ['/t?limit=10&offset=0', '/t?limit=20&offset=40'],
      ['/t?x=eq(any).{1,2}', '/t?x=eq(any).{3,4}'],
      ['/t?id=is.null', '/t?id=is.NULL'],
      ['/rpc/f?a=1', '/rpc/f?a=2'],
      ['/t?x=fts(english).cat', '/t?x=fts(english).dog'],
    ];
    for (const [a, b] of pairs) expect(shape('GET', a), `${a} vs ${b}`).toBe(shape('GET', b));
    expect(shape('GET', '/t', { range: '0-9' })).toBe(shape('GET', '/t', { range: '10-19' }));
    expect(shape('POST', '/t', {}, '[{"a":1}]')).toBe(shape('POST', '/t', {}, '[{"a":2},{"a":3}]'));
  });

  it('differs whenever anything but the values differs', () => {
    const variants = [
      '/t?id=in.(1,2)',
      '/t?id=in.(1,2,3)',
      '/t?id=is.null',
      '/t?id=is.true',
      '/t?id=not.is.null',
      '/t?id=eq.1',
      '/t?id=neq.1',
      '/t?id=eq(any).{1}',
      '/t?id=eq(all).{1}',
      '/t?ident=eq.1',
      '/t?a.id=eq.1',
      '/t?select=id',
      '/t?select=x:id',
      '/t?select=id::text',
      '/t?select=id.sum()',
      '/t?order=id',
      '/t?order=id.desc',
      '/t?limit=1',
      '/t?offset=1',
      '/t?or=(a.eq.1)',
      '/t?and=(a.eq.1)',
      '/t?not.or=(a.eq.1)',
      '/t/1',
      '/t/1,2',
      '/u',
      '/rpc/t',
      '/t?x=fts.cat',
      '/t?x=fts(english).cat',
    ];
    const keys = new Set(variants.map((v) => shape('GET', v)));
    expect(keys.size).toBe(variants.length);
    expect(shape('GET', '/t')).not.toBe(shape('HEAD', '/t'));
    expect(shape('GET', '/t')).not.toBe(shape('GET', '/t', { prefer: 'count=exact' }));
    expect(shape('GET', '/t')).not.toBe(shape('GET', '/t', { accept: 'text/csv' }));
    expect(shape('GET', '/t', { range: '0-9' })).not.toBe(shape('GET', '/t', { range: '0-' }));
    expect(shape('POST', '/t', {}, '{"a":1}')).not.toBe(shape('POST', '/t', {}, '[{"a":1}]'));
    expect(shape('POST', '/t', {}, '{"a":1}')).not.toBe(shape('POST', '/t', {}, '{"b":1}'));
    expect(shape('POST', '/t?columns=a', {}, '{"a":1}')).not.toBe(shape('POST', '/t', {}, '{"a":1}'));
    expect(shape('GET', '/rpc/f?a=1')).not.toBe(shape('GET', '/rpc/f?b=1'));
  });

  it('is the same for select= and no select, which mean the same', () => {
    expect(shape('GET', '/t?select=')).toBe(shape('GET', '/t'));
  });
});

describe('hostile input', () => {
  it('refuses a 100,000-deep or= with PGRST100, not a RangeError', () => {
    const deep = 'or=(' + 'and('.repeat(100_000) + 'a.eq.1' + ')'.repeat(100_001);
    const e = failure(() => req('GET', `/t?${deep}`));
    expect(e).toMatchObject({ code: 'PGRST100', status: 400, message: 'logic tree nested too deeply' });
    expect(failure(() => req('GET', `/t?select=${'a('.repeat(100_000)}`)).code).toBe('PGRST100');
  });

  it('parses 10,000 in.() items in linear time', () => {
    const list = Array.from({ length: 10_000 }, (_, i) => i).join(',');
    const t0 = performance.now();
    const r = req('GET', `/t?id=in.(${list})&or=(id.in.(${list}))`);
    expect(performance.now() - t0).toBeLessThan(300);
    expect(r.values).toHaveLength(20_000);
  });
});
