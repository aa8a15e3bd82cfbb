/**
 * SQLite reads that may run long leave the event loop: a query plan that scans a large table runs
 * in a read worker process, killed at the statement timeout (504 57014), while `/_/health` and
 * every other request go on being answered; a read through keys stays on the main thread with the
 * same bodies. Plus the plan classifier alone.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type RowgateServer } from '../../src/index.js';
import { openSqliteDialect } from '../../src/dialect/sqlite/sqlite-dialect.js';
import type { SqliteDriver } from '../../src/dialect/sqlite/sqlite-driver.js';
import { aliasesOf, classifyPlan, type PlanStep } from '../../src/dialect/sqlite/sqlite-read-classifier.js';

const ITEMS = 200_000;
const NOTES = 200_000;

let dir: string;
let path: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rowgate-sqlite-long-'));
  path = join(dir, 'long.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // No index on items.name nor on notes.item_id: a text filter scans, an embedding is quadratic.
  db.exec(`
    create table items (id integer primary key, name text not null, grp integer not null);
    create index items_grp on items (grp);
    create table notes (id integer primary key, item_id integer not null references items (id), body text not null);
    create table tiny (id integer primary key, label text not null);
  `);
  db.transaction(() => {
    db.prepare(`insert into items (id, name, grp)
      with recursive n(i) as (select 1 union all select i + 1 from n where i < ?) select i, 'item ' || i, i % 100 from n`).run(ITEMS);
    db.prepare(`insert into notes (id, item_id, body)
      with recursive n(i) as (select 1 union all select i + 1 from n where i < ?) select i, 1 + (i * 7919) % ?, 'note ' || i from n`).run(NOTES, ITEMS);
    db.prepare(`insert into tiny (id, label) values (1, 'one'), (2, 'two'), (3, 'three')`).run();
  })();
  db.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function timed(url: string): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  const res = await fetch(url);
  const body = await res.text();
  return { status: res.status, body, ms: performance.now() - started };
}

describe('long SQLite reads over HTTP', () => {
  let server: RowgateServer;
  let base: string;

  beforeAll(async () => {
    server = await createServer({ db: path, statementTimeoutMs: 500, logLevel: 'silent', host: '127.0.0.1', port: 0 });
    base = (await server.listen()).replace(/\/$/, '');
  });

  afterAll(async () => {
    await server?.close();
  });

  it('cancels a slow read at the statement timeout while /_/health keeps answering within 1 s', async () => {
    // Warm up: a scan of the large table runs in a worker (starting it) and answers normally.
    const warm = await timed(`${base}/items?name=like.*zzz*`);
    expect(warm.status).toBe(200);
    expect(warm.body).toBe('[]');

    const polls: { status: number; ms: number }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const started = performance.now();
        const res = await fetch(`${base}/_/health`);
        await res.text();
        polls.push({ status: res.status, ms: performance.now() - started });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    // Every one of 1,000 items scans all 200,000 notes: 2e8 row visits, many seconds of SQLite.
    const slow = await timed(`${base}/items?select=id,notes(body)&order=id&limit=1000`);
    // A few more polls after the cancellation.
    await new Promise((resolve) => setTimeout(resolve, 300));
    polling = false;
    await poller;

    expect(slow.status).toBe(504);
    expect(JSON.parse(slow.body).code).toBe('57014');
    expect(slow.ms).toBeGreaterThanOrEqual(450);
    expect(slow.ms).toBeLessThan(1500);
    expect(polls.length).toBeGreaterThanOrEqual(8);
    for (const poll of polls) {
      expect(poll.status).toBe(200);
      expect(poll.ms).toBeLessThan(1000);
    }

    // The replacement worker serves the next long read, with the right rows.
    const after = await timed(`${base}/items?select=id,name&name=like.*99999*&order=id`);
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body)).toEqual([{ id: 99999, name: 'item 99999' }, { id: 199999, name: 'item 199999' }]);
  });

  it('answers indexed reads on the main thread with the same bodies as before', async () => {
    expect((await timed(`${base}/items/5`)).body).toBe('{"id":5,"name":"item 5","grp":5}');
    expect((await timed(`${base}/items?id=eq.7`)).body).toBe('[{"id":7,"name":"item 7","grp":7}]');
    const res = await fetch(`${base}/items?select=id&grp=eq.3&order=id&limit=3`, { headers: { prefer: 'count=exact' } });
    expect(await res.text()).toBe('[{"id":3},{"id":103},{"id":203}]');
    expect(res.headers.get('content-range')).toBe('0-2/2000');
    expect((await timed(`${base}/tiny?order=id`)).body).toBe('[{"id":1,"label":"one"},{"id":2,"label":"two"},{"id":3,"label":"three"}]');
  });
});

describe('the SQLite driver: main thread and read workers give the same results', () => {
  it('classifies, and answers rows, counts and cursors alike on both paths and without workers', async () => {
    const withWorkers = openSqliteDialect({ path, statementTimeoutMs: 5000 });
    const without = openSqliteDialect({ path, statementTimeoutMs: 5000, readWorkers: 0 });
    try {
      await withWorkers.introspect(1);
      await without.introspect(1);
      const driver = withWorkers.driver as SqliteDriver;
      const queries = [
        // Short: through the primary key, an index, a small table.
        { sql: `select json_object('id', id, 'name', name), json_array(id) from items where id = ?`, params: [42], long: false },
        { sql: `select json_object('id', id), json_array(id) from items where grp = ? order by id limit ?`, params: [7, 5], long: false },
        { sql: `select json_object('label', label) from "tiny" as "t_1" order by id`, params: [], long: false },
        // Long: scans of a large table, an embedding without an index.
        { sql: `select json_object('id', id), json_array(id) from items where name like ? order by id`, params: ['%4242%'], long: true },
        { sql: `select json_object('n', (select count(*) from notes as "n_1" where "n_1".item_id = "i_1".id)) from items as "i_1" where id = ?`, params: [1n], long: true },
      ];
      const count = (long: boolean) =>
        long ? { sql: `select count(*) from items where name like ?`, params: ['%4242%'] } : { sql: `select count(*) from items where grp = ?`, params: [7] };
      for (const q of queries) {
        expect(driver.classify(q).long, q.sql).toBe(q.long);
        const main = { sql: q.sql, params: q.params };
        const a = await driver.read(main, count(q.long));
        const b = await without.driver.read(main, count(q.long));
        expect(a).toEqual(b);
        expect(a.rows.length).toBeGreaterThan(0);
      }
      expect(driver.pool?.workers).toBeGreaterThan(0);
      // A worker's errors translate as the main thread's do.
      const bad = { sql: `select json_object('id', id) from items where name regexp ?`, params: ['(unclosed'] };
      const errorOf = async (d: typeof driver | typeof without.driver) => d.read(bad, null).then(() => null, (e: unknown) => withWorkers.translateError(e));
      expect(driver.classify(bad).long).toBe(true);
      expect(await errorOf(driver)).toEqual(await errorOf(without.driver));
      expect((await errorOf(driver))?.kind).toBe('invalid-regex');
    } finally {
      await withWorkers.driver.close();
      await without.driver.close();
    }
  });

  it('refuses reads beyond the queue with a busy error', async () => {
    const dialect = openSqliteDialect({ path, statementTimeoutMs: 400, readWorkers: 1, readQueueLimit: 1 });
    try {
      await dialect.introspect(1);
      // Start the worker with a quick read that needs one; then one read runs, one waits, one is refused.
      expect((await dialect.driver.read({ sql: `select json_object('id', id) from items where name like ?`, params: ['%x%'] }, null)).rows).toEqual([]);
      const slow = { sql: `select json_object('n', (select count(*) from notes where notes.item_id = items.id)) from items order by id limit 1000`, params: [] };
      const results = await Promise.allSettled([1, 2, 3].map(() => dialect.driver.read(slow, null)));
      const kinds = results.map((r) => (r.status === 'rejected' ? dialect.translateError(r.reason)?.kind : 'ok'));
      expect(kinds).toEqual(['timeout', 'timeout', 'busy']);
    } finally {
      await dialect.driver.close();
    }
  });
});

describe('classifyPlan', () => {
  const plan = (...details: string[]): PlanStep[] => details.map((detail, i) => ({ id: i + 2, parent: 0, detail }));
  const sizes: Record<string, number> = { products: 100_000, categories: 12 };
  const rowsOf = (name: string) => sizes[name] ?? null;

  it('keeps lookups through keys and indexes, and scans of small tables, on the main thread', () => {
    expect(classifyPlan(plan('SEARCH products USING INTEGER PRIMARY KEY (rowid=?)'), rowsOf).long).toBe(false);
    expect(classifyPlan(plan('SEARCH products USING INDEX products_cat (category_id=?)', 'USE TEMP B-TREE FOR ORDER BY'), rowsOf).long).toBe(false);
    expect(classifyPlan(plan('SEARCH products USING COVERING INDEX p_sku (sku=? AND x=?)'), rowsOf).long).toBe(false);
    expect(classifyPlan(plan('SCAN categories'), rowsOf).long).toBe(false);
    expect(classifyPlan(plan('SCAN CONSTANT ROW'), rowsOf).long).toBe(false);
    expect(
      classifyPlan(plan('SEARCH products USING INTEGER PRIMARY KEY (rowid=?)', 'LIST SUBQUERY 1', 'SCAN json_each VIRTUAL TABLE INDEX 1:'), rowsOf).long,
    ).toBe(false);
    // An embedding: the subquery's search per outer row.
    expect(classifyPlan(plan('SEARCH products USING INTEGER PRIMARY KEY (rowid=?)', 'CORRELATED SCALAR SUBQUERY 2', 'SEARCH categories USING INTEGER PRIMARY KEY (rowid=?)'), rowsOf).long).toBe(false);
    // A range on a small table.
    expect(classifyPlan(plan('SEARCH categories USING INTEGER PRIMARY KEY (rowid>?)'), rowsOf).long).toBe(false);
    // A materialised subquery of a small table, scanned.
    expect(classifyPlan(plan('CO-ROUTINE s', 'SCAN categories', 'SCAN s'), rowsOf).long).toBe(false);
  });

  it('sends scans of large or unknown tables, ranges, automatic indexes, recursion and FTS to a worker', () => {
    expect(classifyPlan(plan('SCAN products'), rowsOf)).toEqual({ long: true, reason: 'scan of a large or unknown table (SCAN products)' });
    expect(classifyPlan(plan('SCAN products USING COVERING INDEX products_cat'), rowsOf).long).toBe(true);
    expect(classifyPlan(plan('SCAN mystery'), rowsOf).long).toBe(true);
    expect(classifyPlan(plan('SEARCH products USING INDEX products_price (price>?)'), rowsOf).long).toBe(true);
    expect(classifyPlan(plan('SCAN categories', 'SEARCH products USING AUTOMATIC COVERING INDEX (category_id=?)'), rowsOf).long).toBe(true);
    expect(classifyPlan(plan('CO-ROUTINE n', 'SETUP', 'SCAN CONSTANT ROW', 'RECURSIVE STEP', 'SCAN n', 'SCAN n'), rowsOf).long).toBe(true);
    expect(classifyPlan(plan('SCAN products_fts VIRTUAL TABLE INDEX 0:M1'), rowsOf).long).toBe(true);
    expect(classifyPlan(plan('SEARCH products USING INTEGER PRIMARY KEY (rowid=?)', 'CORRELATED SCALAR SUBQUERY 2', 'SCAN products'), rowsOf).long).toBe(true);
    // The threshold is a parameter.
    expect(classifyPlan(plan('SCAN categories'), rowsOf, 10).long).toBe(true);
  });

  it('resolves aliases from the SQL text', () => {
    const aliases = aliasesOf(`select json_object('a', "p_1"."id") from "products" as "p_1" left join "categories" as "c ""x""" on 1`);
    expect(aliases.get('p_1')).toEqual(['products']);
    expect(aliases.get('c "x"')).toEqual(['categories']);
  });
});
