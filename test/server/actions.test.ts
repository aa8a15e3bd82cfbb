/**
 * Actions on the SQLite demo shop over real HTTP: place_order and cancel_order, input checks,
 * dry runs, idempotency, and the concurrency guarantee (never oversell), with a deliberately
 * naive read-then-write that does oversell, to show the checks can see a race.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RowgateServer } from '../../src/index.js';
import { createShopDemoSqlite } from '../../src/demo/shop-sqlite.js';
import { shopActions, shopHooks } from '../../src/demo/shop-actions.js';

describe('demo shop actions (sqlite)', () => {
  let dir: string;
  let server: RowgateServer;
  let url: string;
  let db: Database.Database;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rowgate-actions-'));
    createShopDemoSqlite(join(dir, 'shop.db'));
    server = await createServer({ db: `sqlite:${join(dir, 'shop.db')}`, port: 0, logLevel: 'silent', actions: shopActions, hooks: shopHooks });
    url = await server.listen();
    db = new Database(join(dir, 'shop.db'));
  });
  afterAll(async () => {
    db.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (name: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}/rpc/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any, headers: res.headers };
  };
  const stock = (id: number) => (db.prepare('select stock from products where id = ?').get(id) as { stock: number }).stock;
  const setStock = (id: number, n: number) => db.prepare('update products set stock = ? where id = ?').run(n, id);
  const orders = () => (db.prepare('select count(*) n from orders').get() as { n: number }).n;

  it('places an order: stock taken, order and items recorded at current prices', async () => {
    setStock(10, 20);
    setStock(11, 20);
    const before = orders();
    const price = (id: number) => (db.prepare('select price from products where id = ?').get(id) as { price: number }).price;
    const res = await call('place_order', { customer_id: 3, items: [{ product_id: 11, quantity: 1 }, { product_id: 10, quantity: 3 }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'pending', total: Math.round((price(10) * 3 + price(11)) * 100) / 100 });
    expect([stock(10), stock(11)]).toEqual([17, 19]);
    expect(orders()).toBe(before + 1);
    const items = db.prepare('select product_id, quantity, unit_price from order_items where order_id = ? order by product_id').all(res.body.order_id);
    expect(items).toEqual([{ product_id: 10, quantity: 3, unit_price: price(10) }, { product_id: 11, quantity: 1, unit_price: price(11) }]);
  });

  it('refuses as a whole with 409 out_of_stock naming the product', async () => {
    setStock(20, 5);
    setStock(21, 1);
    const before = orders();
    const res = await call('place_order', { customer_id: 1, items: [{ product_id: 20, quantity: 2 }, { product_id: 21, quantity: 2 }] });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('out_of_stock');
    expect(res.body.message).toContain('product 21');
    expect([stock(20), stock(21), orders()]).toEqual([5, 1, before]);
  });

  it('checks input before running, naming the JSON path', async () => {
    const res = await call('place_order', { customer_id: 1, items: [{ product_id: 1, quantity: 'two' }] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'RG110', details: '/items/0/quantity' });
    expect((await call('place_order', { customer_id: 1 })).body.message).toContain("is missing 'items'");
  });

  it('answers unknown actions with 404 and GET on a writing action with 405', async () => {
    expect((await call('place_ordr', {})).body).toMatchObject({ code: 'PGRST202', hint: "Perhaps you meant 'place_order'" });
    expect((await fetch(`${url}/rpc/place_order?customer_id=1`)).status).toBe(405);
  });

  it('cancels once: stock back, a second cancel is 409', async () => {
    setStock(30, 10);
    const placed = await call('place_order', { customer_id: 2, items: [{ product_id: 30, quantity: 4 }] });
    expect(stock(30)).toBe(6);
    expect((await call('cancel_order', { order_id: placed.body.order_id })).status).toBe(200);
    expect(stock(30)).toBe(10);
    const again = await call('cancel_order', { order_id: placed.body.order_id });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_cancelled');
    expect(stock(30)).toBe(10);
  });

  it('dry-runs with Prefer: tx=rollback', async () => {
    setStock(40, 10);
    const before = orders();
    const res = await call('place_order', { customer_id: 2, items: [{ product_id: 40, quantity: 4 }] }, { prefer: 'tx=rollback' });
    expect(res.status).toBe(200);
    expect(res.headers.get('preference-applied')).toBe('tx=rollback');
    expect([stock(40), orders()]).toEqual([10, before]);
  });

  it('replays an Idempotency-Key: 100 retries, one order', async () => {
    setStock(50, 500);
    const before = orders();
    const body = { customer_id: 4, items: [{ product_id: 50, quantity: 1 }] };
    const first = await call('place_order', body, { 'idempotency-key': 'order-abc' });
    const replies = await Promise.all(Array.from({ length: 100 }, () => call('place_order', body, { 'idempotency-key': 'order-abc' })));
    for (const r of replies) expect(r.body).toEqual(first.body);
    expect([orders(), stock(50)]).toEqual([before + 1, 499]);
    const other = await call('place_order', { ...body, customer_id: 5 }, { 'idempotency-key': 'order-abc' });
    expect(other.status).toBe(422);
  });

  it('never oversells: 200 concurrent orders for a product with stock 50', async () => {
    setStock(60, 50);
    const sold0 = (db.prepare('select coalesce(sum(quantity), 0) n from order_items where product_id = 60').get() as { n: number }).n;
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => call('place_order', { customer_id: 1 + (i % 200), items: [{ product_id: 60, quantity: 1 }] })));
    const ok = results.filter((r) => r.status === 200).length;
    const refused = results.filter((r) => r.status === 409);
    expect(ok).toBe(50);
    expect(refused).toHaveLength(150);
    for (const r of refused) expect(r.body.code).toBe('out_of_stock');
    expect(stock(60)).toBe(0);
    const sold = (db.prepare('select sum(quantity) n from order_items where product_id = 60').get() as { n: number }).n - sold0;
    expect(sold).toBe(50);
  });

  it('never oversells with mixed multi-item orders across 20 products', async () => {
    for (let p = 100; p < 120; p++) setStock(p, 30);
    const orderable = Array.from({ length: 300 }, (_, i) => ({
      customer_id: 1 + (i % 200),
      items: Array.from({ length: 1 + (i % 4) }, (_, k) => ({ product_id: 100 + ((i * 7 + k * 3) % 20), quantity: 1 + ((i + k) % 3) })),
    }));
    const results = await Promise.all(orderable.map((o) => call('place_order', o)));
    for (const r of results) expect([200, 409]).toContain(r.status);
    for (let p = 100; p < 120; p++) {
      const ordered = results
        .map((r, i) => (r.status === 200 ? orderable[i].items.filter((l) => l.product_id === p).reduce((a, l) => a + l.quantity, 0) : 0))
        .reduce((a, b) => a + b, 0);
      expect(stock(p)).toBe(30 - ordered);
      expect(stock(p)).toBeGreaterThanOrEqual(0);
    }
  });

  it('a naive read-then-write does oversell (the checks above can see a race)', async () => {
    // Each client reads the stock, then writes back what it computed: the classic lost update
    // that place_order's conditional update avoids. SQLite serialises transactions, so the race
    // is between requests, where a client-side read-then-write puts it.
    setStock(70, 10);
    const naive = async () => {
      const { stock: seen } = (await (await fetch(`${url}/products/70?select=stock`)).json()) as { stock: number };
      if (seen < 1) return false;
      await new Promise((r) => setTimeout(r, 5));
      const res = await fetch(`${url}/products/70`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stock: seen - 1 }) });
      return res.status === 204;
    };
    const sold = (await Promise.all(Array.from({ length: 30 }, naive))).filter(Boolean).length;
    expect(sold).toBeGreaterThan(10 - stock(70));
  });
});
