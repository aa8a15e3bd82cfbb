/**
 * The SQL each engine's compiler emits for representative plans, stated per engine so a new
 * dialect must state its own (a missing engine key is a type error), then run on a real database.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { makeTable, type Column } from '../schema/model.js';
import type { Param, QueryPlan } from '../plan/plan-nodes.js';
import { openSqliteDialect } from '../dialect/sqlite/sqlite-dialect.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Engines with a compiler today; add each new one here and every case must state its SQL. */
type Engine = 'sqlite';
type Expected = { sql: string; params: unknown[] };

const col = (name: string, type: Column['type'], nullable = true): Column => ({
  name, type, nativeType: type, nullable, defaultValue: null, hasDefault: false, generated: false, enumValues: null, maxLength: null, comment: null,
});
const id = col('id', 'integer', false);
const name = col('name', 'text', false);
const price = col('price', 'number');
const active = col('active', 'boolean');
const items = makeTable({
  name: 'items', namespace: null, kind: 'table', columns: [id, name, price, active], primaryKey: ['id'], rowidKey: null,
  foreignKeys: [], uniqueConstraints: [{ name: 'items_name_key', columns: ['name'] }], checkConstraints: [], insertable: true, updatable: true, deletable: true, comment: null,
});
const v = (ref: number, type: Column['type'], column: string): Param => ({ kind: 'value', ref, type, column });

const cases: { name: string; plan: QueryPlan; expected: Record<Engine, Expected> }[] = [
  {
    name: 'read with filter, order and limit',
    plan: {
      kind: 'read', table: items, alias: null, joins: [], groupBy: [], keyset: null,
      fields: [{ name: 'id', expr: { kind: 'column', column: id }, cast: null }, { name: 'on air', expr: { kind: 'column', column: active }, cast: null }],
      where: { kind: 'compare', operator: 'gte', left: { kind: 'column', column: price }, right: v(0, 'number', 'price'), negated: false },
      order: [{ expr: { kind: 'column', column: price }, direction: 'desc', nulls: null }, { expr: { kind: 'column', column: id }, direction: 'asc', nulls: null }],
      limit: { kind: 'limit', ref: null, max: 1000 }, offset: null, count: false,
    },
    expected: {
      sqlite: {
        // A plain key is a literal; one with a space is bound.
        sql: `select json_object('id', "id", ?, case when "active" is null then null when "active" then json('true') else json('false') end) from "items" where "price" >= ? order by "price" desc nulls first, "id" asc limit 1000`,
        params: [{ kind: 'const', value: 'on air' }, v(0, 'number', 'price')],
      },
    },
  },
  {
    name: 'negated or-tree with in, is and an empty list',
    plan: {
      kind: 'read', table: items, alias: null, joins: [], groupBy: [], keyset: null, fields: [{ name: 'id', expr: { kind: 'column', column: id }, cast: null }],
      where: {
        kind: 'or', negated: true, items: [
          { kind: 'in', left: { kind: 'column', column: id }, values: [v(0, 'integer', 'id'), v(1, 'integer', 'id')], negated: false },
          { kind: 'is', left: { kind: 'column', column: price }, value: 'null', negated: true },
          { kind: 'in', left: { kind: 'column', column: id }, values: [], negated: false },
        ],
      },
      order: [], limit: { kind: 'limit', ref: 2, max: 10 }, offset: v(3, 'integer', 'offset'), count: true,
    },
    expected: {
      sqlite: {
        sql: `select json_object('id', "id") from "items" where not (("id" in (?, ?) or not ("price" is null) or 1 = 0)) limit ? offset ?`,
        params: [v(0, 'integer', 'id'), v(1, 'integer', 'id'), { kind: 'limit', ref: 2, max: 10 }, v(3, 'integer', 'offset')],
      },
    },
  },
  {
    name: 'upsert from the JSON body returning the key',
    plan: {
      kind: 'insert', table: items, columns: [name, price], fixed: [],
      onConflict: { columns: [name], action: 'update' },
      returning: { fields: null, key: [id] },
    },
    expected: {
      sqlite: {
        sql: `insert into "items" ("name", "price") select value ->> ?, value ->> ? from json_each(?) where true on conflict ("name") do update set "price" = excluded."price" returning json_array("id")`,
        params: [{ kind: 'const', value: 'name' }, { kind: 'const', value: 'price' }, { kind: 'body' }],
      },
    },
  },
  {
    name: 'update with a filter',
    plan: {
      kind: 'update', table: items, columns: [price],
      where: { kind: 'compare', operator: 'eq', left: { kind: 'column', column: id }, right: v(0, 'integer', 'id'), negated: false },
      returning: { fields: null, key: null },
    },
    expected: {
      sqlite: { sql: `update "items" set "price" = ? ->> ? where "id" = ?`, params: [{ kind: 'body' }, { kind: 'const', value: 'price' }, v(0, 'integer', 'id')] },
    },
  },
];

describe('sqlite compiler', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rowgate-compile-'));
  const path = join(dir, 'c.db');
  const setup = new Database(path);
  setup.exec('create table items (id integer primary key, name text not null unique, price real, active boolean)');
  setup.close();
  const dialect = openSqliteDialect({ path, statementTimeoutMs: 1000 });

  for (const c of cases) {
    it(c.name, () => {
      const compiled = dialect.compiler.compile(c.plan);
      expect({ sql: compiled.main.sql, params: compiled.main.params }).toEqual(c.expected.sqlite);
    });
  }

  it('emits SQL the engine accepts', () => {
    const db = new Database(path);
    for (const c of cases) {
      const compiled = dialect.compiler.compile(c.plan);
      expect(() => db.prepare(compiled.main.sql), c.name).not.toThrow();
    }
    db.close();
    void dialect.driver.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
