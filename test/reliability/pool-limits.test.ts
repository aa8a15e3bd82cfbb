/**
 * Issue 8 item 9 on the server engines: with every pooled connection held by slow statements, a
 * request that needs one answers 503/504 within its acquisition timeout, never hangs; requests that
 * need no connection (bad grammar, unknown tables, health) are answered at once meanwhile; and the
 * statement timeout really cancels the slow statements (the database is asked afterwards). SQLite's
 * side of item 9 is test/engines/sqlite-long-queries.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RowgateServer } from '../../src/index.js';
import { createPostgresDatabase, postgresUnavailable } from '../helpers/postgres-harness.js';
import { createMysqlTestDatabase } from '../helpers/mysql-harness.js';
import { selectedEngines } from '../helpers/engines.js';
import '../helpers/all-engines.js';

const POOL = 2;
const REQUEST_TIMEOUT_MS = 1500;
const STATEMENT_TIMEOUT_MS = 3000;

/** A view each engine takes seconds to read, so reading it holds a pooled connection. */
const SLOW_SQL = {
  postgres: `create table items (id integer primary key, name text not null);
insert into items values (1, 'one');
create view slow as select pg_sleep(10)::text as t, 1 as id;`,
  mysql: `create table items (id integer primary key, name text not null);
insert into items values (1, 'one');
create view slow as select sleep(10) as t, 1 as id;`,
} as const;

const engines = selectedEngines().filter((e) => e.name !== 'sqlite');
describe.skipIf(engines.length > 0)('pool limits', () => {
  it.skip('need PostgreSQL or MySQL (DIALECTS names neither)', () => {});
});

for (const engine of engines) {
  const name = engine.name as 'postgres' | 'mysql';
  const reason = await engine.unavailable();
  if (reason) console.warn(`pool limits: skipping ${name}: ${reason}`);

  describe.skipIf(reason !== null)(`${name}: an exhausted pool`, () => {
    let server: RowgateServer;
    let url: string;
    let drop: () => Promise<void>;
    let query: (sql: string) => Promise<Record<string, unknown>[]>;

    beforeAll(async () => {
      if (name === 'postgres') {
        const db = await createPostgresDatabase(SLOW_SQL.postgres);
        drop = db.drop;
        const pg = await import('pg');
        query = async (sql) => {
          const c = new pg.default.Client({ connectionString: db.url });
          await c.connect();
          try {
            return (await c.query(sql)).rows;
          } finally {
            await c.end();
          }
        };
        url = db.url;
      } else {
        const db = await createMysqlTestDatabase(SLOW_SQL.mysql);
        drop = db.drop;
        query = db.query;
        url = db.url;
      }
      server = await createServer({
        db: url, logLevel: 'silent', port: 0, poolSize: POOL, requestTimeoutMs: REQUEST_TIMEOUT_MS, statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      });
      url = await server.listen();
    }, 60_000);
    afterAll(async () => {
      await server?.close();
      await drop?.();
    });

    const timed = async (path: string) => {
      const started = performance.now();
      const res = await fetch(`${url}${path}`);
      const body = await res.text();
      return { status: res.status, body, ms: performance.now() - started, retryAfter: res.headers.get('retry-after') };
    };

    it('answers 503/504 within the timeouts while bad requests and health are answered at once', async () => {
      // Hold every connection with a statement that would run 10 s.
      const holders = Array.from({ length: POOL }, () => timed('/slow'));
      await new Promise((r) => setTimeout(r, 300));

      const [waiting, bad, unknown, health] = await Promise.all([timed('/items?id=eq.1'), timed('/items?id=eq.1&or=(broken'), timed('/nosuch'), timed('/_/health')]);
      // Needs a connection: none frees up in time, so a clean 503 or 504, within the request timeout.
      expect([503, 504]).toContain(waiting.status);
      expect(waiting.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 1000);
      expect(Object.keys(JSON.parse(waiting.body)).sort()).toEqual(['code', 'details', 'hint', 'message']);
      if (waiting.status === 503) expect(Number(waiting.retryAfter)).toBeGreaterThan(0);
      // Need none: answered at once, with their own 4xx.
      expect(bad.status).toBe(400);
      expect(unknown.status).toBe(404);
      expect(health.status).toBe(200);
      for (const r of [bad, unknown, health]) expect(r.ms).toBeLessThan(500);

      // The holders time out too (the request timeout comes before the statement timeout).
      for (const h of await Promise.all(holders)) {
        expect([503, 504]).toContain(h.status);
        expect(h.ms).toBeLessThan(REQUEST_TIMEOUT_MS + 1000);
      }
    }, 30_000);

    it('cancels the slow statements at the statement timeout, and the pool serves again', async () => {
      // By now the statement timeout has passed for the statements above: the database has stopped them.
      await new Promise((r) => setTimeout(r, STATEMENT_TIMEOUT_MS));
      const running =
        name === 'postgres'
          ? await query(`select count(*)::int as n from pg_stat_activity where query like '%pg_sleep%' and state = 'active' and pid <> pg_backend_pid()`)
          : await query(`select count(*) as n from information_schema.processlist where info like '%sleep(10)%' and info not like '%processlist%'`);
      expect(Number(running[0].n)).toBe(0);
      const after = await timed('/items?id=eq.1');
      expect(after.status).toBe(200);
      expect(JSON.parse(after.body)).toEqual([{ id: 1, name: 'one' }]);
    }, 30_000);
  });
}
