/**
 * Injection payloads (issue 8, item 4, the payload half): every line of
 * test/fixtures/sql-injection-payloads.txt in every position a client controls — filter value and
 * operator, `in.()` term, `or=()` body, `select=` item and alias, embedded filter, column name,
 * `order=`, `limit`/`offset`, row-URL key, `Prefer`, `Accept-Profile`/`Content-Profile`, JSON body
 * values and keys, `on_conflict`, `columns=`, action arguments — as anon and service (customer too
 * under RELIABILITY_SOAK) on every engine, through `app.inject()`.
 *
 * Each answer: status < 500; an error in the documented shape; no `42601` syntax error except from
 * the full-text-search grammar; no engine-native syntax message (which would mean a payload became
 * SQL text); answered within 2 s (time-based payloads — pg_sleep, SLEEP, BENCHMARK, randomblob —
 * must not run). Body values written with `Prefer: tx=rollback` come back byte for byte (they were
 * bound, not spliced). After each position the five tables' fingerprint is unchanged, and the
 * server, logging at level error into a captured stream, logged no error (it logs every 5xx). On
 * PostgreSQL the server's own log (engine-log.ts) must show no syntax error for the test database;
 * the other ERROR lines there (bad values the engine refused) are counted and printed.
 */
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectedEngines } from '../helpers/engines.js';
import '../helpers/all-engines.js';
import { ENGINE_SYNTAX_ERROR, postgresLogWatcher, type EngineLogWatcher } from './engine-log.js';
import { errorShapeProblem, shopUnavailable, startShop, type Principal, type ShopUnderTest } from './shop-under-test.js';

const SOAK = process.env.RELIABILITY_SOAK === '1';
const SLOW_MS = 2000;
const CONCURRENCY = 8;

function loadPayloads(): string[] {
  const text = readFileSync(new URL('../fixtures/sql-injection-payloads.txt', import.meta.url), 'utf8');
  return text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l !== '' && !l.startsWith('#!'));
}

const PAYLOADS = loadPayloads();
const enc = encodeURIComponent;
/** What a header may carry (visible ASCII); other payloads are not sent in header positions. */
const HEADER_SAFE = /^[\x20-\x7e]+$/;

interface Position {
  readonly name: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly url: (p: string) => string;
  readonly headers?: (p: string) => Record<string, string>;
  readonly body?: (p: string) => unknown;
  /** Sent only for payloads a header can carry. */
  readonly inHeader?: boolean;
  /** The full-text-search grammar may answer 42601 for a payload it cannot parse. */
  readonly fts?: boolean;
  /** For a 2xx: the payload must come back as sent (it was bound as a value). */
  readonly echoes?: (json: unknown) => unknown;
}

const ROLLBACK = { prefer: 'tx=rollback, return=representation' };
const firstName = (json: unknown) => (Array.isArray(json) ? (json[0] as Record<string, unknown> | undefined)?.name : undefined);

const POSITIONS: Position[] = [
  // Filters on reads.
  { name: 'filter value (eq)', method: 'GET', url: (p) => `/products?select=id&name=eq.${enc(p)}` },
  { name: 'filter value (not.eq)', method: 'GET', url: (p) => `/products?select=id&sku=not.eq.${enc(p)}&limit=1` },
  { name: 'filter value (ilike)', method: 'GET', url: (p) => `/products?select=id&description=ilike.*${enc(p)}*&limit=5` },
  { name: 'filter value (integer column)', method: 'GET', url: (p) => `/products?select=id&id=eq.${enc(p)}` },
  { name: 'filter value (gt on timestamp)', method: 'GET', url: (p) => `/orders?select=id&created_at=gt.${enc(p)}&limit=1` },
  { name: 'filter value (fts)', method: 'GET', url: (p) => `/products?select=id&name=fts.${enc(p)}&limit=5`, fts: true },
  { name: 'filter operator', method: 'GET', url: (p) => `/products?select=id&name=${enc(p)}.x` },
  { name: 'in.() term', method: 'GET', url: (p) => `/products?select=id&sku=in.(${enc(p)})` },
  { name: 'in.() quoted term', method: 'GET', url: (p) => `/products?select=id&sku=in.("${enc(p)}",SKU-1)` },
  { name: 'or=() body', method: 'GET', url: (p) => `/products?select=id&or=(${enc(p)})&limit=5` },
  { name: 'or=() value', method: 'GET', url: (p) => `/products?select=id&or=(name.eq.${enc(p)},id.eq.1)` },
  { name: 'column name', method: 'GET', url: (p) => `/products?select=id&${enc(p)}=eq.1` },
  { name: 'embedded filter value', method: 'GET', url: (p) => `/products?select=id,categories(name)&categories.name=eq.${enc(p)}&limit=5` },
  // Shape of the answer.
  { name: 'select item', method: 'GET', url: (p) => `/products?select=${enc(p)}&limit=2` },
  { name: 'select after a column', method: 'GET', url: (p) => `/products?select=id,${enc(p)}&limit=2` },
  { name: 'select alias', method: 'GET', url: (p) => `/products?select=${enc(p)}:id&limit=2` },
  { name: 'select embed columns', method: 'GET', url: (p) => `/products?select=id,categories(${enc(p)})&limit=2` },
  { name: 'order', method: 'GET', url: (p) => `/products?select=id&order=${enc(p)}&limit=2` },
  { name: 'order direction', method: 'GET', url: (p) => `/products?select=id&order=name.${enc(p)}&limit=2` },
  { name: 'limit', method: 'GET', url: (p) => `/products?select=id&limit=${enc(p)}` },
  { name: 'offset', method: 'GET', url: (p) => `/products?select=id&limit=2&offset=${enc(p)}` },
  { name: 'row-URL key', method: 'GET', url: (p) => `/products/${enc(p)}` },
  // Headers.
  { name: 'Prefer on a read', method: 'GET', url: () => '/products?select=id&limit=1', headers: (p) => ({ prefer: `count=exact, ${p}` }), inHeader: true },
  {
    name: 'Prefer on a write', method: 'POST', url: () => '/categories', inHeader: true,
    headers: (p) => ({ prefer: `tx=rollback, return=minimal, ${p}` }), body: () => ({ name: 'prefer probe', slug: 'prefer-probe' }),
  },
  { name: 'Accept-Profile', method: 'GET', url: () => '/products?select=id&limit=1', headers: (p) => ({ 'accept-profile': p }), inHeader: true },
  {
    name: 'Content-Profile', method: 'POST', url: () => '/categories', inHeader: true,
    headers: (p) => ({ 'content-profile': p, ...ROLLBACK }), body: () => ({ name: 'profile probe', slug: 'profile-probe' }),
  },
  // Writes. Filters and keys commit if they match (they must match nothing); values are rolled back.
  { name: 'PATCH filter value', method: 'PATCH', url: (p) => `/products?name=eq.${enc(p)}`, body: () => ({ stock: 0 }) },
  { name: 'PATCH row-URL key', method: 'PATCH', url: (p) => `/products/${enc(p)}`, body: () => ({ stock: 0 }) },
  { name: 'DELETE filter value', method: 'DELETE', url: (p) => `/orders?status=eq.${enc(p)}` },
  { name: 'DELETE row-URL key', method: 'DELETE', url: (p) => `/orders/${enc(p)}` },
  {
    name: 'JSON body value (insert)', method: 'POST', url: () => '/categories', headers: () => ROLLBACK,
    body: (p) => ({ name: p, slug: `${p}-slug`, description: p }), echoes: firstName,
  },
  {
    name: 'JSON body value (update)', method: 'PATCH', url: () => '/products?id=eq.1', headers: () => ROLLBACK,
    body: (p) => ({ name: p }), echoes: firstName,
  },
  { name: 'JSON body value (integer column)', method: 'POST', url: () => '/products', headers: () => ROLLBACK, body: (p) => ({ sku: 'x-inj', name: 'x', category_id: p, price: 1 }) },
  { name: 'JSON body key', method: 'POST', url: () => '/categories', headers: () => ROLLBACK, body: (p) => ({ name: 'key probe', slug: 'key-probe', [p]: 'x' }) },
  { name: 'JSON body key (update)', method: 'PATCH', url: () => '/products?id=eq.1', headers: () => ROLLBACK, body: (p) => ({ [p]: 'x' }) },
  {
    name: 'on_conflict', method: 'POST', url: (p) => `/categories?on_conflict=${enc(p)}`,
    headers: () => ({ prefer: 'tx=rollback, resolution=merge-duplicates, return=representation' }), body: () => ({ name: 'conflict probe', slug: 'conflict-probe' }),
  },
  { name: 'columns', method: 'POST', url: (p) => `/categories?columns=${enc(p)}`, headers: () => ROLLBACK, body: () => ({ name: 'columns probe', slug: 'columns-probe' }) },
  // Actions.
  { name: 'rpc argument (body)', method: 'POST', url: () => '/rpc/cancel_order', headers: () => ROLLBACK, body: (p) => ({ order_id: p }) },
  { name: 'rpc argument (query)', method: 'GET', url: (p) => `/rpc/cancel_order?order_id=${enc(p)}` },
  { name: 'rpc nested argument', method: 'POST', url: () => '/rpc/place_order', headers: () => ROLLBACK, body: (p) => ({ customer_id: 1, items: [{ product_id: p, quantity: 1 }] }) },
  { name: 'rpc argument name', method: 'POST', url: () => '/rpc/place_order', headers: () => ROLLBACK, body: (p) => ({ items: [{ product_id: 1, quantity: 1 }], [p]: 1 }) },
];

/** Runs `work` over `items` with at most `limit` in flight. */
async function pooled<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

for (const engine of selectedEngines()) {
  const reason = await shopUnavailable(engine);
  if (reason) console.warn(`injection payloads: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: SQL-injection payloads in every position`, () => {
    let shop: ShopUnderTest;
    const logged: string[] = [];
    let engineLog: EngineLogWatcher | null = null;
    let engineLogNote = '';
    const engineErrors: string[] = [];
    const principals: Principal[] = SOAK ? ['anon', 'customer', 'service'] : ['anon', 'service'];
    const counts = { requests: 0, ok: 0, client: 0, server: 0, fts42601: 0, echoed: 0, slowest: 0 };
    const started = Date.now();

    beforeAll(async () => {
      const logStream = new Writable({
        write(chunk, _enc, done) {
          for (const line of String(chunk).split('\n')) if (line.trim() !== '') logged.push(line);
          done();
        },
      });
      shop = await startShop(engine, { logLevel: 'error', logStream });
      if (engine.name === 'postgres') {
        const watcher = postgresLogWatcher(shop.database.url);
        if (typeof watcher === 'string') engineLogNote = `engine log not checked: ${watcher}`;
        else engineLog = watcher;
      } else {
        engineLogNote = `engine log not checked: ${engine.name} keeps no statement-error log`;
      }
    });
    afterAll(async () => {
      console.log(
        `injection payloads (${engine.name}): ${PAYLOADS.length} payloads x ${POSITIONS.length} positions x ${principals.join('/')}: ` +
          `${counts.requests} requests, ${counts.ok} 2xx (${counts.echoed} values echoed back intact), ${counts.client} 4xx ` +
          `(${counts.fts42601} fts 42601), ${counts.server} 5xx, ${logged.length} logged errors, ` +
          `${engineLog ? `${engineErrors.length} ERROR lines in the PostgreSQL log (${engineErrors.filter((l) => ENGINE_SYNTAX_ERROR.test(l)).length} syntax errors)` : engineLogNote}, ` +
          `slowest ${counts.slowest} ms, ` +
          `${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      await shop?.close();
    });

    for (const position of POSITIONS) {
      it(`${position.name}: no 5xx, no SQL syntax error, no sleep, no table changed`, async () => {
        const before = await shop.fingerprint();
        const payloads = position.inHeader ? PAYLOADS.filter((p) => HEADER_SAFE.test(p)) : PAYLOADS;
        const jobs = principals.flatMap((who) => payloads.map((p) => ({ who, p })));
        const problems: string[] = [];
        await pooled(jobs, CONCURRENCY, async ({ who, p }) => {
          const url = position.url(p);
          const body = position.body?.(p);
          const headers: Record<string, string> = { ...shop.headers[who], ...(position.headers?.(p) ?? {}) };
          if (body !== undefined) headers['content-type'] = 'application/json';
          const t0 = performance.now();
          const res = await shop.server.app.inject({ method: position.method, url, headers, ...(body === undefined ? {} : { payload: JSON.stringify(body) }) });
          const ms = Math.round(performance.now() - t0);
          counts.requests++;
          counts.slowest = Math.max(counts.slowest, ms);
          const context = `${who} ${position.method} ${url.slice(0, 160)} payload ${JSON.stringify(p)} -> ${res.statusCode} in ${ms} ms ${res.body.slice(0, 300)}`;
          if (ms > SLOW_MS) problems.push(`slow: ${context}`);
          if (res.statusCode >= 500) {
            counts.server++;
            problems.push(`5xx: ${context}`);
            return;
          }
          if (res.statusCode >= 400) {
            counts.client++;
            const shape = errorShapeProblem(url, res.headers['content-type'] as string | undefined, res.body);
            if (shape) problems.push(`shape (${shape}): ${context}`);
            if (ENGINE_SYNTAX_ERROR.test(res.body)) problems.push(`engine syntax message: ${context}`);
            const code = shape ? null : (JSON.parse(res.body) as { code: unknown }).code;
            if (code === '42601') {
              if (position.fts) counts.fts42601++;
              else problems.push(`42601 outside fts: ${context}`);
            }
            return;
          }
          counts.ok++;
          if (position.echoes && res.statusCode !== 204) {
            const back = position.echoes(res.json());
            if (back !== p) problems.push(`value not stored as sent (${JSON.stringify(back)}): ${context}`);
            else counts.echoed++;
          }
        });
        expect(problems.slice(0, 10), `${problems.length} problems`).toEqual([]);
        expect(await shop.fingerprint(), 'a table changed').toBe(before);
        expect(logged.slice(0, 3), 'the server logged an error').toEqual([]);
        if (engineLog) {
          const errors = engineLog.errorsSince();
          engineErrors.push(...errors);
          expect(errors.filter((l) => ENGINE_SYNTAX_ERROR.test(l)).slice(0, 5), `syntax errors in ${engineLog.source}`).toEqual([]);
        }
      }, 120_000);
    }
  });
}
