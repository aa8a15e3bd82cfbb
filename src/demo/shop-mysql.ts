/**
 * Creates the demo shop in a MySQL/MariaDB database: the tables of shop-sqlite.ts in MySQL types
 * (InnoDB, utf8mb4), the rows of shop-data.ts in multi-row INSERTs inside one transaction, then the
 * indexes. It only ever creates: if any shop table already exists it refuses, and since MySQL
 * commits each CREATE by itself, a failed build drops exactly the tables it created.
 */
import mysql from 'mysql2/promise';
import { parseMysqlUrl } from '../dialect/mysql/mysql-dialect.js';
import { generateShopData, SHOP_TABLES } from './shop-data.js';

export interface ShopDemoMysqlOptions {
  /** Called with a table name, rows inserted so far and that table's row count. */
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

// Timestamps are TIMESTAMP (UTC instants, rendered with +00:00) since the demo's are instants. Keys are
// AUTO_INCREMENT, which moves past the seeded ids by itself. Foreign keys carry PostgreSQL's names, so
// embedding hints (`categories!products_category_id_fkey`) read the same on every engine.
const TABLE_OPTIONS = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4';
export const SHOP_MYSQL_DDL: readonly string[] = [
  `CREATE TABLE categories (
    id INT AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(255) NOT NULL UNIQUE,
    slug VARCHAR(255) NOT NULL UNIQUE,
    description TEXT
  ) ${TABLE_OPTIONS}`,
  `CREATE TABLE products (
    id INT AUTO_INCREMENT PRIMARY KEY,
    sku VARCHAR(64) NOT NULL UNIQUE,
    name VARCHAR(255) NOT NULL,
    description TEXT,
    category_id INT NOT NULL,
    price DECIMAL(10,2) NOT NULL CHECK (price >= 0),
    stock INT NOT NULL DEFAULT 0 CHECK (stock >= 0),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT products_category_id_fkey FOREIGN KEY (category_id) REFERENCES categories (id)
  ) ${TABLE_OPTIONS}`,
  `CREATE TABLE customers (
    id INT AUTO_INCREMENT PRIMARY KEY,
    email VARCHAR(255) NOT NULL UNIQUE,
    name VARCHAR(255) NOT NULL,
    city VARCHAR(100),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
  ) ${TABLE_OPTIONS}`,
  `CREATE TABLE orders (
    id INT AUTO_INCREMENT PRIMARY KEY,
    customer_id INT NOT NULL,
    status VARCHAR(16) NOT NULL DEFAULT 'pending'
      CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
    total DECIMAL(12,2) NOT NULL DEFAULT 0 CHECK (total >= 0),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers (id)
  ) ${TABLE_OPTIONS}`,
  `CREATE TABLE order_items (
    order_id INT NOT NULL,
    product_id INT NOT NULL,
    quantity INT NOT NULL CHECK (quantity > 0),
    unit_price DECIMAL(10,2) NOT NULL CHECK (unit_price >= 0),
    PRIMARY KEY (order_id, product_id),
    CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
    CONSTRAINT order_items_product_id_fkey FOREIGN KEY (product_id) REFERENCES products (id)
  ) ${TABLE_OPTIONS}`,
];

// The SQLite demo's indexes (each serves a demo query), plus one FULLTEXT index per searchable
// column, which MATCH needs (`/products?name=fts.lamp`). InnoDB builds them faster once rows are in.
export const SHOP_MYSQL_INDEXES: readonly string[] = [
  'CREATE INDEX products_category_id_idx ON products (category_id)',
  'CREATE INDEX products_price_idx ON products (price)',
  'CREATE INDEX orders_customer_id_created_at_idx ON orders (customer_id, created_at)',
  'CREATE INDEX orders_created_at_idx ON orders (created_at)',
  'CREATE INDEX order_items_product_id_idx ON order_items (product_id)',
  'CREATE FULLTEXT INDEX products_name_fts ON products (name)',
  'CREATE FULLTEXT INDEX products_description_fts ON products (description)',
  // Marks the database as the demo shop, so `rowgate serve` offers its actions and hooks.
  'CREATE TABLE _rowgate_demo (name VARCHAR(64) PRIMARY KEY)',
  "INSERT INTO _rowgate_demo VALUES ('shop')",
];

/** Rows per INSERT: ten columns of 500 rows stay far below MySQL's 65,535 placeholders and max_allowed_packet. */
const BATCH_ROWS = 500;

/**
 * Creates the demo shop in the database named by `url` (`mysql://user@host/db`); throws if any
 * shop table is already there. Returns the row count of each table.
 */
export async function createShopDemoMysql(url: string, opts: ShopDemoMysqlOptions = {}): Promise<{ tables: Record<string, number> }> {
  const target = parseMysqlUrl(url);
  const data = generateShopData();
  const conn = await mysql.createConnection({ ...target, charset: 'utf8mb4', connectTimeout: 10_000 });
  // An error between queries (the server went away) is also raised on the pending query.
  conn.on('error', () => {});
  const created: string[] = [];
  try {
    // UTC, so the seeded instants are stored as the same instants; strict, so nothing is truncated quietly.
    await conn.query(`SET SESSION time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'`);
    const [existing] = await conn.query(
      'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN (?) ORDER BY table_name',
      [SHOP_TABLES.map((t) => t.name)],
    );
    const names = (existing as { name: string }[]).map((r) => r.name);
    if (names.length > 0) throw refusal(names);

    for (const [i, ddl] of SHOP_MYSQL_DDL.entries()) {
      try {
        await conn.query(ddl);
      } catch (err) {
        // ER_TABLE_EXISTS_ERROR: another process created it since the check; it is not ours to drop.
        if ((err as { errno?: number }).errno === 1050) throw refusal([]);
        throw err;
      }
      created.push(SHOP_TABLES[i].name);
    }

    await conn.query('START TRANSACTION');
    for (const { name, columns } of SHOP_TABLES) {
      const rows = data[name] as readonly object[];
      opts.onProgress?.(name, 0, rows.length);
      for (let i = 0; i < rows.length; i += BATCH_ROWS) {
        const batch = rows.slice(i, i + BATCH_ROWS).map((row) => columns.map((c) => mysqlValue((row as Record<string, unknown>)[c])));
        // Names come from SHOP_TABLES, a constant; mysql2 escapes every value of the nested array.
        await conn.query(`INSERT INTO \`${name}\` (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES ?`, [batch]);
        opts.onProgress?.(name, Math.min(i + BATCH_ROWS, rows.length), rows.length);
      }
    }
    await conn.query('COMMIT');
    for (const statement of SHOP_MYSQL_INDEXES) await conn.query(statement);
    // Statistics for the optimizer, so the indexes above are chosen from the first request on.
    await conn.query(`ANALYZE TABLE ${SHOP_TABLES.map((t) => `\`${t.name}\``).join(', ')}`);

    const tables: Record<string, number> = {};
    for (const { name } of SHOP_TABLES) {
      const [count] = await conn.query(`SELECT count(*) AS n FROM \`${name}\``);
      tables[name] = Number((count as { n: number | string }[])[0].n);
    }
    return { tables };
  } catch (err) {
    await conn.query('ROLLBACK').catch(() => {});
    // Children first, so no foreign key stands in the way; only tables this call created.
    for (const name of [...created].reverse()) await conn.query(`DROP TABLE IF EXISTS \`${name}\``).catch(() => {});
    throw err;
  } finally {
    await conn.end().catch(() => {});
  }
}

/** JS booleans are 0/1; the generator's `…Z` timestamps are UTC wall-clock text for a UTC session. */
function mysqlValue(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value)) return value.slice(0, -1).replace('T', ' ');
  return value;
}

function refusal(existing: readonly string[]): Error {
  const which = existing.length > 0 ? `the table(s) ${existing.join(', ')} already exist` : 'a shop table appeared while it was being built';
  return new Error(
    `Refusing to create the demo shop: ${which} in this database. The demo is only ever created in a ` +
      `database without its tables, never over or into existing ones; use an empty database.`,
  );
}
