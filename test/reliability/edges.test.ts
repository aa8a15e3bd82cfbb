/**
 * Edges (issue 8, item 5): `or=()` nested 100,000 and 1,000 deep, `in.()` with 10,000 terms, a
 * body one byte over the configured bodyLimit, a 17 KiB header, and a bulk insert of more rows
 * than any engine binds parameters for (70,000). Never a 5xx or a RangeError: each is answered,
 * or refused with a clear 4xx, and a refused request changes no row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectedEngines } from '../helpers/engines.js';
import '../helpers/all-engines.js';
import { errorShapeProblem, rawRequest, shopUnavailable, startShop, type ShopUnderTest } from './shop-under-test.js';

/** Large enough for the 70,000-row insert, small enough to go one byte over quickly. */
const BODY_LIMIT = 4 * 1024 * 1024;
const BULK_ROWS = 70_000;

function nestedOr(depth: number): string {
  return `(${'or('.repeat(depth - 1)}id.eq.1,id.eq.2${')'.repeat(depth - 1)})`;
}

for (const engine of selectedEngines()) {
  const reason = await shopUnavailable(engine);
  if (reason) console.warn(`edges: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: edges`, () => {
    let shop: ShopUnderTest;
    let port = 0;
    const outcomes: string[] = [];

    beforeAll(async () => {
      shop = await startShop(engine, { bodyLimit: BODY_LIMIT });
      port = Number(new URL(await shop.server.listen()).port);
    });
    afterAll(async () => {
      console.log(`edges (${engine.name}): ${outcomes.join('; ')}`);
      await shop?.close();
    });

    async function send(method: 'GET' | 'POST', url: string, payload?: string) {
      const res = await shop.server.app.inject({
        method, url, headers: { ...shop.headers.service, 'content-type': 'application/json' }, ...(payload === undefined ? {} : { payload }),
      });
      const context = `${method} ${url.slice(0, 120)} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
      expect(res.statusCode, context).toBeLessThan(500);
      expect(res.body, context).not.toMatch(/RangeError|Maximum call stack/);
      if (res.statusCode >= 400) expect(errorShapeProblem(url, res.headers['content-type'] as string | undefined, res.body), context).toBeNull();
      return res;
    }

    for (const depth of [1_000, 100_000]) {
      it(`answers or=() nested ${depth.toLocaleString('en')} deep without a 5xx`, async () => {
        const res = await send('GET', `/products?select=id&or=${nestedOr(depth)}&order=id`);
        outcomes.push(`or depth ${depth}: ${res.statusCode}`);
        if (res.statusCode === 200) expect(res.json()).toEqual([{ id: 1 }, { id: 2 }]);
      });
    }

    it('refuses or=() nested 100,000 deep on a real socket with a 4xx (the URL is over the header limit)', async () => {
      const answer = await rawRequest(port, `GET /products?or=${nestedOr(100_000)} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`, false, 3000);
      outcomes.push(`or depth 100000 on a socket: ${answer.status}`);
      expect(answer.status, answer.text.slice(0, 300)).toBeGreaterThanOrEqual(400);
      expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
      expect((await fetch(`http://127.0.0.1:${port}/_/health`)).status).toBe(200);
    });

    it('answers in.() with 10,000 terms', async () => {
      const terms = Array.from({ length: 10_000 }, (_, i) => i + 1);
      const res = await send('GET', `/products?select=id&id=in.(${terms.join(',')})&limit=5000`);
      outcomes.push(`in.() 10000 terms: ${res.statusCode}`);
      if (res.statusCode === 200) {
        const count = Number((await shop.database.query('select count(*) as n from products where id <= 10000'))[0].n);
        expect((res.json() as unknown[]).length).toBe(Math.min(count, 5000));
      }
    });

    it('answers in.() with 10,000 text terms on a text column', async () => {
      const terms = Array.from({ length: 10_000 }, (_, i) => `"SKU-${i}"`);
      const res = await send('GET', `/products?select=id&sku=in.(${encodeURIComponent(terms.join(','))})`);
      outcomes.push(`in.() 10000 text terms: ${res.statusCode}`);
    });

    // Found by this suite (was a 500 on SQLite and MySQL, a 503 on PostgreSQL): each in.() term is
    // a bound parameter, so a request may carry at most MAX_VALUES values and says so with a 400.
    it('refuses in.() with 70,000 terms (past every engine\'s bind-parameter limit) with a clear 400', async () => {
      const terms = Array.from({ length: 70_000 }, (_, i) => i + 1);
      const res = await send('GET', `/products?select=id&id=in.(${terms.join(',')})&limit=1`);
      outcomes.push(`in.() 70000 terms: ${res.statusCode}`);
      expect(res.statusCode).toBe(400);
      expect(JSON.parse(res.body).code).toBe('PGRST100');
    });

    it('refuses a body one byte over the bodyLimit with 413, and takes one exactly at the limit', async () => {
      const before = await shop.fingerprint();
      const row = '[{"id":880001,"name":"At the limit","slug":"at-the-limit"}]';
      const exact = row + ' '.repeat(BODY_LIMIT - Buffer.byteLength(row));
      expect(Buffer.byteLength(exact)).toBe(BODY_LIMIT);
      const over = await shop.server.app.inject({
        method: 'POST', url: '/categories', headers: { ...shop.headers.service, 'content-type': 'application/json' }, payload: `${exact} `,
      });
      outcomes.push(`body limit + 1: ${over.statusCode}`);
      expect(over.statusCode, over.body).toBe(413);
      expect(errorShapeProblem('/categories', over.headers['content-type'] as string | undefined, over.body)).toBeNull();
      expect(await shop.fingerprint()).toBe(before);
      const at = await send('POST', '/categories', exact);
      outcomes.push(`body at the limit: ${at.statusCode}`);
      expect(at.statusCode, at.body).toBe(201);
      await shop.database.query('delete from categories where id = 880001');
    });

    it('refuses a 17 KiB header with 431 (or another 4xx) and keeps serving', async () => {
      const big = 'x'.repeat(17 * 1024);
      const answer = await rawRequest(port, `GET /products?limit=1 HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ${big}\r\nconnection: close\r\n\r\n`, false, 3000);
      outcomes.push(`17 KiB header: ${answer.status}`);
      expect(answer.status, answer.text.slice(0, 300)).toBeGreaterThanOrEqual(400);
      expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
      const viaFetch = await fetch(`http://127.0.0.1:${port}/products?limit=1`, { headers: { ...shop.headers.service, 'x-big': big } }).catch((e: Error) => e);
      if (!(viaFetch instanceof Error)) {
        expect(viaFetch.status).toBeGreaterThanOrEqual(400);
        expect(viaFetch.status).toBeLessThan(500);
      }
      expect((await fetch(`http://127.0.0.1:${port}/_/health`)).status).toBe(200);
    });

    it(`inserts ${BULK_ROWS.toLocaleString('en')} rows in one request (past every engine's bind-parameter limit) or refuses them with a clear 4xx`, async () => {
      const before = Number((await shop.database.query('select count(*) as n from categories'))[0].n);
      const rows = Array.from({ length: BULK_ROWS }, (_, i) => ({ id: 1_000_000 + i, name: `Bulk ${i}`, slug: `bulk-${i}` }));
      const body = JSON.stringify(rows);
      expect(Buffer.byteLength(body)).toBeLessThan(BODY_LIMIT);
      const started = Date.now();
      const res = await send('POST', '/categories', body);
      outcomes.push(`bulk insert of ${BULK_ROWS}: ${res.statusCode} in ${Date.now() - started} ms`);
      const after = Number((await shop.database.query('select count(*) as n from categories'))[0].n);
      if (res.statusCode === 201) expect(after).toBe(before + BULK_ROWS);
      else {
        expect([400, 413]).toContain(res.statusCode);
        expect(after).toBe(before);
      }
      await shop.database.query('delete from categories where id >= 1000000');
    }, 60_000);

    it(`upserts ${BULK_ROWS.toLocaleString('en')} rows in one request (merge-duplicates) or refuses them with a clear 4xx`, async () => {
      const before = await shop.fingerprint();
      // The first rows exist (ids 1..12 of the demo), the rest are new.
      const rows = Array.from({ length: BULK_ROWS }, (_, i) => ({ id: i < 5 ? i + 1 : 1_000_000 + i, name: `Upsert ${i}`, slug: `upsert-${i}` }));
      const res = await shop.server.app.inject({
        method: 'POST', url: '/categories?on_conflict=id',
        headers: { ...shop.headers.service, 'content-type': 'application/json', prefer: 'resolution=merge-duplicates' }, payload: JSON.stringify(rows),
      });
      const context = `upsert -> ${res.statusCode} ${res.body.slice(0, 300)}`;
      outcomes.push(`bulk upsert of ${BULK_ROWS}: ${res.statusCode}`);
      expect(res.statusCode, context).toBeLessThan(500);
      const n = Number((await shop.database.query('select count(*) as n from categories where id >= 1000000'))[0].n);
      if (res.statusCode < 300) expect(n).toBe(BULK_ROWS - 5);
      else expect(await shop.fingerprint()).toBe(before);
      await shop.database.query('delete from categories where id >= 1000000');
    }, 60_000);
  });
}
