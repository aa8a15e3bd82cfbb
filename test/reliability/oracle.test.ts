/**
 * Oracle (issue 8, item 6, fast version): random filter/order/limit/offset combinations on the demo
 * shop's `products` and `orders`, generated with fast-check, answered by the API (service key) and
 * by an in-memory evaluation of PostgREST's semantics over every row of the table, read once
 * through a separate connection. The ids must be the same, in the same order (and the exact count
 * the same when one is asked for).
 *
 * The in-memory side never looks at rowgate's SQL: filters are evaluated with SQL's three-valued
 * logic (a comparison with NULL is unknown; `not` of unknown is unknown; a row passes when true),
 * `like`'s `*`/`%` and `_` are wildcards, `ilike` folds (ASCII) case, numbers compare as numbers and
 * timestamps as instants, and NULLs sort last ascending and first descending unless
 * `nullsfirst`/`nullslast` say otherwise. Text ordering depends on the collation (MySQL's default
 * ignores case, PostgreSQL's may ignore punctuation), so text is ordered and range-compared only on
 * columns whose values are all of one ASCII shape (`sku`, `status`); text equality and patterns are
 * on values taken from the data. A nullable integer `rating` is added to products (and the schema
 * reloaded) so null ordering is covered on a column that orders the same everywhere. Timestamp
 * operands are written as `Z`, `+00:00`, `.000Z` and other zones' wall clocks, on every engine.
 *
 * RELIABILITY_RUNS scales the count: a fifth of it (the soak's 10,000 gives issue 8's 2,000; default
 * 150 per engine); RELIABILITY_SEED as in generated-bad-input.test.ts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectedEngines } from '../helpers/engines.js';
import '../helpers/all-engines.js';
import { shopUnavailable, startShop, type ShopUnderTest } from './shop-under-test.js';

const RUNS = process.env.RELIABILITY_RUNS ? Math.ceil(Number(process.env.RELIABILITY_RUNS) / 5) : 150;
const SEED_SETTING = process.env.RELIABILITY_SEED ?? '8';
/** rowgate's default maxRows: a page never holds more. */
const MAX_ROWS = 1000;
const SEED = SEED_SETTING === 'random' ? Date.now() % 2 ** 31 : Number(SEED_SETTING);

type Kind = 'int' | 'num' | 'bool' | 'ts' | 'text';
type Value = number | string | boolean | null;
type Row = Record<string, Value>;

interface ColumnSpec {
  readonly name: string;
  readonly kind: Kind;
  readonly nullable: boolean;
  /** Ordered and range-compared the same on every engine (numbers, instants, one-shape ASCII text). */
  readonly orderable: boolean;
}

interface TableSpec {
  readonly table: 'products' | 'orders';
  readonly columns: readonly ColumnSpec[];
}

const col = (name: string, kind: Kind, nullable = false, orderable = kind !== 'text'): ColumnSpec => ({ name, kind, nullable, orderable });

const TABLES: readonly TableSpec[] = [
  {
    table: 'products',
    columns: [
      col('id', 'int'), col('sku', 'text', false, true), col('name', 'text'), col('description', 'text', true),
      col('category_id', 'int'), col('price', 'num'), col('stock', 'int'), col('active', 'bool'),
      col('created_at', 'ts'), col('rating', 'int', true),
    ],
  },
  {
    table: 'orders',
    columns: [col('id', 'int'), col('customer_id', 'int'), col('status', 'text', false, true), col('total', 'num'), col('created_at', 'ts')],
  },
];

// ---- the request's model ------------------------------------------------------------------------

type CmpOp = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte';
interface Leaf {
  readonly type: 'leaf';
  readonly not: boolean;
  readonly column: ColumnSpec;
  readonly op: CmpOp | 'like' | 'ilike' | 'in' | 'is';
  /** The operand as the API reads it: text for comparisons and patterns, a list for `in`, null/true/false for `is`. */
  readonly value: string | readonly string[] | null | boolean;
}
interface Logic {
  readonly type: 'logic';
  readonly not: boolean;
  readonly op: 'and' | 'or';
  readonly children: readonly Filter[];
}
type Filter = Leaf | Logic;

interface OrderTerm {
  readonly column: ColumnSpec;
  readonly desc: boolean;
  readonly nulls: 'first' | 'last' | null;
}

interface Query {
  readonly spec: TableSpec;
  /** Top-level filters, ANDed: leaves as `col=op.value`, logic trees as `or=(…)`, `not.and=(…)`. */
  readonly filters: readonly Filter[];
  readonly order: readonly OrderTerm[];
  readonly limit: number | null;
  readonly offset: number | null;
  readonly count: boolean;
}

// ---- URL rendering ------------------------------------------------------------------------------

/** A value inside a logic tree or an `in` list: quoted when it holds a reserved character. */
function quoted(v: string): string {
  return /[,.:()"\s\\]/.test(v) ? `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : v;
}

function operand(leaf: Leaf, inTree: boolean): string {
  if (leaf.op === 'in') return `(${(leaf.value as string[]).map(quoted).join(',')})`;
  if (leaf.op === 'is') return String(leaf.value);
  const v = leaf.value as string;
  return inTree ? quoted(v) : v;
}

function leafTerm(leaf: Leaf, inTree: boolean): string {
  return `${leaf.not ? 'not.' : ''}${leaf.op}.${operand(leaf, inTree)}`;
}

function treeText(f: Filter): string {
  if (f.type === 'leaf') return `${f.column.name}.${leafTerm(f, true)}`;
  return `${f.not ? 'not.' : ''}${f.op}(${f.children.map(treeText).join(',')})`;
}

function urlOf(q: Query): string {
  const parts = ['select=id'];
  for (const f of q.filters) {
    if (f.type === 'leaf') parts.push(`${f.column.name}=${encodeURIComponent(leafTerm(f, false))}`);
    else parts.push(`${f.not ? 'not.' : ''}${f.op}=${encodeURIComponent(`(${f.children.map(treeText).join(',')})`)}`);
  }
  const order = q.order.map((t) => `${t.column.name}${t.desc ? '.desc' : '.asc'}${t.nulls ? `.nulls${t.nulls}` : ''}`);
  parts.push(`order=${order.join(',')}`);
  if (q.limit !== null) parts.push(`limit=${q.limit}`);
  if (q.offset !== null) parts.push(`offset=${q.offset}`);
  return `/${q.spec.table}?${parts.join('&')}`;
}

// ---- the in-memory evaluation -------------------------------------------------------------------

type Truth = boolean | null;

/** The operand as a comparable JS value of the column's kind. */
function typed(column: ColumnSpec, text: string): number | string | boolean {
  switch (column.kind) {
    case 'int':
    case 'num':
      return Number(text);
    case 'bool':
      return text === 'true';
    case 'ts':
      return Date.parse(text);
    case 'text':
      return text;
  }
}

function likeRegex(pattern: string, fold: boolean): RegExp {
  let source = '';
  for (const ch of pattern) {
    if (ch === '*' || ch === '%') source += '.*';
    else if (ch === '_') source += '.';
    else source += ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, fold ? 'si' : 's');
}

function compare(a: number | string | boolean, b: number | string | boolean): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return Number(a) - Number(b);
}

function evalLeaf(leaf: Leaf, row: Row): Truth {
  const cell = row[leaf.column.name];
  let result: Truth;
  if (leaf.op === 'is') {
    result = leaf.value === null ? cell === null : cell === leaf.value;
  } else if (cell === null) {
    result = null;
  } else if (leaf.op === 'in') {
    result = (leaf.value as string[]).some((v) => compare(cell, typed(leaf.column, v)) === 0);
  } else if (leaf.op === 'like' || leaf.op === 'ilike') {
    result = likeRegex(leaf.value as string, leaf.op === 'ilike').test(String(cell));
  } else {
    const c = compare(cell, typed(leaf.column, leaf.value as string));
    result = { eq: c === 0, neq: c !== 0, gt: c > 0, gte: c >= 0, lt: c < 0, lte: c <= 0 }[leaf.op];
  }
  return leaf.not ? (result === null ? null : !result) : result;
}

function evalFilter(f: Filter, row: Row): Truth {
  if (f.type === 'leaf') return evalLeaf(f, row);
  const values = f.children.map((c) => evalFilter(c, row));
  let result: Truth;
  if (f.op === 'and') result = values.includes(false) ? false : values.includes(null) ? null : true;
  else result = values.includes(true) ? true : values.includes(null) ? null : false;
  return f.not ? (result === null ? null : !result) : result;
}

function expectedIds(q: Query, rows: readonly Row[]): { ids: number[]; total: number } {
  const kept = rows.filter((row) => q.filters.every((f) => evalFilter(f, row) === true));
  const sorted = [...kept].sort((a, b) => {
    for (const t of q.order) {
      const x = a[t.column.name];
      const y = b[t.column.name];
      if (x === null && y === null) continue;
      const nullsFirst = t.nulls === null ? t.desc : t.nulls === 'first';
      if (x === null) return nullsFirst ? -1 : 1;
      if (y === null) return nullsFirst ? 1 : -1;
      const c = compare(x, y);
      if (c !== 0) return t.desc ? -c : c;
    }
    return 0;
  });
  const offset = q.offset ?? 0;
  // The server's maxRows (1000 by default) caps every page.
  const page = sorted.slice(offset, offset + Math.min(q.limit ?? MAX_ROWS, MAX_ROWS));
  return { ids: page.map((r) => Number(r.id)), total: kept.length };
}

// ---- generators ---------------------------------------------------------------------------------

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
/** `YYYY-MM-DDTHH:MM:SSZ`, the demo's own format (SQLite stores timestamps as this text). */
function isoSeconds(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`;
}

/** The same instant written another way: `+00:00`, a fraction, or another zone's wall clock. */
function isoIn(ms: number, style: number): string {
  if (style === 0) return isoSeconds(ms);
  if (style === 1) return isoSeconds(ms).replace('Z', '+00:00');
  if (style === 2) return isoSeconds(ms).replace('Z', '.000Z');
  const offsetMinutes = style === 3 ? 120 : -330;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return isoSeconds(ms + offsetMinutes * 60_000).replace('Z', `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`);
}

function renderValue(column: ColumnSpec, v: Value): string {
  if (column.kind === 'ts') return isoSeconds(v as number);
  if (column.kind === 'bool') return String(v);
  return String(v);
}

/** Words of the column's text values, for `like` patterns. */
function wordsOf(rows: readonly Row[], column: ColumnSpec): string[] {
  const words = new Set<string>();
  for (const r of rows) {
    const v = r[column.name];
    if (typeof v === 'string') for (const w of v.split(/[\s.,:]+/)) if (/^[A-Za-z0-9-]{2,}$/.test(w)) words.add(w);
  }
  return [...words].sort().slice(0, 400);
}

function leafArbitrary(column: ColumnSpec, rows: readonly Row[], instantsAsText: boolean): fc.Arbitrary<Leaf> {
  const present = [...new Set(rows.map((r) => r[column.name]).filter((v): v is Exclude<Value, null> => v !== null))];
  const existing = fc.constantFrom(...present).map((v) => renderValue(column, v));
  let value: fc.Arbitrary<string>;
  switch (column.kind) {
    case 'int': {
      const nums = present as number[];
      const lo = Math.min(...nums);
      const hi = Math.max(...nums);
      value = fc.oneof(existing, fc.integer({ min: lo - 2, max: hi + 2 }).map(String));
      break;
    }
    case 'num': {
      const nums = present as number[];
      value = fc.oneof(existing, fc.integer({ min: Math.floor(Math.min(...nums) * 100) - 100, max: Math.ceil(Math.max(...nums) * 100) + 100 }).map((c) => String(c / 100)));
      break;
    }
    case 'ts': {
      const nums = present as number[];
      const instant = fc.oneof(fc.constantFrom(...nums), fc.integer({ min: Math.min(...nums) - 86_400_000, max: Math.max(...nums) + 86_400_000 }));
      value = fc.tuple(instant, fc.constantFrom(0, 0, 0, 1, 2, 3, 4)).map(([ms, style]) => isoIn(ms, style));
      break;
    }
    case 'bool':
      value = fc.constantFrom('true', 'false');
      break;
    case 'text':
      value = existing;
      break;
  }
  const not = fc.boolean();
  const cmpOps: CmpOp[] = column.kind === 'text' && !column.orderable ? ['eq', 'neq'] : column.kind === 'bool' ? ['eq', 'neq'] : ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'];
  const options: fc.Arbitrary<Leaf>[] = [
    fc.record({ not, op: fc.constantFrom(...cmpOps), value }).map((r) => ({ type: 'leaf' as const, column, ...r })),
    fc.record({ not, value: fc.array(value, { minLength: 1, maxLength: 5 }) }).map((r) => ({ type: 'leaf' as const, column, op: 'in' as const, ...r })),
    fc.record({ not, value: fc.constantFrom<null | boolean>(...(column.kind === 'bool' ? [null, true, false] : [null])) }).map((r) => ({ type: 'leaf' as const, column, op: 'is' as const, ...r })),
  ];
  if (column.kind === 'text') {
    const words = wordsOf(rows, column);
    const pattern = fc.oneof(
      fc.constantFrom(...words).map((w) => `*${w}*`),
      fc.constantFrom(...words).map((w) => `${w}*`),
      fc.constantFrom(...words).map((w) => `*${w}`),
      fc.constantFrom(...words).map((w) => `*${w.slice(0, 1)}_${w.slice(2)}*`),
      fc.tuple(fc.constantFrom(...words), fc.constantFrom(...words)).map(([a, b]) => `*${a}*${b}*`),
      fc.constant('*'),
    );
    const cased = fc.tuple(pattern, fc.constantFrom('same', 'lower', 'upper')).map(([p, c]) => (c === 'lower' ? p.toLowerCase() : c === 'upper' ? p.toUpperCase() : p));
    options.push(fc.record({ not, op: fc.constantFrom('like' as const, 'ilike' as const), value: cased }).map((r) => ({ type: 'leaf' as const, column, ...r })));
  }
  return fc.oneof(...options);
}

function queryArbitrary(spec: TableSpec, rows: readonly Row[], instantsAsText: boolean): fc.Arbitrary<Query> {
  const leaf = fc.oneof(...spec.columns.map((c) => leafArbitrary(c, rows, instantsAsText)));
  const { tree } = fc.letrec<{ tree: Filter }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 3, arbitrary: leaf },
      {
        weight: 1,
        arbitrary: fc.record({ not: fc.boolean(), op: fc.constantFrom('and' as const, 'or' as const), children: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }) })
          .map((r): Filter => ({ type: 'logic', ...r })),
      },
    ),
  }));
  const topLogic = fc.record({ not: fc.boolean(), op: fc.constantFrom('and' as const, 'or' as const), children: fc.array(tree, { minLength: 1, maxLength: 3 }) })
    .map((r): Filter => ({ type: 'logic', ...r }));
  const orderable = spec.columns.filter((c) => c.orderable);
  const term = fc.record({
    column: fc.constantFrom(...orderable),
    desc: fc.boolean(),
    nulls: fc.constantFrom<'first' | 'last' | null>(null, null, 'first', 'last'),
  });
  return fc.record({
    filters: fc.array(fc.oneof({ weight: 3, arbitrary: leaf }, { weight: 1, arbitrary: topLogic }), { maxLength: 3 }),
    order: fc.array(term, { minLength: 1, maxLength: 2 }).map((terms) => {
      const unique = terms.filter((t, i) => terms.findIndex((u) => u.column.name === t.column.name) === i);
      const id = spec.columns.find((c) => c.name === 'id')!;
      return unique.some((t) => t.column.name === 'id') ? unique : [...unique, { column: id, desc: false, nulls: null }];
    }),
    limit: fc.option(fc.integer({ min: 0, max: 60 }), { freq: 3 }),
    offset: fc.option(fc.integer({ min: 0, max: 120 }), { freq: 2 }),
    count: fc.boolean(),
  }).map((r) => ({ spec, ...r }));
}

// ---- reading the tables independently -----------------------------------------------------------

function normalise(spec: TableSpec, raw: Record<string, unknown>): Row {
  const row: Row = {};
  for (const c of spec.columns) {
    const v = raw[c.name];
    if (v === null || v === undefined) row[c.name] = null;
    else if (c.kind === 'int' || c.kind === 'num') row[c.name] = Number(v);
    else if (c.kind === 'bool') row[c.name] = v === true || v === 1 || v === '1' || v === 't' || v === 'true';
    else if (c.kind === 'ts') row[c.name] = v instanceof Date ? v.getTime() : Date.parse(String(v).replace(' ', 'T') + (/[zZ]|[+-]\d\d:?\d\d$/.test(String(v)) ? '' : 'Z'));
    else row[c.name] = String(v);
  }
  return row;
}

for (const engine of selectedEngines()) {
  const reason = await shopUnavailable(engine);
  if (reason) console.warn(`oracle: skipping ${engine.name}: ${reason}`);

  describe.skipIf(reason !== null)(`${engine.name}: oracle`, () => {
    let shop: ShopUnderTest;
    const rows: Record<string, Row[]> = {};
    const counts = { queries: 0, rows: 0, nonEmpty: 0, pastTheEnd: 0 };

    beforeAll(async () => {
      shop = await startShop(engine);
      // A nullable integer that orders the same on every engine, null in one row of four.
      await shop.database.query('ALTER TABLE products ADD COLUMN rating INTEGER');
      await shop.database.query('UPDATE products SET rating = (id * 7) % 11 WHERE id % 4 <> 0');
      await shop.server.reload();
      for (const spec of TABLES) {
        const raw = await shop.database.query(`SELECT ${spec.columns.map((c) => c.name).join(', ')} FROM ${spec.table}`);
        rows[spec.table] = raw.map((r) => normalise(spec, r)).sort((a, b) => Number(a.id) - Number(b.id));
      }
    });
    afterAll(async () => {
      console.log(`oracle (${engine.name}): ${counts.queries} queries, ${counts.nonEmpty} with rows, ${counts.pastTheEnd} past the end (416), ${counts.rows} rows compared (seed ${SEED})`);
      await shop?.close();
    });

    it('reads the tables it compares against', () => {
      expect(rows.products.length).toBeGreaterThanOrEqual(1000);
      expect(rows.orders.length).toBeGreaterThanOrEqual(2000);
      expect(rows.products.some((r) => r.rating === null) && rows.products.some((r) => r.description === null)).toBe(true);
    });

    // Found by this oracle (fixed: SQLite filter values with an offset or milliseconds are written in
    // UTC's stored form, utcTimestamp in sqlite-dialect.ts). It was: a timestamp filter value is compared as text with the stored text, so the
    // same instant in another ISO 8601 notation finds other rows. Order 500 was created at
    // 2025-08-17T22:28:27Z: `GET /orders?select=id&created_at=eq.2025-08-17T22:28:27%2B00:00` (also
    // `.000Z`, `2025-08-18T00:28:27%2B02:00`, inside `in.(…)` and `or=(…)`) is `[]` on SQLite and
    // `[{"id":500}]` on PostgreSQL and MySQL; `lte`/`gt` are off by the rows in between. Found by
    // this oracle with instants written as `+00:00`, `.000Z`, `+02:00` and `-05:30`.
    it('reads an instant the same in every ISO 8601 notation', async () => {
      const [order] = await shop.database.query('SELECT id, created_at FROM orders WHERE id = 500');
      const ms = normalise(TABLES[1], order).created_at as number;
      const answers: string[] = [];
      for (const style of [0, 1, 2, 3, 4]) {
        for (const filter of [`created_at=eq.${encodeURIComponent(isoIn(ms, style))}`, `created_at=lte.${encodeURIComponent(isoIn(ms, style))}`]) {
          const res = await shop.server.app.inject({ method: 'GET', url: `/orders?select=id&${filter}&order=id&limit=1`, headers: { ...shop.headers.service, prefer: 'count=exact' } });
          answers.push(`${filter.split('=')[1].split('.')[0]} ${res.statusCode} ${String(res.headers['content-range']).split('/')[1]} ${res.body}`);
        }
      }
      const expected = rows.orders.filter((r) => (r.created_at as number) <= ms).length;
      expect(answers).toEqual([0, 1, 2, 3, 4].flatMap(() => ['eq 200 1 [{"id":500}]', `lte 206 ${expected} [{"id":1}]`]));
    });

    it(`answers ${RUNS} random filter/order/limit/offset combinations exactly as the in-memory evaluation`, async () => {
      const asText = engine.name === 'sqlite';
      const arbitrary = fc.oneof({ weight: 2, arbitrary: queryArbitrary(TABLES[0], rows.products, asText) }, { weight: 1, arbitrary: queryArbitrary(TABLES[1], rows.orders, asText) });
      const problems: string[] = [];
      for (const q of fc.sample(arbitrary, { numRuns: RUNS, seed: SEED })) {
        const url = urlOf(q);
        const res = await shop.server.app.inject({
          method: 'GET', url, headers: { ...shop.headers.service, ...(q.count ? { prefer: 'count=exact' } : {}) },
        });
        counts.queries++;
        const want = expectedIds(q, rows[q.spec.table]);
        // An offset at or past the rows there are is PostgREST's 416 (PGRST103) when the total is known.
        const pastTheEnd = (q.offset ?? 0) > 0 && (q.offset ?? 0) >= want.total;
        if (res.statusCode === 416 && pastTheEnd && (res.json() as { code: string }).code === 'PGRST103') {
          counts.pastTheEnd++;
          continue;
        }
        if (res.statusCode !== 200 && res.statusCode !== 206) {
          problems.push(`${decodeURIComponent(url)} -> ${res.statusCode} ${res.body.slice(0, 300)}`);
          continue;
        }
        const got = (res.json() as { id: number }[]).map((r) => Number(r.id));
        counts.rows += got.length;
        if (got.length) counts.nonEmpty++;
        if (JSON.stringify(got) !== JSON.stringify(want.ids)) {
          problems.push(`${decodeURIComponent(url)}: got ${got.length} ids [${got.slice(0, 12).join(',')}…], expected ${want.ids.length} [${want.ids.slice(0, 12).join(',')}…]`);
        }
        if (q.count) {
          const total = /\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''))?.[1];
          if (total !== String(want.total)) problems.push(`${decodeURIComponent(url)}: Content-Range ${String(res.headers['content-range'])}, expected total ${want.total}`);
        }
      }
      for (const p of problems.slice(0, 20)) console.error(`oracle (${engine.name}): ${p}`);
      expect(problems.slice(0, 10), `${problems.length} mismatches`).toEqual([]);
    }, Math.max(60_000, RUNS * 100));
  });
}
