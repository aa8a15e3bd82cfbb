/**
 * SQLite's full-text search on the demo shop: the FTS5 index is found and hidden, filters use it,
 * it follows writes through its triggers, and a column without an index gets a 400 saying how.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RowgateServer } from '../../src/index.js';
import { createShopDemoSqlite } from '../../src/demo/shop-sqlite.js';

describe('full-text search on the SQLite demo shop', () => {
  let dir: string;
  let server: RowgateServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rowgate-fts-'));
    createShopDemoSqlite(join(dir, 'shop.db'));
    server = await createServer({ db: `sqlite:${join(dir, 'shop.db')}`, logLevel: 'silent' });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const get = async (url: string) => server.app.inject({ url });

  it('does not expose the index as a table', async () => {
    expect((await get('/products_fts')).statusCode).toBe(404);
  });

  it('finds products by a word of their name', async () => {
    const res = await get('/products?select=name&name=fts.lamp&limit=1000');
    expect(res.statusCode).toBe(200);
    const rows = res.json() as { name: string }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.name.toLowerCase()).toMatch(/\blamp\b/);
    const all = (await get('/products?select=name&name=ilike.*lamp*&limit=1000')).json() as { name: string }[];
    expect(rows.length).toBe(all.filter((r) => /\blamp\b/i.test(r.name)).length);
  });

  it('follows writes through its triggers', async () => {
    const created = await server.app.inject({
      method: 'POST',
      url: '/products?select=id',
      headers: { prefer: 'return=representation', 'content-type': 'application/json' },
      payload: { sku: 'FTS-1', name: 'Quixotic Zeppelin', category_id: 1, price: 5 },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json()[0].id;
    expect((await get('/products?select=id&name=fts.zeppelin')).json()).toEqual([{ id }]);
    await server.app.inject({ method: 'PATCH', url: `/products/${id}`, headers: { 'content-type': 'application/json' }, payload: { name: 'Plain Box' } });
    expect((await get('/products?select=id&name=fts.zeppelin')).json()).toEqual([]);
  });

  it('refuses a column without an index, saying how to add one', async () => {
    const res = await get('/customers?name=fts.ada');
    expect(res.statusCode).toBe(400);
    expect(res.json().hint).toContain('CREATE VIRTUAL TABLE customers_fts USING fts5');
  });
});
