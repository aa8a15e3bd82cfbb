#!/usr/bin/env node
/**
 * Builds the benchmark database (issue 7): the demo shop (`rowgate demo shop`, so the tables, DDL,
 * indexes, orders and customers are exactly the demo's, and rowgate serves it with the demo's
 * actions and hooks) topped up to N products with deterministic rows, plus the index the list
 * workload needs, (category_id, price). Same rows, byte for byte, on every run.
 *
 *   node bench/dataset.mjs --out bench.db [--rows 100000]
 *
 * Needs the CLI (bin/rowgate.js -> dist/); `npm run bench` builds it first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_ROWS = 100_000;
export const MAX_ROWS = 1_000_000;
/** The demo shop's twelve categories; every product belongs to one of them. */
export const CATEGORY_COUNT = 12;
const SEED = 0x5eed0007; // issue 7

/** mulberry32, the same tiny PRNG the demo uses: identical on every platform. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ADJECTIVES = 'Classic|Modern|Rustic|Minimal|Compact|Vintage|Natural|Artisan|Everyday|Deluxe|Slim|Round|Square|Heritage|Coastal|Urban'.split('|');
const MATERIALS = 'Oak|Brass|Walnut|Ceramic|Glass|Rattan|Steel|Teak|Linen|Cotton|Wool|Bamboo|Copper|Marble|Felt|Cedar'.split('|');
const ITEMS = 'Lamp|Table|Chair|Bowl|Kettle|Plate|Mug|Blanket|Towel|Vase|Frame|Basket|Shelf|Organizer|Planter|Lantern'.split('|');
const FEATURES = [
  'Made to last for years of daily use.',
  'Easy to clean: wipe with a damp cloth.',
  'Backed by a two-year warranty.',
  'Pairs well with the rest of the collection.',
];
const EPOCH_MS = Date.UTC(2025, 0, 1);
const ts = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19) + 'Z';

/**
 * The bench's own products, ids `from`..`to`, the same on every engine and every run: one seeded
 * PRNG stream starting at the first id after the demo's (the demo has 1,000 products).
 */
export function* benchProducts(from, to) {
  const rng = mulberry32(SEED);
  for (let id = from; id <= to; id++) {
    const adj = ADJECTIVES[(rng() * ADJECTIVES.length) | 0];
    const mat = MATERIALS[(rng() * MATERIALS.length) | 0];
    const item = ITEMS[(rng() * ITEMS.length) | 0];
    const created = EPOCH_MS + Math.floor(rng() * 365 * 86_400_000);
    yield {
      id,
      sku: `BENCH-${String(id).padStart(7, '0')}`,
      name: `${adj} ${mat} ${item}`,
      description: rng() < 0.1 ? null : `A ${adj.toLowerCase()} ${item.toLowerCase()} in ${mat.toLowerCase()}. ${FEATURES[(rng() * FEATURES.length) | 0]}`,
      category_id: 1 + ((rng() * CATEGORY_COUNT) | 0),
      price: (100 + Math.floor(rng() * 49_900)) / 100, // 1.00 .. 499.99
      stock: 50 + Math.floor(rng() * 450), // at least 50, so place_order runs do not sell out
      active: rng() < 0.9,
      created_at: ts(created),
      updated_at: ts(created + Math.floor(rng() * 30 * 86_400_000)),
    };
  }
}

/**
 * Creates `out` (which must not exist) with `rows` products. Returns timing and counts.
 * `log` receives one line per stage.
 */
export function buildDataset({ out, rows = DEFAULT_ROWS, log = () => {} }) {
  if (!Number.isInteger(rows) || rows < 1000 || rows > MAX_ROWS) {
    throw new Error(`--rows must be an integer from 1000 (the demo's own products) to ${MAX_ROWS}, got ${rows}`);
  }
  const started = performance.now();
  mkdirSync(dirname(out), { recursive: true });
  for (const f of [out, `${out}-wal`, `${out}-shm`]) rmSync(f, { force: true });

  // The demo shop: categories, 1,000 products, customers, orders, order_items and the demo's indexes.
  execFileSync(process.execPath, [join(ROOT, 'bin', 'rowgate.js'), 'demo', 'shop', '--db', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  const db = new Database(out);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF'); // only while building; the servers set their own
  const have = db.prepare('SELECT count(*) AS n, max(id) AS maxId FROM products').get();
  const categories = db.prepare('SELECT count(*) AS n FROM categories').get().n;
  if (categories !== CATEGORY_COUNT) throw new Error(`expected ${CATEGORY_COUNT} demo categories, found ${categories}`);

  const insert = db.prepare(
    'INSERT INTO products (id, sku, name, description, category_id, price, stock, active, created_at, updated_at) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  // The demo keeps a full-text index on products up to date with triggers, one index update per row.
  // Loading is much faster with the triggers off and the index rebuilt once at the end.
  const triggers = db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'products'").all();
  const ftsTables = db
    .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND sql LIKE '%USING fts5%' AND sql LIKE '%content=''products''%'")
    .pluck()
    .all();
  db.transaction(() => {
    for (const t of triggers) db.exec(`DROP TRIGGER "${t.name}"`);
    for (const p of benchProducts(have.maxId + 1, rows)) {
      insert.run(p.id, p.sku, p.name, p.description, p.category_id, p.price, p.stock, p.active ? 1 : 0, p.created_at, p.updated_at);
    }
    // The list workload filters on category_id and orders by price: this index serves both, so a
    // page of 20 costs 20 index steps whatever the table size.
    db.exec('CREATE INDEX IF NOT EXISTS products_category_id_price_idx ON products (category_id, price)');
    for (const t of triggers) db.exec(t.sql);
    for (const fts of ftsTables) db.prepare(`INSERT INTO "${fts}" ("${fts}") VALUES ('rebuild')`).run();
  })();
  db.exec('ANALYZE');
  db.pragma('wal_checkpoint(TRUNCATE)');
  const plan = db
    .prepare('EXPLAIN QUERY PLAN SELECT id, name, price FROM products WHERE category_id = ? ORDER BY price DESC LIMIT 20')
    .all(3)
    .map((r) => r.detail)
    .join('; ');
  const count = (table) => db.prepare(`SELECT count(*) AS n FROM ${table}`).get().n;
  const result = {
    path: out,
    products: count('products'),
    categories,
    customers: count('customers'),
    orders: count('orders'),
    orderItems: count('order_items'),
    /** Products from here on are the bench's own, with stock of at least 50. */
    firstBenchProduct: have.maxId + 1,
    buildMs: performance.now() - started,
    listPlan: plan,
  };
  db.close();
  log(`dataset: ${result.products} products, ${result.orders} orders in ${out} (${(result.buildMs / 1000).toFixed(1)} s); list plan: ${plan}`);
  return result;
}

function parseArgs(argv) {
  const args = { rows: DEFAULT_ROWS, out: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rows') args.rows = Number(argv[++i]);
    else if (a === '--out') args.out = argv[++i];
    else throw new Error(`unknown argument ${a}; usage: node bench/dataset.mjs --out FILE [--rows N]`);
  }
  if (!args.out) throw new Error('usage: node bench/dataset.mjs --out FILE [--rows N]');
  return args;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { out, rows } = parseArgs(process.argv.slice(2));
    if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    buildDataset({ out, rows, log: (line) => process.stderr.write(line + '\n') });
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
}
