#!/usr/bin/env node
/**
 * Profiles rowgate under one benchmark workload (issue 7: "profile, then remove per-request work"):
 * builds the dataset, starts `node --cpu-prof dist/cli/main.js serve …` pinned like in the bench,
 * drives the workload with autocannon, stops the server (which writes the .cpuprofile), and prints
 * the functions with the most self time, and the same grouped by source file.
 *
 *   npm run build && node bench/profile.mjs [--workload read-row] [--server rowgate|floor|floor-tx] [--engine sqlite|postgres|mysql]
 *                                           [--duration 10] [--rows 100000] [--top 30]
 *
 * On PostgreSQL and MySQL the dataset goes into a database of its own on the server the bench
 * uses (bench/engines.mjs), dropped at the end.
 *
 * Open the .cpuprofile in Chrome DevTools (Performance tab) or speedscope for a flame graph.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_ROWS } from './dataset.mjs';
import { ENGINES } from './engines.mjs';
import { SERVERS, WORKLOADS, drive, hasTaskset, startServer } from './run.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const workloadName = arg('--workload', 'read-row');
const duration = Number(arg('--duration', '10'));
const rows = Number(arg('--rows', String(DEFAULT_ROWS)));
const top = Number(arg('--top', '30'));
const serverName = arg('--server', 'rowgate'); // or floor (floor-tx on PostgreSQL), to see what the same workload costs at the floor
const engine = arg('--engine', 'sqlite');
if (!ENGINES[engine]) throw new Error(`unknown engine ${engine}; one of ${Object.keys(ENGINES).join(', ')}`);
const workload = WORKLOADS.find((w) => w.name === workloadName);
if (!workload) throw new Error(`unknown workload ${workloadName}; one of ${WORKLOADS.map((w) => w.name).join(', ')}`);

// In memory when the machine has /dev/shm, as in bench/run.mjs: the profile is of the server, not the disk
// (on a disk, SQLite's checkpoints fsync and a write profile is mostly that).
const tmp = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'rowgate-profile-'));
const profileDir = join(HERE, 'results', 'profiles');
mkdirSync(profileDir, { recursive: true });
const pin = os.cpus().length >= 2 && process.platform === 'linux' && hasTaskset();
if (pin) (await import('node:child_process')).execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

let requestsServed = 0;
let server = null;
let handle = null;
try {
  handle = await ENGINES[engine].prepare({ dir: tmp, rows, log: (l) => process.stderr.write(l + '\n'), tag: 'profile' });
  const data = handle.data;
  const db = await handle.databaseFor(serverName);
  const before = new Set(readdirSync(profileDir));
  server = await startServer(
    serverName !== 'rowgate'
      ? SERVERS.find((s) => s.name === serverName)
      : {
          name: 'rowgate',
          args: (d, port) => [join(ROOT, 'dist', 'cli', 'main.js'), 'serve', '--db', d.url, '--port', String(port), '--log-level', 'silent'],
        },
    db,
    pin,
    ['--cpu-prof', '--cpu-prof-dir', profileDir],
    engine,
  );
  // A short warm-up first, so the profile shows steady state more than start-up and JIT.
  const warm = await drive(server, workload, { seconds: 2, connections: 50, data, seed: 7 });
  const r = await drive(server, workload, { seconds: duration, connections: 50, data, seed: 1000 });
  requestsServed = warm.requests + r.requests;
  process.stderr.write(`${serverName} ${workload.name}: ${Math.round(r.reqPerS)} req/s under the profiler (slower than without it)\n`);
  if (workload.writes) process.stderr.write('(the dataset copy is thrown away, so no reset is needed)\n');
  await server.stop();
  const file = readdirSync(profileDir).find((f) => !before.has(f) && f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile was written (did the server exit cleanly?)');
  report(join(profileDir, file), requestsServed);
} finally {
  await server?.stop();
  await handle?.drop();
  rmSync(tmp, { recursive: true, force: true });
}

/** Self time per function (and per file), and inclusive time of the project's functions, from a V8 .cpuprofile. */
function report(path, requests) {
  const profile = JSON.parse(readFileSync(path, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // Each sample is one tick of `timeDeltas` in the node that was on top of the stack.
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fnTotals = new Map();
  const fileTotals = new Map();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const file = url ? shorten(url) : '(native/vm)';
    const key = `${functionName || '(anonymous)'}  ${file}${url ? ':' + (lineNumber + 1) : ''}`;
    fnTotals.set(key, (fnTotals.get(key) ?? 0) + us);
    const group = url ? groupOf(file) : functionName; // (garbage collector), (program), (idle) …
    fileTotals.set(group, (fileTotals.get(group) ?? 0) + us);
  }
  // Inclusive time: a node's self time counts for every distinct function on its stack.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = (n) => {
    const { functionName, url, lineNumber } = n.callFrame;
    return url ? `${functionName || '(anonymous)'}  ${shorten(url)}:${lineNumber + 1}` : null;
  };
  const inclusive = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const k = keyOf(byId.get(n));
      if (k && !seen.has(k) && !k.includes('node:') && !k.includes('node_modules')) {
        seen.add(k);
        inclusive.set(k, (inclusive.get(k) ?? 0) + us);
      }
    }
  }
  const print = (title, map, n) => {
    process.stdout.write(`\n${title}\n`);
    for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
      process.stdout.write(
        `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${(us / requests).toFixed(2).padStart(6)} µs/req  ${k}\n`,
      );
    }
  };
  process.stdout.write(`profile: ${relative(ROOT, path)} (${(total / 1e6).toFixed(1)} s sampled, ${requests} requests)\n`);
  print(`top ${top} functions by self time`, fnTotals, top);
  print('self time by source', fileTotals, 25);
  print(`inclusive time of the server's own functions (not node: or node_modules)`, inclusive, top);
}

function shorten(url) {
  const p = url.startsWith('file://') ? fileURLToPath(url) : url;
  return p.startsWith(ROOT) ? relative(ROOT, p) : p;
}

/** dist/server/app.js, node:internal/…, node_modules/<package> — the level at which cost is owned. */
function groupOf(file) {
  const nm = file.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + 'node_modules/'.length).split('/');
    return `node_modules/${rest[0].startsWith('@') ? rest[0] + '/' + rest[1] : rest[0]}`;
  }
  if (file.startsWith('node:')) return file.split('/').slice(0, 2).join('/');
  return file;
}
