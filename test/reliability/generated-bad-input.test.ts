/**
 * Generated bad input (issue 8, item 1, fast version): requests built with fast-check from the
 * service role's OpenAPI document, on every route and method, as anon, customer and service, with
 * wrong types, unknown columns and operators, broken grammar, huge and empty values, unicode
 * (lone surrogates, NUL) and deep nesting. Never a status >= 500; every error body in the
 * documented shape; the tables unchanged after every 4xx. RELIABILITY_RUNS scales the count
 * (default 300 per engine). The seed is fixed by default so `npm test` is repeatable;
 * RELIABILITY_SEED=<n> replays a run and RELIABILITY_SEED=random explores (the soak run).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectedEngines } from '../helpers/engines.js';
import '../helpers/all-engines.js';
import { errorShapeProblem, PRINCIPALS, shopUnavailable, startShop, type Principal, type ShopUnderTest } from './shop-under-test.js';

const RUNS = Number(process.env.RELIABILITY_RUNS ?? 300);
const SEED_SETTING = process.env.RELIABILITY_SEED ?? '8';
const SEED = SEED_SETTING === 'random' ? Date.now() % 2 ** 31 : Number(SEED_SETTING);

interface Operation {
  readonly path: string;
  readonly method: string;
  /** Query parameter names the document lists for it (row filters are column names). */
  readonly params: readonly string[];
  readonly bodySchema: unknown;
}

interface GeneratedRequest {
  readonly who: Principal;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string;
}

type Doc = { paths: Record<string, Record<string, any>>; components: { parameters: Record<string, any>; schemas: Record<string, any> } };

function operationsOf(doc: Doc): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!['get', 'head', 'post', 'patch', 'put', 'delete'].includes(method)) continue;
      const params = ((op.parameters ?? []) as any[])
        .map((p) => (p.$ref ? doc.components.parameters[String(p.$ref).split('/').pop()!] : p))
        .filter((p) => p && p.in === 'query')
        .map((p) => String(p.name));
      const schema = op.requestBody?.content?.['application/json']?.schema;
      const resolved = schema?.$ref ? doc.components.schemas[String(schema.$ref).split('/').pop()!] : schema;
      ops.push({ path, method: method.toUpperCase(), params, bodySchema: resolved ?? null });
    }
  }
  return ops;
}

// ---- value generators ----------------------------------------------------------------------

const KNOWN_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'match', 'imatch', 'in', 'is', 'isdistinct', 'fts', 'plfts', 'phfts', 'wfts', 'cs', 'cd', 'ov', 'sl', 'sr', 'nxl', 'nxr', 'adj', 'not', 'all', 'any'];
const UNKNOWN_OPS = ['eqq', 'EQ', 'between', 'regex', '', 'not.not.not', 'eq(any)', 'like(all)', '%00', '..'];

/** Percent-encoded oddities: lone surrogates as CESU-8 and %u, overlong NUL, raw high bytes, NUL. */
const ENCODED_WEIRD = ['%ED%A0%80', '%ED%BF%BF', '%uD800', '%C0%80', '%FF%FE', '%00', '%E2%80%AE', '%F0%9F%92%A9', '%EF%BF%BF', '%', '%Z1', '%2', '%25%', '%0A%0D'];

const atom = fc.oneof(
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom('', ' ', 'null', 'true', 'nan', 'Infinity', '-0', '1e999', '9'.repeat(40), '2024-13-45', 'x'.repeat(5000), "'; drop table orders; --", '\\', '"', '*', '()', ',', '.', '{}', '[]'),
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 10 }).map(encodeURIComponent),
  fc.constantFrom(...ENCODED_WEIRD),
);

function nested(depth: number, op: 'or' | 'and'): string {
  return `${'('.repeat(1)}${Array.from({ length: depth }, () => `${op}(`).join('')}id.eq.1${')'.repeat(depth + 1)}`;
}

/** Values for the logic parameters `or`/`and`: valid-looking, broken and deep. */
const logicValue = (columns: readonly string[]) =>
  fc.oneof(
    fc.tuple(fc.constantFrom(...columns, 'nope'), fc.constantFrom(...KNOWN_OPS, ...UNKNOWN_OPS), atom).map(([c, o, v]) => `(${c}.${o}.${v})`),
    fc.constantFrom('(', ')', '((', '(id.eq.1', 'id.eq.1)', '(id.eq.1,)', '(,)', '()', '(and)', '(or())', '(id..eq.1)', '(.eq.1)', '(id.eq.)', '(id.eq.1,or(id.eq.2)', '(not.and(id.eq.1))', '(id.in.(1,2)', '(id.eq."unterminated)'),
    fc.integer({ min: 1, max: 300 }).map((d) => nested(d, 'or')),
    fc.integer({ min: 1, max: 300 }).map((d) => nested(d, 'and')),
    atom,
  );

const selectValue = (columns: readonly string[]) =>
  fc.oneof(
    fc.array(fc.constantFrom(...columns, '*', 'nope', 'customers(*)', 'orders(*)', 'order_items(*)', 'products!inner(*)', 'x:id', 'id::text', 'id::nope', 'count()', 'id.sum()', 'id->a->>b', 'nope(*)', 'customers(nope)'), { maxLength: 5 }).map((a) => a.join(',')),
    fc.constantFrom('(', ')', '*,', ',,', 'a(b(c(d', '**', '*(*)', 'id:', ':id', 'id::', '...', 'id.', '!inner', 'customers!(*)', '"id"', '"id'),
    fc.integer({ min: 1, max: 200 }).map((d) => `${'orders('.repeat(d)}*${')'.repeat(d)}`),
    atom,
  );

const orderValue = (columns: readonly string[]) =>
  fc.oneof(
    fc.tuple(fc.constantFrom(...columns, 'nope'), fc.constantFrom('', '.asc', '.desc', '.nullsfirst', '.desc.nullslast', '.up', '..', '.asc.asc.asc')).map(([c, d]) => c + d),
    atom,
  );

const filterValue = fc.oneof(
  fc.tuple(fc.constantFrom(...KNOWN_OPS, ...UNKNOWN_OPS), atom).map(([o, v]) => `${o}.${v}`),
  fc.tuple(fc.constantFrom('in', 'not.in', 'cs', 'ov'), fc.array(atom, { maxLength: 6 })).map(([o, a]) => `${o}.(${a.join(',')})`),
  fc.constantFrom('in.(', 'in.)', 'in.(1,2', 'in.((1))', 'is.maybe', 'not', 'not.', '.', 'eq', 'eq.', 'eq..', '.eq.1', 'like.*%00*', 'match.(', 'match.[', 'imatch.\\', 'fts(nope).x', 'eq(any).{1,2', 'any.eq.1'),
  atom,
);

function queryPair(op: Operation, columns: readonly string[]): fc.Arbitrary<string> {
  const names = [...new Set([...op.params, 'or', 'and', 'not.or', 'select', 'order', 'limit', 'offset', 'on_conflict', 'columns', 'nope', 'id.x', '', 'select', 'a%00b', '%ED%A0%80'])];
  return fc.constantFrom(...names).chain((name) => {
    const value =
      name === 'or' || name === 'and' || name === 'not.or' ? logicValue(columns)
      : name === 'select' ? selectValue(columns)
      : name === 'order' ? orderValue(columns)
      : name === 'limit' || name === 'offset' ? fc.oneof(fc.integer().map(String), fc.constantFrom('-1', '1.5', 'x', '', '99999999999999999999', '0x10'), atom)
      : name === 'on_conflict' || name === 'columns' ? fc.oneof(fc.constantFrom(...columns, 'nope', 'id,', ',', '(id)'), atom)
      : filterValue;
    return value.map((v) => (name === '' ? v : `${name}=${v}`));
  });
}

/** Bodies: the row schema with wrong types, unknown columns, huge and deep values, and plain garbage. */
function bodyFor(op: Operation): fc.Arbitrary<string | undefined> {
  const schema = op.bodySchema as { properties?: Record<string, unknown> } | null;
  const columns = Object.keys(schema?.properties ?? { id: 1 });
  const wrong = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'grapheme', maxLength: 10 }),
    fc.constantFrom('\u0000', 'a\u0000b', '\ud800', '\udfff', 'x'.repeat(70_000), '', '9'.repeat(400)),
    fc.double(),
    fc.integer(),
    fc.constantFrom(2 ** 63, -(2 ** 63), 1e308, -1e-308, true, false, null),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.object({ maxDepth: 2 }),
  );
  const row = fc.dictionary(fc.constantFrom(...columns, 'nope', '', 'id', '__proto__', 'constructor', '"; drop'), wrong, { maxKeys: 6 });
  const deep = fc.integer({ min: 1, max: 5000 }).map((d) => '['.repeat(d) + ']'.repeat(d));
  const deepObject = fc.integer({ min: 1, max: 3000 }).map((d) => '{"a":'.repeat(d) + '1' + '}'.repeat(d));
  return fc.oneof(
    { weight: 4, arbitrary: row.map((r) => JSON.stringify(r)) },
    { weight: 2, arbitrary: fc.array(row, { maxLength: 4 }).map((r) => JSON.stringify(r)) },
    { weight: 1, arbitrary: fc.constantFrom('', '{', '[', 'null', '1', '"x"', '[]', '{}', '[[]]', '[1,2]', '{"items":[]}', '{"items":[{"product_id":"x","quantity":-1}]}', '{"a":1,"a":2}', '\u0000', '\ufeff{}', '{"x":"\\ud800"}', '{"x":"\\u0000"}', 'true', 'NaN') },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: deepObject },
    { weight: 1, arbitrary: fc.string({ maxLength: 50 }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'text/csv', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/json; charset=latin1', ''];
const PREFERS = ['return=representation', 'return=minimal', 'resolution=merge-duplicates', 'resolution=ignore-duplicates', 'count=exact', 'count=planned', 'count=nope', 'missing=default', 'tx=rollback', 'tx=commit', 'handling=strict', 'max-affected=0', 'params=single-object', 'nope', '', ',,,', 'return=representation, count=exact'];
const ACCEPTS = ['application/json', 'text/csv', 'application/x-ndjson', 'application/vnd.pgrst.object+json', 'application/geo+json', 'text/html', '*/*', '', 'application/openapi+json', 'nope/nope'];
const RANGES = ['0-9', '10-0', '-1-5', 'x-y', '0-', '99999999999999999999-1', '', '5'];

function validPath(path: string): boolean {
  try {
    decodeURIComponent(path);
    return path.split('/').every((segment) => segment.length <= 2048);
  } catch {
    return false;
  }
}

function requestArbitrary(ops: readonly Operation[], tableColumns: Record<string, string[]>): fc.Arbitrary<GeneratedRequest> {
  const authOps = fc.record({
    who: fc.constantFrom(...PRINCIPALS),
    path: fc.constantFrom('/auth/v1/signup', '/auth/v1/token?grant_type=password', '/auth/v1/token?grant_type=refresh_token', '/auth/v1/token?grant_type=nope', '/auth/v1/token', '/auth/v1/user', '/auth/v1/logout'),
    method: fc.constantFrom('GET', 'POST', 'PUT'),
    body: fc.oneof(
      fc.record({ email: fc.oneof(fc.emailAddress(), fc.string({ maxLength: 30 }), fc.integer()), password: fc.oneof(fc.string({ maxLength: 20 }), fc.constant('x'.repeat(10_000)), fc.constant(null)), refresh_token: fc.string({ maxLength: 20 }) }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
      fc.constantFrom('', '{', 'null', '[]', '{"email":"\\ud800@x.test","password":"correct horse battery"}'),
    ),
  }).map(({ who, path, method, body }): GeneratedRequest => ({
    who, method, url: path, headers: { 'content-type': 'application/json' }, payload: method === 'GET' ? undefined : body,
  }));

  const dataOps = fc.constantFrom(...ops).chain((op) => {
    const table = op.path.split('/')[1] ?? '';
    const columns = tableColumns[table] ?? ['id'];
    const pathArb = op.path.includes('{id}')
      ? fc.oneof(atom, fc.constantFrom('1', '1,1', '1,2,3', '', '%2F', '..', '1;2')).map((id) => op.path.replace('{id}', id))
      : fc.constant(op.path);
    return fc.record({
      who: fc.constantFrom(...PRINCIPALS),
      // Mostly the documented method, sometimes another.
      method: fc.oneof({ weight: 4, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE') }),
      path: fc.oneof({ weight: 6, arbitrary: pathArb.map((p) => p) }, { weight: 1, arbitrary: pathArb.map((p) => `/rest/v1${p}`) }, { weight: 1, arbitrary: fc.constantFrom('/nope', '/rpc/nope', '/_rowgate_idempotency', '/orders/1/2', '/%00', '/%ED%A0%80', '/' + 'a'.repeat(2000)) }),
      query: fc.array(queryPair(op, columns), { maxLength: 4 }),
      body: bodyFor(op),
      contentType: fc.oneof({ weight: 5, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
      prefer: fc.option(fc.constantFrom(...PREFERS), { freq: 3 }),
      accept: fc.option(fc.constantFrom(...ACCEPTS), { freq: 4 }),
      range: fc.option(fc.constantFrom(...RANGES), { freq: 6 }),
      profile: fc.option(fc.constantFrom('public', 'nope', ''), { freq: 10 }),
    }).map((r): GeneratedRequest => {
      const headers: Record<string, string> = {};
      if (r.body !== undefined && r.contentType) headers['content-type'] = r.contentType;
      if (r.prefer !== null) headers.prefer = r.prefer;
      if (r.accept !== null) headers.accept = r.accept;
      if (r.range !== null) headers.range = r.range;
      if (r.profile !== null) headers['accept-profile'] = r.profile;
      // A path that is not valid percent-encoding, or a segment over Fastify's maxParamLength, is
      // the known bug pinned below (Fastify's own error shape); the generator keeps to valid paths.
      const path = validPath(r.path) ? r.path : '/nope';
      const url = r.query.length ? `${path}?${r.query.join('&')}` : path;
      const bodyless = r.method === 'GET' || r.method === 'HEAD';
      return { who: r.who, method: r.method, url, headers, payload: bodyless ? undefined : r.body };
    });
  });
  return fc.oneof({ weight: 12, arbitrary: dataOps }, { weight: 1, arbitrary: authOps });
}

for (const engine of selectedEngines()) {
  const reason = await shopUnavailable(engine);
  if (reason) console.warn(`generated bad input: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: generated bad input`, () => {
    let shop: ShopUnderTest;
    let ops: Operation[] = [];
    const tableColumns: Record<string, string[]> = {};
    const counts: Record<string, number> = { requests: 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 };

    beforeAll(async () => {
      shop = await startShop(engine);
      const doc = (await shop.server.app.inject({ method: 'GET', url: '/', headers: shop.headers.service })).json() as Doc;
      ops = operationsOf(doc);
      for (const [name, schema] of Object.entries(doc.components.schemas)) tableColumns[name] = Object.keys(schema.properties ?? {});
    });
    afterAll(async () => {
      console.log(`generated bad input (${engine.name}): ${counts.requests} requests, 2xx ${counts['2xx']}, 3xx ${counts['3xx']}, 4xx ${counts['4xx']}, 5xx ${counts['5xx']} (seed ${SEED})`);
      await shop?.close();
    });

    it('covers every route and method of the OpenAPI document', () => {
      const paths = new Set(ops.map((o) => o.path));
      for (const table of ['categories', 'products', 'customers', 'orders', 'order_items']) {
        expect(paths).toContain(`/${table}`);
        expect(paths).toContain(`/${table}/{id}`);
      }
      expect(ops.filter((o) => o.path === '/orders').map((o) => o.method).sort()).toEqual(expect.arrayContaining(['DELETE', 'GET', 'PATCH', 'POST']));
    });

    // Found by this suite (fixed: frameworkErrors in server/app.ts): Fastify's router rejects a path that is not valid percent-encoding
    // (FST_ERR_BAD_URL, 400) or a segment longer than maxParamLength (FST_ERR_MAX_PARAM_LENGTH, 414)
    // before rowgate's error handler, so the body is Fastify's {error, code, message, statusCode}.
    for (const [name, url] of [
      ['an invalid percent-encoding in the path (%2)', '/orders/%2'],
      ['a lone surrogate in the path (%ED%A0%80)', '/%ED%A0%80'],
      ['an overlong NUL in the path (%C0%80)', '/order_items/%C0%80'],
      ['a path segment over maxParamLength (3000 bytes)', `/${'a'.repeat(3000)}`],
    ] as const) {
      it(`answers ${name} in the documented error shape`, async () => {
        const res = await shop.server.app.inject({ method: 'GET', url, headers: shop.headers.anon });
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
        expect(errorShapeProblem(url, res.headers['content-type'] as string | undefined, res.body), res.body).toBeNull();
      });
    }

    // Found by this suite (fixed: hooked writes plan the request before any hook runs): on every engine,
    // `PATCH /products/1?columns=sku` with the body `[{"x":1},{"sku":"b"}]` (an array whose objects
    // have different keys) is a 500 instead of PGRST102. Found by this generator (seed 995051365,
    // RELIABILITY_RUNS=3000).
    it('refuses an array body with mixed keys on PATCH with columns= as a 4xx', async () => {
      for (const url of ['/products/1?columns=sku', '/products?id=eq.1&columns=sku']) {
        const res = await shop.server.app.inject({
          method: 'PATCH', url, headers: { ...shop.headers.service, 'content-type': 'application/json' }, payload: '[{"x":1},{"sku":"b"}]',
        });
        expect(res.statusCode, `${url} -> ${res.body}`).toBeLessThan(500);
      }
    });

    // Found by this suite (fixed: 22003 from bind-params and SQLITE_MISMATCH): an integer beyond 64 bits for an integer key is a 500 on
    // SQLite (a 400 22003 on PostgreSQL and MySQL): `GET /products?id=eq.99999999999999999999`,
    // `GET /products/99999999999999999999`, `PATCH /products?id=eq.1` with `{"id":1e20}`,
    // `POST /categories` with `{"id":1e20,"name":"a","slug":"b"}`.
    it('answers integers beyond 64 bits for a key as a 4xx', async () => {
      const service = { ...shop.headers.service, 'content-type': 'application/json' };
      const before = await shop.fingerprint();
      for (const [method, url, payload] of [
        ['GET', '/products?id=eq.99999999999999999999', undefined],
        ['GET', '/products/99999999999999999999', undefined],
        ['PATCH', '/products?id=eq.1', '{"id":1e20}'],
        ['POST', '/categories', '{"id":1e20,"name":"a","slug":"b"}'],
      ] as const) {
        const res = await shop.server.app.inject({ method, url, headers: service, ...(payload ? { payload } : {}) });
        expect(res.statusCode, `${method} ${url} ${payload ?? ''} -> ${res.body}`).toBeLessThan(500);
      }
      expect(await shop.fingerprint()).toBe(before);
    });

    // Found by this suite (fixed: answered without a statement; MySQL said 400, SQLite 500): `POST /categories` (any table) with the body `[]` is a 500
    // on SQLite; PostgreSQL answers 201 with no rows (PostgREST's behaviour) and MySQL a 400 23502.
    // Found by this generator (RELIABILITY_RUNS=1000, and seed 995330020).
    it('answers an empty array insert with 201 and writes nothing, on every engine', async () => {
      const before = await shop.fingerprint();
      for (const table of ['categories', 'customers']) {
        const res = await shop.server.app.inject({
          method: 'POST', url: `/${table}`, headers: { ...shop.headers.service, 'content-type': 'application/json' }, payload: '[]',
        });
        expect(res.statusCode, `POST /${table} [] -> ${res.body}`).toBe(201);
      }
      expect(await shop.fingerprint()).toBe(before);
    });

    it(`never answers >= 500, keeps the error shape and leaves the tables alone on 4xx (${RUNS} requests)`, async () => {
      let before = await shop.fingerprint();
      // Every request runs, and every problem is kept, so one run shows all there are.
      const problems: string[] = [];
      for (const req of fc.sample(requestArbitrary(ops, tableColumns), { numRuns: RUNS, seed: SEED })) {
        const res = await shop.server.app.inject({
          method: req.method as 'GET',
          url: req.url,
          headers: { ...shop.headers[req.who], ...req.headers },
          ...(req.payload === undefined ? {} : { payload: req.payload }),
        });
        counts.requests++;
        const statusClass = `${Math.floor(res.statusCode / 100)}xx`;
        counts[statusClass] = (counts[statusClass] ?? 0) + 1;
        const context = `${req.who} ${req.method} ${req.url.slice(0, 200)} [${JSON.stringify(req.headers)}] body ${String(req.payload).slice(0, 1500)} -> ${res.statusCode} ${res.body.slice(0, 200)}`;
        const after = await shop.fingerprint();
        if (res.statusCode >= 500) problems.push(`5xx: ${context}`);
        else if (res.statusCode >= 400) {
          const shape = req.method === 'HEAD' ? null : errorShapeProblem(req.url, res.headers['content-type'] as string | undefined, res.body);
          if (shape) problems.push(`error shape (${shape}): ${context}`);
          if (after !== before) problems.push(`tables changed on a 4xx (${before} -> ${after}): ${context}`);
        }
        before = after;
      }
      for (const problem of problems.slice(0, 20)) console.error(`generated bad input (${engine.name}): ${problem}`);
      expect(problems.slice(0, 10), `${problems.length} problems`).toEqual([]);
    }, 120_000);
  });
}
