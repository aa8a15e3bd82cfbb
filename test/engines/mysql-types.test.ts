/**
 * Every MySQL/MariaDB column type through the API: the JSON each renders as (booleans, exact
 * numbers, ISO timestamps, JSON, base64), writing each back, and the filters whose MySQL defaults
 * differ from PostgreSQL's (case-sensitive like and match, timestamps with a zone).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RowgateServer } from '../../src/index.js';
import { createMysqlTestDatabase, mysqlHarness } from '../helpers/mysql-harness.js';

const reason = await mysqlHarness.unavailable();
if (reason) console.warn(`mysql types: skipped: ${reason}`);

const DDL = `
CREATE TABLE t (
  id INT AUTO_INCREMENT PRIMARY KEY,
  b BOOLEAN, bit1 BIT(1), bits BIT(8), ti TINYINT, su SMALLINT UNSIGNED, bi BIGINT, bu BIGINT UNSIGNED,
  f FLOAT, d DOUBLE, n DECIMAL(30,10), yr YEAR,
  dt DATE, tm TIME, dtt DATETIME, dt3 DATETIME(3), ts TIMESTAMP NULL,
  j JSON, bl BLOB, vb VARBINARY(16),
  e ENUM('small','large'), st SET('a','b'), c CHAR(3), vc VARCHAR(20), tx TEXT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO t VALUES (1, 1, b'1', b'00000101', -5, 65535, 9007199254740993, 18446744073709551615,
  0.5, 0.1, 12345678901234567890.1234567890, 2024,
  '2024-02-29', '13:45:00', '2024-02-29 13:45:00', '2024-02-29 13:45:00.120', '2024-02-29 13:45:00',
  '{"a": [1, "x"], "n": null}', REPEAT('x', 100), X'00FF', 'large', 'a,b', 'abc', 'Élan', 'text');
INSERT INTO t (id, b, vc, tx) VALUES (2, 0, 'élan', NULL), (3, NULL, 'ELAN', 'Wisława');
CREATE TABLE places (id INT PRIMARY KEY, at POINT NOT NULL, addr INET6);
INSERT INTO places VALUES (1, POINT(13.4, 52.5), '::1');
`;

describe.skipIf(reason !== null)('mysql column types', () => {
  let db: Awaited<ReturnType<typeof createMysqlTestDatabase>>;
  let server: RowgateServer;
  const get = async (url: string) => {
    const res = await server.app.inject({ method: 'GET', url });
    return { status: res.statusCode, text: res.body, json: () => JSON.parse(res.body) };
  };
  const post = async (url: string, body: unknown) => {
    const res = await server.app.inject({ method: 'POST', url, headers: { prefer: 'return=representation' }, payload: body as object });
    return { status: res.statusCode, text: res.body, json: () => JSON.parse(res.body) };
  };

  beforeAll(async () => {
    db = await createMysqlTestDatabase(DDL);
    server = await createServer({ db: db.url, logLevel: 'silent' });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('renders each type as PostgREST would', async () => {
    const res = await get('/t?id=eq.1');
    expect(res.status, res.text).toBe(200);
    expect(res.json()).toEqual([
      {
        id: 1, b: true, bit1: true, bits: 5, ti: -5, su: 65535, bi: 9007199254740993, bu: 18446744073709551615,
        f: 0.5, d: 0.1, n: 12345678901234567890.123456789, yr: 2024,
        dt: '2024-02-29', tm: '13:45:00', dtt: '2024-02-29T13:45:00', dt3: '2024-02-29T13:45:00.12', ts: '2024-02-29T13:45:00+00:00',
        j: { a: [1, 'x'], n: null }, bl: Buffer.from('x'.repeat(100)).toString('base64'), vb: 'AP8=',
        e: 'large', st: 'a,b', c: 'abc', vc: 'Élan', tx: 'text',
      },
    ]);
    // Every digit of BIGINT and DECIMAL reaches the client, beyond what a double holds.
    expect(res.text).toContain('"bi":9007199254740993');
    expect(res.text).toContain('"bu":18446744073709551615');
    expect(res.text).toContain('"n":12345678901234567890.1234567890');
    // Compact, as PostgreSQL and SQLite send it; base64 without MIME line breaks.
    expect(res.text).not.toMatch(/": |\\n/);
  });

  it('renders NULL of every type as null and false as false', async () => {
    const [row] = (await get('/t?id=eq.2&select=b,bit1,j,bl,dtt,ts,tx')).json();
    expect(row).toEqual({ b: false, bit1: null, j: null, bl: null, dtt: null, ts: null, tx: null });
  });

  it('writes each type and reads the same values back', async () => {
    const body = {
      b: false, bit1: true, ti: 7, bi: '9007199254740995', n: '0.0000000001', f: 1.25, yr: 1999,
      dt: '2000-01-01', tm: '00:00:01', dtt: '2000-01-01T00:00:01', dt3: '2000-01-01T00:00:01.5', ts: '2000-01-01T00:00:01Z',
      j: ['x', { y: true }], bl: Buffer.from('hello world').toString('base64'), e: 'small', vc: 'new',
    };
    const res = await post('/t?select=b,bit1,ti,bi,n,f,yr,dt,tm,dtt,dt3,ts,j,bl,e,vc', body);
    expect(res.status, res.text).toBe(201);
    expect(res.json()).toEqual([{ ...body, bi: 9007199254740995, n: 1e-10, ts: '2000-01-01T00:00:01+00:00' }]);
    expect(res.text).toContain('"bi":9007199254740995');
  });

  it('stores JSON null as SQL NULL and JSON scalars as JSON', async () => {
    const res = await post('/t?select=id,j', [{ j: null }, { j: 'text' }, { j: 12.5 }]);
    expect(res.status, res.text).toBe(201);
    expect(res.json().map((r: { j: unknown }) => r.j)).toEqual([null, 'text', 12.5]);
    const ids = res.json().map((r: { id: number }) => r.id);
    expect(await db.query(`select id from t where id in (${ids.join(',')}) and j is null`)).toEqual([{ id: ids[0] }]);
  });

  it('refuses a value that does not fit, naming the kind of error', async () => {
    expect((await post('/t', { ti: 1000 })).json()).toMatchObject({ code: '22003' });
    expect((await post('/t', { e: 'medium' })).status).toBe(400);
    expect((await post('/t', { dt: '2024-02-30' })).json()).toMatchObject({ code: '22P02' });
    expect((await post('/t', { c: 'abcd' })).json()).toMatchObject({ code: '22001' });
  });

  it('like and match are case sensitive, ilike and imatch are not, and none ignores accents', async () => {
    const ids = async (url: string) => (await get(url)).json().map((r: { id: number }) => r.id);
    expect(await ids('/t?select=id&vc=like.Él*&order=id')).toEqual([1]);
    expect(await ids('/t?select=id&vc=ilike.él*&order=id')).toEqual([1, 2]);
    expect(await ids('/t?select=id&vc=ilike.el*&order=id')).toEqual([3]);
    expect(await ids('/t?select=id&vc=match.^é&order=id')).toEqual([2]);
    expect(await ids('/t?select=id&vc=imatch.^é&order=id')).toEqual([1, 2]);
    // `_` is one character, not one byte: ł is two bytes in UTF-8.
    expect(await ids('/t?select=id&tx=like.Wis_awa')).toEqual([3]);
  });

  it('compares timestamps given with a zone in UTC', async () => {
    const ids = async (url: string) => (await get(url)).json().map((r: { id: number }) => r.id);
    expect(await ids('/t?select=id&ts=eq.2024-02-29T13:45:00Z')).toEqual([1]);
    expect(await ids('/t?select=id&ts=eq.2024-02-29T15:45:00%2B02:00')).toEqual([1]);
    expect(await ids('/t?select=id&dtt=eq.2024-02-29T13:45:00')).toEqual([1]);
  });

  it('filters and selects JSON paths, with JSON null as SQL NULL under ->>', async () => {
    expect((await get('/t?select=id,first:j->a->>0,n:j->>n&id=eq.1')).json()).toEqual([{ id: 1, first: '1', n: null }]);
    expect((await get('/t?select=id&j->a->>1=eq.x')).json()).toEqual([{ id: 1 }]);
    expect((await get('/t?select=id&j->>n=is.null&id=eq.1')).json()).toEqual([{ id: 1 }]);
  });

  it('renders spatial values as GeoJSON and other types as their text', async () => {
    expect((await get('/places')).json()).toEqual([{ id: 1, at: { type: 'Point', coordinates: [13.4, 52.5] }, addr: '::1' }]);
  });

  it('casts', async () => {
    expect((await get('/t?select=b::text,n::text,bi::text,d::numeric,dtt::date&id=eq.1')).json()).toEqual([
      { b: 'true', n: '12345678901234567890.1234567890', bi: '9007199254740993', d: 0.1, dtt: '2024-02-29' },
    ]);
  });
});
