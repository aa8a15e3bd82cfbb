#!/usr/bin/env node
/**
 * The "floor" of issue 7: raw node:http + better-sqlite3 hard-coding the benchmark's queries with
 * prepared statements — the most a Node process can do for the same requests. It answers each
 * workload with the same status, body and the headers that matter (Content-Type, Content-Range,
 * Location) as rowgate, and nothing else: no router, no framework, no general URL grammar.
 *
 *   node bench/floor-server.mjs --db FILE --port N
 *
 * Like rowgate, the database builds the JSON of read responses (json_object per row) and Node only
 * joins the row texts; writes parse the JSON body and check the types (what a hand-written endpoint
 * does), then bind the values (one row) or hand the checked body to one json_each statement (bulk). SQLite connection settings match rowgate's (WAL, synchronous=NORMAL, foreign keys,
 * busy timeout, case-sensitive LIKE).
 *
 * Routes (anything else is 404):
 *   GET   /_/ready
 *   GET   /products/<id>                                  one object, 404 if none
 *   GET   /products?id=eq.<id>                            JSON array
 *   GET   /products?select=id,name,price&category_id=eq.<c>&order=price.desc&limit=<n>
 *         (+ Prefer: count=exact -> count, Content-Range with the total, 206 when partial)
 *   GET   /orders/<id>?select=*,order_items(*,products(*))   one object, built by one statement
 *   POST  /products   one object -> 201 + Location; an array -> 201 (bulk, one transaction)
 *   PATCH /products/<id>  {"price": n} -> 204, 404 if no such row; stamps updated_at, as the demo
 *         shop's beforeUpdate hook does in rowgate
 *   POST  /rpc/place_order  {"customer_id", "items": [{"product_id", "quantity"}]} -> 200, the
 *         demo shop's action written by hand: conditional stock updates in product id order,
 *         prices read, order and items inserted, all in one BEGIN IMMEDIATE transaction
 */
import http from 'node:http';
import Database from 'better-sqlite3';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const dbPath = arg('--db');
const port = Number(arg('--port', '3100'));
if (!dbPath) {
  process.stderr.write('usage: node bench/floor-server.mjs --db FILE [--port N]\n');
  process.exit(2);
}

const db = new Database(dbPath, { fileMustExist: true });
db.pragma('journal_mode = WAL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
db.pragma('case_sensitive_like = ON');

const MAX_ROWS = 1000; // rowgate's default max-rows

// The row as rowgate renders it: every column, booleans as true/false, built by SQLite.
const FULL_ROW =
  `json_object('id', id, 'sku', sku, 'name', name, 'description', description, 'category_id', category_id, ` +
  `'price', price, 'stock', stock, 'active', case when active is null then null when active then json('true') else json('false') end, ` +
  `'created_at', created_at, 'updated_at', updated_at)`;
const byId = db.prepare(`SELECT ${FULL_ROW} FROM products WHERE id = ?`).raw(true);
const listByCategory = db
  .prepare(`SELECT json_object('id', id, 'name', name, 'price', price) FROM products WHERE category_id = ? ORDER BY price DESC LIMIT ?`)
  .raw(true);
const countByCategory = db.prepare('SELECT count(*) FROM products WHERE category_id = ?').pluck(true);
const insertOne = db
  .prepare('INSERT INTO products (sku, name, description, category_id, price, stock) VALUES (?, ?, ?, ?, ?, ?) RETURNING id')
  .pluck(true);
// A bulk insert is one statement reading the rows from the (already checked) JSON body, as rowgate's
// is. With the demo's full-text triggers on products this is the fastest way measured here: one
// INSERT per row in a transaction costs about 22 ms per 1,000 rows against 17 ms, because FTS5
// flushes its pending terms at every statement; a 6,000-parameter VALUES list is no faster (16.5 ms).
const insertFromJson = db.prepare(
  "INSERT INTO products (sku, name, description, category_id, price, stock) SELECT value ->> 'sku', value ->> 'name', " +
    "value ->> 'description', value ->> 'category_id', value ->> 'price', coalesce(value ->> 'stock', 0) FROM json_each(?)",
);
const insertMany = db.transaction((body) => insertFromJson.run(body));
const updatePrice = db.prepare('UPDATE products SET price = ?, updated_at = ? WHERE id = ?');
const nowStamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

// An order with its items and each item's product, as one JSON object built by one statement.
const PRODUCT_OBJECT = FULL_ROW.replace(/\b(id|sku|name|description|category_id|price|stock|active|created_at|updated_at)\b(?!')/g, 't2.$1');
const orderWithItems = db
  .prepare(
    `SELECT json_object('id', t0.id, 'customer_id', t0.customer_id, 'status', t0.status, 'total', t0.total, 'created_at', t0.created_at, ` +
      `'order_items', json((SELECT json_group_array(json_object('order_id', t1.order_id, 'product_id', t1.product_id, 'quantity', t1.quantity, ` +
      `'unit_price', t1.unit_price, 'products', CASE WHEN t2.id IS NULL THEN NULL ELSE ${PRODUCT_OBJECT} END)) ` +
      `FROM order_items t1 LEFT JOIN products t2 ON t2.id = t1.product_id WHERE t1.order_id = t0.id))) ` +
      `FROM orders t0 WHERE t0.id = ?`,
  )
  .raw(true);

// place_order, by hand.
const customerExists = db.prepare('SELECT 1 FROM customers WHERE id = ?').pluck(true);
const takeStock = db.prepare('UPDATE products SET stock = stock - ? WHERE id = ? AND stock >= ?');
const priceOf = db.prepare('SELECT price FROM products WHERE id = ?').pluck(true);
const insertOrder = db.prepare("INSERT INTO orders (customer_id, status, total) VALUES (?, 'pending', ?) RETURNING id").pluck(true);
const insertItem = db.prepare('INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES (?, ?, ?, ?)');
class Refusal extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}
const placeOrder = db.transaction((customerId, items) => {
  if (!customerExists.get(customerId)) throw new Refusal(404, 'customer_not_found', `No customer has id ${customerId}`);
  const merged = new Map();
  for (const { product_id, quantity } of items) merged.set(product_id, (merged.get(product_id) ?? 0) + quantity);
  const lines = [...merged].sort(([a], [b]) => a - b);
  for (const [productId, quantity] of lines) {
    if (takeStock.run(quantity, productId, quantity).changes === 0) throw new Refusal(409, 'out_of_stock', `Not enough stock for product ${productId}`);
  }
  const recorded = lines.map(([product_id, quantity]) => ({ product_id, quantity, unit_price: priceOf.get(product_id) }));
  const total = recorded.reduce((cents, l) => cents + Math.round(l.unit_price * 100) * l.quantity, 0) / 100;
  const orderId = insertOrder.get(customerId, total);
  for (const l of recorded) insertItem.run(orderId, l.product_id, l.quantity, l.unit_price);
  return { order_id: orderId, status: 'pending', total, items: recorded };
});
const ping = db.prepare('SELECT 1').pluck(true);

const JSON_TYPE = 'application/json; charset=utf-8';
const INTEGER = /^\d+$/;

function send(res, status, body, headers) {
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

const error = (res, status, message) => send(res, status, JSON.stringify({ code: String(status), message }));

/** The query string as a small map; the floor only serves fixed shapes, so no decoding is needed. */
function queryParams(query) {
  const out = {};
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0) out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

function readRows(statement, params) {
  const rows = [];
  for (const row of statement.iterate(...params)) rows.push(row[0]);
  return rows;
}

function handleGet(req, res, path, query) {
  if (path === '/_/ready') {
    ping.get();
    return send(res, 200, '{"status":"ok"}');
  }
  if (path.startsWith('/products/')) {
    const id = path.slice('/products/'.length);
    if (!INTEGER.test(id)) return error(res, 400, 'invalid id');
    const row = byId.get(Number(id));
    if (!row) return error(res, 404, 'not found');
    return send(res, 200, row[0], { 'content-range': '0-0/*' });
  }
  if (path.startsWith('/orders/')) {
    const id = path.slice('/orders/'.length);
    if (!INTEGER.test(id) || query !== 'select=*,order_items(*,products(*))') return error(res, 400, 'the floor only serves the benchmark queries');
    const row = orderWithItems.get(Number(id));
    if (!row) return error(res, 404, 'not found');
    return send(res, 200, row[0], { 'content-range': '0-0/*' });
  }
  if (path !== '/products') return error(res, 404, 'not found');
  const q = queryParams(query);
  if (q.id !== undefined) {
    if (!q.id.startsWith('eq.') || !INTEGER.test(q.id.slice(3))) return error(res, 400, 'invalid id');
    const row = byId.get(Number(q.id.slice(3)));
    return send(res, 200, row ? `[${row[0]}]` : '[]', { 'content-range': row ? '0-0/*' : '*/*' });
  }
  if (q.select === 'id,name,price' && q.order === 'price.desc' && q.category_id?.startsWith('eq.')) {
    const category = q.category_id.slice(3);
    if (!INTEGER.test(category)) return error(res, 400, 'invalid category_id');
    const limit = Math.min(q.limit && INTEGER.test(q.limit) ? Number(q.limit) : MAX_ROWS, MAX_ROWS);
    const rows = readRows(listByCategory, [Number(category), limit]);
    const body = `[${rows.join(',')}]`;
    const range = rows.length === 0 ? '*' : `0-${rows.length - 1}`;
    if (String(req.headers.prefer ?? '').includes('count=exact')) {
      const total = countByCategory.get(Number(category));
      return send(res, rows.length < total ? 206 : 200, body, { 'content-range': `${range}/${total}`, 'preference-applied': 'count=exact' });
    }
    return send(res, 200, body, { 'content-range': `${range}/*` });
  }
  return error(res, 400, 'the floor only serves the benchmark queries');
}

const isText = (v) => typeof v === 'string';
const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);
const isInteger = (v) => Number.isInteger(v);
const optional = (v, test) => v === undefined || v === null || test(v);

function validProduct(r) {
  return (
    r !== null &&
    typeof r === 'object' &&
    isText(r.sku) &&
    isText(r.name) &&
    optional(r.description, isText) &&
    isInteger(r.category_id) &&
    isNumber(r.price) &&
    optional(r.stock, isInteger)
  );
}

function handleWrite(req, res, path, body) {
  let json;
  try {
    json = JSON.parse(body);
  } catch {
    return error(res, 400, 'invalid json');
  }
  if (req.method === 'POST' && path === '/products') {
    if (Array.isArray(json)) {
      if (!json.every(validProduct)) return error(res, 400, 'invalid product');
      insertMany.immediate(body);
      return send(res, 201, undefined, { 'content-length': '0' });
    }
    if (!validProduct(json)) return error(res, 400, 'invalid product');
    const id = insertOne.get(json.sku, json.name, json.description ?? null, json.category_id, json.price, json.stock ?? 0);
    return send(res, 201, undefined, { location: `/products?id=eq.${id}`, 'content-length': '0' });
  }
  if (req.method === 'PATCH' && path.startsWith('/products/')) {
    const id = path.slice('/products/'.length);
    if (!INTEGER.test(id) || json === null || typeof json !== 'object' || !isNumber(json.price)) return error(res, 400, 'invalid update');
    const { changes } = updatePrice.run(json.price, nowStamp(), Number(id));
    return changes === 0 ? error(res, 404, 'not found') : send(res, 204);
  }
  if (req.method === 'POST' && path === '/rpc/place_order') {
    const valid =
      json !== null &&
      typeof json === 'object' &&
      isInteger(json.customer_id) &&
      json.customer_id >= 1 &&
      Array.isArray(json.items) &&
      json.items.length >= 1 &&
      json.items.length <= 100 &&
      json.items.every((l) => l !== null && typeof l === 'object' && isInteger(l.product_id) && l.product_id >= 1 && isInteger(l.quantity) && l.quantity >= 1 && l.quantity <= 1000);
    if (!valid) return error(res, 400, 'invalid order');
    try {
      return send(res, 200, JSON.stringify(placeOrder.immediate(json.customer_id, json.items)));
    } catch (e) {
      if (e instanceof Refusal) return send(res, e.status, JSON.stringify({ code: e.code, message: e.message }));
      throw e;
    }
  }
  return error(res, 404, 'not found');
}

const server = http.createServer((req, res) => {
  const url = req.url;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  try {
    if (req.method === 'GET') return handleGet(req, res, path, q < 0 ? '' : url.slice(q + 1));
    if (req.method !== 'POST' && req.method !== 'PATCH') return error(res, 405, 'method not allowed');
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      try {
        handleWrite(req, res, path, chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        error(res, e.code === 'SQLITE_CONSTRAINT_UNIQUE' ? 409 : 500, e.message);
      }
    });
  } catch (e) {
    error(res, 500, e.message);
  }
});
// Same keep-alive behaviour as Fastify's defaults, so idle benchmark connections are kept alike.
server.keepAliveTimeout = 72_000;
server.listen(port, '127.0.0.1');

const stop = () => server.close(() => (db.close(), process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
