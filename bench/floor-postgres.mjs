#!/usr/bin/env node
/**
 * The floor on PostgreSQL (issue 7): raw node:http + a `pg` Pool of rowgate's size, hard-coding the
 * benchmark's statements as named prepared statements, answering with the same status, body and
 * headers as rowgate (Content-Type, Content-Range, Location). What a careful hand-written server
 * does: one statement per read, autocommit, the session settings (UTC, ISO dates) given once per
 * connection, rows fetched as raw text (the database builds the JSON; Node only joins it).
 * Routes and answers are those of bench/floor-server.mjs, the SQLite floor.
 *
 *   node bench/floor-postgres.mjs --db postgres://… --port N [--pool 10] [--tx]
 *
 * --tx wraps every statement the way rowgate's driver does (src/dialect/postgres/postgres-driver.ts):
 * `BEGIN [READ ONLY]; SET LOCAL statement_timeout …` in one message, the statement, then COMMIT:
 * three round trips instead of one. As server `floor-tx` (`--servers floor,floor-tx,rowgate`) it
 * shows how much of rowgate's gap to the floor those round trips are.
 */
import http from 'node:http';
import pg from 'pg';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const url = arg('--db');
const port = Number(arg('--port', '3100'));
const poolSize = Number(arg('--pool', '10'));
const wrapped = args.includes('--tx');
if (!url) {
  process.stderr.write('usage: node bench/floor-postgres.mjs --db postgres://… [--port N] [--pool 10]\n');
  process.exit(2);
}

const pool = new pg.Pool({
  connectionString: url,
  max: poolSize,
  idleTimeoutMillis: 30_000,
  // rowgate sets these per transaction (SET LOCAL); a hand-written server sets them per connection.
  options: '-c TimeZone=UTC -c DateStyle=ISO,YMD -c extra_float_digits=1',
});
pool.on('error', () => {});

const MAX_ROWS = 1000; // rowgate's default max-rows
const RAW_TEXT = { getTypeParser: () => (value) => value };

const SETTINGS = "SET LOCAL statement_timeout = 30000; SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL extra_float_digits = 1";

/** One named prepared statement: pg parses it once per connection. */
const statement = (name, text) => {
  const readOnly = text.startsWith('SELECT');
  if (!wrapped) return (values) => pool.query({ name, text, values, rowMode: 'array', types: RAW_TEXT });
  return async (values) => {
    const client = await pool.connect();
    try {
      await client.query(`${readOnly ? 'BEGIN READ ONLY' : 'BEGIN'}; ${SETTINGS}`);
      const result = await client.query({ name, text, values, rowMode: 'array', types: RAW_TEXT });
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      client.release();
      throw e;
    }
  };
};

const PRODUCT_COLUMNS = 'id, sku, name, description, category_id, price, stock, active, created_at, updated_at';
const byId = statement('by_id', `SELECT row_to_json(p)::text FROM (SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1) AS p`);
const listByCategory = statement(
  'list',
  'SELECT row_to_json(p)::text FROM (SELECT id, name, price FROM products WHERE category_id = $1 ORDER BY price DESC LIMIT $2) AS p',
);
const countByCategory = statement('count', 'SELECT count(*) FROM products WHERE category_id = $1');
// json_agg separates elements with ", "; rowgate's arrays have none, so the texts are joined here.
const orderWithItems = statement(
  'order',
  `SELECT row_to_json(o)::text FROM (
     SELECT t0.id, t0.customer_id, t0.status, t0.total, t0.created_at,
       coalesce((SELECT ('[' || string_agg(row_to_json(i)::text, ',') || ']')::json FROM (
         SELECT t1.order_id, t1.product_id, t1.quantity, t1.unit_price,
           CASE WHEN t2.id IS NULL THEN NULL ELSE (SELECT row_to_json(pr) FROM (SELECT t2.id, t2.sku, t2.name, t2.description,
             t2.category_id, t2.price, t2.stock, t2.active, t2.created_at, t2.updated_at) AS pr) END AS products
         FROM order_items t1 LEFT JOIN products t2 ON t2.id = t1.product_id WHERE t1.order_id = t0.id) AS i), '[]'::json) AS order_items
     FROM orders t0 WHERE t0.id = $1) AS o`,
);
const insertOne = statement(
  'insert_one',
  'INSERT INTO products (sku, name, description, category_id, price, stock) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
);
const insertMany = statement(
  'insert_many',
  'INSERT INTO products (sku, name, description, category_id, price, stock) SELECT r.sku, r.name, r.description, r.category_id, r.price, ' +
    'coalesce(r.stock, 0) FROM json_populate_recordset(NULL::products, $1::json) AS r',
);
const updatePrice = statement('update_price', 'UPDATE products SET price = $1, updated_at = $2 WHERE id = $3');
const nowStamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

class Refusal extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** place_order, by hand: the demo action's statements in one transaction on one connection. */
async function placeOrder(customerId, items) {
  const client = await pool.connect();
  const q = (name, text, values) => client.query({ name, text, values, rowMode: 'array', types: RAW_TEXT });
  try {
    await client.query('BEGIN');
    if ((await q('customer', 'SELECT 1 FROM customers WHERE id = $1', [customerId])).rows.length === 0) {
      throw new Refusal(404, 'customer_not_found', `No customer has id ${customerId}`);
    }
    const merged = new Map();
    for (const { product_id, quantity } of items) merged.set(product_id, (merged.get(product_id) ?? 0) + quantity);
    const lines = [...merged].sort(([a], [b]) => a - b);
    for (const [productId, quantity] of lines) {
      const r = await q('take_stock', 'UPDATE products SET stock = stock - $1 WHERE id = $2 AND stock >= $1', [quantity, productId]);
      if (r.rowCount === 0) throw new Refusal(409, 'out_of_stock', `Not enough stock for product ${productId}`);
    }
    const ids = lines.map(([id]) => id);
    const prices = new Map((await q('prices', 'SELECT id, price FROM products WHERE id = ANY($1::int[])', [ids])).rows.map(([id, price]) => [Number(id), Number(price)]));
    const recorded = lines.map(([product_id, quantity]) => ({ product_id, quantity, unit_price: prices.get(product_id) }));
    const total = recorded.reduce((cents, l) => cents + Math.round(l.unit_price * 100) * l.quantity, 0) / 100;
    const orderId = Number((await q('insert_order', "INSERT INTO orders (customer_id, status, total) VALUES ($1, 'pending', $2) RETURNING id", [customerId, total])).rows[0][0]);
    await q(
      'insert_items',
      'INSERT INTO order_items (order_id, product_id, quantity, unit_price) SELECT $1, * FROM unnest($2::int[], $3::int[], $4::numeric[])',
      [orderId, ids, recorded.map((l) => l.quantity), recorded.map((l) => l.unit_price)],
    );
    await client.query('COMMIT');
    client.release();
    return { order_id: orderId, status: 'pending', total, items: recorded };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    client.release();
    throw e;
  }
}

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

function queryParams(query) {
  const out = {};
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    if (eq > 0) out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

async function handleGet(req, res, path, query) {
  if (path === '/_/ready') {
    await pool.query('SELECT 1');
    return send(res, 200, '{"status":"ok"}');
  }
  if (path.startsWith('/products/')) {
    const id = path.slice('/products/'.length);
    if (!INTEGER.test(id)) return error(res, 400, 'invalid id');
    const { rows } = await byId([Number(id)]);
    if (rows.length === 0) return error(res, 404, 'not found');
    return send(res, 200, rows[0][0], { 'content-range': '0-0/*' });
  }
  if (path.startsWith('/orders/')) {
    const id = path.slice('/orders/'.length);
    if (!INTEGER.test(id) || query !== 'select=*,order_items(*,products(*))') return error(res, 400, 'the floor only serves the benchmark queries');
    const { rows } = await orderWithItems([Number(id)]);
    if (rows.length === 0) return error(res, 404, 'not found');
    return send(res, 200, rows[0][0], { 'content-range': '0-0/*' });
  }
  if (path !== '/products') return error(res, 404, 'not found');
  const q = queryParams(query);
  if (q.id !== undefined) {
    if (!q.id.startsWith('eq.') || !INTEGER.test(q.id.slice(3))) return error(res, 400, 'invalid id');
    const { rows } = await byId([Number(q.id.slice(3))]);
    return send(res, 200, rows.length ? `[${rows[0][0]}]` : '[]', { 'content-range': rows.length ? '0-0/*' : '*/*' });
  }
  if (q.select === 'id,name,price' && q.order === 'price.desc' && q.category_id?.startsWith('eq.')) {
    const category = q.category_id.slice(3);
    if (!INTEGER.test(category)) return error(res, 400, 'invalid category_id');
    const limit = Math.min(q.limit && INTEGER.test(q.limit) ? Number(q.limit) : MAX_ROWS, MAX_ROWS);
    const counted = String(req.headers.prefer ?? '').includes('count=exact');
    // The two statements of a counted page run side by side on two pooled connections.
    const [list, count] = await Promise.all([listByCategory([Number(category), limit]), counted ? countByCategory([Number(category)]) : null]);
    const rows = list.rows;
    const body = `[${rows.map((r) => r[0]).join(',')}]`;
    const range = rows.length === 0 ? '*' : `0-${rows.length - 1}`;
    if (counted) {
      const total = Number(count.rows[0][0]);
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

async function handleWrite(req, res, path, body) {
  let json;
  try {
    json = JSON.parse(body);
  } catch {
    return error(res, 400, 'invalid json');
  }
  if (req.method === 'POST' && path === '/products') {
    if (Array.isArray(json)) {
      if (!json.every(validProduct)) return error(res, 400, 'invalid product');
      await insertMany([body]);
      return send(res, 201, undefined, { 'content-length': '0' });
    }
    if (!validProduct(json)) return error(res, 400, 'invalid product');
    const { rows } = await insertOne([json.sku, json.name, json.description ?? null, json.category_id, json.price, json.stock ?? 0]);
    return send(res, 201, undefined, { location: `/products?id=eq.${rows[0][0]}`, 'content-length': '0' });
  }
  if (req.method === 'PATCH' && path.startsWith('/products/')) {
    const id = path.slice('/products/'.length);
    if (!INTEGER.test(id) || json === null || typeof json !== 'object' || !isNumber(json.price)) return error(res, 400, 'invalid update');
    const { rowCount } = await updatePrice([json.price, nowStamp(), Number(id)]);
    return rowCount === 0 ? error(res, 404, 'not found') : send(res, 204);
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
      return send(res, 200, JSON.stringify(await placeOrder(json.customer_id, json.items)));
    } catch (e) {
      if (e instanceof Refusal) return send(res, e.status, JSON.stringify({ code: e.code, message: e.message }));
      throw e;
    }
  }
  return error(res, 404, 'not found');
}

const fail = (res, e) => error(res, e.code === '23505' ? 409 : 500, e.message);

const server = http.createServer((req, res) => {
  const url = req.url;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (req.method === 'GET') {
    handleGet(req, res, path, q < 0 ? '' : url.slice(q + 1)).catch((e) => fail(res, e));
    return;
  }
  if (req.method !== 'POST' && req.method !== 'PATCH') return error(res, 405, 'method not allowed');
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    handleWrite(req, res, path, chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')).catch((e) => fail(res, e));
  });
});
// Same keep-alive behaviour as Fastify's defaults, so idle benchmark connections are kept alike.
server.keepAliveTimeout = 72_000;
server.listen(port, '127.0.0.1');

const stop = () => server.close(() => pool.end().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
