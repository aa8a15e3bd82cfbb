/**
 * Writes on MySQL/MariaDB, which have no RETURNING: the rows sent back are re-read in the same
 * transaction by the ids LAST_INSERT_ID() gave, by the keys in the body, or by the keys locked
 * before an UPDATE/DELETE. These tests check that each way returns exactly the rows written, also
 * while other requests write to the same table at the same time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RowgateServer } from '../../src/index.js';
import { createMysqlTestDatabase, mysqlHarness } from '../helpers/mysql-harness.js';

const reason = await mysqlHarness.unavailable();
if (reason) console.warn(`mysql writes: skipped: ${reason}`);

const DDL = `
CREATE TABLE people (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL UNIQUE, n INT) ENGINE=InnoDB;
CREATE TABLE codes (code VARCHAR(10) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY, label TEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE blobs (k VARBINARY(16) NOT NULL PRIMARY KEY, v INT) ENGINE=InnoDB;
CREATE TABLE emails (email VARCHAR(100) NOT NULL, note TEXT, UNIQUE KEY emails_email_key (email)) ENGINE=InnoDB;
CREATE TABLE loose (body TEXT, mood TEXT) ENGINE=InnoDB;
CREATE TABLE nicks (id INT AUTO_INCREMENT PRIMARY KEY, nick VARCHAR(20) UNIQUE, n INT) ENGINE=InnoDB;
INSERT INTO codes VALUES ('ab', 'lower'), ('AB', 'upper');
INSERT INTO loose VALUES ('a', 'x'), ('b', NULL), ('c', NULL);
`;

describe.skipIf(reason !== null)('mysql writes without RETURNING', () => {
  let db: Awaited<ReturnType<typeof createMysqlTestDatabase>>;
  let server: RowgateServer;
  const send = async (method: string, url: string, body?: unknown, prefer = 'return=representation') => {
    const res = await server.app.inject({ method: method as 'POST', url, headers: { prefer }, payload: body as object | undefined });
    return { status: res.statusCode, headers: res.headers, text: res.body, json: () => JSON.parse(res.body) };
  };

  beforeAll(async () => {
    db = await createMysqlTestDatabase(DDL);
    server = await createServer({ db: db.url, logLevel: 'silent', poolSize: 8 });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  it('returns exactly the inserted rows with their ids while other requests insert too', async () => {
    const batches = Array.from({ length: 12 }, (_, b) => Array.from({ length: 25 }, (_, i) => ({ name: `p${b}-${i}`, n: i })));
    const results = await Promise.all(batches.map((rows) => send('POST', '/people', rows)));
    const seen = new Set<number>();
    for (const [b, res] of results.entries()) {
      expect(res.status, res.text).toBe(201);
      const rows = res.json() as { id: number; name: string; n: number }[];
      expect(rows.map((r) => r.name)).toEqual(batches[b].map((r) => r.name));
      for (const r of rows) seen.add(r.id);
      // The ids are the rows' own: read back on another connection.
      const stored = await db.query(`select id, name from people where id in (${rows.map((r) => r.id).join(',')}) order by id`);
      expect(stored).toEqual(rows.map((r) => ({ id: r.id, name: r.name })).sort((x, y) => x.id - y.id));
    }
    expect(seen.size).toBe(12 * 25);
  });

  it('gives the Location of a single insert', async () => {
    const res = await send('POST', '/people', { name: 'located' }, 'return=minimal');
    const [{ id }] = await db.query(`select id from people where name = 'located'`);
    expect(res.headers.location).toBe(`/people?id=eq.${id}`);
  });

  it('takes ids given in the body, and AUTO_INCREMENT carries on after them', async () => {
    const res = await send('POST', '/people?select=id,name', [{ id: 100000, name: 'given' }, { id: 100001, name: 'given too' }]);
    expect(res.status, res.text).toBe(201);
    expect(res.json()).toEqual([{ id: 100000, name: 'given' }, { id: 100001, name: 'given too' }]);
    const next = await send('POST', '/people?select=id', { name: 'next' });
    expect(next.json()[0].id).toBeGreaterThan(100001);
  });

  it('upserts concurrently and returns every row at its final values', async () => {
    const rows = (k: number) => Array.from({ length: 10 }, (_, i) => ({ name: `u${i}`, n: k }));
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, k) => send('POST', '/people?on_conflict=name&select=name,n', rows(k), 'return=representation, resolution=merge-duplicates')),
    );
    for (const [k, res] of results.entries()) {
      expect(res.status, res.text).toBe(201);
      expect(res.json()).toEqual(rows(k));
    }
    expect((await db.query(`select count(*) as c from people where name like 'u%'`))[0].c).toBe(10);
  });

  it('upserts row by row with LAST_INSERT_ID() where the conflict target is no key (a nullable unique column)', async () => {
    // nick may be NULL, so it cannot identify a row: each row's id comes from its own statement.
    const first = await send('POST', '/nicks?on_conflict=nick&select=id,nick,n', [{ nick: 'a', n: 1 }, { nick: 'b', n: 1 }], 'return=representation, resolution=merge-duplicates');
    expect(first.status, first.text).toBe(201);
    const [a, b] = first.json();
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, k) =>
        send('POST', '/nicks?on_conflict=nick&select=id,nick,n', [{ nick: 'b', n: k }, { nick: `c${k}`, n: k }, { nick: 'a', n: k }], 'return=representation, resolution=merge-duplicates'),
      ),
    );
    for (const [k, res] of results.entries()) {
      expect(res.status, res.text).toBe(201);
      const [rb, rc, ra] = res.json();
      expect([rb, ra]).toEqual([{ id: b.id, nick: 'b', n: k }, { id: a.id, nick: 'a', n: k }]);
      expect(await db.query(`select nick from nicks where id = ${rc.id}`)).toEqual([{ nick: `c${k}` }]);
    }
    const ignored = await send('POST', '/nicks?on_conflict=nick&select=nick', [{ nick: 'a', n: 9 }, { nick: 'z', n: 9 }], 'return=representation, resolution=ignore-duplicates');
    expect(ignored.json()).toEqual([{ nick: 'z' }]);
  });

  it('returns only the rows inserted when ignoring duplicates', async () => {
    const res = await send('POST', '/people?on_conflict=name&select=name', [{ name: 'u1', n: 9 }, { name: 'fresh', n: 9 }], 'return=representation, resolution=ignore-duplicates');
    expect(res.status, res.text).toBe(201);
    expect(res.json()).toEqual([{ name: 'fresh' }]);
    expect(await db.query(`select n from people where name = 'u1'`)).not.toEqual([{ n: 9 }]);
  });

  it('refuses an upsert whose row conflicts on another unique key than on_conflict, as PostgreSQL does', async () => {
    const before = await db.query('select count(*) as c from people');
    const res = await send('POST', '/people?select=id', [{ id: 500000, name: 'u2' }], 'return=representation, resolution=merge-duplicates');
    expect(res.status, res.text).toBe(409);
    expect(res.json()).toMatchObject({ code: '23505' });
    expect(await db.query('select count(*) as c from people')).toEqual(before);
  });

  it('updates and returns the changed rows, found again when the key itself changes', async () => {
    const res = await send('PATCH', '/people?name=like.p0-*&n=lt.3&select=name,n', { n: 1000 });
    expect(res.status, res.text).toBe(200);
    // In key order, as the rows were locked.
    expect(res.json()).toEqual([{ name: 'p0-0', n: 1000 }, { name: 'p0-1', n: 1000 }, { name: 'p0-2', n: 1000 }]);
    const [{ id }] = await db.query(`select id from people where name = 'located'`);
    const moved = await send('PATCH', `/people?id=eq.${id}&select=id,name`, { id: 200000 });
    expect(moved.json()).toEqual([{ id: 200000, name: 'located' }]);
  });

  it('keeps concurrent PATCHes on the same rows consistent', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, k) => send('PATCH', '/people?name=like.p1-*&select=n', { n: k })));
    for (const [k, res] of results.entries()) {
      expect(res.status, res.text).toBe(200);
      expect(res.json()).toEqual(Array(25).fill({ n: k }));
    }
  });

  it('matches text keys under their own collation (utf8mb4_bin tells ab from AB)', async () => {
    expect((await send('PATCH', '/codes?code=eq.ab&select=code,label', { label: 'changed' })).json()).toEqual([{ code: 'ab', label: 'changed' }]);
    expect((await send('POST', '/codes?select=code', { code: 'Ab', label: 'new' })).json()).toEqual([{ code: 'Ab' }]);
    expect((await send('DELETE', '/codes?code=eq.AB&select=code,label')).json()).toEqual([{ code: 'AB', label: 'upper' }]);
    expect(await db.query('select code from codes order by code')).toEqual([{ code: 'Ab' }, { code: 'ab' }]);
  });

  it('finds rows by a binary key', async () => {
    const k = Buffer.from([0, 1, 2, 255]).toString('base64');
    expect((await send('POST', '/blobs', { k, v: 1 })).json()).toEqual([{ k, v: 1 }]);
    expect((await send('PATCH', `/blobs?v=eq.1`, { v: 2 })).json()).toEqual([{ k, v: 2 }]);
    expect((await send('DELETE', `/blobs?v=eq.2`)).json()).toEqual([{ k, v: 2 }]);
  });

  it('uses a NOT NULL unique key where there is no primary key', async () => {
    expect((await send('POST', '/emails', [{ email: 'a@x', note: '1' }, { email: 'b@x', note: '2' }])).json()).toEqual([
      { email: 'a@x', note: '1' },
      { email: 'b@x', note: '2' },
    ]);
    expect((await send('PATCH', '/emails?email=eq.b@x', { note: '3' })).json()).toEqual([{ email: 'b@x', note: '3' }]);
  });

  it('deletes from a table without any key and returns what it deleted; updates there need return=minimal', async () => {
    expect((await send('DELETE', '/loose?mood=is.null&select=body')).json()).toEqual([{ body: 'b' }, { body: 'c' }]);
    const patch = await send('PATCH', '/loose?body=eq.a', { mood: 'y' });
    expect(patch.status).toBe(400);
    expect(patch.json()).toMatchObject({ code: 'PGRST127' });
    expect((await send('PATCH', '/loose?body=eq.a', { mood: 'y' }, 'return=minimal')).status).toBe(204);
  });

  it('counts matched rows, not changed ones, for max-affected', async () => {
    await send('PATCH', '/people?name=like.p2-*', { n: 1 }, 'return=minimal');
    const res = await send('PATCH', '/people?name=like.p2-*', { n: 1 }, 'handling=strict, max-affected=3');
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'PGRST124' });
  });

  it('rolls back on request', async () => {
    const res = await send('POST', '/people?select=name', { name: 'ghost' }, 'return=representation, tx=rollback');
    expect(res.json()).toEqual([{ name: 'ghost' }]);
    expect(await db.query(`select id from people where name = 'ghost'`)).toEqual([]);
  });
});
