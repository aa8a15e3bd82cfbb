/**
 * The demo shop's actions over real HTTP on every engine: place_order and cancel_order, input
 * checks, dry runs, idempotency, and the concurrency guarantee (never oversell), with a
 * deliberately naive read-then-write that does oversell, to show the checks can see a race.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RowgateServer } from '../../src/index.js';
import { shopActions, shopHooks } from '../../src/demo/shop-actions.js';
import { selectedEngines, type EngineDatabase } from '../helpers/engines.js';
import '../helpers/all-engines.js';

for (const engine of selectedEngines()) {
  const reason = (await engine.unavailable()) ?? (engine.createShop ? null : 'no demo shop builder for this engine yet');
  if (reason) console.warn(`shop actions: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: demo shop actions`, () => {
    let database: EngineDatabase;
    let server: RowgateServer;
    let url: string;

    beforeAll(async () => {
      database = await engine.createShop!();
      server = await createServer({ db: database.url, port: 0, logLevel: 'silent', actions: shopActions, hooks: shopHooks, poolSize: 10 });
      url = await server.listen();
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await database?.drop();
    });

    const call = async (name: string, body: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${url}/rpc/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as any, headers: res.headers };
    };
    const one = async (sql: string) => Number(Object.values((await database.query(sql))[0])[0]);
    const stock = (id: number) => one(`select stock from products where id = ${id}`);
    const setStock = (id: number, n: number) => database.query(`update products set stock = ${n} where id = ${id}`);
    const orders = () => one('select count(*) from orders');
    const sold = (id: number) => one(`select coalesce(sum(quantity), 0) from order_items where product_id = ${id}`);

    it('places an order: stock taken, order and items recorded at current prices', async () => {
      await setStock(10, 20);
      await setStock(11, 20);
      const before = await orders();
      const price10 = await one('select price from products where id = 10');
      const price11 = await one('select price from products where id = 11');
      const res = await call('place_order', { customer_id: 3, items: [{ product_id: 11, quantity: 1 }, { product_id: 10, quantity: 3 }] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'pending', total: Math.round((price10 * 3 + price11) * 100) / 100 });
      expect([await stock(10), await stock(11), await orders()]).toEqual([17, 19, before + 1]);
      const items = await database.query(`select product_id, quantity, unit_price from order_items where order_id = ${res.body.order_id} order by product_id`);
      expect(items.map((r) => [Number(r.product_id), Number(r.quantity), Number(r.unit_price)])).toEqual([[10, 3, price10], [11, 1, price11]]);
    });

    it('refuses as a whole with 409 out_of_stock naming the product', async () => {
      await setStock(20, 5);
      await setStock(21, 1);
      const before = await orders();
      const res = await call('place_order', { customer_id: 1, items: [{ product_id: 20, quantity: 2 }, { product_id: 21, quantity: 2 }] });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('out_of_stock');
      expect(res.body.message).toContain('product 21');
      expect([await stock(20), await stock(21), await orders()]).toEqual([5, 1, before]);
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
      await setStock(30, 10);
      const placed = await call('place_order', { customer_id: 2, items: [{ product_id: 30, quantity: 4 }] });
      expect(await stock(30)).toBe(6);
      expect((await call('cancel_order', { order_id: placed.body.order_id })).status).toBe(200);
      expect(await stock(30)).toBe(10);
      const again = await call('cancel_order', { order_id: placed.body.order_id });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('already_cancelled');
      expect(await stock(30)).toBe(10);
    });

    it('dry-runs with Prefer: tx=rollback', async () => {
      await setStock(40, 10);
      const before = await orders();
      const res = await call('place_order', { customer_id: 2, items: [{ product_id: 40, quantity: 4 }] }, { prefer: 'tx=rollback' });
      expect(res.status).toBe(200);
      expect(res.headers.get('preference-applied')).toBe('tx=rollback');
      expect([await stock(40), await orders()]).toEqual([10, before]);
    });

    it('keeps products.updated_at current through its hook', async () => {
      await database.query("update products set updated_at = '2000-01-01T00:00:00Z' where id = 5");
      const res = await fetch(`${url}/products/5`, { method: 'PATCH', headers: { 'content-type': 'application/json', prefer: 'return=representation' }, body: JSON.stringify({ stock: 7 }) });
      expect(res.status).toBe(200);
      expect(Date.parse(((await res.json()) as { updated_at: string }).updated_at)).toBeGreaterThan(Date.parse('2020-01-01'));
    });

    it('replays an Idempotency-Key: 100 retries, one order', async () => {
      await setStock(50, 500);
      const before = await orders();
      const body = { customer_id: 4, items: [{ product_id: 50, quantity: 1 }] };
      const first = await call('place_order', body, { 'idempotency-key': `order-${engine.name}` });
      const replies = await Promise.all(Array.from({ length: 100 }, () => call('place_order', body, { 'idempotency-key': `order-${engine.name}` })));
      for (const r of replies) expect(r.body).toEqual(first.body);
      expect([await orders(), await stock(50)]).toEqual([before + 1, 499]);
      expect((await call('place_order', { ...body, customer_id: 5 }, { 'idempotency-key': `order-${engine.name}` })).status).toBe(422);
    });

    it('never oversells: 200 concurrent orders for a product with stock 50', async () => {
      await setStock(60, 50);
      const sold0 = await sold(60);
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => call('place_order', { customer_id: 1 + (i % 200), items: [{ product_id: 60, quantity: 1 }] })));
      const refused = results.filter((r) => r.status === 409);
      expect(results.filter((r) => r.status === 200)).toHaveLength(50);
      expect(refused).toHaveLength(150);
      for (const r of refused) expect(r.body.code).toBe('out_of_stock');
      expect(await stock(60)).toBe(0);
      expect((await sold(60)) - sold0).toBe(50);
    });

    it('never oversells with mixed multi-item orders across 20 products', async () => {
      for (let p = 100; p < 120; p++) await setStock(p, 30);
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
        expect(await stock(p)).toBe(30 - ordered);
      }
    });

    it('a naive read-then-write does oversell (the checks above can see a race)', async () => {
      // Each client reads the stock, then writes back what it computed: the classic lost update
      // that place_order's conditional update avoids.
      await setStock(70, 10);
      const naive = async () => {
        const { stock: seen } = (await (await fetch(`${url}/products/70?select=stock`)).json()) as { stock: number };
        if (seen < 1) return false;
        await new Promise((r) => setTimeout(r, 5));
        const res = await fetch(`${url}/products/70`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ stock: seen - 1 }) });
        return res.status === 204;
      };
      const soldNaively = (await Promise.all(Array.from({ length: 30 }, naive))).filter(Boolean).length;
      expect(soldNaively).toBeGreaterThan(10 - (await stock(70)));
    });
  });
}
