import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { introspectSqlite } from '../dialect/sqlite/sqlite-introspector.js';
import { generateShopData, ORDER_STATUSES, SHOP_TABLES } from './shop-data.js';
import { createShopDemoSqlite } from './shop-sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'rowgate-shop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let built = 0;
function build(): { path: string; tables: Record<string, number>; progress: Array<[string, number, number]> } {
  const path = join(dir, `nested-${built}`, `shop-${built++}.db`);
  const progress: Array<[string, number, number]> = [];
  const { tables } = createShopDemoSqlite(path, { onProgress: (...p) => progress.push(p) });
  return { path, tables, progress };
}

/** A digest of every row of every table in key order, as the database returns them. */
function contentHash(path: string): string {
  const db = new Database(path, { readonly: true });
  const hash = createHash('sha256');
  for (const { name, columns } of SHOP_TABLES) {
    const order = name === 'order_items' ? 'order_id, product_id' : 'id';
    for (const row of db.prepare(`SELECT ${columns.join(', ')} FROM ${name} ORDER BY ${order}`).raw().all()) {
      hash.update(`${name}:${JSON.stringify(row)}\n`);
    }
  }
  db.close();
  return hash.digest('hex');
}

describe('generateShopData', () => {
  test('uses neither Math.random nor the clock, and repeats itself exactly', () => {
    const random = vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random used');
    });
    const now = vi.spyOn(Date, 'now').mockImplementation(() => {
      throw new Error('Date.now used');
    });
    try {
      expect(generateShopData()).toEqual(generateShopData());
    } finally {
      random.mockRestore();
      now.mockRestore();
    }
  });

  test('produces plausible values', () => {
    const { products, customers, orders, order_items } = generateShopData();
    expect(products[0].name).toMatch(/^\w+ [\w ]+$/);
    expect(new Set(products.map((p) => p.name)).size).toBe(products.length);
    for (const p of products) {
      expect(p.price).toBeGreaterThanOrEqual(1);
      expect(p.price).toBeLessThanOrEqual(500);
      expect(Math.round(p.price * 100) / 100).toBe(p.price);
      expect(p.stock).toBeGreaterThanOrEqual(0);
      expect(p.stock).toBeLessThanOrEqual(200);
      expect(p.updated_at >= p.created_at).toBe(true);
    }
    expect(products.filter((p) => p.stock === 0).length).toBeGreaterThan(5);
    expect(products.filter((p) => p.price < 20).length).toBeGreaterThan(150);
    expect(products.filter((p) => p.price > 200).length).toBeGreaterThan(30);
    for (const row of [...products, ...customers, ...orders]) {
      expect(row.created_at).toMatch(/^2025-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    const signedUp = new Map(customers.map((c) => [c.id, c.created_at]));
    for (const o of orders) expect(o.created_at >= signedUp.get(o.customer_id)!).toBe(true);
    expect(new Set(orders.map((o) => o.status))).toEqual(new Set(ORDER_STATUSES));
    const perOrder = new Map<number, number>();
    for (const item of order_items) perOrder.set(item.order_id, (perOrder.get(item.order_id) ?? 0) + 1);
    expect(Math.min(...perOrder.values())).toBe(1);
    expect(Math.max(...perOrder.values())).toBe(5);
  });
});

describe('createShopDemoSqlite', () => {
  let first: ReturnType<typeof build>;
  let second: ReturnType<typeof build>;
  beforeAll(() => {
    first = build();
    second = build();
  });

  test('creates the five tables with the expected counts and reports progress per table', () => {
    const items = generateShopData().order_items.length;
    expect(first.tables).toEqual({ categories: 12, products: 1000, customers: 200, orders: 2000, order_items: items });
    expect(items).toBeGreaterThanOrEqual(2000);
    expect(items).toBeLessThanOrEqual(10_000);
    for (const { name } of SHOP_TABLES) {
      const reports = first.progress.filter(([stage]) => stage === name);
      expect(reports[0]).toEqual([name, 0, first.tables[name]]);
      expect(reports.at(-1)).toEqual([name, first.tables[name], first.tables[name]]);
    }
    expect(first.progress.filter(([stage]) => stage === 'orders').map(([, done]) => done)).toEqual([0, 500, 1000, 1500, 2000]);
  });

  test('two builds hold identical rows', () => {
    expect(contentHash(first.path)).toBe(contentHash(second.path));
  });

  test('leaves a consistent WAL-mode database whose totals match their items', () => {
    const db = new Database(first.path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const mismatched = db
      .prepare(
        `SELECT o.id FROM orders o
         LEFT JOIN (SELECT order_id, sum(quantity * unit_price) AS s FROM order_items GROUP BY order_id) i
           ON i.order_id = o.id
         WHERE i.s IS NULL OR abs(o.total - round(i.s, 2)) >= 0.005`,
      )
      .all();
    expect(mismatched).toEqual([]);
    expect(db.prepare(`SELECT count(*) AS n FROM products WHERE round(price, 2) <> price OR price < 1`).get()).toEqual({ n: 0 });
    expect(db.prepare(`SELECT count(*) AS n FROM products WHERE active NOT IN (0, 1)`).get()).toEqual({ n: 0 });
    db.close();
  });

  test('builds well under two seconds', () => {
    const started = performance.now();
    build();
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test('refuses an existing file and leaves it untouched', () => {
    const path = join(dir, 'existing.db');
    writeFileSync(path, 'not a database');
    expect(() => createShopDemoSqlite(path)).toThrow(/already exists/);
    expect(readFileSync(path, 'utf8')).toBe('not a database');
    expect(() => createShopDemoSqlite(first.path)).toThrow(/already exists/);
    expect(contentHash(first.path)).toBe(contentHash(second.path));
  });

  test('refuses a path that is not a file', () => {
    expect(() => createShopDemoSqlite(':memory:')).toThrow(/file path/);
  });

  test('introspects as the shop: keys, foreign keys, unique constraints and the status enum', () => {
    const db = new Database(first.path, { readonly: true });
    const schema = introspectSqlite(db, 1);
    db.close();
    expect([...schema.tables.keys()]).toEqual(['categories', 'customers', 'order_items', 'orders', 'products']);
    const items = schema.tables.get('order_items')!;
    expect(items.primaryKey).toEqual(['order_id', 'product_id']);
    expect(items.foreignKeys).toEqual([
      { name: 'order_items_order_id_fkey', columns: ['order_id'], referencedTable: 'orders', referencedColumns: ['id'] },
      { name: 'order_items_product_id_fkey', columns: ['product_id'], referencedTable: 'products', referencedColumns: ['id'] },
    ]);
    expect(schema.tables.get('products')!.foreignKeys).toEqual([
      { name: 'products_category_id_fkey', columns: ['category_id'], referencedTable: 'categories', referencedColumns: ['id'] },
    ]);
    expect(schema.tables.get('orders')!.foreignKeys).toEqual([
      { name: 'orders_customer_id_fkey', columns: ['customer_id'], referencedTable: 'customers', referencedColumns: ['id'] },
    ]);
    expect(schema.tables.get('categories')!.uniqueConstraints).toEqual([
      { name: 'categories_name_key', columns: ['name'] },
      { name: 'categories_slug_key', columns: ['slug'] },
    ]);
    expect(schema.tables.get('products')!.uniqueConstraints).toEqual([{ name: 'products_sku_key', columns: ['sku'] }]);
    expect(schema.tables.get('customers')!.uniqueConstraints).toEqual([{ name: 'customers_email_key', columns: ['email'] }]);
    const orders = schema.tables.get('orders')!;
    expect(orders.columnsByName.get('status')).toMatchObject({
      type: 'text',
      nullable: false,
      defaultValue: "'pending'",
      enumValues: ['pending', 'paid', 'shipped', 'delivered', 'cancelled'],
    });
    expect(orders.columnsByName.get('id')).toMatchObject({ type: 'integer', nullable: false, hasDefault: true });
    const products = schema.tables.get('products')!;
    expect(products.columnsByName.get('price')).toMatchObject({ type: 'numeric', nativeType: 'NUMERIC(10,2)' });
    expect(products.columnsByName.get('active')).toMatchObject({ type: 'boolean', defaultValue: '1' });
    expect(products.columnsByName.get('created_at')).toMatchObject({ type: 'timestamp', hasDefault: true });
  });
});
