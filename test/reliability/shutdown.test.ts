/**
 * Issue 8, item 12: shutdown with requests in flight. The real binary serves a fresh demo shop;
 * 50 requests go out at once (reads of a thousand order lines with embeddings, category inserts
 * with ids chosen here, `place_order` calls), and SIGTERM arrives while they are being served.
 * Checked:
 *
 * - every request either completes with a 2xx and its whole body, or gets an error in the
 *   documented JSON shape, or finds its connection refused or closed before any answer; none
 *   hangs, none gets a status line and then a cut-off body;
 * - the process exits with code 0 within 10 s of the signal;
 * - no half-written change: every 2xx write is in the database (each order with exactly its
 *   acknowledged lines), a category answered with an error is absent, every order of the run is
 *   complete, stock + quantity sold == the stock at the start, and (SQLite) the integrity check is
 *   ok.
 *
 * Fast: one round of 50 per engine; `RELIABILITY_SOAK=1`: 10 rounds, the signal after a varying
 * number of answers. A last pair of tests covers a bug found here (keep-alive connections kept the exit waiting).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type RunningCli } from '../helpers/cli-process.js';
import { selectedEngines, type EngineDatabase } from '../helpers/engines.js';
import '../helpers/all-engines.js';
import { errorShapeProblem } from './shop-under-test.js';
import { killIfRunning, stockBaseline, call, cents, runSeed, seededRandom, sleep, SOAK, workDir, type Answer } from './cli-load.js';

const ROUNDS = SOAK ? 10 : 1;
const IN_FLIGHT = 50;
const EXIT_WITHIN_MS = 10_000;
const PRODUCTS = [1, 2, 3, 4, 5, 6];
const STOCK = 1_000_000;
const FIRST_CATEGORY = 2_000_000;
const READ = '/order_items?select=order_id,product_id,quantity,unit_price,orders(id,status,customers(name)),products(name,price)&limit=1000';

interface Line {
  product_id: number;
  quantity: number;
  unit_price: number;
}

type Sent =
  | { kind: 'read'; path: string }
  | { kind: 'category'; path: string; id: number }
  | { kind: 'order'; path: string; customer_id: number; items: { product_id: number; quantity: number }[] };

for (const engine of selectedEngines()) {
  const reason = (await engine.unavailable()) ?? (engine.createShop ? null : 'no demo shop builder for this engine');
  if (reason) console.warn(`shutdown: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: SIGTERM with ${IN_FLIGHT} requests in flight`, () => {
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

    it(`finishes or cleanly refuses every request, writes nothing by halves, and exits within ${EXIT_WITHIN_MS / 1000} s (code 0 unless the keep-alive bug below is hit)`, async () => {
      const seed = runSeed();
      const random = seededRandom(seed + 12);
      let nextCategory = FIRST_CATEGORY;
      const ackedCategories = new Set<number>();
      const refusedCategories = new Set<number>();
      const ackedOrders = new Map<number, { customer_id: number; items: Line[] }>();
      let orderAttemptsUnanswered = 0;
      const problems: string[] = [];
      const summary: string[] = [];
      const tally = { ok: 0, error: 0, refused: 0 };

      for (let round = 0; round < ROUNDS; round++) {
        server = await startCli(['--db', database.url, '--log-level', 'silent', '--host', '127.0.0.1'], { cwd: dir.path });
        const base = server.url;
        const warm = await call(`${base}${READ}`);
        expect(warm.status, warm.body).toBe(200);

        const sent: Sent[] = Array.from({ length: IN_FLIGHT }, (_, i): Sent => {
          if (i % 5 === 1 || i % 5 === 3) {
            const id = nextCategory++;
            return { kind: 'category', path: '/categories', id };
          }
          if (i % 5 === 4) {
            const items = [{ product_id: PRODUCTS[i % PRODUCTS.length], quantity: 1 + (i % 3) }, { product_id: PRODUCTS[(i + 1) % PRODUCTS.length], quantity: 1 }];
            return { kind: 'order', path: '/rpc/place_order', customer_id: 1 + (i % 200), items };
          }
          return { kind: 'read', path: READ };
        });
        // The signal goes after this many answers (5 in the first round): the rest are then in
        // flight, some being served, some still unread in their sockets.
        const signalAfter = round === 0 ? 5 : 1 + Math.floor(random() * (IN_FLIGHT / 2));
        let answered = 0;
        let signalled: () => void = () => {};
        const signalTime = new Promise<void>((resolve) => (signalled = resolve));
        const requests = sent.map(async (s) => {
          const answer = await (s.kind === 'read'
            ? call(`${base}${s.path}`)
            : s.kind === 'category'
              ? call(`${base}${s.path}`, { json: { id: s.id, name: `shutdown ${s.id}`, slug: `shutdown-${s.id}` } })
              : call(`${base}${s.path}`, { json: { customer_id: s.customer_id, items: s.items } }));
          if (++answered >= signalAfter) signalled();
          return answer;
        });
        await signalTime;
        const doneAtSignal = answered;
        const child = server.child;
        const signalAt = performance.now();
        child.kill('SIGTERM');
        const code = await Promise.race([server.exited, new Promise<'late'>((r) => setTimeout(() => r('late'), EXIT_WITHIN_MS + 5000))]);
        const exitMs = performance.now() - signalAt;
        const answers: Answer[] = await Promise.all(requests);

        // Found by this suite (fixed in server/app.ts, bindGracefulClose): an answer given after
        // SIGTERM on a keep-alive connection left it open, and the exit waited for the client.
        expect(code, `exit after SIGTERM; stderr:\n${server.output().stderr}`).toBe(0);
        expect(exitMs, 'time from SIGTERM to exit').toBeLessThan(EXIT_WITHIN_MS);
        server = null;

        let ok = 0;
        let errors = 0;
        let refused = 0;
        sent.forEach((s, i) => {
          const a = answers[i];
          const what = `round ${round + 1}, ${s.kind} ${s.kind === 'category' ? s.id : ''}`;
          if (a.aborted) return problems.push(`${what}: hung for ${Math.round(a.ms)} ms`);
          if (a.status === null) {
            // Refused or closed before any answer: the client can retry; the write may or may not be in.
            refused++;
            if (s.kind === 'order') orderAttemptsUnanswered++;
            return;
          }
          if (a.error !== null) return problems.push(`${what}: ${a.status} and then the body was cut short (${a.error})`);
          if (a.status >= 200 && a.status < 300) {
            ok++;
            try {
              const body = JSON.parse(a.body) as unknown;
              if (s.kind === 'read' && (!Array.isArray(body) || body.length !== 1000)) problems.push(`${what}: 2xx read with ${Array.isArray(body) ? body.length : 'no'} rows`);
              if (s.kind === 'category') ackedCategories.add(s.id);
              if (s.kind === 'order') {
                const order = body as { order_id: number; items: Line[] };
                ackedOrders.set(order.order_id, { customer_id: s.customer_id, items: order.items });
              }
            } catch {
              if (s.kind === 'category' && a.body === '') ackedCategories.add(s.id);
              else problems.push(`${what}: ${a.status} with a body that is not JSON: ${a.body.slice(0, 200)}`);
            }
            return;
          }
          errors++;
          const shape = errorShapeProblem(s.path, a.headers?.get('content-type') ?? undefined, a.body);
          if (shape) problems.push(`${what}: ${a.status} not in the error shape (${shape}): ${a.body.slice(0, 200)}`);
          if (s.kind === 'category') refusedCategories.add(s.id);
        });
        tally.ok += ok;
        tally.error += errors;
        tally.refused += refused;
        summary.push(
          `signal after ${doneAtSignal} answers: ${ok} 2xx, ${errors} errors, ${refused} refused/closed, ` +
            `exit ${String(code)} after ${Math.round(exitMs)} ms`,
        );
      }

      // The database, after the last shutdown.
      if (engine.name === 'sqlite') {
        expect(await database.query('pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
        expect(await database.query('pragma foreign_key_check')).toEqual([]);
      }
      const present = new Set((await database.query(`select id from categories where id >= ${FIRST_CATEGORY}`)).map((r) => Number(r.id)));
      expect([...ackedCategories].filter((id) => !present.has(id)), 'acknowledged categories missing').toEqual([]);
      expect([...refusedCategories].filter((id) => present.has(id)), 'categories answered with an error but stored').toEqual([]);

      const orders = await database.query(`select id, customer_id, total from orders where id >= ${firstOrder}`);
      const items = await database.query(`select order_id, product_id, quantity, unit_price from order_items where order_id >= ${firstOrder} order by order_id, product_id`);
      const linesOf = new Map<number, Line[]>();
      for (const r of items) {
        const id = Number(r.order_id);
        if (!linesOf.has(id)) linesOf.set(id, []);
        linesOf.get(id)!.push({ product_id: Number(r.product_id), quantity: Number(r.quantity), unit_price: Number(r.unit_price) });
      }
      const orderIds = new Set(orders.map((o) => Number(o.id)));
      expect([...linesOf.keys()].filter((id) => !orderIds.has(id)), 'order lines without their order').toEqual([]);
      for (const o of orders) {
        const lines = linesOf.get(Number(o.id)) ?? [];
        const sum = lines.reduce((s, l) => s + cents(l.unit_price) * l.quantity, 0);
        if (lines.length === 0 || sum !== cents(o.total)) problems.push(`order ${o.id} half-applied: total ${o.total}, lines ${JSON.stringify(lines)}`);
      }
      const byId = new Map(orders.map((o) => [Number(o.id), o]));
      for (const [id, acked] of ackedOrders) {
        const row = byId.get(id);
        const stored = (linesOf.get(id) ?? []).map((l) => `${l.product_id}x${l.quantity}`).join(',');
        const answered = [...acked.items].sort((a, b) => a.product_id - b.product_id).map((l) => `${l.product_id}x${l.quantity}`).join(',');
        if (!row || Number(row.customer_id) !== acked.customer_id || stored !== answered) problems.push(`acknowledged order ${id}: stored ${row ? stored : 'nothing'}, answered ${answered}`);
      }
      // Orders answered with an error left nothing: only acknowledged or unanswered ones are there.
      expect(orders.length, 'orders stored').toBeLessThanOrEqual(ackedOrders.size + orderAttemptsUnanswered);
      expect(orders.length).toBeGreaterThanOrEqual(ackedOrders.size);

      const sold = new Map<number, number>();
      for (const r of items) sold.set(Number(r.product_id), (sold.get(Number(r.product_id)) ?? 0) + Number(r.quantity));
      for (const r of await database.query('select id, stock from products')) {
        const id = Number(r.id);
        if (Number(r.stock) + (sold.get(id) ?? 0) !== startStock.get(id)) problems.push(`product ${id}: stock ${r.stock} + sold ${sold.get(id) ?? 0} != ${startStock.get(id)}`);
      }

      console.log(
        `shutdown ${engine.name}: seed ${seed}, ${ROUNDS} round(s) of ${IN_FLIGHT}: ${tally.ok} 2xx, ${tally.error} errors, ${tally.refused} refused/closed; ` +
          `${ackedCategories.size} categories and ${ackedOrders.size} orders acknowledged, ${orders.length} orders stored; ${summary.join('; ')}`,
      );
      expect(problems).toEqual([]);
      expect(tally.ok, 'requests completed').toBeGreaterThan(0);
    }, SOAK ? 600_000 : 90_000);

    // The trigger of the bug above, made certain: one keep-alive connection whose request is being
    // received when SIGTERM comes (headers sent, body not yet), finished after the signal.
    let pinned: { status: number | null; connection: string | null; code: number | null | 'late'; exitMs: number } | null = null;

    it('serves a request that was being received at SIGTERM, and the process still ends within 10 s', async () => {
      const dir2 = workDir();
      const cli = await startCli(['--db', database.url, '--log-level', 'silent', '--host', '127.0.0.1'], { cwd: dir2.path });
      try {
        const id = FIRST_CATEGORY + 900_000;
        const body = JSON.stringify({ id, name: `pinned ${id}`, slug: `pinned-${id}` });
        const port = Number(new URL(cli.url).port);
        const socket = connect(port, '127.0.0.1');
        let text = '';
        socket.on('data', (d) => (text += d.toString('latin1')));
        socket.on('error', () => {});
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        socket.write(`POST /categories HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
        await sleep(300);
        const signalAt = performance.now();
        cli.child.kill('SIGTERM');
        await sleep(200);
        socket.write(body.slice(10));
        const code = await Promise.race([cli.exited, new Promise<'late'>((r) => setTimeout(() => r('late'), EXIT_WITHIN_MS + 5000))]);
        const exitMs = performance.now() - signalAt;
        socket.destroy();
        const status = /^HTTP\/1\.1 (\d{3})/.exec(text);
        const connection = /\r\nconnection: *([^\r]*)/i.exec(text);
        pinned = { status: status ? Number(status[1]) : null, connection: connection ? connection[1] : null, code, exitMs };
        console.log(`shutdown ${engine.name}: request being received at SIGTERM: ${JSON.stringify({ ...pinned, exitMs: Math.round(exitMs) })}`);
        expect(pinned.status, text).toBe(201);
        expect((await database.query(`select id from categories where id = ${id}`)).length).toBe(1);
        expect(code, 'the process must end (its watchdog at the latest)').not.toBe('late');
        expect(exitMs).toBeLessThan(EXIT_WITHIN_MS + 1500);
      } finally {
        if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
        await cli.exited;
        dir2.remove();
      }
    }, 60_000);

    // BUG: SIGTERM with a keep-alive connection that has a request in flight: the answer goes out
    // with `Connection: keep-alive` (`Keep-Alive: timeout=72`) and the socket stays open, so
    // `server.close()` waits for the client to hang up; the CLI's 10 s watchdog then ends the
    // process with exit code 1 instead of 0. Trigger: any HTTP/1.1 keep-alive client (fetch, a
    // proxy) with a request being served when SIGTERM arrives. Seen on every engine (on SQLite only
    // when a request is truly mid-flight, as in the test above; on PostgreSQL and MySQL, with 50
    // requests in flight, every time). Fix: close each connection once its in-flight answer is sent
    // (`Connection: close` on answers after close() began), so the exit is 0 and immediate.
    it('exits with code 0 within 10 s after answering a request that was in flight at SIGTERM', () => {
      expect(pinned, 'the scenario above ran').not.toBeNull();
      expect(pinned!.code).toBe(0);
      expect(pinned!.exitMs).toBeLessThan(EXIT_WITHIN_MS);
    });
  });
}
