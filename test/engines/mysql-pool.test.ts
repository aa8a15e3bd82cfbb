/**
 * The MySQL/MariaDB pool: never more connections than poolSize, connections set up for rowgate
 * (UTC, strict mode, statement timeout), large reads streamed on a connection of their own, and
 * connections given back (or dropped) whatever happens to the request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RowgateServer } from '../../src/index.js';
import { openMysqlDialect } from '../../src/dialect/mysql/mysql-dialect.js';
import { createMysqlTestDatabase, mysqlHarness } from '../helpers/mysql-harness.js';

const reason = await mysqlHarness.unavailable();
if (reason) console.warn(`mysql pool: skipped: ${reason}`);

const DDL = `
CREATE TABLE numbers (id INT PRIMARY KEY, label VARCHAR(20) NOT NULL) ENGINE=InnoDB;
INSERT INTO numbers SELECT seq, CONCAT('n', seq) FROM seq_1_to_25000;
CREATE VIEW slow AS SELECT SLEEP(0.3) AS x;
CREATE VIEW slower AS SELECT SLEEP(3) AS x;
CREATE VIEW clock AS SELECT NOW() = UTC_TIMESTAMP() AS utc;
`;

describe.skipIf(reason !== null)('mysql pool', () => {
  let db: Awaited<ReturnType<typeof createMysqlTestDatabase>>;
  let server: RowgateServer;

  beforeAll(async () => {
    db = await createMysqlTestDatabase(DDL);
    server = await createServer({ db: db.url, logLevel: 'silent', poolSize: 2, statementTimeoutMs: 2500, maxRows: 100_000 });
  });
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  });

  const connections = async () =>
    Number((await db.query(`select count(*) as n from information_schema.processlist where db = '${db.name}' and id <> connection_id()`))[0].n);

  it('opens at most poolSize connections, queueing the rest', async () => {
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 4 }, () => server.app.inject({ method: 'GET', url: '/slow' })));
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    // Four 0.3 s statements on two connections take two rounds.
    expect(performance.now() - started).toBeGreaterThanOrEqual(550);
    expect(await connections()).toBeLessThanOrEqual(2);
  });

  it('sets each connection up: UTC and the statement timeout', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/clock' });
    expect(JSON.parse(res.body)).toEqual([{ utc: 1 }]);
  });

  it('streams a large read and gives its connection back with the timeout restored', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/numbers?select=id&order=id', headers: { accept: 'application/x-ndjson' } });
    expect(res.statusCode).toBe(200);
    const lines = res.body.trimEnd().split('\n');
    expect(lines.length).toBe(25_000);
    expect(lines[0]).toBe('{"id":1}');
    expect(lines[24_999]).toBe('{"id":25000}');
    // Both connections (one of them the stream's) cancel a statement at the timeout again. (With a
    // limit: with maxRows above 10,000 a read without one streams, and streams have no timeout.)
    const slow = await Promise.all([0, 1].map(() => server.app.inject({ method: 'GET', url: '/slower?limit=1' })));
    expect(slow.map((r) => r.statusCode), slow.map((r) => r.body).join(' ')).toEqual([504, 504]);
    expect(await connections()).toBeLessThanOrEqual(2);
  });

  it('streams CSV with a count', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/numbers?select=id,label&id=lte.20000&order=id', headers: { accept: 'text/csv', prefer: 'count=exact' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-range']).toBe('0-19999/20000');
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,label');
    expect(lines.length).toBe(20_001);
  });

  it('drops the connection of a stream abandoned half-way, and the pool keeps serving', async () => {
    const dialect = openMysqlDialect(db.url, { statementTimeoutMs: 2000, poolSize: 1 });
    try {
      const stream = dialect.driver.stream!({ sql: 'SELECT JSON_OBJECT(\'id\', id) FROM numbers ORDER BY id', params: [] });
      const iterator = stream[Symbol.asyncIterator]();
      const first = await iterator.next();
      expect((first.value as string[]).length).toBe(1000);
      // What a response does when its client goes away.
      await iterator.return!();
      // The pool's one connection was dropped with the unread rows; the next read opens another.
      const read = await dialect.driver.read({ sql: 'SELECT JSON_OBJECT(\'n\', COUNT(*)) FROM numbers', params: [] }, null);
      expect(read.rows).toEqual(['{"n": 25000}']);
    } finally {
      await dialect.driver.close();
    }
  });

  it('estimates a whole table with count=planned', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/numbers?select=id&limit=1', headers: { prefer: 'count=planned' } });
    expect(res.statusCode).toBe(206);
    const total = Number(String(res.headers['content-range']).split('/')[1]);
    // InnoDB's estimate, not the exact count: close, rarely equal.
    expect(total).toBeGreaterThan(10_000);
    expect(total).toBeLessThan(50_000);
  });
});
