import { describe, expect, it } from 'vitest';
import { RowgateError } from '../errors/rowgate-error.js';
import { parseOrder } from './order-param.js';
import type { OrderTerm } from './types.js';

function failure(fn: () => unknown): RowgateError {
  try {
    fn();
  } catch (e) {
    if (e instanceof RowgateError) return e;
    throw e;
  }
  throw new Error('expected a RowgateError');
}

const term = (name: string, extra: Partial<OrderTerm> = {}): OrderTerm => ({
  relation: null,
  field: { name, jsonPath: [] },
  direction: null,
  nulls: null,
  ...extra,
});

describe('parseOrder', () => {
  it('reads directions and nulls placement', () => {
    expect(parseOrder('a,b.desc,c.asc.nullsfirst,d.nullslast')).toEqual([
      term('a'),
      term('b', { direction: 'desc' }),
      term('c', { direction: 'asc', nulls: 'first' }),
      term('d', { nulls: 'last' }),
    ]);
    expect(parseOrder(' a.desc , b ')).toEqual([term('a', { direction: 'desc' }), term('b')]);
  });

  it('reads related orders and JSON paths', () => {
    expect(parseOrder('category(name).desc')).toEqual([
      { relation: 'category', field: { name: 'name', jsonPath: [] }, direction: 'desc', nulls: null },
    ]);
    expect(parseOrder('data->>x.desc')).toEqual([term('data', { field: { name: 'data', jsonPath: [{ arrow: '->>', key: 'x' }] }, direction: 'desc' })]);
    expect(parseOrder('clients(json_col->key).desc.nullsfirst')).toEqual([
      { relation: 'clients', field: { name: 'json_col', jsonPath: [{ arrow: '->', key: 'key' }] }, direction: 'desc', nulls: 'first' },
    ]);
    expect(parseOrder('data->0.asc,"my col".desc')).toEqual([
      term('data', { field: { name: 'data', jsonPath: [{ arrow: '->', key: 0 }] }, direction: 'asc' }),
      term('my col', { direction: 'desc' }),
    ]);
  });

  it('reports invalid modifiers as PostgREST does', () => {
    const e = failure(() => parseOrder('id.ac'));
    expect(e).toMatchObject({ code: 'PGRST100', status: 400 });
    expect(e.message).toBe('"failed to parse order (id.ac)" (line 1, column 4)');
    expect(e.details).toBe('unexpected "ac" expecting "asc", "desc", "nullsfirst" or "nullslast"');
    expect(failure(() => parseOrder('id.descc')).details).toBe('unexpected "descc" expecting "asc", "desc", "nullsfirst" or "nullslast"');
    expect(failure(() => parseOrder('id.asc.nlsfst'))).toMatchObject({
      message: '"failed to parse order (id.asc.nlsfst)" (line 1, column 8)',
      details: 'unexpected "nlsfst" expecting "nullsfirst" or "nullslast"',
    });
    expect(failure(() => parseOrder('id.nullslast.desc')).details).toBe('unexpected "." expecting "," or end of input');
    expect(failure(() => parseOrder('id.')).details).toBe('unexpected end of input expecting "asc", "desc", "nullsfirst" or "nullslast"');
    expect(failure(() => parseOrder('clients(name,id)')).details).toBe('unexpected "," expecting ")"');
    expect(failure(() => parseOrder('')).details).toBe('unexpected end of input expecting field name (* or [a..z0..9_$])');
    expect(failure(() => parseOrder('a,')).code).toBe('PGRST100');
    expect(failure(() => parseOrder('a b!')).details).toBe('unexpected "!" expecting ".", "," or end of input');
  });
});
