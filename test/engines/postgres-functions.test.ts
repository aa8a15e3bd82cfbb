/**
 * PostgreSQL functions at /rpc/<name>, as PostgREST serves them: named arguments from the
 * catalog, defaults, scalar / composite / SETOF results, GET only for stable and immutable
 * functions, RAISE EXCEPTION as a 400, and actions winning over a function of the same name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { defineAction } from '../../src/index.js';
import { postgresHarnessWith, postgresUnavailable } from '../helpers/postgres-harness.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const reason = await postgresUnavailable();

describe.skipIf(reason !== null)('postgres: functions at /rpc', () => {
  let server: TestServer;
  beforeAll(async () => {
    const harness = postgresHarnessWith(`
      create function add(a int, b int default 10) returns int language sql immutable as 'select a + b';
      create function books_by(author int) returns setof books language sql stable as 'select * from books where author_id = author order by id';
      create function author_of(book int) returns authors language sql stable as 'select a.* from authors a join books b on b.author_id = a.id where b.id = book';
      create function rename_author(id_ int, name_ text) returns void language sql as 'update authors set name = name_ where id = id_';
      create function must_be_positive(n int) returns int language plpgsql immutable as $$
        begin if n <= 0 then raise exception 'n must be positive, got %', n; end if; return n; end $$;
      create function shadowed() returns text language sql immutable as $$ select 'function' $$;
    `);
    const shadow = defineAction({ name: 'shadowed', readOnly: true, input: Type.Object({}), handler: () => 'action' });
    server = await startTestServer(harness, { actions: [shadow] });
  });
  afterAll(async () => server?.close());

  it('calls with POST and named arguments, using defaults', async () => {
    expect((await server.request({ method: 'POST', url: '/rpc/add', body: { a: 1, b: 2 } })).json()).toBe(3);
    expect((await server.request({ method: 'POST', url: '/rpc/add', body: { a: 1 } })).json()).toBe(11);
  });

  it('calls stable functions with GET and query arguments', async () => {
    const res = await server.request({ url: '/rpc/books_by?author=2' });
    expect(res.status).toBe(200);
    expect((res.json() as { id: number }[]).map((b) => b.id)).toEqual([3, 4]);
    expect((await server.request({ url: '/rpc/author_of?book=5' })).json()).toMatchObject({ id: 3, name: 'Wisława Szymborska' });
  });

  it('refuses GET on a volatile function', async () => {
    const res = await server.request({ url: '/rpc/rename_author?id_=1&name_=x' });
    expect(res.status).toBe(405);
    expect(res.json().code).toBe('PGRST101');
  });

  it('runs volatile functions in a transaction, and dry-runs them', async () => {
    const dry = await server.request({ method: 'POST', url: '/rpc/rename_author', headers: { Prefer: 'tx=rollback' }, body: { id_: 4, name_: 'Ghost' } });
    expect(dry.status).toBe(200);
    expect(await server.query('select name from authors where id = 4')).toEqual([{ name: 'Anonymous' }]);
    const real = await server.request({ method: 'POST', url: '/rpc/rename_author', body: { id_: 4, name_: 'Someone' } });
    expect(real.json()).toBeNull();
    expect(await server.query('select name from authors where id = 4')).toEqual([{ name: 'Someone' }]);
  });

  it('answers unknown or missing arguments with 404 naming them, bad values with 400', async () => {
    const unknown = await server.request({ method: 'POST', url: '/rpc/add', body: { a: 1, c: 2 } });
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'PGRST202', details: 'Unknown argument(s): c' });
    expect((await server.request({ method: 'POST', url: '/rpc/add', body: { b: 2 } })).json().details).toBe('Missing argument(s): a');
    expect((await server.request({ method: 'POST', url: '/rpc/add', body: { a: 'one' } })).status).toBe(400);
  });

  it('turns RAISE EXCEPTION into a 400 with its message', async () => {
    const res = await server.request({ url: '/rpc/must_be_positive?n=-1' });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'P0001', message: 'n must be positive, got -1' });
  });

  it('documents functions in the OpenAPI document', async () => {
    const doc = (await server.request({ url: '/' })).json();
    expect(doc.paths['/rpc/add'].get.parameters.map((p: { name: string }) => p.name)).toEqual(['a', 'b']);
    expect(doc.paths['/rpc/rename_author'].post.requestBody.content['application/json'].schema.required).toEqual(['id_', 'name_']);
    expect(doc.paths['/rpc/rename_author'].get).toBeUndefined();
  });

  it('lets an action of the same name win', async () => {
    expect((await server.request({ url: '/rpc/shadowed' })).json()).toBe('action');
  });
});
