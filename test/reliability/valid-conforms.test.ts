/**
 * Valid input conforms (issue 8, item 2, fast version): schema-valid requests generated with
 * fast-check from the service role's OpenAPI document (lists with filters of the right type,
 * orders, limits, counts and formats; row URLs; inserts of rows built from `<table>.insert`;
 * PATCH with values from `<table>.update`; PUT; DELETE; the actions with inputs from their
 * schemas; the document and health routes), sent as the service key. Never a status >= 500, and
 * every 2xx has a status and a Content-Type its operation documents, and a JSON body that
 * validates (ajv, JSON Schema 2020-12, formats checked) against that response's schema in the
 * document. With `select=` naming some columns, the row schema's `required` is narrowed to those
 * columns (the document describes `select=*`), and the row must hold exactly them.
 *
 * Every write carries `Prefer: tx=rollback`, so the tables never change (checked with the
 * fingerprint at the end) and later requests see the demo data. RELIABILITY_RUNS scales the count:
 * a fifth of it (the soak's 10,000 gives issue 8's 2,000; default 150 per engine); RELIABILITY_SEED
 * as in generated-bad-input.test.ts.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectedEngines } from '../helpers/engines.js';
import '../helpers/all-engines.js';
import { shopUnavailable, startShop, type ShopUnderTest } from './shop-under-test.js';

const RUNS = process.env.RELIABILITY_RUNS ? Math.ceil(Number(process.env.RELIABILITY_RUNS) / 5) : 150;
const SEED_SETTING = process.env.RELIABILITY_SEED ?? '8';
const SEED = SEED_SETTING === 'random' ? Date.now() % 2 ** 31 : Number(SEED_SETTING);
const DOC_ID = 'https://rowgate.test/openapi.json';

type Json = any;

interface Sent {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
  /** The document's path and method this request is an instance of. */
  readonly path: string;
  readonly op: string;
  /** The columns `select=` names, when it names some (not `*`). */
  readonly selected: readonly string[] | null;
  readonly table: string | null;
}

/** Existing keys, so row URLs, filters and foreign keys mostly hit rows. */
interface Keys {
  readonly ids: Record<string, number[]>;
  readonly orderItems: [number, number][];
}

const TABLES = ['categories', 'products', 'customers', 'orders', 'order_items'] as const;

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

function deref(doc: Json, node: Json): Json {
  let n = node;
  while (n && typeof n.$ref === 'string' && n.$ref.startsWith('#/')) {
    n = n.$ref.slice(2).split('/').reduce((o: Json, k: string) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  }
  return n;
}

/** `category_id` -> `categories` from the column's description (`Foreign Key to \`categories.id\``). */
function foreignTable(prop: Json): string | null {
  return /Foreign Key to `(\w+)\.id`/.exec(String(prop?.description ?? ''))?.[1] ?? null;
}

// ---- values of a column's schema ----------------------------------------------------------------

/** A counter for unique text values (sku, email, slug, names); every write is rolled back anyway. */
let serial = 0;
const fresh = () => String(++serial);

function isoSecond(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function valueArbitrary(name: string, prop: Json, keys: Keys, unique: boolean): fc.Arbitrary<unknown> {
  const types: string[] = Array.isArray(prop.type) ? prop.type : [prop.type];
  const nullable = types.includes('null');
  const type = types.find((t) => t !== 'null');
  let arb: fc.Arbitrary<unknown>;
  const target = foreignTable(prop);
  if (target && keys.ids[target]?.length) arb = fc.constantFrom(...keys.ids[target]);
  else if (prop.enum) arb = fc.constantFrom(...(prop.enum as unknown[]).filter((v) => v !== null));
  else if (type === 'integer') arb = fc.integer({ min: 1, max: 500 });
  else if (type === 'number') arb = fc.integer({ min: 0, max: 99_999 }).map((c) => c / 100);
  else if (type === 'boolean') arb = fc.boolean();
  else if (type === 'string' && prop.format === 'date-time') arb = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2026, 0, 1) }).map(isoSecond);
  else if (type === 'string') {
    const max = typeof prop.maxLength === 'number' ? prop.maxLength : 60;
    const text = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom('Zoë', 'Ünïcödé ☕', 'O\'Brien', 'a,b (c)', 'tab\there', '日本語'),
      fc.stringMatching(/^[a-z]{1,10}$/),
    );
    arb = (unique || /sku|email|slug|name/.test(name) ? text.map((t) => `${name}-${fresh()}-${t}`) : text).map((s) => s.slice(0, max));
  } else arb = fc.constant(null);
  return nullable ? fc.oneof({ weight: 4, arbitrary: arb }, { weight: 1, arbitrary: fc.constant(null) }) : arb;
}

/** A row for `<table>.insert` (required keys plus some others); `key` fixes the primary key. */
function rowArbitrary(schema: Json, keys: Keys, key: Record<string, unknown> | null, all: boolean): fc.Arbitrary<Record<string, unknown>> {
  const props: Record<string, Json> = schema.properties ?? {};
  const required = new Set<string>(schema.required ?? []);
  const entries = Object.entries(props).filter(([name]) => !(key && name in key));
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, prop] of entries) {
    // A new row's own key is left out (the database fills it in) or set far past the demo's.
    if (/Primary Key/.test(String(prop.description)) && !foreignTable(prop)) record[name] = fc.integer({ min: 900_000, max: 999_999 });
    else record[name] = valueArbitrary(name, prop, keys, false);
  }
  const requiredKeys = all ? Object.keys(record) : Object.keys(record).filter((k) => required.has(k));
  return fc.record(record, { requiredKeys }).map((r) => ({ ...r, ...(key ?? {}) }));
}

function updateArbitrary(schema: Json, keys: Keys): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries<Json>(schema.properties ?? {}).filter(([, p]) => !/Primary Key/.test(String(p.description)));
  return fc.subarray(props, { minLength: 1, maxLength: Math.min(3, props.length) }).chain((chosen) => {
    const record: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [name, prop] of chosen) record[name] = valueArbitrary(name, prop, keys, true);
    return fc.record(record);
  });
}

/** A filter on one column: `op.value` with a value of the column's type (not yet URL-encoded). */
interface Term {
  readonly column: string;
  readonly op: string;
  /** The operand; `list` for `in`, a bare word for `is`. */
  readonly value: string;
  readonly kind: 'plain' | 'list' | 'word';
}

function termText(t: Term, inTree: boolean): string {
  if (t.kind === 'list' || t.kind === 'word' || !inTree) return `${t.op}.${t.value}`;
  return `${t.op}."${t.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function filterArbitrary(name: string, prop: Json, keys: Keys, table: string): fc.Arbitrary<Term> {
  return filterTextArbitrary(name, prop, keys, table).map((text) => {
    const op = /^(not\.)?\w+/.exec(text)![0];
    const value = text.slice(op.length + 1);
    return { column: name, op, value, kind: op.endsWith('in') ? 'list' : op.endsWith('is') ? 'word' : 'plain' };
  });
}

/** `op.value` with a value of the column's type. */
function filterTextArbitrary(name: string, prop: Json, keys: Keys, table: string): fc.Arbitrary<string> {
  const types: string[] = Array.isArray(prop.type) ? prop.type : [prop.type];
  const type = types.find((t) => t !== 'null');
  const options: fc.Arbitrary<string>[] = [];
  if (type === 'integer' || type === 'number' || (type === 'string' && prop.format === 'date-time')) {
    const v = name === 'id' && keys.ids[table]?.length ? fc.constantFrom(...keys.ids[table]).map(String) : valueArbitrary(name, { ...prop, type }, keys, false).map(String);
    options.push(fc.tuple(fc.constantFrom('eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'not.eq', 'not.gt'), v).map(([o, x]) => `${o}.${x}`));
    if (prop.format !== 'date-time') options.push(fc.array(v, { minLength: 1, maxLength: 4 }).map((xs) => `in.(${xs.join(',')})`));
  } else if (type === 'boolean') {
    options.push(fc.constantFrom('is.true', 'is.false', 'eq.true', 'neq.false', 'not.is.true'));
  } else if (prop.enum) {
    const values = (prop.enum as unknown[]).filter((v) => v !== null).map(String);
    options.push(fc.constantFrom(...values).map((v) => `eq.${v}`));
    options.push(fc.subarray(values, { minLength: 1 }).map((vs) => `in.(${vs.join(',')})`));
  } else if (type === 'string') {
    options.push(fc.tuple(fc.constantFrom('like', 'ilike', 'not.like'), fc.stringMatching(/^[a-zA-Z]{1,3}$/)).map(([o, x]) => `${o}.*${x}*`));
    options.push(fc.stringMatching(/^[a-zA-Z0-9 ]{1,12}$/).map((x) => `eq.${x}`));
  }
  if (types.includes('null')) options.push(fc.constantFrom('is.null', 'not.is.null'));
  return options.length ? fc.oneof(...options) : fc.constant('not.is.null');
}

// ---- the requests ---------------------------------------------------------------------------------

function requestArbitrary(doc: Json, keys: Keys): fc.Arbitrary<Sent> {
  const options: fc.Arbitrary<Sent>[] = [];
  const system = (path: string): Sent => ({ method: 'GET', url: path, headers: {}, path, op: 'get', selected: null, table: null });
  options.push(fc.constantFrom(system('/'), system('/_/health'), system('/_/ready')));

  for (const table of TABLES) {
    const row = doc.components.schemas[table];
    const columns = Object.keys(row.properties);
    const props: Record<string, Json> = row.properties;
    const select = fc.oneof(
      { weight: 3, arbitrary: fc.constant<string[] | null>(null) },
      { weight: 1, arbitrary: fc.constant<string[] | null>(['*']) },
      { weight: 2, arbitrary: fc.shuffledSubarray(columns, { minLength: 1 }) },
    );
    const selectPart = (s: string[] | null) => (s === null ? [] : [`select=${s.join(',')}`]);
    const selectedOf = (s: string[] | null) => (s === null || s[0] === '*' ? null : s);
    const filter = fc.constantFrom(...columns).chain((c) => filterArbitrary(c, props[c], keys, table));
    const logic = fc.tuple(fc.constantFrom('or', 'and', 'not.or', 'not.and'), fc.array(filter, { minLength: 1, maxLength: 3 }))
      .map(([op, ts]) => `${op}=${encodeURIComponent(`(${ts.map((t) => `${t.column}.${termText(t, true)}`).join(',')})`)}`);
    const filterParam = filter.map((t) => `${t.column}=${encodeURIComponent(termText(t, false))}`);
    const order = fc.array(fc.tuple(fc.constantFrom(...columns), fc.constantFrom('', '.asc', '.desc', '.desc.nullslast', '.asc.nullsfirst')), { minLength: 1, maxLength: 2 })
      .map((ts) => `order=${ts.map(([c, d]) => c + d).join(',')}`);
    const listQuery = fc.record({
      select,
      filters: fc.array(fc.oneof({ weight: 4, arbitrary: filterParam }, { weight: 1, arbitrary: logic }), { maxLength: 3 }),
      order: fc.option(order, { freq: 2 }),
      limit: fc.option(fc.integer({ min: 0, max: 40 }), { freq: 2 }),
      offset: fc.option(fc.integer({ min: 0, max: 10 }), { freq: 4 }),
      accept: fc.constantFrom('application/json', 'application/json', 'application/json', 'text/csv', 'application/x-ndjson', 'application/vnd.pgrst.object+json'),
      count: fc.option(fc.constantFrom('count=exact', 'count=planned', 'count=estimated'), { freq: 3 }),
      range: fc.option(fc.tuple(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 30 })).map(([a, b]) => `${a}-${a + b}`), { freq: 6 }),
      head: fc.boolean(),
    });
    options.push(listQuery.map((q): Sent => {
      const parts = [...selectPart(q.select), ...q.filters, ...(q.order ? [q.order] : []), ...(q.limit !== null ? [`limit=${q.limit}`] : []), ...(q.offset !== null ? [`offset=${q.offset}`] : [])];
      const headers: Record<string, string> = { accept: q.accept };
      if (q.count) headers.prefer = q.count;
      if (q.range) headers.range = q.range;
      const method = q.head && q.accept === 'application/json' ? 'HEAD' : 'GET';
      return { method, url: `/${table}${parts.length ? `?${parts.join('&')}` : ''}`, headers, path: `/${table}`, op: method.toLowerCase(), selected: selectedOf(q.select), table };
    }));

    const rowKey = table === 'order_items'
      ? fc.constantFrom(...keys.orderItems).map(([o, p]) => ({ url: `${o},${p}`, key: { order_id: o, product_id: p } as Record<string, unknown> }))
      : fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...keys.ids[table]) }, { weight: 1, arbitrary: fc.integer({ min: 900_000, max: 999_999 }) }).map((id) => ({ url: String(id), key: { id } as Record<string, unknown> }));
    const rowPath = `/${table}/{id}`;
    const writePrefer = fc.constantFrom('return=representation', 'return=representation', 'return=minimal', 'return=headers-only').map((p) => `${p}, tx=rollback`);

    options.push(fc.record({ k: rowKey, select }).map(({ k, select: s }): Sent => ({
      method: 'GET', url: `/${table}/${k.url}${s ? `?select=${s.join(',')}` : ''}`, headers: {}, path: rowPath, op: 'get', selected: selectedOf(s), table,
    })));

    const insert = doc.components.schemas[`${table}.insert`];
    const update = doc.components.schemas[`${table}.update`];
    const newRow = rowArbitrary(insert, keys, null, false);
    // Objects of one array with different keys need `columns=` (PostgREST's PGRST102 otherwise,
    // which the document's body schema cannot say), and then missing keys take the default.
    // An array where some objects give the key and others leave it out is the MySQL 500 pinned
    // below; the generator gives the key in all objects of an array or in none.
    const newRows = fc.array(newRow, { minLength: 1, maxLength: 3 }).map((rows) => (rows.every((o) => 'id' in o) ? rows : rows.map(({ id: _id, ...rest }) => rest)));
    options.push(fc.record({ rows: fc.oneof(newRow, newRows), prefer: writePrefer, select, missing: fc.boolean() }).map((r): Sent => {
      const keySets = (Array.isArray(r.rows) ? r.rows : [r.rows]).map((o) => Object.keys(o).sort().join(','));
      const differ = new Set(keySets).size > 1;
      const union = [...new Set((Array.isArray(r.rows) ? r.rows : [r.rows]).flatMap((o) => Object.keys(o)))];
      const query = [...selectPart(r.select), ...(differ ? [`columns=${union.join(',')}`] : [])];
      return {
        method: 'POST', url: `/${table}${query.length ? `?${query.join('&')}` : ''}`,
        headers: { prefer: r.missing && differ ? `${r.prefer}, missing=default` : r.prefer }, body: r.rows, path: `/${table}`, op: 'post', selected: selectedOf(r.select), table,
      };
    }));
    options.push(fc.record({ k: rowKey, patch: updateArbitrary(update, keys), prefer: writePrefer, select }).map((r): Sent => ({
      method: 'PATCH', url: `/${table}/${r.k.url}${r.select ? `?select=${r.select.join(',')}` : ''}`, headers: { prefer: r.prefer }, body: r.patch, path: rowPath, op: 'patch', selected: selectedOf(r.select), table,
    })));
    options.push(fc.record({ k: rowKey, filters: fc.array(filterParam, { maxLength: 2 }), patch: updateArbitrary(update, keys), prefer: writePrefer, count: fc.boolean() }).map((r): Sent => {
      const keyFilter = Object.entries(r.k.key).map(([c, v]) => `${c}=eq.${String(v)}`);
      return {
        method: 'PATCH', url: `/${table}?${[...keyFilter, ...r.filters].join('&')}`, headers: { prefer: r.count ? `${r.prefer}, count=exact` : r.prefer }, body: r.patch, path: `/${table}`, op: 'patch', selected: null, table,
      };
    }));
    options.push(rowKey.chain((k) => fc.record({ row: rowArbitrary(insert, keys, k.key, true), prefer: writePrefer }).map((r): Sent => ({
      method: 'PUT', url: `/${table}/${k.url}`, headers: { prefer: r.prefer }, body: r.row, path: rowPath, op: 'put', selected: null, table,
    }))));
    options.push(fc.record({ k: rowKey, prefer: writePrefer, byFilter: fc.boolean() }).map((r): Sent => r.byFilter
      ? { method: 'DELETE', url: `/${table}?${Object.entries(r.k.key).map(([c, v]) => `${c}=eq.${String(v)}`).join('&')}`, headers: { prefer: r.prefer }, path: `/${table}`, op: 'delete', selected: null, table }
      : { method: 'DELETE', url: `/${table}/${r.k.url}`, headers: { prefer: r.prefer }, path: rowPath, op: 'delete', selected: null, table }));
  }

  // The actions, with inputs valid for their schemas (the service key names the customer).
  options.push(fc.record({
    customer_id: fc.constantFrom(...keys.ids.customers),
    items: fc.array(fc.record({ product_id: fc.constantFrom(...keys.ids.products), quantity: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 4 }),
  }).map((body): Sent => ({ method: 'POST', url: '/rpc/place_order', headers: { prefer: 'tx=rollback' }, body, path: '/rpc/place_order', op: 'post', selected: null, table: null })));
  options.push(fc.constantFrom(...keys.ids.orders).map((order_id): Sent => ({
    method: 'POST', url: '/rpc/cancel_order', headers: { prefer: 'tx=rollback' }, body: { order_id }, path: '/rpc/cancel_order', op: 'post', selected: null, table: null,
  })));
  return fc.oneof(...options);
}

// ---- checking a response against the document ---------------------------------------------------

function makeChecker(doc: Json) {
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  addFormats.default(ajv);
  ajv.addSchema({ ...doc, $id: DOC_ID });
  const cache = new Map<string, ValidateFunction>();
  const byPointer = (ptr: string) => {
    let v = cache.get(ptr);
    if (!v) {
      v = ajv.getSchema(`${DOC_ID}#${ptr}`);
      if (!v) throw new Error(`no schema at ${ptr}`);
      cache.set(ptr, v);
    }
    return v;
  };
  /** The row schema of `table` with `required` narrowed to the selected columns. */
  const narrowed = (table: string, selected: readonly string[]) => {
    const key = `narrow:${table}:${selected.join(',')}`;
    let v = cache.get(key);
    if (!v) {
      const row = doc.components.schemas[table];
      v = ajv.compile(rowWithRequired(row, selected));
      cache.set(key, v);
    }
    return v;
  };
  return { byPointer, narrowed };
}

function rowWithRequired(row: Json, selected: readonly string[]): Json {
  const { required, description: _d, ...rest } = row;
  return { ...rest, required: (required as string[] ?? []).filter((c) => selected.includes(c)) };
}

function problemWith(doc: Json, checker: ReturnType<typeof makeChecker>, sent: Sent, status: number, contentType: string, body: string): string | null {
  const operation = doc.paths[sent.path]?.[sent.op];
  if (!operation) return `no operation ${sent.op} ${sent.path} in the document`;
  const response = deref(doc, operation.responses[String(status)] ?? operation.responses.default);
  if (!response) return `status ${status} is not documented for ${sent.op.toUpperCase()} ${sent.path} (${Object.keys(operation.responses).join(', ')})`;
  if (sent.method === 'HEAD' || status === 204 || body === '') {
    return body !== '' && sent.method !== 'HEAD' ? `a ${status} with a body` : null;
  }
  const media = contentType.split(';')[0].trim().toLowerCase();
  const content = response.content?.[media];
  if (!content) return `Content-Type ${media} is not documented for ${status} (${Object.keys(response.content ?? {}).join(', ') || 'no content'})`;
  const ptr = `/${pointer('paths', sent.path, sent.op, 'responses', String(status), 'content', media, 'schema')}`;
  const viaRef = operation.responses[String(status)]?.$ref as string | undefined;
  const schemaPtr = viaRef ? `${viaRef.slice(1)}/${pointer('content', media, 'schema')}` : ptr;
  if (media === 'text/csv') return typeof body === 'string' ? null : 'not text';
  let values: unknown[];
  try {
    values = media === 'application/x-ndjson' ? body.split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [JSON.parse(body)];
  } catch {
    return `the body is not JSON: ${body.slice(0, 100)}`;
  }
  if (media === 'application/x-ndjson') {
    // The document says "a string"; each line is a row of the table's schema.
    if (!sent.table) return null;
    const v = sent.selected ? checker.narrowed(sent.table, sent.selected) : checker.byPointer(`/components/schemas/${sent.table}`);
    for (const line of values) if (!v(line)) return `an NDJSON line does not match ${sent.table}: ${JSON.stringify(v.errors?.slice(0, 2))}`;
    return null;
  }
  const [value] = values;
  const validate = checker.byPointer(schemaPtr);
  if (sent.selected && sent.table) {
    // The document describes `select=*`; with some columns, the body has the documented shape
    // (an array or one object) and each row holds exactly those columns, valid for the row schema
    // with `required` narrowed to them.
    const documented = deref(doc, deref(doc, operation.responses[String(status)]).content[media].schema);
    if ((documented.type === 'array') !== Array.isArray(value)) return `the body is ${Array.isArray(value) ? 'an array' : 'not an array'}, the document says ${String(documented.type ?? 'an object')}`;
    const v = checker.narrowed(sent.table, sent.selected);
    for (const row of Array.isArray(value) ? value : [value]) {
      const rowKeys = Object.keys(row as object).sort();
      if (JSON.stringify(rowKeys) !== JSON.stringify([...new Set(sent.selected)].sort())) return `row keys ${rowKeys.join(',')} for select=${sent.selected.join(',')}`;
      if (!v(row)) return `does not match ${sent.table} (narrowed to ${sent.selected.join(',')}): ${JSON.stringify(v.errors?.slice(0, 2))}`;
    }
    return null;
  }
  if (!validate(value)) return `does not match ${schemaPtr}: ${JSON.stringify(validate.errors?.slice(0, 3))}`;
  return null;
}

for (const engine of selectedEngines()) {
  const reason = await shopUnavailable(engine);
  if (reason) console.warn(`valid conforms: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: valid input conforms`, () => {
    let shop: ShopUnderTest;
    let doc: Json;
    let keys: Keys;
    const counts: Record<string, number> = { requests: 0, validated: 0 };
    const codes: Record<string, number> = {};

    beforeAll(async () => {
      shop = await startShop(engine);
      doc = (await shop.server.app.inject({ method: 'GET', url: '/', headers: shop.headers.service })).json();
      const ids: Record<string, number[]> = {};
      for (const table of ['categories', 'products', 'customers', 'orders']) {
        ids[table] = (await shop.database.query(`SELECT id FROM ${table} ORDER BY id`)).map((r) => Number(r.id)).filter((id, i, all) => i < 150 || i >= all.length - 50);
      }
      const items = await shop.database.query('SELECT order_id, product_id FROM order_items ORDER BY order_id, product_id');
      keys = { ids, orderItems: items.slice(0, 200).map((r) => [Number(r.order_id), Number(r.product_id)]) };
    });
    afterAll(async () => {
      const statuses = Object.entries(counts).filter(([k]) => /^\d/.test(k)).sort().map(([k, v]) => `${k} ${v}`).join(', ');
      console.log(`valid conforms (${engine.name}): ${counts.requests} requests, ${counts.validated} 2xx bodies validated; ${statuses}; error codes ${JSON.stringify(codes)} (seed ${SEED})`);
      await shop?.close();
    });

    it('validates a real row and refuses a wrong one (the checker itself)', async () => {
      const checker = makeChecker(doc);
      const res = await shop.server.app.inject({ method: 'GET', url: '/products?limit=2', headers: shop.headers.service });
      const sent: Sent = { method: 'GET', url: '/products', headers: {}, path: '/products', op: 'get', selected: null, table: 'products' };
      expect(problemWith(doc, checker, sent, 200, 'application/json', res.body)).toBeNull();
      const wrong = (res.json() as Json[]).map((r) => ({ ...r, price: String(r.price) }));
      expect(problemWith(doc, checker, sent, 200, 'application/json', JSON.stringify(wrong))).toMatch(/does not match/);
      expect(problemWith(doc, checker, sent, 200, 'application/json', JSON.stringify([{ ...res.json()[0], created_at: 'yesterday' }]))).toMatch(/does not match/);
    });

    // Found by this suite: `Prefer: missing=default` was parsed but never applied (left-out keys
    // were written as null). Objects are now inserted grouped by the keys they give.
    it('fills keys an object leaves out with the column default under Prefer: missing=default', async () => {
      const before = await shop.fingerprint();
      const res = await shop.server.app.inject({
        method: 'POST', url: '/orders?columns=customer_id,status',
        headers: { ...shop.headers.service, 'content-type': 'application/json', prefer: 'missing=default, return=representation, tx=rollback' },
        payload: JSON.stringify([{ customer_id: 1, status: 'paid' }, { customer_id: 2 }, { customer_id: 3, status: 'shipped' }]),
      });
      expect(res.statusCode, res.body).toBe(201);
      const rows = res.json() as { customer_id: number; status: string }[];
      expect(rows.map((r) => `${r.customer_id}:${r.status}`).sort()).toEqual(['1:paid', '2:pending', '3:shipped']);
      expect(await shop.fingerprint()).toBe(before);
      // Without the preference a left-out key is null, as in PostgREST: status is NOT NULL.
      const nulls = await shop.server.app.inject({
        method: 'POST', url: '/orders?columns=customer_id,status',
        headers: { ...shop.headers.service, 'content-type': 'application/json', prefer: 'tx=rollback' },
        payload: JSON.stringify([{ customer_id: 1, status: 'paid' }, { customer_id: 2 }]),
      });
      expect(nulls.statusCode).toBe(400);
      expect(nulls.json().code).toBe('23502');
    });

    // Found by this suite (was a 500 on MySQL, 201 on SQLite, 400 on PostgreSQL): a bulk insert with
    // `columns=` where one object gives the key and another leaves it out. A left-out key is null,
    // as in PostgREST, so a NOT NULL key is 400 23502 on every engine.
    it('answers a bulk insert where only some objects give the key with 400 23502 on every engine', async () => {
      for (const rows of [
        [{ name: 'a', slug: 'a' }, { id: 950001, name: 'b', slug: 'b' }],
        [{ id: 950001, name: 'b', slug: 'b' }, { name: 'a', slug: 'a' }],
      ]) {
        const res = await shop.server.app.inject({
          method: 'POST', url: '/categories?columns=id,name,slug',
          headers: { ...shop.headers.service, 'content-type': 'application/json', prefer: 'return=representation, tx=rollback' },
          payload: JSON.stringify(rows),
        });
        expect(res.statusCode, `${JSON.stringify(rows)} -> ${res.body}`).toBe(400);
        expect(res.json().code).toBe('23502');
      }
    });

    it(`answers ${RUNS} schema-valid requests without a 5xx, each 2xx as its operation documents`, async () => {
      const before = await shop.fingerprint();
      const checker = makeChecker(doc);
      const problems: string[] = [];
      for (const sent of fc.sample(requestArbitrary(doc, keys), { numRuns: RUNS, seed: SEED })) {
        const headers: Record<string, string> = { ...shop.headers.service, ...sent.headers };
        if (sent.body !== undefined) headers['content-type'] = 'application/json';
        const res = await shop.server.app.inject({
          method: sent.method, url: sent.url, headers, ...(sent.body === undefined ? {} : { payload: JSON.stringify(sent.body) }),
        });
        counts.requests++;
        counts[res.statusCode] = (counts[res.statusCode] ?? 0) + 1;
        const context = `${sent.method} ${sent.url} [${JSON.stringify(sent.headers)}]${sent.body === undefined ? '' : ` ${JSON.stringify(sent.body).slice(0, 400)}`} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
        if (res.statusCode >= 500) {
          problems.push(`5xx: ${context}`);
          continue;
        }
        if (res.statusCode >= 300) {
          // Schema-valid is not always acceptable to the database (a duplicate sku, a key in use, an
          // offset past the end): the codes are printed, and RELIABILITY_VERBOSE=1 prints each one.
          const code = sent.method === 'HEAD' ? String(res.statusCode) : String((JSON.parse(res.body || '{}') as { code?: string }).code ?? res.statusCode);
          codes[code] = (codes[code] ?? 0) + 1;
          if (process.env.RELIABILITY_VERBOSE) console.log(`valid conforms (${engine.name}): ${context}`);
          continue;
        }
        counts.validated++;
        const problem = problemWith(doc, checker, sent, res.statusCode, String(res.headers['content-type'] ?? ''), res.body);
        if (problem) problems.push(`${problem}: ${context}`);
      }
      for (const p of problems.slice(0, 20)) console.error(`valid conforms (${engine.name}): ${p}`);
      expect(problems.slice(0, 10), `${problems.length} problems`).toEqual([]);
      expect(await shop.fingerprint()).toBe(before);
    }, Math.max(60_000, RUNS * 100));
  });
}
