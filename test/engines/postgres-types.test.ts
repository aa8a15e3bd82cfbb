/**
 * PostgreSQL values through the API: how each type renders in JSON (the rules docs/engine-postgres.md
 * states), filters and writes with typed values, JSON paths, wide rows past json_build_object's
 * 100-argument limit, and the 400s PostgreSQL-specific mistakes get instead of 500s.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresHarnessWith, postgresUnavailable } from '../helpers/postgres-harness.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const reason = await postgresUnavailable();
if (reason) console.warn(`postgres types: skipped: ${reason}`);

const WIDE_COLUMNS = Array.from({ length: 120 }, (_, i) => `c${String(i).padStart(3, '0')}`);

const SQL = `
CREATE TYPE mood AS ENUM ('calm', 'angry');
CREATE TABLE vals (
  id integer PRIMARY KEY,
  big bigint, n numeric, f double precision, flag boolean,
  tstz timestamptz, ts timestamp, day date, at time, u uuid,
  j json, jb jsonb, bin bytea, m mood, tags text[], note text
);
INSERT INTO vals VALUES
  (1, 9007199254740993, 12345678901234567890.123456789, 0.1, true,
   '2025-03-04 05:06:07.5+02', '2025-03-04 05:06:07', '2025-03-04', '05:06:07', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
   '{"b" : [1, 2], "a": {"x": null}}', '{"b": [1, 2], "a": {"x": null}}', decode(repeat('ab', 60), 'hex'), 'calm', '{x,"y z"}', '{"not": "json path"}'),
  (2, -1, 'NaN', 'Infinity', false, NULL, NULL, NULL, NULL, NULL, '[]', '"s"', '', 'angry', '{}', 'plain');
CREATE TABLE wide (id integer PRIMARY KEY, ${WIDE_COLUMNS.map((c) => `${c} integer`).join(', ')});
INSERT INTO wide VALUES (1, ${WIDE_COLUMNS.map((_, i) => i).join(', ')});
CREATE TABLE defs (id serial PRIMARY KEY, at date NOT NULL DEFAULT '2025-01-01', tag text DEFAULT 'x');
CREATE TABLE many AS SELECT g AS id FROM generate_series(1, 5000) g;
ANALYZE many;
`;

describe.skipIf(reason !== null)('postgres types', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(postgresHarnessWith(SQL));
  });
  afterAll(async () => s?.close());

  it('renders each type as PostgREST does, compact', async () => {
    const res = await s.request({ url: '/vals?id=eq.1' });
    expect(res.status).toBe(200);
    // Exact digits in the text: int8 and numeric are JSON numbers, never rounded through a double.
    expect(res.text).toContain('"big":9007199254740993,');
    expect(res.text).toContain('"n":12345678901234567890.123456789,');
    expect(res.text).toContain('"j":{"b" : [1, 2], "a": {"x": null}}');
    expect(res.text).not.toMatch(/" : [^[]/);
    const [row] = res.json();
    expect(row).toEqual({
      id: 1, big: 9007199254740992, n: 12345678901234567000, f: 0.1, flag: true,
      // timestamptz in UTC whatever the server's TimeZone; timestamp without a zone as stored.
      tstz: '2025-03-04T03:06:07.5+00:00', ts: '2025-03-04T05:06:07', day: '2025-03-04', at: '05:06:07',
      u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      j: { b: [1, 2], a: { x: null } }, jb: { a: { x: null }, b: [1, 2] },
      // 120 bytes: base64 longer than 76 characters, without the line breaks encode() adds.
      bin: Buffer.from('ab'.repeat(60), 'hex').toString('base64'),
      m: 'calm', tags: ['x', 'y z'], note: '{"not": "json path"}',
    });
  });

  it('renders NaN and Infinity as strings, empty bytea as an empty string', async () => {
    const [row] = (await s.request({ url: '/vals?select=n,f,bin,j,jb&id=eq.2' })).json();
    expect(row).toEqual({ n: 'NaN', f: 'Infinity', bin: '', j: [], jb: 's' });
  });

  it('builds rows wider than 50 columns with every key in select order', async () => {
    const res = await s.request({ url: '/wide?id=eq.1' });
    expect(res.status).toBe(200);
    const [row] = res.json();
    expect(Object.keys(row)).toEqual(['id', ...WIDE_COLUMNS]);
    expect(row.c119).toBe(119);
    const picked = await s.request({ url: `/wide?select=${[...WIDE_COLUMNS].reverse().join(',')}` });
    expect(Object.keys(picked.json()[0])).toEqual([...WIDE_COLUMNS].reverse());
  });

  it('filters with values of each type', async () => {
    const ids = async (q: string) => (await s.request({ url: `/vals?select=id&order=id&${q}` })).json().map((r: { id: number }) => r.id);
    expect(await ids('big=eq.9007199254740993')).toEqual([1]);
    expect(await ids('big=gt.9007199254740992')).toEqual([1]);
    expect(await ids('n=gt.1e19')).toEqual([1, 2]); // NaN sorts above every number in PostgreSQL
    expect(await ids('tstz=eq.2025-03-04T03:06:07.5Z')).toEqual([1]);
    expect(await ids('day=lt.2026-01-01')).toEqual([1]);
    expect(await ids('u=eq.A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toEqual([1]);
    expect(await ids('m=eq.angry')).toEqual([2]);
    expect(await ids('flag=is.true')).toEqual([1]);
    expect(await ids('jb=eq.{"b":[1,2],"a":{"x":null}}')).toEqual([1]);
    expect(await ids('j=eq.[]')).toEqual([2]);
  });

  it('applies pattern operators to the text of non-text columns', async () => {
    const ids = async (q: string) => (await s.request({ url: `/vals?select=id&order=id&${q}` })).json().map((r: { id: number }) => r.id);
    expect(await ids('big=like.9007*')).toEqual([1]);
    expect(await ids('m=ilike.CA*')).toEqual([1]);
    expect(await ids('u=match.^a0ee')).toEqual([1]);
    expect(await ids('day=like(any).{2025*,1999*}')).toEqual([1]);
  });

  it('follows JSON paths on json and jsonb, with array indexes', async () => {
    const res = await s.request({ url: '/vals?select=id,j->b->1,second:jb->b->>0,x:jb->a->x&id=eq.1' });
    expect(res.json()).toEqual([{ id: 1, '1': 2, second: '1', x: null }]);
    const ids = async (q: string) => (await s.request({ url: `/vals?select=id&order=id&${q}` })).json().map((r: { id: number }) => r.id);
    expect(await ids('j->b->>0=eq.1')).toEqual([1]);
    expect(await ids('j->b=eq.[1,2]')).toEqual([1]);
    // A JSON null is a value, not SQL NULL (as on SQLite): only the row without the key is null.
    expect(await ids('jb->a->x=is.null')).toEqual([2]);
    expect((await s.request({ url: '/vals?order=j->b->0.desc.nullslast&select=id' })).json()).toEqual([{ id: 1 }, { id: 2 }]);
  });

  it('answers a JSON path on a text column with a 400', async () => {
    const res = await s.request({ url: '/vals?select=note->not&id=eq.1' });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: '42883', details: expect.stringContaining('json or jsonb') });
    expect((await s.request({ url: '/vals?note->>not=eq.x' })).status).toBe(400);
  });

  it('casts in PostgreSQL types', async () => {
    const res = await s.request({ url: '/vals?select=id::text,big::text,f::integer,tstz::timestamp,ts::date,flag::integer,note::json&id=eq.1' });
    expect(res.json()).toEqual([{ id: '1', big: '9007199254740993', f: 0, tstz: '2025-03-04T03:06:07.5+00:00', ts: '2025-03-04', flag: 1, note: { not: 'json path' } }]);
    expect((await s.request({ url: '/vals?select=note::integer' })).json().code).toBe('22P02');
    expect((await s.request({ url: '/vals?select=n::integer&id=eq.1' })).json().code).toBe('22003');
  });

  it('writes each type from the JSON body and reads it back the same', async () => {
    const row = {
      id: 10, big: '9007199254740995', n: '0.10', f: 1.5, flag: false, tstz: '2025-01-01T00:00:00Z', ts: '2025-01-01T10:00:00',
      day: '2025-01-02', at: '23:59:59', u: '00000000-0000-0000-0000-000000000001', j: { z: 1, a: [true, null] }, jb: [1, 'two'],
      bin: Buffer.from('hello world, and more than enough bytes to pass seventy-six characters of base64').toString('base64'),
      m: 'angry', tags: ['a', 'b'], note: 'n',
    };
    const res = await s.request({ method: 'POST', url: '/vals', headers: { Prefer: 'return=representation' }, body: row });
    expect(res.status).toBe(201);
    expect(res.text).toContain('"big":9007199254740995,');
    expect(res.json()).toEqual([{ ...row, big: 9007199254740996, n: 0.1, tstz: '2025-01-01T00:00:00+00:00', ts: '2025-01-01T10:00:00' }]);
    expect(await s.query('select encode(bin, \'escape\') as bin, n::text as n from vals where id = 10')).toEqual([
      { bin: 'hello world, and more than enough bytes to pass seventy-six characters of base64', n: '0.10' },
    ]);
  });

  it('updates typed values, bytea included, from the PATCH body', async () => {
    const bin = Buffer.from([0, 1, 2, 250]).toString('base64');
    const res = await s.request({
      method: 'PATCH', url: '/vals?id=eq.2&select=id,bin,jb,tags,m', headers: { Prefer: 'return=representation' },
      body: { bin, jb: { k: 'v' }, tags: ['p', 'q'], m: 'calm' },
    });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual([{ id: 2, bin, jb: { k: 'v' }, tags: ['p', 'q'], m: 'calm' }]);
  });

  it('inserts rows of defaults from empty objects', async () => {
    const res = await s.request({ method: 'POST', url: '/defs', headers: { Prefer: 'return=representation' }, body: [{}, {}] });
    expect(res.status).toBe(201);
    expect(res.json()).toEqual([{ id: 1, at: '2025-01-01', tag: 'x' }, { id: 2, at: '2025-01-01', tag: 'x' }]);
  });

  it('answers values PostgreSQL refuses with 400s', async () => {
    const post = (body: unknown) => s.request({ method: 'POST', url: '/vals', body });
    expect((await post({ id: 20, m: 'sleepy' })).json().code).toBe('22P02'); // enum, checked before the database
    expect((await post({ id: 21, bin: 'not base64!' })).status, 'bad base64').toBe(400);
    expect((await post({ id: 22, note: 'a\u0000b' })).status, 'NUL in text').toBe(400);
    expect((await post({ id: 23, big: '99999999999999999999' })).json().code).toBe('22003');
    expect((await s.request({ url: '/vals?note=match.(' })).json().code).toBe('22023');
    expect((await s.request({ url: '/vals?note=like.p\\' })).status, 'dangling LIKE escape').toBe(400);
  });

  it('answers count=planned with the planner estimate (EXPLAIN), as PostgREST does', async () => {
    const range = async (prefer: string, url: string) => (await s.request({ url, headers: { Prefer: prefer } })).headers['content-range'];
    expect(await range('count=planned', '/many?select=id&limit=2')).toBe('0-1/5000');
    const filtered = Number(String(await range('count=planned', '/many?select=id&id=gt.4000&limit=2')).split('/')[1]);
    expect(filtered).toBeGreaterThan(500);
    expect(filtered).toBeLessThan(2000);
    expect(await range('count=exact', '/many?select=id&id=gt.4000&limit=2')).toBe('0-1/1000');
    // Below max rows, estimated counts exactly.
    expect(await range('count=estimated', '/books?select=id&limit=2')).toBe('0-1/6');
  });

  it('streams CSV and NDJSON through a cursor, all rows in order', async () => {
    const csv = await s.request({ url: '/many?select=id&order=id', headers: { Accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(1001); // header + max rows (1000)
    expect(lines.slice(0, 3)).toEqual(['id', '1', '2']);
    const nd = await s.request({ url: '/many?select=id&order=id.desc&limit=3', headers: { Accept: 'application/x-ndjson' } });
    expect(nd.text).toBe('{"id":5000}\n{"id":4999}\n{"id":4998}\n');
    expect((await s.request({ url: '/many?select=id&id=eq.7' })).json()).toEqual([{ id: 7 }]);
  });

  it('searches text with PostgreSQL full-text search, with or without a language', async () => {
    const ids = async (q: string) => (await s.request({ url: `/books?select=id&order=id&${q}` })).json();
    expect(await ids('title=fts(english).cities')).toEqual([{ id: 3 }]);
    expect(await ids('title=plfts(simple).grain sand')).toEqual([{ id: 5 }]);
    expect((await s.request({ url: '/books?title=fts(klingon).x' })).status).toBe(400);
    expect((await s.request({ url: "/books?title=fts(en'glish).x" })).status).toBe(400);
  });
});
