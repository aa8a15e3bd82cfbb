/**
 * The API reference page in a real browser: it must render the tables' operations and make no
 * request that leaves the machine (no CDN, fonts, telemetry or AI agent). Runs Debian's
 * /usr/bin/chromium through playwright-core, which never downloads a browser of its own.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindDocs } from '../../src/openapi/bind-docs.js';
import { buildOpenApiDocument } from '../../src/openapi/openapi-document.js';
import { makeSchema, makeTable, type Column } from '../../src/schema/model.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SKIP_REASON = `${CHROMIUM} not found; install it with \`apt-get install -y chromium\` to run this test`;
if (!hasChromium) console.warn(`[skip] docs page browser test: ${SKIP_REASON}`);

function col(name: string, type: Column['type'], extra: Partial<Column> = {}): Column {
  return { name, type, nativeType: type, nullable: false, defaultValue: null, hasDefault: false, generated: false, enumValues: null, maxLength: null, comment: null, ...extra };
}

const base = { namespace: null, kind: 'table' as const, rowidKey: null, uniqueConstraints: [], checkConstraints: [], insertable: true, updatable: true, deletable: true, comment: null };
const schema = makeSchema(
  [
    makeTable({ ...base, name: 'categories', columns: [col('id', 'integer', { hasDefault: true }), col('name', 'text')], primaryKey: ['id'], foreignKeys: [] }),
    makeTable({
      ...base,
      name: 'products',
      columns: [col('id', 'integer', { hasDefault: true }), col('name', 'text'), col('price', 'numeric'), col('category_id', 'integer', { nullable: true })],
      primaryKey: ['id'],
      foreignKeys: [{ name: 'products_category_id_fkey', columns: ['category_id'], referencedTable: 'categories', referencedColumns: ['id'] }],
    }),
  ],
  1,
);

/** Allowed: this machine, and URLs that name no host at all. */
function staysLocal(url: string): boolean {
  if (url.startsWith('data:') || url.startsWith('blob:')) return true;
  return new URL(url).hostname === '127.0.0.1';
}

describe.skipIf(!hasChromium)(`GET /_/docs in Chromium (skipped if ${CHROMIUM} is missing)`, () => {
  let app: FastifyInstance;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    app = Fastify();
    bindDocs(app, { specUrl: '/_/openapi.json' });
    const doc = buildOpenApiDocument(schema, {});
    app.get('/_/openapi.json', (_req, reply) => reply.type('application/json').send(doc));
    // Stands in for the data API, so the request client's "Send" has something to call. Which
    // operation's client opens first depends on how far Scalar has rendered: either will do.
    app.get('/products', (_req, reply) => reply.send([]));
    app.get('/categories', (_req, reply) => reply.send([]));
    origin = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        // Belt and braces: should the page try another host, the request is still recorded by
        // page.on('request') and fails the test, but never reaches the network.
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('renders the operations and makes no request that leaves the machine', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });

    const response = await page.goto(`${origin}/_/docs`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("connect-src 'self'");
    await expect(page.title()).resolves.toBe('rowgate API reference');

    // Scalar opens the first tag (tables are sorted, so `categories`); `products` opens on a click.
    await page.getByText('Read categories').first().waitFor({ timeout: 20_000 });
    await page.getByText('Insert into categories').first().waitFor({ timeout: 5_000 });
    await page.getByText('products', { exact: true }).first().click();
    await page.getByText('Read products').first().waitFor({ timeout: 5_000 });
    // Features that load lazily (fonts for newly shown text, the request client) get their chance.
    await page.getByText('Read products').first().click();
    // "Send" in the request client must call this server directly, not through proxy.scalar.com.
    await page.getByRole('button', { name: 'Test Request' }).first().click();
    // The client loads lazily; on a busy machine (CI runs every suite at once) that can take a while.
    const send = page.getByRole('button', { name: /^Send/ }).first();
    await send.waitFor({ state: 'visible', timeout: 20_000 });
    const sent = page.waitForResponse((response) => response.url().startsWith(`${origin}/products`) || response.url().startsWith(`${origin}/categories`), { timeout: 20_000 });
    await send.click();
    expect((await sent).status()).toBe(200);
    await page.waitForLoadState('networkidle');
    if (process.env.DOCS_SCREENSHOT) await page.screenshot({ path: join(tmpdir(), 'rowgate-docs.png'), fullPage: false });

    expect(requests.some((u) => u.startsWith(`${origin}/_/docs/scalar.js`))).toBe(true);
    expect(requests).toContain(`${origin}/_/openapi.json`);
    expect(requests.filter((u) => !staysLocal(u))).toEqual([]);
    // The one expected refusal is zod's `new Function` probe, which it catches by design.
    expect(problems.filter((p) => !p.includes('unsafe-eval'))).toEqual([]);
  });

  it('serves the bundle gzipped, cacheable and revalidatable', async () => {
    const plain = await app.inject({ method: 'GET', url: '/_/docs/scalar.js' });
    expect(plain.statusCode).toBe(200);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toContain('immutable');
    const zipped = await app.inject({ method: 'GET', url: '/_/docs/scalar.js', headers: { 'accept-encoding': 'br, gzip;q=0.8' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
    for (const refusing of ['gzip;q=0', 'gzip;q=0, *', 'identity', '']) {
      const refused = await app.inject({ method: 'GET', url: '/_/docs/scalar.js', headers: { 'accept-encoding': refusing } });
      expect(refused.headers['content-encoding'], refusing).toBeUndefined();
    }
    const star = await app.inject({ method: 'GET', url: '/_/docs/scalar.js', headers: { 'accept-encoding': '*' } });
    expect(star.headers['content-encoding']).toBe('gzip');
    const again = await app.inject({ method: 'GET', url: '/_/docs/scalar.js', headers: { 'if-none-match': String(plain.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect(zipped.headers.etag).not.toBe(plain.headers.etag);
  });
});
