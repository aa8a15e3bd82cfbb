/**
 * Issue 8, item 7: crash consistency. The real binary serves a fresh demo shop; a mixed write load
 * over HTTP (category inserts with ids chosen here, `POST /rpc/place_order` with small quantities)
 * runs until the process is killed with SIGKILL at a random moment; then it is restarted on the
 * same database and checked:
 *
 * - every acknowledged (2xx) category and order is there, the order with exactly the acknowledged
 *   lines, prices and total;
 * - no order is half-applied: every order made during the run has its lines and a total that is
 *   their sum, and no line lacks its order;
 * - for every product, stock now + quantity sold since the start == the stock at the start;
 * - on SQLite, `PRAGMA integrity_check` is `ok` and `PRAGMA foreign_key_check` is empty;
 * - the restarted server answers reads and writes.
 *
 * Fast: 5 kill cycles per engine; `RELIABILITY_SOAK=1`: 30. The checks run after every cycle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../helpers/cli-process.js';
import { selectedEngines, type EngineDatabase } from '../helpers/engines.js';
import '../helpers/all-engines.js';
import { killIfRunning, stockBaseline, call, cents, runSeed, seededRandom, sleep, SOAK, workDir } from './cli-load.js';

const CYCLES = SOAK ? 30 : 5;
const WORKERS = 6;
/** The kill comes this long after the load starts: [min, max) ms. */
const KILL_AFTER_MS: [number, number] = SOAK ? [100, 3000] : [150, 1200];
/** Products the orders take from, with a stock no run can exhaust. */
const PRODUCTS = Array.from({ length: 12 }, (_, i) => i + 1);
const STOCK = 1_000_000;
/** Categories made here have ids from this one up, far above the demo's. */
const FIRST_CATEGORY = 1_000_000;

interface Line {
  product_id: number;
  quantity: number;
  unit_price: number;
}

for (const engine of selectedEngines()) {
  const reason = (await engine.unavailable()) ?? (engine.createShop ? null : 'no demo shop builder for this engine');
  if (reason) console.warn(`crash consistency: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: kill -9 during writes, then restart`, () => {
    let database: EngineDatabase;
    let dir: ReturnType<typeof workDir>;
    let server: RunningCli | null = null;
    /** Stock of every product before the first write, and the largest order id then. */
    let startStock = new Map<number, number>();
    let firstOrder = 0;

    beforeAll(async () => {
      database = await engine.createShop!();
      dir = workDir();
      ({ startStock, firstOrder } = await stockBaseline(database, PRODUCTS, STOCK));
    }, 60_000);

    afterAll(async () => {
      await killIfRunning(server);
      await database?.drop();
      dir?.remove();
    });

    const serve = () => startCli(['--db', database.url, '--log-level', 'silent', '--host', '127.0.0.1'], { cwd: dir.path });

    it(`keeps every acknowledged write and never half an order, over ${CYCLES} kills`, async () => {
      const seed = runSeed();
      const random = seededRandom(seed + engine.name.length);
      let nextCategory = FIRST_CATEGORY;
      const sentCategories = new Set<number>();
      const ackedCategories = new Set<number>();
      const ackedOrders = new Map<number, { customer_id: number; total: number; items: Line[] }>();
      const unexpected: string[] = [];
      let unanswered = 0;
      let refusedOrders = 0;
      const perCycle: string[] = [];
      const started = performance.now();

      // Each restarted server is checked, then takes the next cycle's load.
      server = await serve();
      for (let cycle = 0; cycle < CYCLES; cycle++) {
        const base = server.url;
        let stop = false;
        let acked = 0;

        const worker = async () => {
          while (!stop) {
            if (random() < 0.5) {
              const id = nextCategory++;
              sentCategories.add(id);
              const res = await call(`${base}/categories`, { json: { id, name: `crash ${id}`, slug: `crash-${id}`, description: `cycle ${cycle}` } });
              if (res.status === 201 && res.error === null) {
                ackedCategories.add(id);
                acked++;
              } else if (res.error !== null) unanswered++;
              else unexpected.push(`POST /categories ${id}: ${res.status} ${res.body.slice(0, 200)}`);
            } else {
              const lines = 1 + Math.floor(random() * 3);
              const items = Array.from({ length: lines }, () => ({
                product_id: PRODUCTS[Math.floor(random() * PRODUCTS.length)],
                quantity: 1 + Math.floor(random() * 3),
              }));
              const customer_id = 1 + Math.floor(random() * 200);
              const res = await call(`${base}/rpc/place_order`, { json: { customer_id, items } });
              if (res.status === 200 && res.error === null) {
                const body = JSON.parse(res.body) as { order_id: number; total: number; items: Line[] };
                ackedOrders.set(body.order_id, { customer_id, total: body.total, items: body.items });
                acked++;
                // The answer itself must be the whole order: the lines asked for, merged per product.
                const asked = new Map<number, number>();
                for (const l of items) asked.set(l.product_id, (asked.get(l.product_id) ?? 0) + l.quantity);
                const answered = new Map(body.items.map((l) => [l.product_id, l.quantity]));
                if (JSON.stringify([...asked].sort()) !== JSON.stringify([...answered].sort())) {
                  unexpected.push(`order ${body.order_id} answered ${JSON.stringify(body.items)} for ${JSON.stringify(items)}`);
                }
              } else if (res.error !== null) unanswered++;
              else {
                refusedOrders++;
                unexpected.push(`POST /rpc/place_order: ${res.status} ${res.body.slice(0, 200)}`);
              }
            }
          }
        };

        const workers = Array.from({ length: WORKERS }, worker);
        const killAfter = KILL_AFTER_MS[0] + Math.floor(random() * (KILL_AFTER_MS[1] - KILL_AFTER_MS[0]));
        await sleep(killAfter);
        server.child.kill('SIGKILL');
        const code = await server.exited;
        expect(server.child.signalCode, `exit code ${code}`).toBe('SIGKILL');
        stop = true;
        await Promise.all(workers);
        perCycle.push(`${killAfter}ms/${acked}`);

        // Restart on the same database, then check it (through the restarted server and directly).
        server = await serve();
        await checkConsistency(server.url, cycle);
      }
      expect(await server.stop(), 'exit code after SIGTERM').toBe(0);
      server = null;

      async function checkConsistency(base: string, cycle: number) {
        const at = `after kill ${cycle + 1}`;
        expect(unexpected, at).toEqual([]);

        if (engine.name === 'sqlite') {
          expect(await database.query('pragma integrity_check'), at).toEqual([{ integrity_check: 'ok' }]);
          expect(await database.query('pragma foreign_key_check'), at).toEqual([]);
        }

        // Categories: every acknowledged one is there; nothing there that was never sent.
        const present = new Set((await database.query(`select id from categories where id >= ${FIRST_CATEGORY}`)).map((r) => Number(r.id)));
        const lost = [...ackedCategories].filter((id) => !present.has(id));
        expect(lost, `${at}: acknowledged categories lost`).toEqual([]);
        expect([...present].filter((id) => !sentCategories.has(id)), at).toEqual([]);
        // The restarted server sees the same rows (the count, and the largest id: a page is capped at max rows).
        const api = await call(`${base}/categories?select=id&id=gte.${FIRST_CATEGORY}&order=id.desc&limit=1`, { headers: { prefer: 'count=exact' } });
        expect([200, 206], api.body).toContain(api.status);
        expect(api.headers!.get('content-range'), at).toMatch(new RegExp(`/${present.size}$`));
        expect((JSON.parse(api.body) as { id: number }[]).map((r) => r.id), at).toEqual(present.size === 0 ? [] : [Math.max(...present)]);

        // Orders: every acknowledged one whole; every order of the run complete.
        const orders = await database.query(`select id, customer_id, total from orders where id >= ${firstOrder}`);
        const items = await database.query(`select order_id, product_id, quantity, unit_price from order_items where order_id >= ${firstOrder} order by order_id, product_id`);
        const linesOf = new Map<number, Line[]>();
        for (const r of items) {
          const id = Number(r.order_id);
          if (!linesOf.has(id)) linesOf.set(id, []);
          linesOf.get(id)!.push({ product_id: Number(r.product_id), quantity: Number(r.quantity), unit_price: Number(r.unit_price) });
        }
        const orderIds = new Set(orders.map((o) => Number(o.id)));
        expect([...linesOf.keys()].filter((id) => !orderIds.has(id)), `${at}: lines without their order`).toEqual([]);
        const halfApplied: string[] = [];
        for (const o of orders) {
          const lines = linesOf.get(Number(o.id)) ?? [];
          const sum = lines.reduce((s, l) => s + cents(l.unit_price) * l.quantity, 0);
          if (lines.length === 0 || sum !== cents(o.total)) halfApplied.push(`order ${o.id}: total ${o.total}, lines ${JSON.stringify(lines)}`);
        }
        expect(halfApplied, `${at}: half-applied orders`).toEqual([]);
        const byId = new Map(orders.map((o) => [Number(o.id), o]));
        const wrong: string[] = [];
        for (const [id, acked] of ackedOrders) {
          const row = byId.get(id);
          if (!row) {
            wrong.push(`order ${id} acknowledged but lost`);
            continue;
          }
          const stored = (linesOf.get(id) ?? []).map((l) => `${l.product_id}x${l.quantity}@${cents(l.unit_price)}`).join(',');
          const answered = [...acked.items].sort((a, b) => a.product_id - b.product_id).map((l) => `${l.product_id}x${l.quantity}@${cents(l.unit_price)}`).join(',');
          if (stored !== answered || Number(row.customer_id) !== acked.customer_id || cents(row.total) !== cents(acked.total)) {
            wrong.push(`order ${id}: stored ${stored} total ${row.total} customer ${row.customer_id}, answered ${answered} total ${acked.total} customer ${acked.customer_id}`);
          }
        }
        expect(wrong, at).toEqual([]);

        // Stock: what is left plus what was sold is what there was.
        const sold = new Map<number, number>();
        for (const r of items) sold.set(Number(r.product_id), (sold.get(Number(r.product_id)) ?? 0) + Number(r.quantity));
        const stockNow = await database.query('select id, stock from products');
        const leaks: string[] = [];
        for (const r of stockNow) {
          const id = Number(r.id);
          const expected = startStock.get(id);
          if (Number(r.stock) + (sold.get(id) ?? 0) !== expected) leaks.push(`product ${id}: stock ${r.stock} + sold ${sold.get(id) ?? 0} != ${expected}`);
        }
        expect(stockNow.length).toBe(startStock.size);
        expect(leaks, `${at}: stock not accounted for`).toEqual([]);

        // The restarted server takes writes again (nothing left locked by the killed process).
        const order = await call(`${base}/rpc/place_order`, { json: { customer_id: 1, items: [{ product_id: PRODUCTS[0], quantity: 1 }] } });
        expect(order.status, order.body).toBe(200);
        const body = JSON.parse(order.body) as { order_id: number; total: number; items: Line[] };
        ackedOrders.set(body.order_id, { customer_id: 1, total: body.total, items: body.items });
      }

      const totalOrders = Number((await database.query(`select count(*) as n from orders where id >= ${firstOrder}`))[0].n);
      console.log(
        `crash consistency ${engine.name}: seed ${seed}, ${CYCLES} kills (after ms/acknowledged: ${perCycle.join(' ')}), ` +
          `${ackedCategories.size} categories and ${ackedOrders.size} orders acknowledged, ${unanswered} requests cut off by a kill, ` +
          `${totalOrders} orders stored, ${refusedOrders} refused, ${Math.round(performance.now() - started)} ms`,
      );
      expect(ackedCategories.size).toBeGreaterThan(0);
      expect(ackedOrders.size).toBeGreaterThan(CYCLES);
    }, SOAK ? 900_000 : 120_000);
  });
}
