/**
 * The PostgreSQL driver's transactions and pool: the statement timeout really cancels a query
 * (504, 57014), the pool never opens more connections than poolSize, each statement is prepared
 * once per connection, reads run in read-only transactions, and connections the server terminates
 * while idle are replaced without harm to the process.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postgresHarnessWith, postgresUnavailable, POSTGRES_ADMIN_URL } from '../helpers/postgres-harness.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const reason = await postgresUnavailable();
if (reason) console.warn(`postgres pool: skipped: ${reason}`);

const SQL = `
CREATE VIEW slow AS SELECT pg_sleep(2)::text AS x;
CREATE VIEW short AS SELECT pg_sleep(0.3)::text AS x;
CREATE VIEW prepared AS SELECT name, statement FROM pg_prepared_statements;
CREATE TABLE bumps (n serial PRIMARY KEY);
CREATE FUNCTION bump() RETURNS integer LANGUAGE sql VOLATILE AS 'INSERT INTO bumps DEFAULT VALUES RETURNING n';
CREATE VIEW bumping AS SELECT bump() AS n;
CREATE VIEW settings AS SELECT current_setting('default_transaction_read_only') AS session_read_only,
  current_setting('transaction_read_only') AS read_only, current_setting('TimeZone') AS zone,
  current_setting('statement_timeout') AS timeout;
`;

describe.skipIf(reason !== null)('postgres driver and pool', () => {
  const servers: TestServer[] = [];
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  let admin: pg.Client;

  beforeAll(async () => {
    process.on('uncaughtException', onUncaught);
    admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
    await admin.connect();
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await admin?.end();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    expect(uncaught).toEqual([]);
  });
  const start = async (options: Parameters<typeof startTestServer>[1]) => {
    const s = await startTestServer(postgresHarnessWith(SQL), options);
    servers.push(s);
    return s;
  };
  const dbName = (s: TestServer) => new URL(s.database.url).pathname.slice(1);
  const connections = async (s: TestServer) =>
    Number((await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'rowgate'`, [dbName(s)])).rows[0].n);

  it('cancels a statement at the statement timeout: 504 57014, and the connection serves on', async () => {
    const s = await start({ statementTimeoutMs: 200, poolSize: 1 });
    const started = performance.now();
    const res = await s.request({ url: '/slow' });
    expect(res.status).toBe(504);
    expect(res.json()).toMatchObject({ code: '57014', message: 'canceling statement due to statement timeout' });
    expect(performance.now() - started).toBeLessThan(1500);
    // The one pooled connection was rolled back and reused.
    expect((await s.request({ url: '/authors?select=id&id=eq.1' })).json()).toEqual([{ id: 1 }]);
    expect(await connections(s)).toBe(1);
  });

  it('opens at most poolSize connections and queues the rest', async () => {
    const s = await start({ poolSize: 2 });
    let peak = 0;
    const watching = (async () => {
      for (let i = 0; i < 20; i++) {
        peak = Math.max(peak, await connections(s));
        await new Promise((r) => setTimeout(r, 40));
      }
    })();
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 6 }, () => s.request({ url: '/short' })));
    await watching;
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
    // Six 0.3 s queries two at a time take three rounds.
    expect(performance.now() - started).toBeGreaterThan(850);
    expect(peak).toBe(2);
  });

  it('prepares each statement once per connection', async () => {
    const s = await start({ poolSize: 1 });
    for (const id of [1, 2, 3]) expect((await s.request({ url: `/authors?select=name&id=eq.${id}` })).status).toBe(200);
    const prepared = (await s.request({ url: '/prepared?select=name,statement' })).json() as { name: string; statement: string }[];
    const authors = prepared.filter((p) => p.statement.includes('"public"."authors"'));
    expect(authors).toHaveLength(1);
    expect(authors[0].name).toMatch(/^rg_[A-Za-z0-9_-]{27}$/);
  });

  it('streams CSV through a cursor and gives the connection back', async () => {
    const s = await start({ poolSize: 1 });
    const csv = await s.request({ url: '/authors?select=id&order=id', headers: { Accept: 'text/csv' } });
    expect(csv.text).toBe('id\r\n1\r\n2\r\n3\r\n4\r\n');
    const prepared = (await s.request({ url: '/prepared?select=statement' })).json() as { statement: string }[];
    expect(prepared.some((p) => p.statement.startsWith('declare rg_stream no scroll cursor for select'))).toBe(true);
  });

  it('runs reads in read-only transactions: a GET cannot write, even through a view', async () => {
    const s = await start({});
    const res = await s.request({ url: '/bumping' });
    expect(res.status).toBe(405);
    expect(res.json().code).toBe('25006');
    expect(await s.query('select count(*) as n from bumps')).toEqual([{ n: 0 }]);
  });

  it('sets the session up at connect time, or per transaction behind a transaction pooler', async () => {
    const plain = await start({ statementTimeoutMs: 4000 });
    // A plain read runs alone, on the connection's own settings: read-only by default, UTC, the timeout.
    expect((await plain.request({ url: '/settings' })).json()).toEqual([{ session_read_only: 'on', read_only: 'on', zone: 'UTC', timeout: '4s' }]);
    const pooled = await start({ statementTimeoutMs: 4000, postgresTransactionPooler: true });
    // Behind PgBouncer nothing may be set per connection: the transaction sets it all LOCAL.
    expect((await pooled.request({ url: '/settings' })).json()).toEqual([{ session_read_only: 'off', read_only: 'on', zone: 'UTC', timeout: '4s' }]);
    // Writes work either way, and a GET still cannot write.
    for (const s of [plain, pooled]) {
      expect((await s.request({ method: 'POST', url: '/bumps', body: {} })).status).toBe(201);
      expect((await s.request({ url: '/bumping' })).status).toBe(405);
    }
  });

  it('replaces connections the server terminates while they are idle', async () => {
    const s = await start({ poolSize: 3 });
    await Promise.all([1, 2, 3].map(() => s.request({ url: '/short' })));
    expect(await connections(s)).toBe(3);
    // What a server restart does to idle connections; only this test database's rowgate backends.
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'rowgate'`, [dbName(s)]);
    // At once: a request may take a connection before the pool has heard it is gone; it is retried.
    const after = await Promise.all([1, 2, 3, 4].map((id) => s.request({ url: `/authors?select=id&id=eq.${id}` })));
    expect(after.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  });

  it('cancels a write that waits on a lock past the statement timeout, and rolls it back', async () => {
    const s = await start({ statementTimeoutMs: 300 });
    const client = new pg.Client({ connectionString: s.database.url });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT * FROM authors WHERE id = 1 FOR UPDATE');
      const blocked = await s.request({ method: 'PATCH', url: '/authors?id=in.(1,2)', body: { country: 'X' } });
      expect(blocked.status).toBe(504);
      expect(blocked.json().code).toBe('57014');
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
    expect(await s.query('select country from authors where id in (1, 2) order by id')).toEqual([{ country: 'US' }, { country: 'IT' }]);
  });
});
