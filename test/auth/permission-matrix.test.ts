/**
 * The permission matrix of the demo shop's rules, on every engine: every table × operation ×
 * route kind × principal (anonymous, customer A, customer B, service), each with its expected
 * outcome, checked against the HTTP answer and the rows in the database afterwards. The routes
 * come from the service role's OpenAPI document; one the matrix does not cover fails the test.
 * Customer A must never see or change customer B's rows by any path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RowgateServer } from '../../src/index.js';
import { shopActions, shopHooks } from '../../src/demo/shop-actions.js';
import { SHOP_RULES, shopAuth } from '../../src/demo/shop-auth.js';
import { selectedEngines, type EngineDatabase } from '../helpers/engines.js';
import '../helpers/all-engines.js';

type Principal = 'anon' | 'A' | 'B' | 'service';
type Operation = 'select' | 'insert' | 'update' | 'delete';
/** `all`: every row; `own`: the principal's rows only; `denied`: the table is visible, the operation is not; `hidden`: the table does not exist for them. */
type Access = 'all' | 'own' | 'denied' | 'hidden';

const PRINCIPALS: readonly Principal[] = ['anon', 'A', 'B', 'service'];
const OPERATIONS: readonly Operation[] = ['select', 'insert', 'update', 'delete'];

/** What SHOP_RULES promise, written out independently of them. */
const EXPECTED: Record<string, Record<Operation, Record<Principal, Access>>> = {
  categories: { select: { anon: 'all', A: 'all', B: 'all', service: 'all' }, insert: d(), update: d(), delete: d() },
  products: { select: { anon: 'all', A: 'all', B: 'all', service: 'all' }, insert: d(), update: d(), delete: d() },
  customers: {
    select: { anon: 'hidden', A: 'own', B: 'own', service: 'all' },
    insert: dh(), update: { anon: 'hidden', A: 'own', B: 'own', service: 'all' }, delete: dh(),
  },
  orders: { select: { anon: 'hidden', A: 'own', B: 'own', service: 'all' }, insert: dh(), update: dh(), delete: dh() },
  order_items: { select: { anon: 'hidden', A: 'own', B: 'own', service: 'all' }, insert: dh(), update: dh(), delete: dh() },
};
function d(): Record<Principal, Access> {
  return { anon: 'denied', A: 'denied', B: 'denied', service: 'all' };
}
function dh(): Record<Principal, Access> {
  return { anon: 'hidden', A: 'denied', B: 'denied', service: 'all' };
}

/** Per table: its key, who owns a row, a new valid row, and a harmless change. */
interface TableCase {
  readonly key: readonly string[];
  /** SQL expression giving the owning customer id of a row of the table (aliased `t`), or null: nobody owns it. */
  readonly owner: string | null;
  readonly patch: Record<string, unknown>;
  newRow(n: number): Record<string, unknown>;
}

const TABLES: Record<string, TableCase> = {
  categories: { key: ['id'], owner: null, patch: { description: 'changed by matrix' }, newRow: (n) => ({ id: 9000 + n, name: `Matrix ${n}`, slug: `matrix-${n}` }) },
  products: {
    key: ['id'], owner: null, patch: { description: 'changed by matrix' },
    newRow: (n) => ({ id: 900000 + n, sku: `MX-${n}`, name: `Matrix ${n}`, category_id: 1, price: 1, stock: 1 }),
  },
  customers: { key: ['id'], owner: 't.id', patch: { city: 'Matrixville' }, newRow: (n) => ({ id: 900000 + n, email: `m${n}@matrix.test`, name: `M ${n}` }) },
  orders: { key: ['id'], owner: 't.customer_id', patch: { status: 'paid' }, newRow: (n) => ({ id: 900000 + n, customer_id: 1, status: 'pending', total: 0 }) },
  order_items: {
    key: ['order_id', 'product_id'], owner: '(select o.customer_id from orders o where o.id = t.order_id)', patch: { quantity: 7 },
    newRow: () => ({ order_id: 1, product_id: 999, quantity: 1, unit_price: 1 }),
  },
};

const SECRETS = { jwtSecret: 'matrix-secret-0123456789-abcdefghijklmnop', anonKey: 'anon-key-matrix-0123456789', serviceKey: 'service-key-matrix-0123456789' };

for (const engine of selectedEngines()) {
  const reason = (await engine.unavailable()) ?? (engine.createShop ? null : 'no demo shop builder for this engine');
  if (reason) console.warn(`permission matrix: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: permission matrix of the demo shop`, () => {
    let database: EngineDatabase;
    let server: RowgateServer;
    let url: string;
    const headers: Record<Principal, Record<string, string>> = {
      anon: { apikey: SECRETS.anonKey },
      A: {},
      B: {},
      service: { apikey: SECRETS.serviceKey, authorization: `Bearer ${SECRETS.serviceKey}` },
    };
    const customerOf: Partial<Record<Principal, number>> = {};
    let cells = 0;

    beforeAll(async () => {
      database = await engine.createShop!();
      server = await createServer({
        db: database.url, port: 0, logLevel: 'silent', actions: shopActions, hooks: shopHooks,
        auth: shopAuth(SECRETS), rules: SHOP_RULES,
      });
      url = await server.listen();
      for (const who of ['A', 'B'] as const) {
        const res = await fetch(`${url}/auth/v1/signup`, {
          method: 'POST', headers: { 'content-type': 'application/json', apikey: SECRETS.anonKey },
          body: JSON.stringify({ email: `${who.toLowerCase()}-${engine.name}@matrix.test`, password: 'correct horse battery', data: { name: `Customer ${who}` } }),
        });
        const body = (await res.json()) as { access_token: string; user: { app_metadata: { customer_id: number } } };
        expect(res.status).toBe(200);
        headers[who] = { apikey: SECRETS.anonKey, authorization: `Bearer ${body.access_token}` };
        customerOf[who] = body.user.app_metadata.customer_id;
        // Each customer orders twice, so each owns orders and order items.
        for (const product of [1, 2]) {
          const order = await call(who, 'POST', '/rpc/place_order', { items: [{ product_id: product, quantity: 1 }] });
          expect(order.status).toBe(200);
        }
      }
    }, 60_000);
    afterAll(async () => {
      console.log(`permission matrix (${engine.name}): ${cells} cells checked`);
      await server?.close();
      await database?.drop();
    });

    async function call(who: Principal, method: string, path: string, body?: unknown, extra: Record<string, string> = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { ...headers[who], ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extra },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
    }
    const rows = (sql: string) => database.query(sql);
    const keyOf = (table: string, row: Record<string, unknown>) => TABLES[table].key.map((k) => String(row[k])).join(',');
    /** Keys of the rows a principal may see, by the independent definition of ownership. */
    async function visibleKeys(table: string, who: Principal, access: Access): Promise<string[]> {
      const all = await rows(`select t.*, ${TABLES[table].owner ?? 'null'} as matrix_owner from ${table} t`);
      const mine = access === 'own' ? all.filter((r) => Number(r.matrix_owner) === customerOf[who]) : all;
      return mine.map((r) => keyOf(table, r)).sort();
    }
    /** One row owned by `who` (or any row for unowned tables), and one owned by the other customer. */
    async function sampleRows(table: string): Promise<{ A: Record<string, unknown>; B: Record<string, unknown> }> {
      const c = TABLES[table];
      if (!c.owner) {
        const list = await rows(`select * from ${table} t order by ${c.key.join(', ')} limit 2`);
        return { A: list[0], B: list[1] };
      }
      const pick = async (who: 'A' | 'B') => (await rows(`select * from ${table} t where ${c.owner} = ${customerOf[who]} order by ${c.key.join(', ')} limit 1`))[0];
      return { A: await pick('A'), B: await pick('B') };
    }
    const rowUrl = (table: string, row: Record<string, unknown>) => `/${table}/${TABLES[table].key.map((k) => encodeURIComponent(String(row[k]))).join(',')}`;
    const keyFilter = (table: string, row: Record<string, unknown>) => TABLES[table].key.map((k) => `${k}=eq.${encodeURIComponent(String(row[k]))}`).join('&');
    const keyWhere = (table: string, row: Record<string, unknown>) => TABLES[table].key.map((k) => `${k} = '${String(row[k]).replace(/'/g, "''")}'`).join(' and ');
    const snapshot = async (table: string) => JSON.stringify(await rows(`select * from ${table} order by ${TABLES[table].key.join(', ')}`));
    /** Whether row `row` of `who`'s counterpart is theirs to touch. */
    const allowedOn = (access: Access, who: Principal, owner: 'A' | 'B') => access === 'all' || (access === 'own' && who === owner);

    function expectRefused(res: { status: number; headers: Headers; json(): any }, access: Access, who: Principal) {
      if (access === 'hidden') {
        expect(res.status).toBe(404);
        expect(res.json().code).toBe('PGRST205');
      } else {
        expect(res.status).toBe(who === 'anon' ? 401 : 403);
        expect(res.json().code).toBe('42501');
        if (who === 'anon') expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    }

    /** The route kinds the matrix covers, per operation, as `METHOD path-template` of the OpenAPI document. */
    const COVERED: Record<Operation, readonly string[]> = {
      select: ['get /{t}', 'get /{t}/{id}', 'head /{t}'],
      insert: ['post /{t}'],
      update: ['patch /{t}', 'patch /{t}/{id}', 'put /{t}/{id}'],
      delete: ['delete /{t}', 'delete /{t}/{id}'],
    };

    it('covers every route of the OpenAPI document', async () => {
      const doc = (await call('service', 'GET', '/')).json() as { paths: Record<string, Record<string, unknown>> };
      const missing: string[] = [];
      for (const [path, item] of Object.entries(doc.paths)) {
        for (const method of Object.keys(item).filter((m) => ['get', 'head', 'post', 'patch', 'put', 'delete'].includes(m))) {
          // The document itself and the operational endpoints hold no rows.
          if (path === '/' || path.startsWith('/_/')) continue;
          if (path.startsWith('/rpc/')) {
            if (!['place_order', 'cancel_order'].includes(path.slice(5))) missing.push(`${method} ${path}`);
            continue;
          }
          const table = path.split('/')[1];
          const template = path.split('/').length > 2 ? `${method} /{t}/{id}` : `${method} /{t}`;
          if (!EXPECTED[table] || !Object.values(COVERED).some((kinds) => kinds.includes(template))) missing.push(`${method} ${path}`);
        }
      }
      expect(missing).toEqual([]);
      expect(Object.keys(EXPECTED).sort()).toEqual(Object.keys(doc.paths).filter((p) => p !== '/' && !p.startsWith('/rpc/') && !p.startsWith('/_/') && p.split('/').length === 2).map((p) => p.slice(1)).sort());
    });

    for (const table of Object.keys(EXPECTED)) {
      for (const who of PRINCIPALS) {
        describe(`${table} as ${who}`, () => {
          const access = (op: Operation) => EXPECTED[table][op][who];

          it('select: list, row URLs, count, CSV', async () => {
            const a = access('select');
            const samples = await sampleRows(table);
            const list = await call(who, 'GET', `/${table}?order=${TABLES[table].key.join(',')}`);
            const head = await call(who, 'HEAD', `/${table}`, undefined, { prefer: 'count=exact' });
            const csv = await call(who, 'GET', `/${table}`, undefined, { accept: 'text/csv' });
            cells += 4;
            if (a === 'hidden' || a === 'denied') {
              expectRefused(list, a, who);
              expect([401, 403, 404]).toContain(head.status);
              expectRefused(csv, a, who);
              return;
            }
            const expected = await visibleKeys(table, who, a);
            expect(list.status).toBe(200);
            const listed = (list.json() as Record<string, unknown>[]).map((r) => keyOf(table, r)).sort();
            // Lists stop at the row cap (1,000); the count still covers every visible row.
            if (expected.length <= 1000) expect(listed).toEqual(expected);
            else expect(listed.every((k) => expected.includes(k)) && listed.length === 1000).toBe(true);
            expect(head.headers.get('content-range')).toMatch(new RegExp(`/${expected.length}$`));
            expect(csv.status).toBe(200);
            expect(csv.text.trim().split('\n').length - 1).toBe(Math.min(expected.length, 1000));
            for (const owner of ['A', 'B'] as const) {
              const one = await call(who, 'GET', rowUrl(table, samples[owner]));
              cells++;
              if (allowedOn(a, who, owner)) {
                expect(one.status).toBe(200);
                expect(keyOf(table, one.json())).toBe(keyOf(table, samples[owner]));
              } else {
                // Someone else's row is indistinguishable from one that does not exist.
                expect(one.status).toBe(404);
                const missing = await call(who, 'GET', rowUrl(table, { id: 987654, order_id: 987654, product_id: 987654 }));
                expect(one.json()).toEqual(missing.json());
              }
            }
          });

          it('insert and upsert', async () => {
            const a = access('insert');
            const n = PRINCIPALS.indexOf(who) + 1;
            const row = TABLES[table].newRow(n);
            const before = await snapshot(table);
            const res = await call(who, 'POST', `/${table}`, row);
            cells++;
            if (a === 'all') {
              expect(res.status).toBe(201);
              await rows(`delete from ${table} where ${keyWhere(table, row)}`);
            } else {
              expectRefused(res, a === 'own' ? 'denied' : a, who);
            }
            expect(await snapshot(table)).toBe(before);
            // An upsert of an existing row would change it: only those who may insert and update may.
            const existing = (await sampleRows(table)).B;
            const asJson = (await call('service', 'GET', rowUrl(table, existing))).json();
            const upsert = await call(who, 'POST', `/${table}`, { ...asJson, ...TABLES[table].patch }, { prefer: 'resolution=merge-duplicates' });
            cells++;
            if (a === 'all' && access('update') === 'all') {
              expect(upsert.status, upsert.text).toBe(201);
              await rows(`update ${table} set ${Object.keys(TABLES[table].patch).map((k) => `${k} = ${sqlValue(existing[k])}`).join(', ')} where ${keyWhere(table, existing)}`);
            } else {
              expect([401, 403, 404]).toContain(upsert.status);
            }
            expect(await snapshot(table)).toBe(before);
          });

          it('update by filter, by row URL and PUT', async () => {
            const a = access('update');
            const samples = await sampleRows(table);
            for (const owner of ['A', 'B'] as const) {
              for (const form of ['filter', 'row', 'put'] as const) {
                const target = samples[owner];
                const before = await snapshot(table);
                const res =
                  form === 'filter' ? await call(who, 'PATCH', `/${table}?${keyFilter(table, target)}`, TABLES[table].patch)
                  : form === 'row' ? await call(who, 'PATCH', rowUrl(table, target), TABLES[table].patch)
                  : await call(who, 'PUT', rowUrl(table, target), { ...(await call('service', 'GET', rowUrl(table, target))).json(), ...TABLES[table].patch });
                cells++;
                const after = await snapshot(table);
                if (form === 'put') {
                  // PUT may insert, so it takes insert and (unrestricted) update rights.
                  if (a === "all" && access("insert") === "all") expect(res.status, res.text).toBeLessThan(300);
                  else {
                    expect([401, 403, 404]).toContain(res.status);
                    expect(after).toBe(before);
                  }
                } else if (allowedOn(a, who, owner)) {
                  expect(res.status).toBeLessThan(300);
                  expect(after).not.toBe(before);
                } else if (a === 'own') {
                  // Not their row: nothing matches the filter, the row URL finds nothing.
                  expect(res.status).toBe(form === 'filter' ? 204 : 404);
                  expect(after).toBe(before);
                } else {
                  expectRefused(res, a, who);
                  expect(after).toBe(before);
                }
                // Put the row back as it was for the next principal.
                if (after !== before) await rows(`update ${table} set ${Object.keys(TABLES[table].patch).map((k) => `${k} = ${sqlValue(target[k])}`).join(', ')} where ${keyWhere(table, target)}`);
              }
            }
          });

          it('delete by filter and by row URL', async () => {
            const a = access('delete');
            const samples = await sampleRows(table);
            for (const owner of ['A', 'B'] as const) {
              for (const form of ['filter', 'row'] as const) {
                const target = samples[owner];
                const before = await snapshot(table);
                // Prefer tx=rollback: an allowed delete shows its effect in the answer and leaves the data for the next cell.
                const path = form === 'filter' ? `/${table}?${keyFilter(table, target)}` : rowUrl(table, target);
                const res = await call(who, 'DELETE', path, undefined, { prefer: 'return=representation, tx=rollback' });
                cells++;
                expect(await snapshot(table)).toBe(before);
                if (allowedOn(a, who, owner)) {
                  // Allowed: the row is deleted (then rolled back), unless a foreign key protects it (409).
                  expect([200, 409]).toContain(res.status);
                  if (res.status === 200) expect(keyOf(table, form === 'row' ? res.json() : res.json()[0])).toBe(keyOf(table, target));
                } else if (a === 'own') {
                  expect(res.status).toBe(form === 'filter' ? 200 : 404);
                  if (form === 'filter') expect(res.json()).toEqual([]);
                  cells++;
                } else {
                  expectRefused(res, a, who);
                }
              }
            }
          });
        });
      }
    }

    describe('embedding never reaches rows the caller may not see', () => {
      const EMBEDS: readonly [string, string][] = [
        ['customers', '/customers?select=id,orders(id,customer_id,order_items(order_id,product_id))'],
        ['orders', '/orders?select=id,customer_id,customers(id),order_items(order_id)'],
        ['order_items', '/order_items?select=order_id,orders(customer_id)'],
        ['products', '/products?select=id,order_items(order_id)&id=lte.3'],
        ['categories', '/categories?select=id,products(id,order_items(order_id))&id=eq.1'],
      ];
      for (const who of PRINCIPALS) {
        for (const [table, path] of EMBEDS) {
          it(`${who}: ${path}`, async () => {
            const res = await call(who, 'GET', path);
            cells++;
            const access = EXPECTED[table].select[who];
            if (access === 'hidden') return expect(res.status).toBe(404);
            // Embedding a table the role cannot read is "no relationship" (PGRST200), never its rows.
            if (res.status === 400) {
              expect(res.json().code).toBe('PGRST200');
              expect(who).not.toBe('service');
              return;
            }
            expect(res.status).toBe(200);
            const text = res.text;
            if (who === 'A' || who === 'B') {
              const other = who === 'A' ? customerOf.B : customerOf.A;
              expect(text).not.toMatch(new RegExp(`"customer_id":${other}[,}]`));
              const theirOrders = (await rows(`select id from orders where customer_id = ${other}`)).map((r) => Number(r.id));
              for (const id of theirOrders) expect(text).not.toMatch(new RegExp(`"order_id":${id}[,}]`));
            }
          });
        }
      }
    });

    describe('actions declare their roles', () => {
      it('anonymous callers may not order; customers order only for themselves; service for anyone', async () => {
        const anon = await call('anon', 'POST', '/rpc/place_order', { customer_id: 1, items: [{ product_id: 3, quantity: 1 }] });
        expect(anon.status).toBe(401);
        const forB = await call('A', 'POST', '/rpc/place_order', { customer_id: customerOf.B, items: [{ product_id: 3, quantity: 1 }] });
        expect(forB.status).toBe(403);
        const service = await call('service', 'POST', '/rpc/place_order', { customer_id: customerOf.B, items: [{ product_id: 3, quantity: 1 }] });
        expect(service.status).toBe(200);
        const bOrder = service.json().order_id as number;
        // A cannot cancel B's order: it looks like no order at all.
        const cancel = await call('A', 'POST', '/rpc/cancel_order', { order_id: bOrder });
        expect(cancel.status).toBe(404);
        expect((await rows(`select status from orders where id = ${bOrder}`))[0].status).toBe('pending');
        const own = await call('B', 'POST', '/rpc/cancel_order', { order_id: bOrder });
        expect(own.status).toBe(200);
        cells += 5;
      });
    });
  });
}

function sqlValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}
