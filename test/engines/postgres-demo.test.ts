/**
 * The demo shop on PostgreSQL: built in a database of its own from the same generated rows as on
 * SQLite, refused when its tables exist, served by rowgate (keys, enums, search) afterwards.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RowgateServer } from '../../src/index.js';
import { generateShopData, SHOP_TABLES } from '../../src/demo/shop-data.js';
import { createShopDemoPostgres } from '../../src/demo/shop-postgres.js';
import { createPostgresDatabase, postgresUnavailable } from '../helpers/postgres-harness.js';

const reason = await postgresUnavailable();
if (reason) console.warn(`postgres demo: skipped: ${reason}`);

describe.skipIf(reason !== null)('demo shop on PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let tables: Record<string, number>;
  let progress: [string, number, number][];
  let ms: number;
  let server: RowgateServer;

  beforeAll(async () => {
    db = await createPostgresDatabase('');
    progress = [];
    const started = performance.now();
    ({ tables } = await createShopDemoPostgres(db.url, { onProgress: (...p) => progress.push(p) }));
    ms = performance.now() - started;
    server = await createServer({ db: db.url, logLevel: 'silent' });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('holds every generated row, quickly', () => {
    const data = generateShopData();
    expect(tables).toEqual(Object.fromEntries(SHOP_TABLES.map((t) => [t.name, data[t.name].length])));
    expect(progress.filter(([, done, total]) => done === total).map(([name]) => name)).toEqual(SHOP_TABLES.map((t) => t.name));
    expect(ms).toBeLessThan(10_000);
  });

  it('stores the same values as the generator made', async () => {
    const data = generateShopData();
    const res = await server.app.inject({ url: '/products?id=eq.1' });
    const [row] = res.json();
    const p = data.products[0];
    expect(row).toEqual({ ...p, created_at: p.created_at.replace('Z', '+00:00'), updated_at: p.updated_at.replace('Z', '+00:00') });
    const order = (await server.app.inject({ url: `/orders?id=eq.${data.orders[5].id}&select=id,status,total` })).json();
    expect(order).toEqual([{ id: data.orders[5].id, status: data.orders[5].status, total: data.orders[5].total }]);
  });

  it('reads an integer as PostgreSQL reads the text the client sent: signs and leading zeros, and range errors', async () => {
    // Integers are bound as the request's text on PostgreSQL (postgres-dialect.ts toPostgresValue).
    for (const url of ['/products?id=eq.005&select=id', '/products?id=eq.%2B5&select=id', '/products?id=in.(005,6)&select=id&order=id', '/products/005?select=id']) {
      const res = await server.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.json(), url).toEqual(url.includes('in.') ? [{ id: 5 }, { id: 6 }] : url.includes('/005') ? { id: 5 } : [{ id: 5 }]);
    }
    const big = await server.app.inject({ url: '/products?id=eq.99999999999999999999' });
    expect(big.statusCode).toBe(400);
    expect(big.json().code).toBe('22003');
    const small = await server.app.inject({ url: '/order_items?quantity=eq.3000000000&select=quantity' });
    expect(small.statusCode).toBe(400);
    expect(small.json().code).toBe('22003');
  });

  it('is served with its keys, enums and search', async () => {
    const doc = (await server.app.inject({ url: '/_/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/products', '/order_items', '/customers']));
    const created = await server.app.inject({
      method: 'POST', url: '/categories', headers: { prefer: 'return=representation' }, payload: { name: 'New', slug: 'new' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()[0].id).toBe(tables.categories + 1);
    const bad = await server.app.inject({ method: 'PATCH', url: '/orders?id=eq.1', payload: { status: 'lost' } });
    expect(bad.statusCode).toBe(400);
    const found = await server.app.inject({ url: '/products?select=id&name=fts(english).lamp&limit=1' });
    expect(found.statusCode).toBe(200);
    const embedded = await server.app.inject({ url: '/orders?select=id,customers(name),order_items(quantity)&limit=1&order=id' });
    expect(embedded.statusCode).toBe(200);
    expect(embedded.json()[0].customers.name).toEqual(expect.any(String));
  });

  it('refuses to build over existing tables and leaves them as they were', async () => {
    await expect(createShopDemoPostgres(db.url)).rejects.toThrow(/Refusing to create the demo shop: the table\(s\) .*categories/);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      expect(Number((await client.query('select count(*) as n from categories')).rows[0].n)).toBe(tables.categories + 1);
    } finally {
      await client.end();
    }
  });
});
