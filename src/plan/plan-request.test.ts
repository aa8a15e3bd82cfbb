/**
 * The planner on a hand-built schema: names resolved with hints, limits clamped, row URLs turned
 * into key predicates, writes checked for writability, conflict targets and the safe-update rule.
 */
import { describe, expect, it } from 'vitest';
import { makeSchema, makeTable, type Column } from '../schema/model.js';
import { parseApiRequest } from '../request/api-request.js';
import { planRequest, type PlanOptions } from './plan-request.js';
import type { RowgateError } from '../errors/rowgate-error.js';

const col = (name: string, type: Column['type'], extra: Partial<Column> = {}): Column => ({
  name, type, nativeType: type, nullable: true, defaultValue: null, hasDefault: false, generated: false, enumValues: null, maxLength: null, comment: null, ...extra,
});
const products = makeTable({
  name: 'products', namespace: null, kind: 'table',
  columns: [
    col('id', 'integer', { nullable: false, hasDefault: true }),
    col('sku', 'text', { nullable: false }),
    col('price', 'numeric'),
    col('total', 'numeric', { generated: true, hasDefault: true }),
  ],
  primaryKey: ['id'], rowidKey: null, foreignKeys: [], uniqueConstraints: [{ name: 'products_sku_key', columns: ['sku'] }],
  checkConstraints: [], insertable: true, updatable: true, deletable: true, comment: null,
});
const logs = makeTable({
  name: 'logs', namespace: null, kind: 'table', columns: [col('msg', 'text')], primaryKey: [], rowidKey: 'rowid',
  foreignKeys: [], uniqueConstraints: [], checkConstraints: [], insertable: true, updatable: true, deletable: true, comment: null,
});
const names = makeTable({ ...logs, name: 'product_names', kind: 'view', rowidKey: null, insertable: false, updatable: false, deletable: false });
const schema = makeSchema([products, logs, names], 1);
const options: PlanOptions = { maxRows: 100, maxEmbedDepth: 4, allowUnfilteredWrites: false };

function plan(method: string, url: string, body: unknown = null, headers: Record<string, string> = {}) {
  const [path, query = ''] = url.split('?');
  return planRequest(parseApiRequest({ method, path, query, headers, body: body === null ? null : JSON.stringify(body) }), schema, options);
}
function planError(...args: Parameters<typeof plan>): RowgateError {
  try {
    plan(...args);
  } catch (e) {
    return e as RowgateError;
  }
  throw new Error('expected the planner to refuse');
}

describe('planRequest', () => {
  it('resolves every column of select=* in table order', () => {
    const p = plan('GET', '/products');
    expect(p.query.kind === 'read' && p.query.fields.map((f) => f.name)).toEqual(['id', 'sku', 'price', 'total']);
  });

  it('clamps the limit to maxRows at bind time', () => {
    const p = plan('GET', '/products?limit=5000');
    expect(p.query.kind === 'read' && p.query.limit).toEqual({ kind: 'limit', ref: 0, max: 100 });
  });

  it('names the closest table and column', () => {
    expect(planError('GET', '/prodcts').hint).toBe("Perhaps you meant the table 'products'");
    expect(planError('GET', '/products?select=prise').hint).toBe('Perhaps you meant to reference the column "products.price".');
  });

  it('turns a row URL into an equality on the key, typed as the column', () => {
    const p = plan('GET', '/products/7');
    expect(p.singular).toBe('row');
    expect(p.query.kind === 'read' && p.query.where).toMatchObject({
      kind: 'compare', operator: 'eq', left: { kind: 'column', column: { name: 'id' } }, right: { kind: 'value', ref: 0, type: 'integer' },
    });
  });

  it('addresses rowid tables by their rowid', () => {
    const p = plan('DELETE', '/logs/3');
    expect(p.query.kind === 'delete' && p.query.where).toMatchObject({ left: { column: { name: 'rowid' } } });
  });

  it('refuses unfiltered PATCH and DELETE', () => {
    expect(planError('PATCH', '/products', { price: 1 }).code).toBe('RG100');
    expect(planError('DELETE', '/products').code).toBe('RG100');
  });

  it('refuses writes to a read-only view and to generated columns', () => {
    expect(planError('POST', '/product_names', { msg: 'x' }).code).toBe('RG102');
    expect(planError('POST', '/products', { sku: 'a', total: 3 }).code).toBe('RG101');
  });

  it('names a missing required column before any SQL runs', () => {
    const e = planError('POST', '/products', { price: 3 });
    expect(e.code).toBe('23502');
    expect(e.message).toContain('"sku"');
  });

  it('accepts on_conflict only on the key or a unique constraint', () => {
    const p = plan('POST', '/products?on_conflict=sku', { sku: 'a' }, { prefer: 'resolution=merge-duplicates' });
    expect(p.query.kind === 'insert' && p.query.onConflict).toMatchObject({ action: 'update', columns: [{ name: 'sku' }] });
    expect(planError('POST', '/products?on_conflict=price', { sku: 'a' }, { prefer: 'resolution=merge-duplicates' }).code).toBe('42P10');
  });

  it('checks body values against column types', () => {
    const p = plan('POST', '/products', { sku: 'a', price: 'cheap' });
    expect(() => p.validateBody!([{ sku: 'a', price: 'cheap' }])).toThrow(/invalid input for column "price"/);
    expect(() => p.validateBody!([{ sku: null }])).toThrow(/null value in column "sku"/);
    expect(() => p.validateBody!([{ sku: 'a', price: '12.50' }])).not.toThrow();
  });

  it('gives requests of one shape the same key and different shapes different keys', () => {
    const key = (url: string) => {
      const [path, query] = url.split('?');
      return parseApiRequest({ method: 'GET', path, query, headers: {}, body: null }).shapeKey;
    };
    expect(key('/products?id=eq.1')).toBe(key('/products?id=eq.2'));
    expect(key('/products?id=in.(1,2)')).not.toBe(key('/products?id=in.(1,2,3)'));
    expect(key('/products?price=is.null')).not.toBe(key('/products?price=is.true'));
  });
});
