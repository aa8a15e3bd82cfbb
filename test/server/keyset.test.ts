/**
 * Keyset pagination on the demo shop: walking every page with after= yields exactly the rows that
 * offset pages yield on the same data, in the same order, and the cursor is checked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RowgateServer } from '../../src/index.js';
import { createShopDemoSqlite } from '../../src/demo/shop-sqlite.js';

describe('keyset pagination', () => {
  let dir: string;
  let server: RowgateServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rowgate-keyset-'));
    createShopDemoSqlite(join(dir, 'shop.db'));
    server = await createServer({ db: `sqlite:${join(dir, 'shop.db')}`, logLevel: 'silent' });
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function pages(query: string, step: number, mode: 'after' | 'offset'): Promise<number[]> {
    const ids: number[] = [];
    let cursor = '';
    for (let page = 0; page < 10_000; page++) {
      const paging = mode === 'after' ? `after=${cursor}` : `offset=${page * step}`;
      const res = await server.app.inject({ url: `/products?select=id&${query}&limit=${step}&${paging}` });
      expect(res.statusCode).toBe(200);
      const rows = res.json() as { id: number }[];
      ids.push(...rows.map((r) => r.id));
      if (rows.length < step) break;
      cursor = String(res.headers['next-cursor']);
    }
    return ids;
  }

  it('walks the same rows as offset pages, with ties broken by the key', async () => {
    // Many products share a price, so the appended key decides ties.
    const byKeyset = await pages('order=price.desc', 37, 'after');
    const byOffset = await pages('order=price.desc,id.asc', 37, 'offset');
    expect(byKeyset).toHaveLength(1000);
    expect(byKeyset).toEqual(byOffset);
  });

  it('works with filters and several order columns', async () => {
    const q = 'category_id=in.(1,2,3)&order=category_id.asc,stock.desc';
    expect(await pages(q, 10, 'after')).toEqual(await pages(`${q},id.asc`, 10, 'offset'));
  });

  it('refuses a cursor it did not make', async () => {
    const res = await server.app.inject({ url: '/products?order=price&after=bm90LWEtY3Vyc29y' });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('RG105');
  });
});
