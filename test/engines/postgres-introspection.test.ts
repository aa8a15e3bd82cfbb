/**
 * PostgreSQL introspection into the neutral model, on a database built for it: every column type
 * family, enum types, domains, identity and generated columns, composite and unique keys, unique
 * indexes, checks read as enums, comments, views with what they allow, and the schema option.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openPostgresDialect } from '../../src/dialect/postgres/postgres-dialect.js';
import type { Schema, Table } from '../../src/schema/model.js';
import { createPostgresDatabase, postgresUnavailable } from '../helpers/postgres-harness.js';

const reason = await postgresUnavailable();
if (reason) console.warn(`postgres introspection: skipped: ${reason}`);

const SQL = `
CREATE TYPE mood AS ENUM ('calm', 'angry', 'it''s fine');
CREATE DOMAIN short_code AS varchar(5) NOT NULL;
CREATE TABLE parents (a text, b integer, PRIMARY KEY (b, a));
CREATE TABLE kinds (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  s smallint, i integer, big bigint DEFAULT 7, r real, d double precision, n numeric(12,3),
  flag boolean NOT NULL DEFAULT false,
  t text, v varchar(20), c char(3), code short_code,
  u uuid, day date, at time, ts timestamp, tstz timestamptz,
  j json, jb jsonb, bin bytea, m mood, tags text[], money money,
  serial_no serial,
  total numeric GENERATED ALWAYS AS (i * 2) STORED,
  pa text, pb integer,
  status text CHECK (status IN ('new', 'old')),
  size varchar(10) CHECK (size = ANY (ARRAY['s', 'm', 'l'])),
  cup varchar(4) CHECK (cup IN ('tall', 'big')),
  grade text CHECK (grade IN ('a', 'b', 'c')) CHECK (grade <> 'c'),
  CONSTRAINT kinds_parent FOREIGN KEY (pb, pa) REFERENCES parents (b, a),
  CONSTRAINT kinds_t_v_key UNIQUE (t, v)
);
CREATE UNIQUE INDEX kinds_u_idx ON kinds (u);
CREATE UNIQUE INDEX kinds_partial_idx ON kinds (s) WHERE s > 0;
CREATE UNIQUE INDEX kinds_expr_idx ON kinds (lower(t));
COMMENT ON TABLE kinds IS 'Every type family';
COMMENT ON COLUMN kinds.t IS 'Some text';
CREATE VIEW simple_kinds AS SELECT id, t FROM kinds;
CREATE VIEW counted AS SELECT count(*) AS n FROM kinds;
CREATE MATERIALIZED VIEW frozen AS SELECT id FROM kinds;
CREATE TABLE _rowgate_internal (x int);
CREATE SCHEMA other;
CREATE TABLE other.elsewhere (id int PRIMARY KEY, parent_a text, parent_b int, FOREIGN KEY (parent_b, parent_a) REFERENCES public.parents (b, a));
CREATE TABLE measurements (at date NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
`;

describe.skipIf(reason !== null)('postgres introspection', () => {
  let drop: () => Promise<void>;
  let url: string;
  let schema: Schema;
  let kinds: Table;

  beforeAll(async () => {
    const db = await createPostgresDatabase(SQL);
    url = db.url;
    drop = db.drop;
    const dialect = openPostgresDialect(url, { statementTimeoutMs: 5000, poolSize: 2 });
    schema = await dialect.introspect(3);
    await dialect.driver.close();
    kinds = schema.tables.get('kinds')!;
  });
  afterAll(async () => drop?.());

  it('lists tables, views and partitioned tables of the schema, not partitions or rowgate tables', () => {
    expect([...schema.tables.keys()].sort()).toEqual(['counted', 'frozen', 'kinds', 'measurements', 'parents', 'simple_kinds']);
    expect(schema.version).toBe(3);
    expect(kinds.namespace).toBe('public');
    expect(kinds.kind).toBe('table');
    expect(kinds.comment).toBe('Every type family');
    expect(kinds.rowidKey).toBeNull();
  });

  it('maps every type family onto the neutral types', () => {
    const types = Object.fromEntries(kinds.columns.map((c) => [c.name, c.type]));
    expect(types).toEqual({
      id: 'integer', s: 'integer', i: 'integer', big: 'bigint', r: 'number', d: 'number', n: 'numeric', flag: 'boolean',
      t: 'text', v: 'text', c: 'text', code: 'text', u: 'uuid', day: 'date', at: 'time', ts: 'timestamp', tstz: 'timestamptz',
      j: 'json', jb: 'json', bin: 'blob', m: 'text', tags: 'unknown', money: 'unknown', serial_no: 'integer', total: 'numeric',
      pa: 'text', pb: 'integer', status: 'text', size: 'text', cup: 'text', grade: 'text',
    });
    const col = (name: string) => kinds.columnsByName.get(name)!;
    expect(col('n').nativeType).toBe('numeric(12,3)');
    expect(col('v').maxLength).toBe(20);
    expect(col('c').maxLength).toBe(3);
    expect(col('code')).toMatchObject({ maxLength: 5, nullable: false, nativeType: 'short_code' });
    expect(col('t')).toMatchObject({ maxLength: null, comment: 'Some text', nullable: true });
    expect(col('tags').nativeType).toBe('text[]');
  });

  it('reads defaults, identity, serial and generated columns', () => {
    const col = (name: string) => kinds.columnsByName.get(name)!;
    expect(col('id')).toMatchObject({ hasDefault: true, generated: true, nullable: false });
    expect(col('big')).toMatchObject({ defaultValue: '7', hasDefault: true, generated: false });
    expect(col('flag')).toMatchObject({ defaultValue: 'false', hasDefault: true, nullable: false });
    expect(col('serial_no').defaultValue).toMatch(/^nextval\('kinds_serial_no_seq'::regclass\)$/);
    expect(col('serial_no').hasDefault).toBe(true);
    expect(col('total')).toMatchObject({ generated: true, hasDefault: true });
    expect(col('t')).toMatchObject({ defaultValue: null, hasDefault: false, generated: false });
  });

  it('reads enum values from enum types and from IN checks, intersecting several checks', () => {
    const col = (name: string) => kinds.columnsByName.get(name)!;
    expect(col('m').enumValues).toEqual(['calm', 'angry', "it's fine"]);
    expect(col('status').enumValues).toEqual(['new', 'old']);
    expect(col('size').enumValues).toEqual(['s', 'm', 'l']);
    expect(col('cup').enumValues).toEqual(['tall', 'big']);
    expect(col('grade').enumValues).toEqual(['a', 'b', 'c']);
    expect(col('t').enumValues).toBeNull();
    expect(kinds.checkConstraints.map((c) => c.name).sort()).toEqual(['kinds_cup_check', 'kinds_grade_check', 'kinds_grade_check1', 'kinds_size_check', 'kinds_status_check']);
  });

  it('reads keys in key order, foreign keys by their names, unique constraints and plain unique indexes', () => {
    expect(kinds.primaryKey).toEqual(['id']);
    expect(schema.tables.get('parents')!.primaryKey).toEqual(['b', 'a']);
    expect(kinds.foreignKeys).toEqual([{ name: 'kinds_parent', columns: ['pb', 'pa'], referencedTable: 'parents', referencedColumns: ['b', 'a'] }]);
    expect(kinds.uniqueConstraints).toEqual([
      { name: 'kinds_t_v_key', columns: ['t', 'v'] },
      { name: 'kinds_u_idx', columns: ['u'] },
    ]);
  });

  it('tells what each view allows', () => {
    const flags = (name: string) => {
      const t = schema.tables.get(name)!;
      return { kind: t.kind, insertable: t.insertable, updatable: t.updatable, deletable: t.deletable };
    };
    expect(flags('simple_kinds')).toEqual({ kind: 'view', insertable: true, updatable: true, deletable: true });
    expect(flags('counted')).toEqual({ kind: 'view', insertable: false, updatable: false, deletable: false });
    expect(flags('frozen')).toEqual({ kind: 'view', insertable: false, updatable: false, deletable: false });
    expect(flags('kinds')).toEqual({ kind: 'table', insertable: true, updatable: true, deletable: true });
    expect(schema.tables.get('simple_kinds')!.primaryKey).toEqual([]);
  });

  it('reads the schema named in `schemas`, leaving out keys into other schemas', async () => {
    const dialect = openPostgresDialect(url, { statementTimeoutMs: 5000, poolSize: 1, schemas: ['other', 'public'] });
    const other = await dialect.introspect(1);
    await dialect.driver.close();
    expect([...other.tables.keys()]).toEqual(['elsewhere']);
    const t = other.tables.get('elsewhere')!;
    expect(t.namespace).toBe('other');
    expect(t.foreignKeys).toEqual([]);
  });

  it('honours the connected role: a relation it may only read is not writable', async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const role = `rowgate_reader_${Math.random().toString(36).slice(2, 8)}`;
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN; GRANT SELECT ON kinds TO ${role}`);
      const u = new URL(url);
      u.username = role;
      const dialect = openPostgresDialect(u.toString(), { statementTimeoutMs: 5000, poolSize: 1 });
      const seen = await dialect.introspect(1);
      await dialect.driver.close();
      expect(seen.tables.get('kinds')).toMatchObject({ insertable: false, updatable: false, deletable: false });
    } finally {
      await admin.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => {});
      await admin.end();
    }
  });
});
