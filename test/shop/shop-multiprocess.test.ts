/**
 * Several rowgate processes on one database, orders arriving at both at once: the stock guarantee
 * must hold across processes too (SQLite's file lock, PostgreSQL's and MySQL's row locks), not
 * only inside one process's write queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../helpers/cli-process.js';
import { selectedEngines, type EngineDatabase } from '../helpers/engines.js';
import '../helpers/all-engines.js';

for (const engine of selectedEngines()) {
  const reason = (await engine.unavailable()) ?? (engine.createShop ? null : 'no demo shop builder for this engine');
  if (reason) console.warn(`multi-process orders: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: orders from two server processes`, () => {
    let database: EngineDatabase;
    const servers: RunningCli[] = [];
    beforeAll(async () => {
      database = await engine.createShop!();
      for (let i = 0; i < 2; i++) servers.push(await startCli(['--db', database.url, '--log-level', 'silent']));
    }, 60_000);
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.stop()));
      await database?.drop();
    });

    it('sells exactly the stock, whichever process takes each order', async () => {
      await database.query('update products set stock = 40 where id in (201, 202, 203)');
      const orders = Array.from({ length: 150 }, (_, i) => ({
        customer_id: 1 + (i % 200),
        items: [{ product_id: 201 + (i % 3), quantity: 1 }, ...(i % 2 === 0 ? [{ product_id: 201 + ((i + 1) % 3), quantity: 1 }] : [])],
      }));
      const results = await Promise.all(
        orders.map(async (order, i) => {
          const res = await fetch(`${servers[i % 2].url}/rpc/place_order`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(order) });
          return res.status;
        }),
      );
      for (const status of results) expect([200, 409]).toContain(status);
      for (const p of [201, 202, 203]) {
        const ordered = orders
          .map((o, i) => (results[i] === 200 ? o.items.filter((l) => l.product_id === p).length : 0))
          .reduce((a, b) => a + b, 0);
        const [row] = await database.query(`select stock from products where id = ${p}`);
        expect(Number(row.stock)).toBe(40 - ordered);
        expect(Number(row.stock)).toBeGreaterThanOrEqual(0);
      }
      expect(results.filter((s) => s === 200).length).toBeGreaterThan(0);
    });

    it('waits out the other process’s writes instead of failing them', async () => {
      const results = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const res = await fetch(`${servers[i % 2].url}/customers`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ email: `mp-${engine.name}-${i}@example.com`, name: `Multi ${i}` }),
          });
          return res.status;
        }),
      );
      expect(results.filter((s) => s !== 201)).toEqual([]);
      const [row] = await database.query("select count(*) as n from customers where email like 'mp-%'");
      expect(Number(row.n)).toBe(200);
    });
  });
}
