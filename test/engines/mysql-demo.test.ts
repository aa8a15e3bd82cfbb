/**
 * `rowgate demo shop` on MySQL/MariaDB: the generator's rows land unchanged, served as on the other
 * engines (full-text search and embedding included); a second run refuses and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createShopDemoMysql } from '../../src/demo/shop-mysql.js';
import { generateShopData, SHOP_TABLES } from '../../src/demo/shop-data.js';
import { createServer, type RowgateServer } from '../../src/index.js';
import { createMysqlTestDatabase, mysqlHarness } from '../helpers/mysql-harness.js';

const reason = await mysqlHarness.unavailable();
if (reason) console.warn(`mysql demo: skipped: ${reason}`);

describe.skipIf(reason !== null)('mysql demo shop', () => {
  let db: Awaited<ReturnType<typeof createMysqlTestDatabase>>;
  let server: RowgateServer;
  const data = generateShopData();
  const progress: [string, number, number][] = [];

  beforeAll(async () => {
    db = await createMysqlTestDatabase();
    const { tables } = await createShopDemoMysql(db.url, { onProgress: (...p) => progress.push(p) });
    expect(tables).toEqual(Object.fromEntries(SHOP_TABLES.map((t) => [t.name, data[t.name].length])));
    server = await createServer({ db: db.url, logLevel: 'silent' });
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('reports progress per table, ending at each table size', () => {
    for (const { name } of SHOP_TABLES) expect(progress.filter(([t]) => t === name).at(-1)).toEqual([name, data[name].length, data[name].length]);
  });

  it('stores the generated rows unchanged', async () => {
    const p = data.products[0];
    const res = await server.app.inject({ method: 'GET', url: `/products?id=eq.${p.id}` });
    expect(JSON.parse(res.body)).toEqual([{ ...p, created_at: p.created_at.replace('Z', '+00:00'), updated_at: p.updated_at.replace('Z', '+00:00') }]);
    const sums = await db.query('select sum(total) as total, sum(quantity) as quantity from orders join order_items on order_items.order_id = orders.id');
    expect(sums[0].quantity).toBe(data.order_items.reduce((n, i) => n + i.quantity, 0));
  });

  it('serves full-text search and embedding on the demo', async () => {
    const word = data.products[0].name.split(' ')[0];
    const found = JSON.parse((await server.app.inject({ method: 'GET', url: `/products?select=id&name=fts.${encodeURIComponent(word)}&limit=1000` })).body);
    expect(found.length).toBeGreaterThan(0);
    expect(found.map((r: { id: number }) => r.id)).toContain(data.products[0].id);
    const embedded = JSON.parse((await server.app.inject({ method: 'GET', url: '/orders?select=id,customers(email),order_items(quantity)&id=eq.1' })).body);
    expect(embedded[0].customers.email).toBe(data.customers.find((c) => c.id === data.orders[0].customer_id)!.email);
  });

  it('continues AUTO_INCREMENT after the seeded ids', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/categories?select=id', headers: { prefer: 'return=representation' }, payload: { name: 'New', slug: 'new' } });
    expect(JSON.parse(res.body)).toEqual([{ id: data.categories.length + 1 }]);
  });

  it('refuses to run again over its own tables, and leaves them as they are', async () => {
    await expect(createShopDemoMysql(db.url)).rejects.toThrow(/Refusing to create the demo shop: the table\(s\) .*categories/);
    expect((await db.query('select count(*) as n from products'))[0].n).toBe(data.products.length);
  });
});
