/**
 * On SQLite a POST of one object inserts from a VALUES list, an array through json_each: the two
 * must store the same values with the same storage classes, and a PUT (one object plus the key
 * from the URL) must insert and replace as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteHarness, startTestServer, type TestServer } from '../helpers/test-server.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const COLUMNS = ['title', 'author_id', 'price', 'pages', 'in_print', 'genre', 'meta', 'cover', 'published', 'isbn'];
const stored = (s: TestServer, isbn: string) =>
  s.query(`select ${COLUMNS.map((c) => `typeof(${c}) as t_${c}, ${c}`).join(', ')} from books where isbn = '${isbn}'`);

describe('SQLite: one object and an array of one store the same row', () => {
  it('every column type, as the array form stores it', async () => {
    const s = await startTestServer(sqliteHarness, {});
    servers.push(s);
    const book = (isbn: string) => ({
      title: 'Le città', author_id: 2, price: 10.5, pages: 200, in_print: false, genre: 'essay',
      meta: { awards: ['x'], n: 1 }, cover: 'iVBORw==', published: '1980-02-03', isbn,
    });
    const one = await s.request({ method: 'POST', url: '/books', body: book('9000000000001') });
    expect(one.status).toBe(201);
    expect(one.headers.location).toMatch(/^\/books\?id=eq\.\d+$/);
    const array = await s.request({ method: 'POST', url: '/books', body: [book('9000000000002')] });
    expect(array.status).toBe(201);
    const [a] = await stored(s, '9000000000001');
    const [b] = await stored(s, '9000000000002');
    expect(a).toEqual({ ...b, isbn: '9000000000001' });
    expect(a).toMatchObject({ t_author_id: 'integer', t_pages: 'integer', t_in_print: 'integer', in_print: 0, t_meta: 'text', t_cover: 'blob' });
    // Keys left out are not written: the column's default applies, as with an array.
    const partial = await s.request({ method: 'POST', url: '/books', body: { title: 'Short', author_id: 1, isbn: '9000000000003' } });
    expect(partial.status).toBe(201);
    expect(await s.query("select in_print, price from books where isbn = '9000000000003'")).toEqual([{ in_print: 1, price: null }]);
  });

  it('PUT inserts the row of the URL, then replaces it', async () => {
    const s = await startTestServer(sqliteHarness, {});
    servers.push(s);
    const put = (label: string) => s.request({ method: 'PUT', url: '/shelves/attic,4', body: { room: 'attic', position: 4, label } });
    const first = await put('old maps');
    expect(first.status).toBeLessThan(300);
    const second = await put('new maps');
    expect(second.status).toBeLessThan(300);
    expect(await s.query("select label from shelves where room = 'attic' and position = 4")).toEqual([{ label: 'new maps' }]);
  });

  it('a refused single insert writes nothing', async () => {
    const s = await startTestServer(sqliteHarness, {});
    servers.push(s);
    const res = await s.request({ method: 'POST', url: '/books', body: { title: 'Bad', author_id: 999, isbn: '9000000000004' } });
    expect(res.status).toBe(409);
    expect(await s.query("select count(*) as n from books where isbn = '9000000000004'")).toEqual([{ n: 0 }]);
  });
});
