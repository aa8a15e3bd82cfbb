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
    name: 'read: compact JSON from to_json, numeric filter, order and limit',
    plan: {
      kind: 'read', table: items, alias: null, joins: [], groupBy: [], keyset: null,
      fields: [{ name: 'id', expr: { kind: 'column', column: id }, cast: null }, { name: 'on', expr: { kind: 'column', column: active }, cast: null }, { name: 'photo', expr: { kind: 'column', column: photo }, cast: null }],
      where: { kind: 'compare', operator: 'gte', left: { kind: 'column', column: price }, right: v(0, 'numeric', 'price'), negated: false },
      order: [{ expr: { kind: 'column', column: price }, direction: 'desc', nulls: null }, { expr: { kind: 'column', column: id }, direction: 'asc', nulls: null }],
      limit, offset: null, count: true,
    },
    sql: `select ('{"id":'::text || coalesce(to_json("id")::text, 'null') || ',"on":'::text || coalesce(to_json("active")::text, 'null') || ',"photo":'::text || coalesce(to_json(replace(encode("photo", 'base64'), chr(10), ''))::text, 'null') || '}')::json from "public"."items" where "price" >= $1 order by "price" desc nulls first, "id" asc limit 1000`,
    params: [v(0, 'numeric', 'price')],
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
    sql: `select ('{"n":'::text || coalesce(to_json("data" -> $1::text ->> $2::integer)::text, 'null') || ',"p":'::text || coalesce(to_json(("price")::text)::text, 'null') || '}')::json from "public"."items" where (("price")::text like $3 or not (("name")::text ~* $4) or ("data" -> $5::text)::jsonb = $6) limit 1000`,
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

  it('has no 100-argument limit: 120 fields in one object, in order', () => {
    // Names that are not plain are bound, in order; plain ones are literals.
    const fields = Array.from({ length: 120 }, (_, i) => ({ name: `f ${i}`, expr: { kind: 'column' as const, column: id }, cast: null }));
    const compiled = dialect.compiler.compile({ kind: 'read', table: items, alias: null, joins: [], groupBy: [], keyset: null, fields, where: null, order: [], limit, offset: null, count: false });
    expect(compiled.main.sql).not.toContain('json_build_object');
    expect(compiled.main.params.slice(0, 2)).toEqual([k('{"f 0":'), k(',"f 1":')]);
    expect(compiled.main.params).toHaveLength(120);
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
});
