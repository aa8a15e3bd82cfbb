import { describe, expect, it } from 'vitest';
import { RowgateError } from '../errors/rowgate-error.js';
import { parseRequestBody } from './request-body.js';

function failure(fn: () => unknown): RowgateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RowgateError) return e;
    throw e;
  }
  throw new Error('expected a RowgateError');
}

const insert = (raw: string | null, columns: string[] | null = null, contentType?: string) =>
  parseRequestBody('POST', 'insert', raw, contentType, columns);

describe('parseRequestBody', () => {
  it('reads one object', () => {
    const raw = '{"name":"pen","price":2}';
    expect(insert(raw)).toEqual({ body: { raw, rows: [{ name: 'pen', price: 2 }], isArray: false }, bodyColumns: ['name', 'price'] });
  });

  it('reads an array of objects sharing their keys, in any order', () => {
    const raw = '[{"a":1,"b":2},{"b":3,"a":4}]';
    expect(insert(raw)).toEqual({
      body: { raw, rows: [{ a: 1, b: 2 }, { b: 3, a: 4 }], isArray: true },
      bodyColumns: ['a', 'b'],
    });
    expect(insert('[]')).toEqual({ body: { raw: '[]', rows: [], isArray: true }, bodyColumns: [] });
  });

  it('refuses objects with different keys', () => {
    for (const raw of ['[{"a":1},{"b":1}]', '[{"a":1},{"a":1,"b":2}]', '[{"a":1,"b":2},{"a":1}]', '[{"a":1},2]', '[1]', '[{"a":1},null]', '[[]]']) {
      expect(failure(() => insert(raw))).toMatchObject({ code: 'PGRST102', status: 400, message: 'All object keys must match' });
    }
  });

  it('uses columns= instead of the keys, which then need not match', () => {
    expect(insert('[{"a":1},{"b":2,"c":3}]', ['a', 'b'])).toMatchObject({ bodyColumns: ['a', 'b'], body: { isArray: true } });
    expect(insert('[]', ['a'])).toMatchObject({ bodyColumns: ['a'] });
    expect(failure(() => insert('[{"a":1},3]', ['a'])).message).toBe('All object keys must match');
    // PUT ignores columns=, as PostgREST does
    expect(parseRequestBody('PUT', 'upsert', '{"id":1}', undefined, ['x']).bodyColumns).toEqual(['id']);
    expect(parseRequestBody('PATCH', 'update', '{"id":1}', undefined, ['x']).bodyColumns).toEqual(['x']);
  });

  it('refuses invalid or empty JSON, and JSON that is no object nor array', () => {
    for (const raw of [null, '', ' ', '{', '{"a":1', 'nul', '5', '"text"', 'null', 'true']) {
      expect(failure(() => insert(raw))).toMatchObject({ code: 'PGRST102', status: 400, message: 'Empty or invalid json' });
    }
    expect(failure(() => parseRequestBody('PATCH', 'update', null, undefined, null)).code).toBe('PGRST102');
    expect(failure(() => parseRequestBody('PUT', 'upsert', '', undefined, null)).code).toBe('PGRST102');
  });

  it('reads an empty body on POST /rpc as no arguments', () => {
    expect(parseRequestBody('POST', 'call', null, undefined, null)).toEqual({ body: { raw: '{}', rows: [{}], isArray: false }, bodyColumns: [] });
    expect(parseRequestBody('POST', 'call', '', 'application/json', null).body?.rows).toEqual([{}]);
  });

  it('ignores the body of GET, HEAD, DELETE and OPTIONS', () => {
    for (const method of ['GET', 'HEAD', 'DELETE', 'OPTIONS']) {
      expect(parseRequestBody(method, 'read', 'not json', 'text/plain', null)).toEqual({ body: null, bodyColumns: null });
    }
  });

  it('accepts JSON, and CSV for inserts', () => {
    expect(insert('{"a":1}', null, 'application/json; charset=utf-8').bodyColumns).toEqual(['a']);
    const csv = insert('a,b\r\n1,"x, ""y"""\r\n,\r\n', null, 'text/csv; charset=utf-8');
    expect(csv.bodyColumns).toEqual(['a', 'b']);
    expect(csv.body?.rows).toEqual([{ a: '1', b: 'x, "y"' }, { a: null, b: null }]);
    for (const ct of ['application/x-www-form-urlencoded', 'text/plain', 'application/xml']) {
      expect(failure(() => insert('a=1', null, ct))).toMatchObject({ code: 'PGRST107', status: 415, message: `Content-Type not acceptable: ${ct}` });
    }
  });

  it('keeps __proto__ as a plain key and deeply nested JSON as data', () => {
    const r = insert('{"__proto__":{"x":1},"a":2}');
    expect(r.bodyColumns).toEqual(['__proto__', 'a']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(insert(`{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`).bodyColumns).toEqual(['a']);
  });

  it('checks 10,000 rows quickly', () => {
    const raw = JSON.stringify(Array.from({ length: 10_000 }, (_, i) => ({ id: i, name: `n${i}`, price: i / 2 })));
    const t0 = performance.now();
    expect(insert(raw).body?.rows).toHaveLength(10_000);
    expect(performance.now() - t0).toBeLessThan(500);
  });
});
