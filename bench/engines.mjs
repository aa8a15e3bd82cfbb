/**
 * The engines the bench runs on (issue 7): for each, whether it answers on this machine, how to
 * build the dataset there (the demo shop topped up with bench/dataset.mjs's products, the same rows
 * on every engine), a database per server, how to put back what write workloads changed, how the
 * floor and rowgate are pointed at it, and how to drop everything at the end.
 *
 *   sqlite    files in the temp folder (tmpfs when there is one)
 *   postgres  databases rowgate_bench_<pid>_<name> on ROWGATE_BENCH_PG (default postgres://postgres@127.0.0.1:5432/postgres)
 *   mysql     databases rowgate_bench_<pid>_<name> on ROWGATE_BENCH_MYSQL (default mysql://root@127.0.0.1:3306/mysql)
 *
 * The server engines are shared with whatever else runs on the machine: the bench only ever creates
 * and drops its own databases (names start with rowgate_bench_<its pid>_), never touches others.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { benchProducts, buildDataset, CATEGORY_COUNT, MAX_ROWS } from './dataset.mjs';

const require = createRequire(import.meta.url);
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const PREFIX = `rowgate_bench_${process.pid}_`;

export const PG_ADMIN_URL = process.env.ROWGATE_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_ADMIN_URL = process.env.ROWGATE_BENCH_MYSQL ?? 'mysql://root@127.0.0.1:3306/mysql';
/** rowgate's default pool size (src/config.ts): the floors of the server engines use the same. */
export const POOL_SIZE = 10;

const withDatabase = (url, name) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

function checkRows(rows) {
  if (!Number.isInteger(rows) || rows < 1000 || rows > MAX_ROWS) throw new Error(`rows must be an integer from 1000 to ${MAX_ROWS}, got ${rows}`);
}

function runDemo(url) {
  execFileSync(process.execPath, [join(ROOT, 'bin', 'rowgate.js'), 'demo', 'shop', '--db', url], { stdio: ['ignore', 'ignore', 'pipe'] });
}

// ---- SQLite --------------------------------------------------------------------------------------

const sqlite = {
  name: 'sqlite',
  async available() {
    return null; // always: better-sqlite3 is a dependency
  },
  version() {
    return new Database(':memory:').prepare('select sqlite_version() as v').get().v;
  },
  /** Builds the dataset in `dir`; returns a handle with a database per server name. */
  /** The plain demo shop (for start-up times); `drop()` removes it. */
  async demo({ dir }) {
    const file = join(dir, 'demo-shop.db');
    runDemo(file);
    return { url: `sqlite:${file}`, drop: async () => ['', '-wal', '-shm'].forEach((x) => rmSync(file + x, { force: true })) };
  },
  async prepare({ dir, rows, log, tag = 'main' }) {
    const base = join(dir, `${tag}-base.db`);
    const data = buildDataset({ out: base, rows, log });
    const files = new Map();
    return {
      data,
      base,
      /** A fresh copy of the dataset for `server`; returns what `--db` takes. */
      async databaseFor(server) {
        const file = join(dir, `${tag}-${server}.db`);
        copyFileSync(base, file);
        files.set(server, file);
        return { url: `sqlite:${file}`, path: file };
      },
      async reset(server) {
        resetSqlite(files.get(server), base, data);
      },
      async drop() {
        for (const f of [base, ...files.values()]) for (const x of [f, `${f}-wal`, `${f}-shm`]) rmSync(x, { force: true });
      },
    };
  },
};

/**
 * Puts back what write workloads changed, so every run starts from the same data: deletes the
 * products, orders and order items they added and restores stock from the pristine copy (prices
 * and updated_at changed by the update workload stay; no later workload depends on them).
 */
function resetSqlite(dbPath, basePath, data) {
  const db = new Database(dbPath);
  try {
    db.pragma('busy_timeout = 10000');
    db.prepare('ATTACH DATABASE ? AS base').run(basePath);
    // IMMEDIATE takes the write lock first, so it waits (busy_timeout) for a server still finishing
    // requests that were in flight when the run ended, instead of failing on a stale snapshot.
    db.transaction(() => {
      db.prepare('DELETE FROM products WHERE id > ?').run(data.products);
      db.prepare('DELETE FROM order_items WHERE order_id > ?').run(data.orders);
      db.prepare('DELETE FROM orders WHERE id > ?').run(data.orders);
      // Only place_order takes stock; a join over every product is not free at 1,000,000 rows.
      if (db.prepare('SELECT 1 FROM products AS p JOIN base.products AS b ON b.id = p.id WHERE p.stock <> b.stock LIMIT 1').get()) {
        db.exec('UPDATE products SET stock = b.stock FROM base.products AS b WHERE b.id = products.id AND products.stock <> b.stock');
      }
    }).immediate();
    db.exec('DETACH DATABASE base');
    const [checkpoint] = db.pragma('wal_checkpoint(TRUNCATE)');
    if (checkpoint?.busy) process.stderr.write(`note: ${dbPath}: WAL checkpoint was blocked by an open read transaction (${checkpoint.log} pages)\n`);
  } finally {
    db.close();
  }
}

// ---- PostgreSQL ----------------------------------------------------------------------------------

const pgModule = () => require('pg');

async function pgAdmin(work) {
  const client = new (pgModule().Client)({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function pgOn(url, work) {
  const client = new (pgModule().Client)({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Rows per INSERT while loading (one JSON parameter each). */
const LOAD_BATCH = 5000;

const postgres = {
  name: 'postgres',
  async available() {
    try {
      await pgAdmin((c) => c.query('select 1'));
      return null;
    } catch (e) {
      return `${PG_ADMIN_URL.replace(/:[^:@/]*@/, '@')} does not answer (${e.code ?? e.message}); set ROWGATE_BENCH_PG`;
    }
  },
  async version() {
    return pgAdmin(async (c) => (await c.query('show server_version')).rows[0].server_version);
  },
  async demo() {
    const name = `${PREFIX}demo`;
    await pgAdmin((c) => c.query(`CREATE DATABASE "${name}"`));
    const drop = () => pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    try {
      runDemo(withDatabase(PG_ADMIN_URL, name));
    } catch (e) {
      await drop();
      throw e;
    }
    return { url: withDatabase(PG_ADMIN_URL, name), drop };
  },
  async prepare({ rows, log, tag = 'main' }) {
    checkRows(rows);
    const started = performance.now();
    const baseName = `${PREFIX}${tag}_base`;
    const created = [baseName];
    await pgAdmin((c) => c.query(`CREATE DATABASE "${baseName}"`));
    const baseUrl = withDatabase(PG_ADMIN_URL, baseName);
    let data;
    try {
      runDemo(baseUrl);
      data = await pgOn(baseUrl, async (c) => {
        const have = (await c.query('SELECT max(id)::int AS max FROM products')).rows[0].max;
        // Secondary indexes (the demo's full-text GIN indexes among them) are built once at the end.
        const indexes = (
          await c.query(
            `SELECT i.indexname, i.indexdef FROM pg_indexes i
             WHERE i.schemaname = 'public' AND i.tablename = 'products'
               AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname)`,
          )
        ).rows;
        for (const i of indexes) await c.query(`DROP INDEX "${i.indexname}"`);
        let batch = [];
        const flush = async () => {
          if (batch.length === 0) return;
          await c.query(
            'INSERT INTO products (id, sku, name, description, category_id, price, stock, active, created_at, updated_at) ' +
              'SELECT id, sku, name, description, category_id, price, stock, active, created_at, updated_at ' +
              'FROM json_populate_recordset(NULL::products, $1::json)',
            [JSON.stringify(batch)],
          );
          batch = [];
        };
        for (const p of benchProducts(have + 1, rows)) {
          batch.push(p);
          if (batch.length === LOAD_BATCH) await flush();
        }
        await flush();
        for (const i of indexes) await c.query(i.indexdef);
        await c.query('CREATE INDEX products_category_id_price_idx ON products (category_id, price)');
        await c.query("SELECT setval(pg_get_serial_sequence('products', 'id'), (SELECT max(id) FROM products))");
        await c.query('VACUUM (ANALYZE) products, orders, order_items, customers, categories');
        const count = async (t) => Number((await c.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
        const plan = (await c.query('EXPLAIN SELECT id, name, price FROM products WHERE category_id = 3 ORDER BY price DESC LIMIT 20')).rows
          .map((r) => r['QUERY PLAN'].trim())
          .join('; ');
        return {
          engine: 'postgres',
          database: baseName,
          products: await count('products'),
          categories: CATEGORY_COUNT,
          customers: await count('customers'),
          orders: await count('orders'),
          orderItems: await count('order_items'),
          firstBenchProduct: have + 1,
          listPlan: plan,
        };
      });
    } catch (e) {
      await pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${baseName}" WITH (FORCE)`)).catch(() => {});
      throw e;
    }
    data.buildMs = performance.now() - started;
    log(`dataset (postgres): ${data.products} products, ${data.orders} orders in ${baseName} (${(data.buildMs / 1000).toFixed(1)} s); list plan: ${data.listPlan}`);
    const urls = new Map();
    return {
      data,
      base: baseUrl,
      async databaseFor(server) {
        const name = `${PREFIX}${tag}_${server}`;
        // A copy of the base database (the template must have no connections: the loader's has ended).
        await pgAdmin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${baseName}"`));
        created.push(name);
        const url = withDatabase(PG_ADMIN_URL, name);
        urls.set(server, url);
        return { url };
      },
      async reset(server) {
        await pgOn(urls.get(server), async (c) => {
          await c.query('BEGIN');
          // place_order took stock only for the items of the orders it added: give exactly that back.
          await c.query(
            `UPDATE products AS p SET stock = p.stock + x.q
             FROM (SELECT product_id, sum(quantity)::int AS q FROM order_items WHERE order_id > $1 GROUP BY product_id) AS x
             WHERE p.id = x.product_id`,
            [data.orders],
          );
          await c.query('DELETE FROM order_items WHERE order_id > $1', [data.orders]);
          await c.query('DELETE FROM orders WHERE id > $1', [data.orders]);
          await c.query('DELETE FROM products WHERE id > $1', [data.products]);
          await c.query('COMMIT');
          // Dead rows of the deleted inserts and updated prices, so the next run starts alike.
          await c.query('VACUUM products, orders, order_items');
        });
      },
      async drop() {
        await pgAdmin(async (c) => {
          for (const name of created) await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        });
      },
    };
  },
};

// ---- MySQL / MariaDB -----------------------------------------------------------------------------

const mysqlModule = () => require('mysql2/promise');

function mysqlConfig(url, database) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database: database ?? (u.pathname.slice(1) || undefined),
    multipleStatements: false,
    connectTimeout: 3000,
  };
}

async function mysqlOn(database, work) {
  const conn = await mysqlModule().createConnection(mysqlConfig(MYSQL_ADMIN_URL, database));
  conn.on('error', () => {});
  try {
    await conn.query("SET SESSION time_zone = '+00:00'");
    return await work(conn);
  } finally {
    await conn.end().catch(() => {});
  }
}

/** Secondary indexes on products the loader drops and rebuilds (the foreign key keeps its own). */
const MYSQL_LOAD_INDEXES = ['products_price_idx', 'products_name_fts', 'products_description_fts'];
/** The demo's tables in foreign-key order, for copying a database. */
const MYSQL_TABLES = ['categories', 'products', 'customers', 'orders', 'order_items', '_rowgate_demo'];
const MYSQL_LOAD_BATCH = 2000;
const mysqlTimestamp = (iso) => iso.replace('T', ' ').replace('Z', '');

const mysql = {
  name: 'mysql',
  async available() {
    try {
      await mysqlOn(undefined, (c) => c.query('select 1'));
      return null;
    } catch (e) {
      return `${MYSQL_ADMIN_URL.replace(/:[^:@/]*@/, '@')} does not answer (${e.code ?? e.message}); set ROWGATE_BENCH_MYSQL`;
    }
  },
  async version() {
    return mysqlOn(undefined, async (c) => (await c.query('select version() as v'))[0][0].v);
  },
  async demo() {
    const name = `${PREFIX}demo`;
    await mysqlOn(undefined, (c) => c.query(`CREATE DATABASE \`${name}\``));
    const drop = () => mysqlOn(undefined, (c) => c.query(`DROP DATABASE IF EXISTS \`${name}\``));
    try {
      runDemo(withDatabase(MYSQL_ADMIN_URL, name));
    } catch (e) {
      await drop();
      throw e;
    }
    return { url: withDatabase(MYSQL_ADMIN_URL, name), drop };
  },
  async prepare({ rows, log, tag = 'main' }) {
    checkRows(rows);
    const started = performance.now();
    const baseName = `${PREFIX}${tag}_base`;
    const created = [baseName];
    const dropAll = () => mysqlOn(undefined, async (c) => {
      for (const name of created) await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
    });
    await mysqlOn(undefined, (c) => c.query(`CREATE DATABASE \`${baseName}\``));
    let data;
    try {
      runDemo(withDatabase(MYSQL_ADMIN_URL, baseName));
      data = await mysqlOn(baseName, async (c) => {
        const have = (await c.query('SELECT max(id) AS m FROM products'))[0][0].m;
        const [[ddl]] = await c.query('SHOW CREATE TABLE products');
        const kept = MYSQL_LOAD_INDEXES.filter((name) => ddl['Create Table'].includes(`\`${name}\``));
        for (const name of kept) await c.query(`DROP INDEX \`${name}\` ON products`);
        let batch = [];
        const flush = async () => {
          if (batch.length === 0) return;
          await c.query(
            'INSERT INTO products (id, sku, name, description, category_id, price, stock, active, created_at, updated_at) VALUES ?',
            [batch],
          );
          batch = [];
        };
        for (const p of benchProducts(have + 1, rows)) {
          batch.push([p.id, p.sku, p.name, p.description, p.category_id, p.price, p.stock, p.active ? 1 : 0, mysqlTimestamp(p.created_at), mysqlTimestamp(p.updated_at)]);
          if (batch.length === MYSQL_LOAD_BATCH) await flush();
        }
        await flush();
        const recreate = {
          products_price_idx: 'CREATE INDEX products_price_idx ON products (price)',
          products_name_fts: 'CREATE FULLTEXT INDEX products_name_fts ON products (name)',
          products_description_fts: 'CREATE FULLTEXT INDEX products_description_fts ON products (description)',
        };
        for (const name of kept) await c.query(recreate[name]);
        await c.query('CREATE INDEX products_category_id_price_idx ON products (category_id, price)');
        await c.query('ANALYZE TABLE products, orders, order_items, customers, categories');
        const count = async (t) => Number((await c.query(`SELECT count(*) AS n FROM ${t}`))[0][0].n);
        const plan = (await c.query('EXPLAIN SELECT id, name, price FROM products WHERE category_id = 3 ORDER BY price DESC LIMIT 20'))[0]
          .map((r) => `${r.type} ${r.key} ${r.Extra}`)
          .join('; ');
        return {
          engine: 'mysql',
          database: baseName,
          products: await count('products'),
          categories: CATEGORY_COUNT,
          customers: await count('customers'),
          orders: await count('orders'),
          orderItems: await count('order_items'),
          firstBenchProduct: have + 1,
          listPlan: plan,
        };
      });
    } catch (e) {
      await dropAll().catch(() => {});
      throw e;
    }
    data.buildMs = performance.now() - started;
    log(`dataset (mysql): ${data.products} products, ${data.orders} orders in ${baseName} (${(data.buildMs / 1000).toFixed(1)} s); list plan: ${data.listPlan}`);
    const names = new Map();
    return {
      data,
      base: withDatabase(MYSQL_ADMIN_URL, baseName),
      async databaseFor(server) {
        const name = `${PREFIX}${tag}_${server}`;
        created.push(name);
        // No template databases here: the tables are created from the base's DDL (foreign keys
        // included, which CREATE TABLE … LIKE leaves out) and their rows copied.
        await mysqlOn(undefined, async (c) => {
          await c.query(`CREATE DATABASE \`${name}\``);
          await c.query(`USE \`${name}\``);
          await c.query('SET SESSION foreign_key_checks = 0');
          for (const t of MYSQL_TABLES) {
            const [[row]] = await c.query(`SHOW CREATE TABLE \`${baseName}\`.\`${t}\``);
            await c.query(row['Create Table']);
            await c.query(`INSERT INTO \`${t}\` SELECT * FROM \`${baseName}\`.\`${t}\``);
          }
          await c.query('ANALYZE TABLE products, orders, order_items, customers, categories');
        });
        names.set(server, name);
        return { url: withDatabase(MYSQL_ADMIN_URL, name) };
      },
      async reset(server) {
        await mysqlOn(names.get(server), async (c) => {
          await c.query('START TRANSACTION');
          await c.query(
            `UPDATE products AS p JOIN (SELECT product_id, sum(quantity) AS q FROM order_items WHERE order_id > ? GROUP BY product_id) AS x
             ON p.id = x.product_id SET p.stock = p.stock + x.q`,
            [data.orders],
          );
          await c.query('DELETE FROM order_items WHERE order_id > ?', [data.orders]);
          await c.query('DELETE FROM orders WHERE id > ?', [data.orders]);
          await c.query('DELETE FROM products WHERE id > ?', [data.products]);
          await c.query('COMMIT');
        });
      },
      drop: dropAll,
    };
  },
};

export const ENGINES = { sqlite, postgres, mysql };
