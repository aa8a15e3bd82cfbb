#!/usr/bin/env node
/**
 * The floor on MySQL/MariaDB (issue 7): raw node:http + a `mysql2` pool of rowgate's size,
 * hard-coding the benchmark's statements as prepared statements (`execute`), answering with the
 * same status, body and headers as rowgate. The database builds the JSON (json_object, made
 * compact as rowgate's is, timestamps as ISO text in UTC); Node only joins the row texts. The
 * session settings rowgate gives its connections that change results (UTC) are given once per
 * connection. Routes and answers are those of bench/floor-server.mjs, the SQLite floor.
 *
 *   node bench/floor-mysql.mjs --db mysql://… --port N [--pool 10]
 */
import http from 'node:http';
import mysql from 'mysql2/promise';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const url = arg('--db');
const port = Number(arg('--port', '3100'));
const poolSize = Number(arg('--pool', '10'));
if (!url) {
  process.stderr.write('usage: node bench/floor-mysql.mjs --db mysql://… [--port N] [--pool 10]\n');
  process.exit(2);
}
const target = new URL(url);
const pool = mysql.createPool({
  host: target.hostname,
  port: Number(target.port || 3306),
  user: decodeURIComponent(target.username || 'root'),
  password: decodeURIComponent(target.password),
  database: target.pathname.slice(1),
  connectionLimit: poolSize,
  maxIdle: poolSize,
  charset: 'utf8mb4',
  supportBigNumbers: true,
  bigNumberStrings: true,
  dateStrings: true,
  jsonStrings: true,
  rowsAsArray: true,
});
pool.pool.on('connection', (conn) => {
  conn.on('error', () => {});
  conn.query("SET SESSION time_zone = '+00:00', group_concat_max_len = 4294967295");
});

const MAX_ROWS = 1000; // rowgate's default max-rows

/** A prepared statement (mysql2 prepares it once per connection). */
const statement = (sql) => async (values) => {
  const [rows] = await pool.execute(sql, values);
  return { rows };
};

const iso = (col) => `concat(date_format(${col}, '%Y-%m-%dT%H:%i:%s'), '+00:00')`;
const bool = (col) => `json_extract(case when ${col} is null then 'null' when ${col} then 'true' else 'false' end, '$')`;
const productObject = (t) =>
  `json_object('id', ${t}id, 'sku', ${t}sku, 'name', ${t}name, 'description', ${t}description, 'category_id', ${t}category_id, ` +
  `'price', ${t}price, 'stock', ${t}stock, 'active', ${bool(`${t}active`)}, 'created_at', ${iso(`${t}created_at`)}, 'updated_at', ${iso(`${t}updated_at`)})`;

const byId = statement(`SELECT json_compact(${productObject('')}) FROM products WHERE id = ?`);
const listByCategory = statement("SELECT json_compact(json_object('id', id, 'name', name, 'price', price)) FROM products WHERE category_id = ? ORDER BY price DESC LIMIT ?");
const countByCategory = statement('SELECT count(*) FROM products WHERE category_id = ?');
const orderWithItems = statement(
  `SELECT json_compact(json_object('id', t0.id, 'customer_id', t0.customer_id, 'status', t0.status, 'total', t0.total, 'created_at', ${iso('t0.created_at')}, ` +
    `'order_items', (SELECT coalesce(json_arrayagg(json_object('order_id', t1.order_id, 'product_id', t1.product_id, 'quantity', t1.quantity, ` +
    `'unit_price', t1.unit_price, 'products', CASE WHEN t2.id IS NULL THEN NULL ELSE ${productObject('t2.')} END)), json_array()) ` +
    `FROM order_items t1 LEFT JOIN products t2 ON t2.id = t1.product_id WHERE t1.order_id = t0.id))) FROM orders t0 WHERE t0.id = ?`,
);
const insertOne = async (values) => {
  const [result] = await pool.execute('INSERT INTO products (sku, name, description, category_id, price, stock) VALUES (?, ?, ?, ?, ?, ?)', values);
  return { rows: result };
};
// The checked body read by the database in one statement, as rowgate's bulk insert does.
const insertMany = statement(
  'INSERT INTO products (sku, name, description, category_id, price, stock) SELECT b.sku, b.name, b.description, b.category_id, b.price, coalesce(b.stock, 0) ' +
    "FROM json_table(?, '$[*]' COLUMNS (sku varchar(64) PATH '$.sku', name varchar(255) PATH '$.name', description text PATH '$.description', " +
    "category_id int PATH '$.category_id', price decimal(10,2) PATH '$.price', stock int PATH '$.stock')) AS b",
);
const updatePrice = async (values) => {
  const [result] = await pool.execute('UPDATE products SET price = ?, updated_at = ? WHERE id = ?', values);
  return result;
};
const nowStamp = () => new Date().toISOString().replace(/\.\d{3}Z$/, '').replace('T', ' ');

class Refusal extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** place_order, by hand: the demo action's statements in one transaction on one connection. */
async function placeOrder(customerId, items) {
  const conn = await pool.getConnection();
  try {
    await conn.query('START TRANSACTION');
    const [found] = await conn.execute('SELECT 1 FROM customers WHERE id = ?', [customerId]);
    if (found.length === 0) throw new Refusal(404, 'customer_not_found', `No customer has id ${customerId}`);
    const merged = new Map();
    for (const { product_id, quantity } of items) merged.set(product_id, (merged.get(product_id) ?? 0) + quantity);
    const lines = [...merged].sort(([a], [b]) => a - b);
    for (const [productId, quantity] of lines) {
      const [r] = await conn.execute('UPDATE products SET stock = stock - ? WHERE id = ? AND stock >= ?', [quantity, productId, quantity]);
      if (r.affectedRows === 0) throw new Refusal(409, 'out_of_stock', `Not enough stock for product ${productId}`);
    }
    const ids = lines.map(([id]) => id);
    const [priceRows] = await conn.query(`SELECT id, price FROM products WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
    const prices = new Map(priceRows.map(([id, price]) => [Number(id), Number(price)]));
    const recorded = lines.map(([product_id, quantity]) => ({ product_id, quantity, unit_price: prices.get(product_id) }));
    const total = recorded.reduce((cents, l) => cents + Math.round(l.unit_price * 100) * l.quantity, 0) / 100;
    const [order] = await conn.execute("INSERT INTO orders (customer_id, status, total) VALUES (?, 'pending', ?)", [customerId, total]);
    const orderId = order.insertId;
    await conn.query(
      `INSERT INTO order_items (order_id, product_id, quantity, unit_price) VALUES ${recorded.map(() => '(?, ?, ?, ?)').join(', ')}`,
      recorded.flatMap((l) => [orderId, l.product_id, l.quantity, l.unit_price]),
    );
    await conn.query('COMMIT');
    conn.release();
    return { order_id: orderId, status: 'pending', total, items: recorded };
  } catch (e) {
    await conn.query('ROLLBACK').catch(() => {});
    conn.release();
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
    const limit = String(Math.min(q.limit && INTEGER.test(q.limit) ? Number(q.limit) : MAX_ROWS, MAX_ROWS));
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
    return send(res, 201, undefined, { location: `/products?id=eq.${rows.insertId}`, 'content-length': '0' });
  }
  if (req.method === 'PATCH' && path.startsWith('/products/')) {
    const id = path.slice('/products/'.length);
    if (!INTEGER.test(id) || json === null || typeof json !== 'object' || !isNumber(json.price)) return error(res, 400, 'invalid update');
    const { affectedRows } = await updatePrice([json.price, nowStamp(), Number(id)]);
    return affectedRows === 0 ? error(res, 404, 'not found') : send(res, 204);
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

const fail = (res, e) => error(res, e.code === 'ER_DUP_ENTRY' ? 409 : 500, e.message);

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
