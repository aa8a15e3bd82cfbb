/**
 * What the MySQL/MariaDB introspector reads from information_schema into the neutral model: kinds,
 * types, nullability, defaults, AUTO_INCREMENT and generated columns, keys, foreign keys with
 * their names, unique and check constraints, enum values, comments, updatable views.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMysqlDialect } from '../../src/dialect/mysql/mysql-dialect.js';
import type { Dialect } from '../../src/dialect/dialect.js';
import type { Schema } from '../../src/schema/model.js';
import { createMysqlTestDatabase, mysqlHarness } from '../helpers/mysql-harness.js';

const reason = await mysqlHarness.unavailable();
if (reason) console.warn(`mysql introspection: skipped: ${reason}`);

const DDL = `
CREATE TABLE parents (
  a INT NOT NULL, b VARCHAR(10) NOT NULL, note VARCHAR(80) COMMENT 'free text',
  PRIMARY KEY (b, a)
) COMMENT 'the parents';
CREATE TABLE kids (
  id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  pa INT, pb VARCHAR(10),
  status VARCHAR(10) NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'it''s', 'done')),
  size ENUM('s','m','l') NOT NULL,
  doc JSON, flag TINYINT(1) DEFAULT 0, flags TINYINT, price DECIMAL(6,2), ratio DOUBLE, born DATETIME(3),
  seen TIMESTAMP NULL, day DATE, at TIME, pic MEDIUMBLOB, code CHAR(2), body LONGTEXT,
  twice INT AS (pa * 2) VIRTUAL, stored INT AS (pa + 1) STORED,
  email VARCHAR(100) NOT NULL, nick VARCHAR(100), prefix VARCHAR(200),
  CONSTRAINT kids_parent_fkey FOREIGN KEY (pb, pa) REFERENCES parents (b, a),
  UNIQUE KEY kids_email_key (email), UNIQUE KEY kids_nick_key (nick), UNIQUE KEY kids_prefix_key (prefix(10)),
  CONSTRAINT kids_price_positive CHECK (price > 0),
  FULLTEXT KEY kids_body_fts (body)
);
CREATE TABLE _rowgate_private (id INT PRIMARY KEY);
CREATE VIEW kid_names AS SELECT id, email FROM kids;
CREATE VIEW kid_counts AS SELECT pb, COUNT(*) AS n FROM kids GROUP BY pb;
`;

describe.skipIf(reason !== null)('mysql introspection', () => {
  let db: Awaited<ReturnType<typeof createMysqlTestDatabase>>;
  let dialect: Dialect;
  let schema: Schema;

  beforeAll(async () => {
    db = await createMysqlTestDatabase(DDL);
    dialect = openMysqlDialect(db.url, { statementTimeoutMs: 5000, poolSize: 2 });
    schema = await dialect.introspect(7);
  });
  afterAll(async () => {
    await dialect?.driver.close();
    await db?.drop();
  });

  const column = (table: string, name: string) => schema.tables.get(table)!.columnsByName.get(name)!;

  it('lists tables and views, not rowgate_ tables, in the URL database', () => {
    expect([...schema.tables.keys()].sort()).toEqual(['kid_counts', 'kid_names', 'kids', 'parents']);
    expect(schema.version).toBe(7);
    expect(schema.tables.get('kids')).toMatchObject({ kind: 'table', namespace: db.name, rowidKey: null });
    expect(schema.tables.get('kid_names')).toMatchObject({ kind: 'view', insertable: true, updatable: true, deletable: true, primaryKey: [] });
    expect(schema.tables.get('kid_counts')).toMatchObject({ kind: 'view', insertable: false, updatable: false, deletable: false });
  });

  it('maps types to the neutral ones', () => {
    const types = Object.fromEntries(schema.tables.get('kids')!.columns.map((c) => [c.name, c.type]));
    expect(types).toEqual({
      id: 'bigint', pa: 'integer', pb: 'text', status: 'text', size: 'text', doc: 'json', flag: 'boolean', flags: 'integer',
      price: 'numeric', ratio: 'number', born: 'timestamp', seen: 'timestamptz', day: 'date', at: 'time', pic: 'blob',
      code: 'text', body: 'text', twice: 'integer', stored: 'integer', email: 'text', nick: 'text', prefix: 'text',
    });
    expect(column('kids', 'code').maxLength).toBe(2);
    expect(column('kids', 'body').maxLength).toBeNull();
    expect(column('kids', 'born').nativeType).toBe('datetime(3)');
  });

  it('reads nullability, defaults, AUTO_INCREMENT and generated columns', () => {
    expect(column('kids', 'id')).toMatchObject({ nullable: false, hasDefault: true, generated: false });
    expect(column('kids', 'status')).toMatchObject({ nullable: false, hasDefault: true });
    expect(column('kids', 'status').defaultValue).toMatch(/new/);
    expect(column('kids', 'size')).toMatchObject({ nullable: false, hasDefault: false, defaultValue: null });
    expect(column('kids', 'nick')).toMatchObject({ nullable: true, hasDefault: false, defaultValue: null });
    expect(column('kids', 'twice')).toMatchObject({ generated: true, hasDefault: true });
    expect(column('kids', 'stored')).toMatchObject({ generated: true });
  });

  it('reads keys, foreign keys with their names, unique and check constraints', () => {
    const kids = schema.tables.get('kids')!;
    expect(schema.tables.get('parents')!.primaryKey).toEqual(['b', 'a']);
    expect(kids.primaryKey).toEqual(['id']);
    expect(kids.foreignKeys).toEqual([{ name: 'kids_parent_fkey', columns: ['pb', 'pa'], referencedTable: 'parents', referencedColumns: ['b', 'a'] }]);
    // A unique index over a prefix of a column does not make the column unique.
    expect(kids.uniqueConstraints).toEqual([
      { name: 'kids_email_key', columns: ['email'] },
      { name: 'kids_nick_key', columns: ['nick'] },
    ]);
    const checks = kids.checkConstraints.map((c) => c.name).sort();
    expect(checks).toContain('kids_price_positive');
    // MariaDB's JSON alias is a json_valid() check: it is the type, not a constraint to list.
    expect(kids.checkConstraints.some((c) => /json_valid/i.test(c.expression))).toBe(false);
  });

  it('reads enum values from ENUM types and from CHECK (col IN (…))', () => {
    expect(column('kids', 'size').enumValues).toEqual(['s', 'm', 'l']);
    expect(column('kids', 'status').enumValues).toEqual(['new', "it's", 'done']);
    expect(column('kids', 'pb').enumValues).toBeNull();
  });

  it('reads comments, empty ones as null', () => {
    expect(schema.tables.get('parents')!.comment).toBe('the parents');
    expect(column('parents', 'note').comment).toBe('free text');
    expect(schema.tables.get('kids')!.comment).toBeNull();
    expect(schema.tables.get('kid_names')!.comment).toBeNull();
    expect(column('parents', 'a').comment).toBeNull();
  });

  it('reloads into a new version that sees new tables', async () => {
    await db.query('CREATE TABLE later (id INT PRIMARY KEY)');
    const next = await dialect.introspect(8);
    expect(next.version).toBe(8);
    expect(next.tables.has('later')).toBe(true);
  });
});
