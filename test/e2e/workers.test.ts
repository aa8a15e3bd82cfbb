/**
 * `rowgate serve --workers N` (src/cli/serve-workers.ts): requests are answered by several worker
 * processes, a worker that dies is replaced, and SIGTERM stops the primary and every worker cleanly.
 * Which worker answered is read from the request log (pino writes the process id on every line).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, type RunningCli } from '../helpers/cli-process.js';

const dirs: string[] = [];
const running: RunningCli[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** One GET on a connection of its own, so the cluster can hand each to another worker. */
function getFresh(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Process ids of the request log lines (one JSON object per line on stdout). */
function requestPids(stdout: string): number[] {
  const pids: number[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; pid?: number };
      if (entry.msg === 'request' && typeof entry.pid === 'number') pids.push(entry.pid);
    } catch {
      // not a log line
    }
  }
  return pids;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('rowgate serve --workers', () => {
  it('answers from two worker processes, replaces one that dies, and stops cleanly on SIGTERM', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rowgate-workers-'));
    dirs.push(cwd);
    expect(runCli(['demo', 'shop', '--db', 'shop.db'], { cwd }).status).toBe(0);
    const port = await freePort();
    const cli = await startCli(['--db', 'shop.db', '--workers', '2', '--port', String(port), '--log-level', 'info'], { cwd });
    running.push(cli);
    await until(() => cli.output().stderr.includes('2 workers serving'), 'both workers');

    for (let i = 0; i < 20; i++) expect(await getFresh(`${cli.url}/products/${1 + i}`)).toBe(200);
    await until(() => requestPids(cli.output().stdout).length >= 20, 'the request log');
    const pids = new Set(requestPids(cli.output().stdout));
    expect(pids.size).toBe(2);
    expect(pids.has(cli.child.pid!)).toBe(false); // the primary serves nothing itself

    // A worker that dies is replaced, and the service goes on.
    const [victim] = pids;
    process.kill(victim, 'SIGKILL');
    await until(() => cli.output().stderr.includes(`worker ${victim} died`), 'the restart notice');
    await until(() => !alive(victim), 'the killed worker to be gone');
    await until(() => cli.output().stderr.split('2 workers serving').length === 3, 'the replacement to listen');
    const before = requestPids(cli.output().stdout).length;
    for (let i = 0; i < 20; i++) expect(await getFresh(`${cli.url}/products?id=eq.${1 + i}`)).toBe(200);
    await until(() => requestPids(cli.output().stdout).length >= before + 20, 'the request log');
    const after = new Set(requestPids(cli.output().stdout).slice(before));
    expect(after.has(victim)).toBe(false);
    expect(after.size).toBe(2);

    // SIGTERM: the primary forwards it, each worker finishes and exits, then the primary exits 0.
    const workers = [...after];
    expect(await cli.stop()).toBe(0);
    expect(cli.output().stderr).toContain('SIGTERM: stopping 2 worker(s)');
    await until(() => workers.every((pid) => !alive(pid)), 'the workers to exit', 5000);
  });

  it('ends with the worker\'s error when it cannot start', () => {
    const r = runCli(['serve', '--db', 'sqlite:nope.db', '--workers', '2'], { cwd: tmpdir() });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('SQLite database not found: nope.db');
  });

  it('rejects a worker count that is not a positive integer', () => {
    const r = runCli(['serve', '--workers', '0']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('expected a positive integer');
  });
});
