/**
 * The config file as a user writes it: TypeScript importing from 'rowgate', loaded by the real
 * binary without a build step; mistakes stop the server with the file and the key.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, startCli, type RunningCli } from '../helpers/cli-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
const running: RunningCli[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A project folder with rowgate installed (linked) and a demo shop. */
function project(config: string, name = 'rowgate.config.ts'): string {
  const dir = mkdtempSync(join(tmpdir(), 'rowgate-config-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'rowgate'), 'dir');
  expect(runCli(['demo', 'shop', '--db', 'shop.db'], { cwd: dir }).status).toBe(0);
  writeFileSync(join(dir, name), config);
  return dir;
}

describe('rowgate.config.ts', () => {
  it('loads actions, hooks and server settings from TypeScript', async () => {
    const dir = project(`
      import { defineConfig, defineAction, Type } from 'rowgate';
      const greet = defineAction({
        name: 'greet',
        readOnly: true,
        input: Type.Object({ name: Type.String() }),
        output: Type.Object({ greeting: Type.String() }),
        handler: ({ name }: { name: string }) => ({ greeting: 'Hello, ' + name }),
      });
      export default defineConfig({
        db: 'sqlite:shop.db',
        server: { maxRows: 3 },
        actions: [greet],
        hooks: { categories: { beforeInsert: (row) => ({ ...row, slug: String(row.name).toLowerCase() }) } },
      });
    `);
    const cli = await startCli([], { cwd: dir });
    running.push(cli);
    expect(cli.output().stderr).toContain('with ');
    const post = await fetch(`${cli.url}/rpc/greet`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Ada"}' });
    expect(await post.json()).toEqual({ greeting: 'Hello, Ada' });
    expect(await (await fetch(`${cli.url}/rpc/greet?name=Bo`)).json()).toEqual({ greeting: 'Hello, Bo' });
    expect(((await (await fetch(`${cli.url}/products`)).json()) as unknown[]).length).toBe(3);
    const created = await fetch(`${cli.url}/categories?select=slug`, { method: 'POST', headers: { 'content-type': 'application/json', prefer: 'return=representation' }, body: '{"name":"Zeppelins"}' });
    expect(await created.json()).toEqual([{ slug: 'zeppelins' }]);
    // A config file replaces the demo's own actions.
    expect((await fetch(`${cli.url}/rpc/place_order`, { method: 'POST', body: '{}' , headers: { 'content-type': 'application/json' } })).status).toBe(404);
  });

  it('names the file and the key of a mistake, and does not start', () => {
    const dir = project(`export default { server: { port: 'eighty' } };`, 'rowgate.config.js');
    const r = runCli(['serve', '--port', '0'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/rowgate\.config\.js: server\.port: /);
  });

  it('refuses unknown keys and broken actions', () => {
    const unknown = project(`{ "db": "sqlite:shop.db", "sever": {} }`, 'rowgate.config.json');
    expect(runCli(['serve', '--port', '0'], { cwd: unknown }).stderr).toMatch(/rowgate\.config\.json: .*sever/);
    const broken = project(`export default { actions: [{ name: 'x', input: {} }] };`, 'rowgate.config.mjs');
    expect(runCli(['serve', '--port', '0'], { cwd: broken }).stderr).toMatch(/actions\[0\]\.handler: must be a function/);
  });

  it('reports a config file that does not load', () => {
    const dir = project(`export default {`, 'rowgate.config.ts');
    const r = runCli(['serve', '--port', '0'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/rowgate\.config\.ts: cannot be loaded/);
  });
});
