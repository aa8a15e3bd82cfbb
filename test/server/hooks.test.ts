/**
 * Table hooks run inside the request's transaction: a before-hook changes what is written (the
 * demo's updated_at), may reject the write with a catalog error, and an after-hook sees the rows
 * and can write more in the same transaction; any failure rolls everything back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { shopHooks } from '../../src/demo/shop-actions.js';
import { sqliteHarness, startTestServer, type TestServer } from '../helpers/test-server.js';
import { RowgateError, type TableHooks } from '../../src/index.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function start(hooks: Record<string, TableHooks>): Promise<TestServer> {
  const s = await startTestServer(sqliteHarness, { hooks });
  servers.push(s);
  return s;
}

describe('table hooks', () => {
  it('beforeUpdate changes the row: a stamp the client did not send', async () => {
    const s = await start({ authors: { beforeUpdate: (patch) => ({ ...patch, country: 'XX' }) } });
    const res = await s.request({ method: 'PATCH', url: '/authors/1', body: { name: 'U. K. Le Guin' } });
    expect(res.status).toBe(204);
    expect(await s.query('select name, country from authors where id = 1')).toEqual([{ name: 'U. K. Le Guin', country: 'XX' }]);
  });

  it('beforeInsert can reject with a catalog error, writing nothing', async () => {
    const s = await start({
      authors: {
        beforeInsert(row, ctx) {
          if (String(row.name).startsWith('Anon')) ctx.fail(422, 'name_reserved', 'That name is reserved');
        },
      },
    });
    const res = await s.request({ method: 'POST', url: '/authors', body: [{ name: 'Fine' }, { name: 'Anonymous II' }] });
    expect(res.status).toBe(422);
    expect(res.json()).toMatchObject({ code: 'name_reserved', message: 'That name is reserved' });
    expect(await s.query("select count(*) as n from authors where name = 'Fine'")).toEqual([{ n: 0 }]);
  });

  it('afterInsert sees the rows and writes in the same transaction; a throw rolls both back', async () => {
    const s = await start({
      authors: {
        async afterInsert(rows, ctx) {
          for (const row of rows) await ctx.db.insertInto('notes').values({ body: `new author ${String(row.name)}`, mood: 'log' }).execute();
          if (rows.some((r) => r.name === 'Boom')) throw new Error('after-hook failure');
        },
      },
    });
    const ok = await s.request({ method: 'POST', url: '/authors', body: { name: 'Quiet' } });
    expect(ok.status).toBe(201);
    expect(ok.text).toBe('');
    expect(ok.headers.location).toBe('/authors?id=eq.5');
    expect(await s.query("select body from notes where mood = 'log'")).toEqual([{ body: 'new author Quiet' }]);
    const bad = await s.request({ method: 'POST', url: '/authors', body: { name: 'Boom' } });
    expect(bad.status).toBe(500);
    expect(await s.query("select count(*) as n from authors where name = 'Boom'")).toEqual([{ n: 0 }]);
    expect(await s.query("select count(*) as n from notes where mood = 'log'")).toEqual([{ n: 1 }]);
  });

  it('keeps the demo shop’s products.updated_at current', async () => {
    const s = await start(shopHooks);
    await s.query("create table products (id integer primary key, name text, updated_at text)");
    await s.query("insert into products values (1, 'lamp', '2000-01-01T00:00:00Z')");
    await s.request({ method: 'POST', url: '/_/admin/reload' });
    const before = Date.now();
    const res = await s.request({ method: 'PATCH', url: '/products/1', headers: { Prefer: 'return=representation' }, body: { name: 'Lamp' } });
    expect(res.status).toBe(200);
    const stamped = Date.parse(res.json().updated_at);
    expect(stamped).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  });

  describe('a before-hook declared with the row alone runs without a transaction of its own', () => {
    it('still changes what is written, and Prefer: tx=rollback still writes nothing', async () => {
      const s = await start({ authors: { beforeUpdate: (patch) => ({ ...patch, country: 'YY' }) } });
      const rolledBack = await s.request({ method: 'PATCH', url: '/authors/2', headers: { Prefer: 'tx=rollback,return=representation' }, body: { name: 'I. C.' } });
      expect(rolledBack.status).toBe(200);
      expect(rolledBack.json()).toMatchObject({ id: 2, name: 'I. C.', country: 'YY' });
      expect(await s.query('select name, country from authors where id = 2')).toEqual([{ name: 'Italo Calvino', country: 'IT' }]);
      const kept = await s.request({ method: 'PATCH', url: '/authors?id=eq.1', body: { name: 'U. K. L. G.' } });
      expect(kept.status).toBe(204);
      expect(await s.query('select id, name, country from authors where id in (1, 2) order by id')).toEqual([
        { id: 1, name: 'U. K. L. G.', country: 'YY' },
        { id: 2, name: 'Italo Calvino', country: 'IT' },
      ]);
    });

    it('a second write of the same shape gets the columns the hook adds (the reshaped key is remembered)', async () => {
      const s = await start({ authors: { beforeUpdate: (patch) => ({ ...patch, country: `C${String(patch.name).length}` }) } });
      for (const [id, name] of [[1, 'Ab'], [2, 'Abc'], [3, 'Abcd']] as const) {
        expect((await s.request({ method: 'PATCH', url: `/authors/${id}`, body: { name } })).status).toBe(204);
      }
      expect(await s.query('select id, name, country from authors where id <= 3 order by id')).toEqual([
        { id: 1, name: 'Ab', country: 'C2' },
        { id: 2, name: 'Abc', country: 'C3' },
        { id: 3, name: 'Abcd', country: 'C4' },
      ]);
    });

    it('a throw refuses the write, leaving every row as it was', async () => {
      const s = await start({
        authors: {
          beforeInsert(row) {
            if (String(row.name).startsWith('Anon')) throw new RowgateError('name_reserved', 422, 'That name is reserved');
          },
        },
      });
      const res = await s.request({ method: 'POST', url: '/authors', body: [{ name: 'Fine' }, { name: 'Anonymous II' }] });
      expect(res.status).toBe(422);
      expect(res.json()).toMatchObject({ code: 'name_reserved' });
      expect(await s.query("select count(*) as n from authors where name in ('Fine', 'Anonymous II')")).toEqual([{ n: 0 }]);
    });

    it('one that reaches for the context it did not declare gets no database, and nothing is written', async () => {
      const s = await start({
        authors: {
          beforeUpdate: function (patch: Record<string, unknown>) {
            // eslint-disable-next-line prefer-rest-params
            const ctx = arguments[1] as { db: { insertInto(t: string): unknown } };
            ctx.db.insertInto('notes');
            return patch;
          },
        },
      });
      const res = await s.request({ method: 'PATCH', url: '/authors/1', body: { name: 'Sneaky' } });
      expect(res.status).toBe(500);
      expect(JSON.stringify(res.json())).not.toContain('ctx.db');
      expect(await s.query('select name from authors where id = 1')).toEqual([{ name: 'Ursula K. Le Guin' }]);
    });
  });
});
