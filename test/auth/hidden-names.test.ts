/**
 * What a caller may not see never shows up in an error: a hidden table or column is "not found"
 * exactly like a name that never existed, and "Perhaps you meant" hints are drawn only from what
 * the caller's role may use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RowgateServer } from '../../src/index.js';
import { sqliteHarness, type EngineDatabase } from '../helpers/engines.js';

const ANON = 'anon-key-hidden-0123456789';
const SERVICE = 'service-key-hidden-0123456789';

describe('hidden names stay hidden', () => {
  let database: EngineDatabase;
  let server: RowgateServer;
  beforeAll(async () => {
    database = await sqliteHarness.createShop!();
    server = await createServer({
      db: database.url,
      logLevel: 'silent',
      auth: { apiKeys: { anon: ANON, service: SERVICE } },
      rules: {
        products: { select: { anon: { columns: ['id', 'name', 'price'] } } },
        categories: { select: { anon: true }, insert: { anon: { columns: ['name', 'slug'] } } },
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });
  const get = async (url: string, key = ANON) => {
    const res = await server.app.inject({ method: 'GET', url, headers: { apikey: key } });
    return { status: res.statusCode, body: JSON.parse(res.body) as { code: string; message: string; hint: string | null } };
  };

  it('a hidden table is not found, and no hint points at it', async () => {
    const hidden = await get('/order');
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('PGRST205');
    expect(JSON.stringify(hidden.body)).not.toMatch(/orders/);
    // The service key sees the table, and so gets the hint.
    expect((await get('/order', SERVICE)).body.hint).toMatch(/orders/);
  });

  it('a hidden column is unknown in select, filters and order, with hints from visible columns only', async () => {
    for (const url of ['/products?select=stok', '/products?stok=gt.1', '/products?order=stok', '/products?select=stock', '/products?stock=gt.1']) {
      const res = await get(url);
      expect(res.status, url).toBe(400);
      expect(res.body.code, url).toBe('42703');
      // The message echoes the name the client typed; the hint names only visible columns.
      expect(res.body.hint ?? '', url).not.toMatch(/stock|description|sku|category_id|active/);
    }
    // A hidden column answers exactly as a column that never existed.
    const hidden = await get('/products?select=stock');
    const never = await get('/products?select=stoxx');
    expect(hidden.body.message.replace('stock', 'X')).toBe(never.body.message.replace('stoxx', 'X'));
    expect(hidden.body.hint).toBe(never.body.hint);
    expect((await get('/products?select=nme')).body.hint).toMatch(/name/);
  });

  it('select=* returns only the visible columns', async () => {
    const res = await get('/products?limit=1');
    expect(Object.keys((res.body as unknown as Record<string, unknown>[])[0])).toEqual(['id', 'name', 'price']);
  });

  it('a column that may be neither read nor written is unknown to a write; a readable one is refused by name', async () => {
    const write = (body: unknown) =>
      server.app.inject({ method: 'POST', url: '/categories', headers: { apikey: ANON, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    const hiddenWrite = await write({ name: 'X', slug: 'x', secret: 1 });
    expect(hiddenWrite.statusCode).toBe(400);
    expect(JSON.parse(hiddenWrite.body).code).toBe('PGRST204');
    const readable = await write({ name: 'X', slug: 'x', description: 'not allowed' });
    expect(readable.statusCode).toBe(401);
    expect(JSON.parse(readable.body).code).toBe('42501');
    const ok = await write({ name: 'Hidden names', slug: 'hidden-names' });
    expect(ok.statusCode).toBe(201);
    expect(await database.query("select count(*) as n from categories where slug = 'hidden-names'")).toEqual([{ n: 1 }]);
  });
});
