/**
 * The SQL the PostgreSQL compiler emits for representative plans, stated exactly, then prepared on
 * a real server (skipped with the reason when none answers) so PostgreSQL itself accepts each.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Param, QueryPlan } from '../../plan/plan-nodes.js';
import { makeTable, type Column } from '../../schema/model.js';
import { createPostgresDatabase, postgresUnavailable } from '../../../test/helpers/postgres-harness.js';
import { openPostgresDialect } from './postgres-dialect.js';

const col = (name: string, type: Column['type'], nativeType: string, nullable = true): Column => ({
  name, type, nativeType, nullable, defaultValue: null, hasDefault: false, generated: false, enumValues: null, maxLength: null, comment: null,
});
const id = col('id', 'integer', 'integer', false);
const name = col('name', 'text', 'text', false);
const price = col('price', 'numeric', 'numeric(8,2)');
const active = col('active', 'boolean', 'boolean');
const data = col('data', 'json', 'json');
const photo = col('photo', 'blob', 'bytea');
const items = makeTable({
  name: 'items', namespace: 'public', kind: 'table', columns: [id, name, price, active, data, photo], primaryKey: ['id'], rowidKey: null,
  foreignKeys: [], uniqueConstraints: [{ name: 'items_name_key', columns: ['name'] }], checkConstraints: [], insertable: true, updatable: true, deletable: true, comment: null,
});
const v = (ref: number, type: Column['type'], column: string): Param => ({ kind: 'value', ref, type, column });
const k = (value: string | number): Param => ({ kind: 'const', value });
const limit: Param = { kind: 'limit', ref: null, max: 1000 };

const cases: { name: string; plan: QueryPlan; sql: string; params: unknown[] }[] = [
  {
    name: 'read: rows as row_to_json over named columns, numeric filter, order and limit',
    plan: {
      kind: 'read', table: items, alias: null, joins: [], groupBy: [], keyset: null,
      fields: [{ name: 'id', expr: { kind: 'column', column: id }, cast: null }, { name: 'on', expr: { kind: 'column', column: active }, cast: null }, { name: 'photo', expr: { kind: 'column', column: photo }, cast: null }],
      where: { kind: 'compare', operator: 'gte', left: { kind: 'column', column: price }, right: v(0, 'numeric', 'price'), negated: false },
      order: [{ expr: { kind: 'column', column: price }, direction: 'desc', nulls: null }, { expr: { kind: 'column', column: id }, direction: 'asc', nulls: null }],
      limit, offset: null, count: true,
    },
    sql: `select row_to_json("rg_row".*) from (select "id" as "id", "active" as "on", replace(encode("photo", 'base64'), chr(10), '') as "photo" from "public"."items" where "price" >= $1 order by "price" desc nulls first, "id" asc limit 1000) as "rg_row"`,
    params: [v(0, 'numeric', 'price')],
  },
  {
    name: 'read with a keyset cursor: compact JSON concatenated from to_json, the cursor beside it',
    plan: {
      kind: 'read', table: items, alias: null, joins: [], groupBy: [], keyset: [{ kind: 'column', column: id }],
      fields: [{ name: 'id', expr: { kind: 'column', column: id }, cast: null }, { name: 'photo', expr: { kind: 'column', column: photo }, cast: null }],
      where: null, order: [{ expr: { kind: 'column', column: id }, direction: 'asc', nulls: null }], limit, offset: null, count: false,
    },
    sql: `select ('{"id":'::text || coalesce(to_json("id")::text, 'null') || ',"photo":'::text || coalesce(to_json(replace(encode("photo", 'base64'), chr(10), ''))::text, 'null') || '}')::json, ('[' || coalesce(to_json("id")::text, 'null') || ']')::json from "public"."items" order by "id" asc limit 1000`,
    params: [],
  },
  {
    name: 'read: pattern operators on the text of a non-text column, JSON paths with typed keys, casts',
    plan: {
      kind: 'read', table: items, alias: null, joins: [], groupBy: [], keyset: null,
      fields: [
        { name: 'n', expr: { kind: 'json-path', column: data, path: [{ arrow: '->', key: 'a' }, { arrow: '->>', key: 0 }] }, cast: null },
        { name: 'p', expr: { kind: 'column', column: price }, cast: 'text' },
      ],
      where: {
        kind: 'or', negated: false, items: [
          { kind: 'compare', operator: 'like', left: { kind: 'column', column: price }, right: v(0, 'text', 'price'), negated: false },
          { kind: 'compare', operator: 'imatch', left: { kind: 'column', column: name }, right: v(1, 'text', 'name'), negated: true },
          { kind: 'compare', operator: 'eq', left: { kind: 'json-path', column: data, path: [{ arrow: '->', key: 'b' }] }, right: v(2, 'text', 'data'), negated: false },
        ],
      },
      order: [], limit, offset: null, count: false,
    },
    sql: `select row_to_json("rg_row".*) from (select "data" -> $1::text ->> $2::integer as "n", ("price")::text as "p" from "public"."items" where (("price")::text like $3 or not (("name")::text ~* $4) or ("data" -> $5::text)::jsonb = $6) limit 1000) as "rg_row"`,
    params: [k('a'), k(0), v(0, 'text', 'price'), v(1, 'text', 'name'), k('b'), v(2, 'text', 'data')],
  },
  {
    name: 'insert from the JSON body through the table type, upsert, returning row and key',
    plan: {
      kind: 'insert', table: items, columns: [name, photo], fixed: [],
      onConflict: { columns: [name], action: 'update' },
      returning: { fields: [{ name: 'id', expr: { kind: 'column', column: id }, cast: null }], key: [id] },
    },
    sql: `insert into "public"."items" ("name", "photo") select r."name", decode(b.v ->> $1::text, 'base64') from json_array_elements($2::json) as b(v) cross join lateral json_populate_record(null::"public"."items", b.v) as r on conflict ("name") do update set "photo" = excluded."photo" returning ('{"id":'::text || coalesce(to_json("id")::text, 'null') || '}')::json, ('[' || coalesce(to_json("id")::text, 'null') || ']')::json`,
    params: [k('photo'), { kind: 'body' }],
  },
  {
    name: 'insert without bytea reads the whole array with json_populate_recordset',
    plan: { kind: 'insert', table: items, columns: [name, price], fixed: [], onConflict: null, returning: { fields: null, key: null } },
    sql: `insert into "public"."items" ("name", "price") select r."name", r."price" from json_populate_recordset(null::"public"."items", $1::json) as r`,
    params: [{ kind: 'body' }],
  },
  {
    name: 'update reads the new values from the body object through the table type',
    plan: {
      kind: 'update', table: items, columns: [price, data],
      where: { kind: 'compare', operator: 'eq', left: { kind: 'column', column: id }, right: v(0, 'integer', 'id'), negated: false },
      returning: { fields: null, key: null },
    },
    sql: `update "public"."items" set ("price", "data") = (select r."price", r."data" from (select $1::json as v) as b cross join lateral json_populate_record(null::"public"."items", b.v) as r) where "id" = $2`,
    params: [{ kind: 'body' }, v(0, 'integer', 'id')],
  },
];

describe('postgres compiler', () => {
  const dialect = openPostgresDialect('postgres://nobody@127.0.0.1:1/none', { statementTimeoutMs: 1000, poolSize: 1 });
  afterAll(() => dialect.driver.close());

  for (const c of cases) {
    it(c.name, () => {
      const compiled = dialect.compiler.compile(c.plan);
      expect({ sql: compiled.main.sql, params: compiled.main.params }).toEqual({ sql: c.sql, params: c.params });
    });
  }

  it('names 120 fields of any text as columns, in order, with no parameter for a key', () => {
    const fields = Array.from({ length: 120 }, (_, i) => ({ name: `f "${i}"`, expr: { kind: 'column' as const, column: id }, cast: null }));
    const compiled = dialect.compiler.compile({ kind: 'read', table: items, alias: null, joins: [], groupBy: [], keyset: null, fields, where: null, order: [], limit, offset: null, count: false });
    expect(compiled.main.sql.startsWith('select row_to_json("rg_row".*) from (select "id" as "f ""0""", "id" as "f ""1""", ')).toBe(true);
    expect(compiled.main.sql).toContain('"id" as "f ""119"""');
    expect(compiled.main.params).toEqual([]);
  });

  it('concatenates a row with a key that cannot be a column name: empty, or longer than PostgreSQL keeps', () => {
    for (const odd of ['', 'k'.repeat(64)]) {
      const fields = [{ name: 'id', expr: { kind: 'column' as const, column: id }, cast: null }, { name: odd, expr: { kind: 'column' as const, column: id }, cast: null }];
      const compiled = dialect.compiler.compile({ kind: 'read', table: items, alias: null, joins: [], groupBy: [], keyset: null, fields, where: null, order: [], limit, offset: null, count: false });
      expect(compiled.main.sql).not.toContain('row_to_json');
      expect(compiled.main.params).toEqual([k(`,"${odd}":`)]);
    }
  });

  it('refuses a JSON path on a column that is not json or jsonb with a 400', () => {
    const plan: QueryPlan = {
      kind: 'read', table: items, alias: null, joins: [], groupBy: [], keyset: null,
      fields: [{ name: 'x', expr: { kind: 'json-path', column: name, path: [{ arrow: '->', key: 'a' }] }, cast: null }],
      where: null, order: [], limit, offset: null, count: false,
    };
    expect(() => dialect.compiler.compile(plan)).toThrow(expect.objectContaining({ code: '42883', status: 400 }));
  });
});

const reason = await postgresUnavailable();
describe.skipIf(reason !== null)('postgres compiler output on PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let client: pg.Client;
  beforeAll(async () => {
    db = await createPostgresDatabase('create table items (id integer primary key, name text not null unique, price numeric(8,2), active boolean, data json, photo bytea)');
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('is accepted by PostgreSQL', async () => {
    for (const [i, c] of cases.entries()) {
      await expect(client.query(`PREPARE p${i} AS ${c.sql}`), c.name).resolves.toBeDefined();
    }
  });

  it('prints the same JSON text through row_to_json as through the concatenation, for every kind of value', async () => {
    await client.query(
      'create table kinds (id integer primary key, t text, n numeric, f double precision, b boolean, j json, jb jsonb, ts timestamptz, d date, a integer[], by bytea, big bigint, tm time, u uuid)',
    );
    await client.query(
      `insert into kinds values
        (1, E'quote " backslash \\\\ newline \\n tab \\t \u00e9 \u{1F600}', 12.50, 'NaN', true, '{"a": [1, 2]}', '{"b": {"c": null}}', '2026-01-02 03:04:05.678+02', '2026-12-03', '{1,NULL,3}', '\\x00ff', 9007199254740993, '12:34:56.5', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
        (2, null, null, 1e-7, false, 'null', '[]', null, null, null, null, -1, null, null),
        (3, '', -0.0, '-Infinity', null, null, null, 'infinity', '-infinity', '{}', '', 0, '00:00', null)`,
    );
    const kinds: [string, Column['type'], string][] = [
      ['id', 'integer', 'integer'], ['t', 'text', 'text'], ['n', 'numeric', 'numeric'], ['f', 'number', 'double precision'], ['b', 'boolean', 'boolean'],
      ['j', 'json', 'json'], ['jb', 'json', 'jsonb'], ['ts', 'timestamptz', 'timestamp with time zone'], ['d', 'date', 'date'], ['a', 'unknown', 'integer[]'],
      ['by', 'blob', 'bytea'], ['big', 'bigint', 'bigint'], ['tm', 'time', 'time without time zone'], ['u', 'uuid', 'uuid'],
    ];
    const columns = kinds.map(([n, type, native]) => col(n, type, native));
    const table = makeTable({
      name: 'kinds', namespace: 'public', kind: 'table', columns, primaryKey: ['id'], rowidKey: null,
      foreignKeys: [], uniqueConstraints: [], checkConstraints: [], insertable: true, updatable: true, deletable: true, comment: null,
    });
    // Renamed and repeated keys too, as select=alias:column and a column given twice produce them,
    // and the name of the derived table itself.
    const fields = [...columns.map((c) => ({ name: c.name, expr: { kind: 'column' as const, column: c }, cast: null })), { name: 'say "hi"', expr: { kind: 'column' as const, column: columns[1]! }, cast: null }, { name: 'id', expr: { kind: 'column' as const, column: columns[0]! }, cast: null }, { name: 'rg_row', expr: { kind: 'column' as const, column: columns[0]! }, cast: null }];
    const order = [{ expr: { kind: 'column' as const, column: columns[0]! }, direction: 'asc' as const, nulls: null }];
    const plan = { kind: 'read' as const, table, alias: null, joins: [], groupBy: [], fields, where: null, order, limit, offset: null, count: false };
    const dialect = openPostgresDialect('postgres://nobody@127.0.0.1:1/none', { statementTimeoutMs: 1000, poolSize: 1 });
    try {
      const objects = dialect.compiler.compile({ ...plan, keyset: null });
      const concatenated = dialect.compiler.compile({ ...plan, keyset: [order[0]!.expr] });
      expect(objects.main.sql).toContain('row_to_json');
      expect(concatenated.main.sql).not.toContain('row_to_json');
      const run = async (q: { sql: string; params: readonly unknown[] }) =>
        (await client.query({ text: q.sql, values: q.params.map((p) => (p as { value: unknown }).value), rowMode: 'array', types: { getTypeParser: () => (v: string) => v } as never })).rows.map((r) => r[0]);
      const viaRowToJson = await run(objects.main);
      expect(viaRowToJson).toHaveLength(3);
      expect(viaRowToJson).toEqual(await run(concatenated.main));
      expect(JSON.parse(viaRowToJson[0] as string)).toMatchObject({ t: 'quote " backslash \\ newline \n tab \t \u00e9 \u{1F600}', n: 12.5, f: 'NaN', jb: { b: { c: null } }, by: 'AP8=', 'say "hi"': 'quote " backslash \\ newline \n tab \t \u00e9 \u{1F600}' });
    } finally {
      await dialect.driver.close();
    }
  });
});
