/**
 * The operational edges of one server: health and readiness, OpenAPI at / and /_/openapi.json,
 * limits (body size, rows per response), anonymous access modes, schema reload without dropping
 * requests, Server-Timing, OPTIONS, and the library forms (createServer, the Fastify plugin).
 */
import Fastify from 'fastify';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterEach, describe, expect, it } from 'vitest';
import { rowgatePlugin, ConfigError } from '../../src/index.js';
import { shopActions } from '../../src/demo/shop-actions.js';
import { sqliteHarness, startTestServer, type TestServer } from '../helpers/test-server.js';

const servers: TestServer[] = [];
async function start(options: Parameters<typeof startTestServer>[1] = {}): Promise<TestServer> {
  const s = await startTestServer(sqliteHarness, options);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('health, readiness and self-description', () => {
  it('answers /_/health and /_/ready', async () => {
    const s = await start();
    expect((await s.request({ url: '/_/health' })).json()).toEqual({ status: 'ok' });
    const ready = await s.request({ url: '/_/ready' });
    expect(ready.status).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok', schemaVersion: 1 });
  });

  it('serves a valid OpenAPI 3.1 document at / and /_/openapi.json', async () => {
    const s = await start();
    const root = await s.request({ url: '/' });
    expect(root.status).toBe(200);
    expect(root.headers['content-type']).toMatch(/^application\/openapi\+json/);
    const doc = root.json();
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/authors', '/authors/{id}', '/books', '/book_titles']));
    expect((await s.request({ url: '/_/openapi.json' })).json()).toEqual(doc);
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents actions at /rpc/<name> with their schemas', async () => {
    const s = await start({ actions: shopActions });
    const doc = (await s.request({ url: '/' })).json();
    const post = doc.paths['/rpc/place_order'].post;
    expect(post.requestBody.content['application/json'].schema.properties.items.type).toBe('array');
    expect(post.responses['200'].content['application/json'].schema.properties.order_id.type).toBe('integer');
    expect(doc.paths['/rpc/place_order'].get).toBeUndefined();
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
  });

  it('serves the docs page and its script from this server', async () => {
    const s = await start();
    const page = await s.request({ url: '/_/docs' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('/_/openapi.json');
    expect(page.text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
  });

  it('times each stage in Server-Timing when asked to, and not by default', async () => {
    const s = await start({ serverTiming: true });
    const res = await s.request({ url: '/authors?id=eq.1' });
    expect(res.headers['server-timing']).toMatch(/^parse;dur=[\d.]+, plan;dur=[\d.]+, execute;dur=[\d.]+, respond;dur=[\d.]+$/);
    const plain = await start();
    expect((await plain.request({ url: '/authors?id=eq.1' })).headers['server-timing']).toBeUndefined();
  });

  it('answers 504 in the documented shape when a request outlives the request timeout', async () => {
    const s = await start({
      requestTimeoutMs: 150,
      hooks: { authors: { beforeInsert: async (row: Record<string, unknown>) => new Promise((r) => setTimeout(() => r(row), 600)) } },
    });
    const started = Date.now();
    const res = await s.request({ method: 'POST', url: '/authors', body: { id: 901, name: 'Slow' } });
    expect(res.status).toBe(504);
    expect(res.json()).toEqual({ code: 'RG504', message: 'The request took longer than 150 ms', details: null, hint: null });
    expect(Date.now() - started).toBeLessThan(500);
    // The server goes on answering.
    expect((await s.request({ url: '/authors?id=eq.1' })).status).toBe(200);
  });

  it('answers OPTIONS with the allowed methods', async () => {
    const s = await start();
    const res = await s.request({ method: 'OPTIONS', url: '/authors' });
    expect(res.status).toBe(200);
    expect(res.headers.allow).toContain('PATCH');
  });

  it('serves the same API under /rest/v1', async () => {
    const s = await start();
    const res = await s.request({ url: '/rest/v1/authors?select=name&id=eq.2' });
    expect(res.json()).toEqual([{ name: 'Italo Calvino' }]);
  });

  it('answers unknown paths with a JSON 404', async () => {
    const s = await start();
    const res = await s.request({ url: '/a/b/c/d' });
    expect(res.status).toBe(404);
    expect(res.json().code).toBe('PGRST125');
  });
});

describe('limits', () => {
  it('refuses a body over the limit with 413 and writes nothing', async () => {
    const s = await start({ bodyLimit: 1024 });
    const res = await s.request({ method: 'POST', url: '/notes', body: { body: 'x'.repeat(2000) } });
    expect(res.status).toBe(413);
    expect(res.json()).toMatchObject({ code: 'RG413' });
    expect(await s.query('select count(*) as n from notes')).toEqual([{ n: 2 }]);
  });

  it('accepts a body just under the limit', async () => {
    const s = await start({ bodyLimit: 1024 });
    const res = await s.request({ method: 'POST', url: '/notes', body: { body: 'x'.repeat(1000) } });
    expect(res.status).toBe(201);
  });

  it('returns at most maxRows rows whatever the limit', async () => {
    const s = await start({ maxRows: 2 });
    const res = await s.request({ url: '/books?select=id&order=id&limit=50', headers: { Prefer: 'count=exact' } });
    expect(res.json()).toEqual([{ id: 1 }, { id: 2 }]);
    expect(res.headers['content-range']).toBe('0-1/6');
    expect(res.status).toBe(206);
  });

  it('allows unfiltered writes only when configured', async () => {
    const s = await start({ allowUnfilteredWrites: true });
    const res = await s.request({ method: 'PATCH', url: '/notes', body: { mood: 'tidy' } });
    expect(res.status).toBe(204);
    expect(await s.query('select mood from notes')).toEqual([{ mood: 'tidy' }, { mood: 'tidy' }]);
  });
});

describe('count modes', () => {
  it('planned uses the statistics ANALYZE keeps; estimated counts exactly below max rows', async () => {
    const s = await start({ maxRows: 3 });
    await s.query('analyze');
    // The estimate is read with the schema: make it visibly different from the truth.
    await s.query("update sqlite_stat1 set stat = '600 1' where tbl = 'books' and idx is null");
    await s.query("update sqlite_stat1 set stat = '600 1' where tbl = 'books' and idx is not null");
    await s.request({ method: 'POST', url: '/_/admin/reload' });
    const range = async (prefer: string, url = '/books?select=id&limit=2') => (await s.request({ url, headers: { Prefer: prefer } })).headers['content-range'];
    expect(await range('count=exact')).toBe('0-1/6');
    expect(await range('count=planned')).toBe('0-1/600');
    expect(await range('count=estimated')).toBe('0-1/600');
    // Filtered rows have no estimate on SQLite: counted exactly.
    expect(await range('count=planned', '/books?select=id&id=gt.3&limit=2')).toBe('0-1/3');
    // Below the threshold (max rows), estimated counts exactly.
    await s.query("update sqlite_stat1 set stat = '2 1' where tbl = 'books'");
    await s.request({ method: 'POST', url: '/_/admin/reload' });
    expect(await range('count=estimated')).toBe('0-1/6');
  });
});

describe('anonymous access', () => {
  it('read: reads work, writes are refused with 401', async () => {
    const s = await start({ anon: 'read' });
    expect((await s.request({ url: '/authors?id=eq.1' })).status).toBe(200);
    const res = await s.request({ method: 'DELETE', url: '/authors?id=eq.4' });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(await s.query('select count(*) as n from authors')).toEqual([{ n: 4 }]);
  });

  it('none: everything is refused', async () => {
    const s = await start({ anon: 'none' });
    const res = await s.request({ url: '/authors' });
    expect(res.status).toBe(401);
    expect(res.json().code).toBe('PGRST302');
  });

  it('refuses a non-loopback bind without an explicit anon mode', async () => {
    await expect(start({ host: '0.0.0.0' })).rejects.toThrow(ConfigError);
  });
});

describe('schema reload', () => {
  it('reloads from loopback and keeps answering during the reload', async () => {
    const s = await start();
    expect((await s.request({ url: '/tags' })).status).toBe(404);
    await s.query('create table tags (name text primary key)');
    const during = Promise.all(Array.from({ length: 50 }, () => s.request({ url: '/authors?select=id&id=eq.1' })));
    const reload = await s.request({ method: 'POST', url: '/_/admin/reload' });
    expect(reload.status).toBe(200);
    expect(reload.json()).toMatchObject({ status: 'reloaded', schemaVersion: 2 });
    for (const r of await during) expect(r.status).toBe(200);
    expect((await s.request({ url: '/tags' })).status).toBe(200);
  });
});

describe('as a library', () => {
  it('mounts as a Fastify plugin under a prefix beside the host app’s routes', async () => {
    const { database } = await start();
    const app = Fastify();
    app.get('/hello', async () => ({ hi: true }));
    await app.register(rowgatePlugin, { db: database.url, prefix: '/api', logLevel: 'silent' });
    await app.ready();
    const rows = await app.inject({ url: '/api/authors?select=name&id=eq.2' });
    expect(rows.statusCode).toBe(200);
    expect(rows.json()).toEqual([{ name: 'Italo Calvino' }]);
    const post = await app.inject({ method: 'POST', url: '/api/notes', payload: { body: 'via plugin' } });
    expect(post.statusCode).toBe(201);
    expect((await app.inject({ url: '/hello' })).json()).toEqual({ hi: true });
    await app.close();
  });
});

describe('timeouts', () => {
  it('cancels a read that outlives the statement timeout with 504 57014', async () => {
    const s = await start({ statementTimeoutMs: 300 });
    // A scan that finds a row only every few million candidates.
    await s.query(`create view slow as with recursive n(i) as (select 1 union all select i + 1 from n where i < 200000000)
      select i from n where i % 2000000 = 0`);
    await s.request({ method: 'POST', url: '/_/admin/reload' });
    const started = Date.now();
    const res = await s.request({ url: '/slow?limit=1000' });
    expect(res.status).toBe(504);
    expect(res.json().code).toBe('57014');
    expect(Date.now() - started).toBeLessThan(5000);
    // The server goes on serving.
    expect((await s.request({ url: '/authors?select=id&id=eq.1' })).status).toBe(200);
  });
});
