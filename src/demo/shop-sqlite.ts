/**
 * Creates the demo shop as a new SQLite file: DDL, the rows of shop-data.ts in one transaction, then
 * the indexes the demo's queries use. It only ever creates: an existing file is refused, never
 * overwritten or added to. The rows themselves, and their determinism, belong to shop-data.ts.
 */
import type Database from 'better-sqlite3';
import { buildDemoDatabase } from './demo-file.js';
import { generateShopData, SHOP_TABLES, type ShopTableName } from './shop-data.js';

export interface ShopDemoProgress {
  /** Called with a table name, rows inserted so far and that table's row count. */
  readonly onProgress?: (stage: string, done: number, total: number) => void;
}

// Not STRICT: declared types such as BOOLEAN, TIMESTAMP and NUMERIC(10,2) are what our type mapping
// reads, and STRICT tables only accept INT, INTEGER, REAL, TEXT, BLOB and ANY.
// Timestamps are ISO 8601 text 'YYYY-MM-DDTHH:MM:SSZ' (see shopTimestamp). The defaults use the same
// format rather than CURRENT_TIMESTAMP ('YYYY-MM-DD HH:MM:SS'): mixing both would sort a space before
// the 'T' and order rows wrongly within a day.
const NOW = `(strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))`;

export const SHOP_SQLITE_DDL = `
CREATE TABLE categories (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  slug TEXT NOT NULL UNIQUE,
  description TEXT
);
CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  sku TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT,
  category_id INTEGER NOT NULL REFERENCES categories (id),
  price NUMERIC(10,2) NOT NULL CHECK (price >= 0),
  stock INTEGER NOT NULL DEFAULT 0 CHECK (stock >= 0),
  active BOOLEAN NOT NULL DEFAULT 1,
  created_at TIMESTAMP NOT NULL DEFAULT ${NOW},
  updated_at TIMESTAMP NOT NULL DEFAULT ${NOW}
);
CREATE TABLE customers (
  id INTEGER PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  city TEXT,
  created_at TIMESTAMP NOT NULL DEFAULT ${NOW}
);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers (id),
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'paid', 'shipped', 'delivered', 'cancelled')),
  total NUMERIC(12,2) NOT NULL DEFAULT 0 CHECK (total >= 0),
  created_at TIMESTAMP NOT NULL DEFAULT ${NOW}
);
CREATE TABLE order_items (
  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  product_id INTEGER NOT NULL REFERENCES products (id),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price NUMERIC(10,2) NOT NULL CHECK (unit_price >= 0),
  PRIMARY KEY (order_id, product_id)
);
`;

// Built after the rows are in, which is faster than maintaining them row by row. Each serves a demo
// query: products by category and price range, a customer's orders newest first, recent orders,
// and which orders hold a product (also what ON DELETE checks on products need).
export const SHOP_SQLITE_INDEXES = `
CREATE INDEX products_category_id_idx ON products (category_id);
CREATE INDEX products_price_idx ON products (price);
CREATE INDEX orders_customer_id_created_at_idx ON orders (customer_id, created_at);
CREATE INDEX orders_created_at_idx ON orders (created_at);
CREATE INDEX order_items_product_id_idx ON order_items (product_id);
`;

// Full-text search over products (`/products?name=fts.lamp`, `description=wfts.…`): an external-content
// FTS5 index, kept in step with products by triggers, built once the rows are in.
export const SHOP_SQLITE_SEARCH = `
CREATE VIRTUAL TABLE products_fts USING fts5(name, description, content='products', content_rowid='id');
INSERT INTO products_fts(products_fts) VALUES ('rebuild');
CREATE TRIGGER products_fts_insert AFTER INSERT ON products BEGIN
  INSERT INTO products_fts(rowid, name, description) VALUES (new.id, new.name, new.description);
END;
CREATE TRIGGER products_fts_delete AFTER DELETE ON products BEGIN
  INSERT INTO products_fts(products_fts, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
END;
CREATE TRIGGER products_fts_update AFTER UPDATE OF name, description ON products BEGIN
  INSERT INTO products_fts(products_fts, rowid, name, description) VALUES ('delete', old.id, old.name, old.description);
  INSERT INTO products_fts(rowid, name, description) VALUES (new.id, new.name, new.description);
END;
`;

const PROGRESS_EVERY = 500;

/**
 * Creates the demo shop at `path`, creating missing parent folders; throws if anything already exists
 * there. Returns the row count of each table.
 */
export function createShopDemoSqlite(path: string, opts: ShopDemoProgress = {}): { tables: Record<string, number> } {
  const data = generateShopData();
  return buildDemoDatabase(path, 'demo shop', (conn) => {
    conn.transaction(() => {
      conn.exec(SHOP_SQLITE_DDL);
      for (const { name, columns } of SHOP_TABLES) {
        insertRows(conn, name, columns, data[name], opts.onProgress);
      }
      conn.exec(SHOP_SQLITE_INDEXES);
      conn.exec(SHOP_SQLITE_SEARCH);
      // Marks the file as the demo shop, so `rowgate serve` offers its actions and hooks.
      conn.exec("CREATE TABLE _rowgate_demo (name TEXT PRIMARY KEY); INSERT INTO _rowgate_demo VALUES ('shop');");
    })();
    // Statistics for the query planner, so the indexes above are chosen from the first request on.
    conn.exec('ANALYZE');
    const tables: Record<string, number> = {};
    for (const { name } of SHOP_TABLES) {
      tables[name] = (conn.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n;
    }
    return { tables };
  });
}

/** Table and column names come from SHOP_TABLES, a constant; every value is bound. */
function insertRows(
  db: Database.Database,
  table: ShopTableName,
  columns: readonly string[],
  rows: readonly object[],
  onProgress: ShopDemoProgress['onProgress'],
): void {
  const insert = db.prepare(
    `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  );
  onProgress?.(table, 0, rows.length);
  rows.forEach((row, i) => {
    const values = columns.map((c) => (row as Record<string, unknown>)[c]);
    // SQLite has no boolean storage class; BOOLEAN columns hold 0 and 1.
    insert.run(values.map((v) => (typeof v === 'boolean' ? Number(v) : v)));
    if ((i + 1) % PROGRESS_EVERY === 0 && i + 1 < rows.length) onProgress?.(table, i + 1, rows.length);
  });
  onProgress?.(table, rows.length, rows.length);
}
