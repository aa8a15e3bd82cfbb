/**
 * The command line as a user meets it: the demo on first run, serving a file, refusing what would
 * surprise (a missing file, a public bind without auth), signals for reload and graceful shutdown.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, type RunningCli } from '../helpers/cli-process.js';

const dirs: string[] = [];
const running: RunningCli[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rowgate-cli-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('rowgate serve', () => {
  it('creates the demo shop on first run, says so, and serves it', async () => {
    const cwd = tempDir();
    const cli = await startCli([], { cwd });
    running.push(cli);
    const { stderr } = cli.output();
    expect(stderr).toContain('creating the demo shop');
    expect(stderr).toMatch(/Docs\s+http:\/\/127\.0\.0\.1:\d+\/_\/docs/);
    expect(stderr).toMatch(/Health\s+http:\/\/127\.0\.0\.1:\d+\/_\/health/);
    expect(existsSync(join(cwd, '.rowgate', 'shop.db'))).toBe(true);

    const res = await fetch(`${cli.url}/products?select=id,name,price&price=gte.10&order=price.desc&limit=5`);
    expect(res.status).toBe(200);
    const rows = (await res.json()) as { price: number }[];
    expect(rows).toHaveLength(5);
    expect(rows.map((r) => r.price)).toEqual([...rows.map((r) => r.price)].sort((a, b) => b - a));

    // The second run finds the database and does not create it again.
    await cli.stop();
    const again = await startCli([], { cwd });
    running.push(again);
    expect(again.output().stderr).not.toContain('creating the demo shop');
  });

  it('refuses a missing database file and creates nothing', () => {
    const cwd = tempDir();
    const r = runCli(['serve', '--db', 'sqlite:nope.db'], { cwd });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('SQLite database not found: nope.db');
    expect(existsSync(join(cwd, 'nope.db'))).toBe(false);
  });

  it('refuses a file that is not a database', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'junk.db'), 'this is not sqlite, just text that is long enough to have a header'.repeat(10));
    const r = runCli(['serve', '--db', 'junk.db'], { cwd });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Cannot open junk\.db as a SQLite database/);
  });

  it('refuses to bind a public address without auth or --anon', () => {
    const r = runCli(['serve', '--db', 'x.db', '--host', '0.0.0.0']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Refusing to listen on 0.0.0.0');
  });

  it('rejects a URL it cannot place', () => {
    const r = runCli(['serve', '--db', 'oracle://x']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Cannot tell the database');
  });

  it('reloads the schema on SIGHUP without a restart', async () => {
    const cwd = tempDir();
    expect(runCli(['demo', 'shop', '--db', 'shop.db'], { cwd }).status).toBe(0);
    const cli = await startCli(['--db', 'shop.db'], { cwd });
    running.push(cli);
    expect((await fetch(`${cli.url}/coupons`)).status).toBe(404);

    const db = new Database(join(cwd, 'shop.db'));
    db.exec("create table coupons (code text primary key, percent integer); insert into coupons values ('HELLO', 10)");
    db.close();
    cli.child.kill('SIGHUP');
    await expect.poll(async () => (await fetch(`${cli.url}/coupons`)).status, { timeout: 5000 }).toBe(200);
    expect(await (await fetch(`${cli.url}/coupons`)).json()).toEqual([{ code: 'HELLO', percent: 10 }]);
  });

  it('writes one JSON log line per request without query values', async () => {
    const cwd = tempDir();
    runCli(['demo', 'shop', '--db', 'shop.db'], { cwd });
    const cli = await startCli(['--db', 'shop.db'], { cwd });
    running.push(cli);
    await fetch(`${cli.url}/customers?email=eq.secret@example.com`);
    await expect.poll(() => cli.output().stdout.includes('"path":"/customers"'), { timeout: 3000 }).toBe(true);
    const line = cli.output().stdout.split('\n').find((l) => l.includes('"path":"/customers"'))!;
    const entry = JSON.parse(line);
    expect(entry).toMatchObject({ method: 'GET', path: '/customers', status: 200 });
    expect(typeof entry.reqId).toBe('string');
    expect(typeof entry.ms).toBe('number');
    expect(cli.output().stdout).not.toContain('secret@example.com');
  });

  it('finishes requests in flight on SIGTERM, then exits 0', async () => {
    const cwd = tempDir();
    runCli(['demo', 'shop', '--db', 'shop.db'], { cwd });
    const cli = await startCli(['--db', 'shop.db'], { cwd });
    running.push(cli);
    const inFlight = Array.from({ length: 20 }, () => fetch(`${cli.url}/order_items?limit=1000`).then((r) => r.status));
    cli.child.kill('SIGTERM');
    const statuses = await Promise.all(inFlight.map((p) => p.catch(() => 'refused')));
    // Each request either completed or was never accepted; none was cut off with a 5xx.
    for (const s of statuses) expect([200, 'refused']).toContain(s);
    expect(await cli.exited).toBe(0);
  });
});

describe('rowgate openapi', () => {
  it('prints the OpenAPI document of a database', () => {
    const cwd = tempDir();
    runCli(['demo', 'shop', '--db', 'shop.db'], { cwd });
    const r = runCli(['openapi', '--db', 'shop.db'], { cwd });
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/products', '/orders/{id}']));
  });
});

describe('rowgate demo shop', () => {
  it('creates the demo elsewhere and never overwrites', () => {
    const cwd = tempDir();
    const first = runCli(['demo', 'shop', '--db', 'elsewhere/shop.db'], { cwd });
    expect(first.status).toBe(0);
    expect(first.stderr).toMatch(/Created the demo shop at elsewhere\/shop\.db/);
    const second = runCli(['demo', 'shop', '--db', 'elsewhere/shop.db'], { cwd });
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/exists/);
  });
});
