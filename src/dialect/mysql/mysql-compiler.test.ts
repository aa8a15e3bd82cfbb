/**
 * The SQL the MySQL compiler emits for representative plans, and which write strategy each insert,
 * update and delete gets (mysql-write-compiler.ts). test/engines/mysql-*.test.ts run them for real.
 */
import { describe, expect, it } from 'vitest';
import { DummyDriver, Kysely, MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler } from 'kysely';
import { makeTable, type Column, type Table } from '../../schema/model.js';
import type { InsertPlan, Param, QueryPlan, ReadPlan } from '../../plan/plan-nodes.js';
import { MysqlCompiler } from './mysql-compiler.js';
import { registerMysqlTableInfo } from './mysql-introspector.js';
import type { MysqlCompiledWrite } from './mysql-write-compiler.js';

const col = (name: string, type: Column['type'], nullable: boolean, nativeType: string): Column => ({
  name, type, nativeType, nullable, defaultValue: null, hasDefault: false, generated: false, enumValues: null, maxLength: null, comment: null,
});

function table(name: string, columns: Column[], primaryKey: string[], unique: string[][], autoIncrement: string | null): Table {
  const t = makeTable({
    name, namespace: 'shop', kind: 'table', columns, primaryKey, rowidKey: null, foreignKeys: [], checkConstraints: [],
    uniqueConstraints: unique.map((u) => ({ name: u.join('_'), columns: u })), insertable: true, updatable: true, deletable: true, comment: null,
  });
  const info = (c: Column) => ({ columnType: c.nativeType, charset: c.type === 'text' ? 'utf8mb4' : null, collation: c.type === 'text' ? 'utf8mb4_unicode_ci' : null });
  registerMysqlTableInfo(t, { autoIncrement, fulltext: new Set(['name']), columns: new Map(columns.map((c) => [c.name, info(c)])) });
  return t;
}

const items = table(
  'items',
  [col('id', 'integer', false, 'int(11)'), col('name', 'text', false, 'varchar(80)'), col('price', 'numeric', true, 'decimal(8,2)'), col('active', 'boolean', true, 'tinyint(1)'), col('sku', 'text', true, 'varchar(20)')],
  ['id'],
  [['name'], ['sku']],
  'id',
);
const loose = table('loose', [col('body', 'text', true, 'text')], [], [], null);
const c = (t: Table, name: string) => t.columnsByName.get(name)!;
const v = (ref: number, type: Column['type'], column: string): Param => ({ kind: 'value', ref, type, column });
const field = (t: Table, name: string) => ({ name, expr: { kind: 'column' as const, column: c(t, name) }, cast: null });

const kysely = new Kysely<any>({
  dialect: { createAdapter: () => new MysqlAdapter(), createDriver: () => new DummyDriver(), createIntrospector: (k) => new MysqlIntrospector(k), createQueryCompiler: () => new MysqlQueryCompiler() },
});
const mariadb = new MysqlCompiler(kysely, { mariadb: true });
const mysql8 = new MysqlCompiler(kysely, { mariadb: false });

const read = (over: Partial<ReadPlan>): ReadPlan => ({
  kind: 'read', table: items, alias: null, joins: [], groupBy: [], keyset: null, fields: [field(items, 'id')], where: null, order: [],
  limit: { kind: 'limit', ref: null, max: 1000 }, offset: null, count: false, ...over,
});
const sqlOf = (plan: QueryPlan, compiler = mariadb) => compiler.compile(plan).main.sql;

describe('reads', () => {
  it('builds the row as compact JSON, with booleans as true/false', () => {
    expect(sqlOf(read({ fields: [field(items, 'id'), field(items, 'active')] }))).toBe(
      "select json_compact(json_object('id', `id`, 'active', json_extract(case when `active` is null then 'null' when `active` then 'true' else 'false' end, '$'))) from `shop`.`items` limit 1000",
    );
    // MySQL 8 has no JSON_COMPACT.
    expect(sqlOf(read({}), mysql8)).toBe("select json_object('id', `id`) from `shop`.`items` limit 1000");
  });

  it('case-sensitive like, case-insensitive ilike, regular expressions, isdistinct', () => {
    const where = (operator: 'like' | 'ilike' | 'match' | 'imatch' | 'isdistinct') =>
      sqlOf(read({ where: { kind: 'compare', operator, left: { kind: 'column', column: c(items, 'name') }, right: v(0, 'text', 'name'), negated: false } })).replace(/^.* where /, '').replace(/ limit 1000$/, '');
    expect(where('like')).toBe('convert(`name` using utf8mb4) collate utf8mb4_bin like ?');
    expect(where('ilike')).toBe('lower(convert(`name` using utf8mb4) collate utf8mb4_bin) like lower(?)');
    expect(where('match')).toBe('convert(`name` using utf8mb4) collate utf8mb4_bin regexp ?');
    expect(where('imatch')).toBe("convert(`name` using utf8mb4) collate utf8mb4_bin regexp concat('(?i)', ?)");
    expect(where('isdistinct')).toBe('not (`name` <=> ?)');
  });

  it("orders NULLs as PostgreSQL does, adding a term only where MySQL's order differs", () => {
    const order = (direction: 'asc' | 'desc', nulls: 'first' | 'last' | null) =>
      sqlOf(read({ order: [{ expr: { kind: 'column', column: c(items, 'price') }, direction, nulls }] })).replace(/^.* order by /, '').replace(/ limit 1000$/, '');
    expect(order('asc', null)).toBe('`price` is null asc, `price` asc');
    expect(order('desc', null)).toBe('`price` is null desc, `price` desc');
    expect(order('asc', 'first')).toBe('`price` asc');
    expect(order('desc', 'last')).toBe('`price` desc');
  });

  it('reads JSON paths with one bound path, and ->> as text with JSON null as NULL', () => {
    const meta = col('meta', 'json', true, 'longtext');
    const t = table('docs', [col('id', 'integer', false, 'int(11)'), meta], ['id'], [], null);
    const compiled = mariadb.compile(read({ table: t, fields: [{ name: 'n', expr: { kind: 'json-path', column: meta, path: [{ arrow: '->', key: 'a b' }, { arrow: '->', key: 0 }, { arrow: '->>', key: 'x' }] }, cast: null }] }));
    expect(compiled.main.sql).toContain("case when json_type(json_extract(`meta`, ?)) = 'NULL' then null else json_unquote(json_extract(`meta`, ?)) end");
    expect(compiled.main.params).toContainEqual({ kind: 'const', value: '$."a b"[0]."x"' });
  });

  it('limits without a bound by the largest LIMIT MySQL accepts', () => {
    expect(sqlOf(read({ limit: null as never, offset: v(0, 'integer', 'offset') }))).toMatch(/ limit 18446744073709551615 offset \?$/);
  });

  it('searches with MATCH … AGAINST only where a FULLTEXT index covers the column', () => {
    const search = (column: string) =>
      read({ where: { kind: 'search', table: items, left: { kind: 'column', column: c(items, column) }, mode: 'fts', language: null, query: { kind: 'search', ref: 0, mode: 'fts', column }, negated: false } });
    expect(sqlOf(search('name'))).toContain('where match(`name`) against (? in boolean mode)');
    expect(() => sqlOf(search('sku'))).toThrow(/No full-text index covers items.sku/);
  });
});

describe('writes', () => {
  const insert = (over: Partial<InsertPlan>): InsertPlan => ({
    kind: 'insert', table: items, columns: [c(items, 'price')], fixed: [], onConflict: null, returning: { fields: null, key: null }, ...over,
  });
  const steps = (plan: QueryPlan) => (mariadb.compile(plan) as MysqlCompiledWrite).steps;
  const withKey = { fields: null, key: [c(items, 'id')] };

  it('inserts every body row with one statement reading the body with JSON_TABLE', () => {
    expect(sqlOf(insert({ columns: [c(items, 'name'), c(items, 'active')] }))).toBe(
      "insert into `shop`.`items` (`name`, `active`) select `rowgate_b`.`rowgate_c0`, case `rowgate_b`.`rowgate_c1` when 'true' then 1 when 'false' then 0 when '1' then 1 when '0' then 0 end " +
        "from json_table(?, '$[*]' columns (rowgate_ord for ordinality, `rowgate_c0` longtext path '$.\"name\"', `rowgate_c1` longtext path '$.\"active\"')) as `rowgate_b`",
    );
    expect(steps(insert({}))).toEqual({ kind: 'direct', count: 'affected' });
  });

  it('finds inserted rows by AUTO_INCREMENT ids when the body holds no key', () => {
    expect(steps(insert({ returning: withKey }))).toMatchObject({ kind: 'insert-auto', mode: 'insert', bulk: true });
  });

  it('finds inserted rows by a key the body holds, the upsert target first', () => {
    const byName = steps(insert({ columns: [c(items, 'name'), c(items, 'price')], returning: withKey }));
    expect(byName).toMatchObject({ kind: 'insert-keyed', mode: 'insert' });
    expect((byName as { reread: { sql: string } }).reread.sql).toContain('left join `shop`.`items` on `shop`.`items`.`name` = `rowgate_k`.`rowgate_k0`');
    expect((byName as { reread: { sql: string } }).reread.sql).toContain('varchar(80) character set utf8mb4 collate utf8mb4_unicode_ci');
    const upsert = insert({ columns: [c(items, 'id'), c(items, 'name'), c(items, 'price')], onConflict: { columns: [c(items, 'name')], action: 'update' }, returning: withKey });
    expect(mariadb.compile(upsert).main.sql).toMatch(/ on duplicate key update `id` = values\(`id`\), `price` = values\(`price`\)$/);
    expect((steps(upsert) as { reread: { sql: string } }).reread.sql).toContain('on `shop`.`items`.`name` = ');
  });

  it('inserts rows that lack the conflict target without ON DUPLICATE KEY UPDATE, as PostgreSQL would', () => {
    const plan = insert({ columns: [c(items, 'price')], onConflict: { columns: [c(items, 'name')], action: 'update' } });
    expect(sqlOf(plan)).not.toContain('on duplicate key');
  });

  it('ignores duplicates with a no-op update, telling ignored rows by their 0 affected rows', () => {
    const plan = insert({ columns: [c(items, 'name')], onConflict: { columns: [c(items, 'name')], action: 'nothing' } });
    expect(sqlOf(plan)).toMatch(/ on duplicate key update `name` = `name`$/);
  });

  it('locks, updates by key and re-reads for an UPDATE that returns rows; updates directly otherwise', () => {
    const where = { kind: 'compare' as const, operator: 'eq' as const, left: { kind: 'column' as const, column: c(items, 'sku') }, right: v(0, 'text', 'sku'), negated: false };
    const plan: QueryPlan = { kind: 'update', table: items, columns: [c(items, 'price')], where, returning: { fields: [field(items, 'price')], key: null } };
    const s = steps(plan) as Extract<MysqlCompiledWrite['steps'], { kind: 'update-keyed' }>;
    expect(s.lock.sql).toBe('select json_compact(json_array(`id`)) from `shop`.`items` where `sku` = ? order by `id` for update');
    expect(sqlOf(plan)).toMatch(/^update json_table\(\?, '\$\[\*\]' columns \(rowgate_ord for ordinality, `rowgate_k0` int\(11\) path '\$\[0\]'\)\) as `rowgate_k` join `shop`.`items` on /);
    expect(steps({ ...plan, returning: { fields: null, key: null } })).toEqual({ kind: 'direct', count: 'matched' });
  });

  it('deletes by locked keys, or by the filter where the table has no key', () => {
    const plan: QueryPlan = { kind: 'delete', table: items, where: null, returning: { fields: [field(items, 'id')], key: null } };
    expect(steps(plan).kind).toBe('delete-keyed');
    expect(sqlOf(plan)).toMatch(/^delete `shop`.`items` from json_table/);
    expect(steps({ kind: 'delete', table: loose, where: null, returning: { fields: [field(loose, 'body')], key: null } }).kind).toBe('delete-unkeyed');
    expect(() => mariadb.compile({ kind: 'update', table: loose, columns: [c(loose, 'body')], where: null, returning: { fields: [field(loose, 'body')], key: null } })).toThrow(/no primary key/);
  });
});
