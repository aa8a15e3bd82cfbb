import Database from 'better-sqlite3';
import { describe, expect, test } from 'vitest';
import type { Column, Schema, Table } from '../../schema/model.js';
import { introspectSqlite } from './sqlite-introspector.js';

// One fixture covering every catalog shape the introspector reads; each statement says what it exercises.
const FIXTURE = `
-- INTEGER PRIMARY KEY AUTOINCREMENT (rowid alias), VARCHAR length, column-level UNIQUE
CREATE TABLE authors (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name VARCHAR(80) NOT NULL,
  email TEXT UNIQUE,
  born DATE,
  active BOOLEAN NOT NULL DEFAULT 1
);
-- composite key, FK to an implicit primary key, generated column, checks with names, quotes,
-- parentheses inside strings and comments, a quoted-column IN enum
CREATE TABLE books (
  author_id INTEGER NOT NULL REFERENCES authors,
  seq INTEGER NOT NULL,
  title TEXT NOT NULL CONSTRAINT title_not_blank CHECK (length(title) > 0),
  price DECIMAL(10,2) CHECK (price >= 0),
  genre TEXT CHECK ("genre" in ('novel', 'poetry', 'it''s (complicated)')),
  title_upper TEXT GENERATED ALWAYS AS (upper(title)) VIRTUAL,
  PRIMARY KEY (author_id, seq),
  CONSTRAINT "parens in strings" CHECK (title <> ')' AND title <> '(' /* ) */) -- ( comment
);
-- composite FK, table-level UNIQUE, table-level named enum check on a [bracketed] column
CREATE TABLE reviews (
  id INTEGER PRIMARY KEY,
  book_author INTEGER,
  book_seq INTEGER,
  stars INT CHECK (stars BETWEEN 1 AND 5),
  status TEXT NOT NULL DEFAULT 'draft',
  body CLOB,
  FOREIGN KEY (book_author, book_seq) REFERENCES books (author_id, seq),
  UNIQUE (book_author, book_seq),
  CONSTRAINT reviews_status_check CHECK ([status] IN ('draft', 'published'))
);
-- rowid table without a key; its partial and expression unique indexes are not constraints
CREATE TABLE log (msg TEXT, at TIMESTAMP DEFAULT CURRENT_TIMESTAMP, level VARCHAR);
CREATE UNIQUE INDEX log_msg_partial ON log (msg) WHERE msg IS NOT NULL;
CREATE UNIQUE INDEX log_msg_lower ON log (lower(msg));
CREATE INDEX log_at ON log (at);
-- quoted identifiers; a real column named rowid pushes the row key to _rowid_
CREATE TABLE "weird ""name"" t" ("my col" TEXT, rowid INTEGER, "quo""te" JSON);
-- WITHOUT ROWID with a STORED generated column and the remaining type names
CREATE TABLE kv (
  k TEXT PRIMARY KEY, v BLOB, n REAL, big BIGINT, u UUID, t TIME, tz TIMESTAMPTZ, raw,
  klen INTEGER AS (length(k)) STORED
) WITHOUT ROWID;
-- INTEGER PRIMARY KEY DESC is not a rowid alias; FKs spelled in another case; a clashing FK name
CREATE TABLE legacy (
  code INTEGER PRIMARY KEY DESC,
  author INTEGER REFERENCES AUTHORS (ID),
  FOREIGN KEY (author) REFERENCES authors
);
CREATE UNIQUE INDEX books_author_title ON books (author_id, title);
CREATE VIEW author_names AS SELECT id, name FROM authors;
CREATE VIEW editable_authors AS SELECT id, name FROM authors;
CREATE TRIGGER editable_authors_insert INSTEAD OF INSERT ON editable_authors
BEGIN INSERT INTO authors (name) VALUES (NEW.name); END;
CREATE TRIGGER editable_authors_delete INSTEAD OF DELETE ON Editable_Authors
BEGIN DELETE FROM authors WHERE id = OLD.id; END;
CREATE TRIGGER authors_touch AFTER UPDATE ON authors BEGIN SELECT 1; END;
-- FTS5: the table is kept read-only, its five shadow tables are left out
CREATE VIRTUAL TABLE docs USING fts5(title, body);
-- rowgate's own bookkeeping is never exposed
CREATE TABLE _rowgate_migrations (id INTEGER PRIMARY KEY, name TEXT);
`;

function col(name: string, nativeType: string, type: Column['type'], extra: Partial<Column> = {}): Column {
  return {
    name,
    type,
    nativeType,
    nullable: true,
    defaultValue: null,
    hasDefault: false,
    generated: false,
    enumValues: null,
    maxLength: null,
    comment: null,
    ...extra,
  };
}

type PlainTable = Omit<Table, 'columnsByName'>;

function table(name: string, columns: Column[], extra: Partial<PlainTable> = {}): PlainTable {
  return {
    name,
    namespace: null,
    kind: 'table',
    columns,
    primaryKey: [],
    rowidKey: null,
    foreignKeys: [],
    uniqueConstraints: [],
    checkConstraints: [],
    insertable: true,
    updatable: true,
    deletable: true,
    comment: null,
    ...extra,
  };
}

const READ_ONLY = { insertable: false, updatable: false, deletable: false };
const VIEW_COLUMNS = [col('id', 'INTEGER', 'integer'), col('name', 'VARCHAR(80)', 'text', { maxLength: 80 })];

const EXPECTED: PlainTable[] = [
  table('author_names', VIEW_COLUMNS, { kind: 'view', ...READ_ONLY }),
  table(
    'authors',
    [
      col('id', 'INTEGER', 'integer', { nullable: false, hasDefault: true }),
      col('name', 'VARCHAR(80)', 'text', { nullable: false, maxLength: 80 }),
      col('email', 'TEXT', 'text'),
      col('born', 'DATE', 'date'),
      col('active', 'BOOLEAN', 'boolean', { nullable: false, defaultValue: '1', hasDefault: true }),
    ],
    { primaryKey: ['id'], uniqueConstraints: [{ name: 'authors_email_key', columns: ['email'] }] },
  ),
  table(
    'books',
    [
      col('author_id', 'INTEGER', 'integer', { nullable: false }),
      col('seq', 'INTEGER', 'integer', { nullable: false }),
      col('title', 'TEXT', 'text', { nullable: false }),
      col('price', 'DECIMAL(10,2)', 'numeric'),
      col('genre', 'TEXT', 'text', { enumValues: ['novel', 'poetry', "it's (complicated)"] }),
      col('title_upper', 'TEXT', 'text', { hasDefault: true, generated: true }),
    ],
    {
      primaryKey: ['author_id', 'seq'],
      foreignKeys: [
        { name: 'books_author_id_fkey', columns: ['author_id'], referencedTable: 'authors', referencedColumns: ['id'] },
      ],
      uniqueConstraints: [{ name: 'books_author_title', columns: ['author_id', 'title'] }],
      checkConstraints: [
        { name: 'title_not_blank', expression: 'length(title) > 0' },
        { name: null, expression: 'price >= 0' },
        { name: null, expression: `"genre" in ('novel', 'poetry', 'it''s (complicated)')` },
        { name: 'parens in strings', expression: `title <> ')' AND title <> '(' /* ) */` },
      ],
    },
  ),
  table('docs', [col('title', '', 'unknown'), col('body', '', 'unknown')], { rowidKey: 'rowid', ...READ_ONLY }),
  table('editable_authors', VIEW_COLUMNS, { kind: 'view', insertable: true, updatable: false, deletable: true }),
  table(
    'kv',
    [
      col('k', 'TEXT', 'text', { nullable: false }),
      col('v', 'BLOB', 'blob'),
      col('n', 'REAL', 'number'),
      col('big', 'BIGINT', 'bigint'),
      col('u', 'UUID', 'uuid'),
      col('t', 'TIME', 'time'),
      col('tz', 'TIMESTAMPTZ', 'timestamptz'),
      col('raw', '', 'unknown'),
      col('klen', 'INTEGER', 'integer', { hasDefault: true, generated: true }),
    ],
    { primaryKey: ['k'] },
  ),
  table('legacy', [col('code', 'INTEGER', 'integer'), col('author', 'INTEGER', 'integer')], {
    primaryKey: ['code'],
    foreignKeys: [
      { name: 'legacy_author_fkey', columns: ['author'], referencedTable: 'authors', referencedColumns: ['id'] },
      { name: 'legacy_author_fkey1', columns: ['author'], referencedTable: 'authors', referencedColumns: ['id'] },
    ],
  }),
  table(
    'log',
    [
      col('msg', 'TEXT', 'text'),
      col('at', 'TIMESTAMP', 'timestamp', { defaultValue: 'CURRENT_TIMESTAMP', hasDefault: true }),
      col('level', 'VARCHAR', 'text'),
    ],
    { rowidKey: 'rowid' },
  ),
  table(
    'reviews',
    [
      col('id', 'INTEGER', 'integer', { nullable: false, hasDefault: true }),
      col('book_author', 'INTEGER', 'integer'),
      col('book_seq', 'INTEGER', 'integer'),
      col('stars', 'INT', 'integer'),
      col('status', 'TEXT', 'text', {
        nullable: false,
        defaultValue: "'draft'",
        hasDefault: true,
        enumValues: ['draft', 'published'],
      }),
      col('body', 'CLOB', 'text'),
    ],
    {
      primaryKey: ['id'],
      foreignKeys: [
        {
          name: 'reviews_book_author_book_seq_fkey',
          columns: ['book_author', 'book_seq'],
          referencedTable: 'books',
          referencedColumns: ['author_id', 'seq'],
        },
      ],
      uniqueConstraints: [{ name: 'reviews_book_author_book_seq_key', columns: ['book_author', 'book_seq'] }],
      checkConstraints: [
        { name: null, expression: 'stars BETWEEN 1 AND 5' },
        { name: 'reviews_status_check', expression: "[status] IN ('draft', 'published')" },
      ],
    },
  ),
  table(
    'weird "name" t',
    [col('my col', 'TEXT', 'text'), col('rowid', 'INTEGER', 'integer'), col('quo"te', 'JSON', 'json')],
    { rowidKey: '_rowid_' },
  ),
];

function plain(schema: Schema): PlainTable[] {
  return [...schema.tables.values()].map(({ columnsByName: _, ...rest }) => rest);
}

function fixtureDb(sql = FIXTURE): Database.Database {
  const db = new Database(':memory:');
  db.exec(sql);
  return db;
}

describe('introspectSqlite', () => {
  test('reads the fixture into exactly the expected model', () => {
    const schema = introspectSqlite(fixtureDb(), 7);
    expect(schema.version).toBe(7);
    expect([...schema.tables.keys()]).toEqual(EXPECTED.map((t) => t.name));
    expect(plain(schema)).toEqual(EXPECTED);
  });

  test('leaves out sqlite internals, FTS5 shadow tables and _rowgate tables', () => {
    const db = fixtureDb();
    db.exec(`INSERT INTO authors (name) VALUES ('x')`); // creates sqlite_sequence
    const names = [...introspectSqlite(db, 1).tables.keys()];
    for (const hidden of ['sqlite_sequence', 'docs_data', 'docs_idx', 'docs_content', 'docs_docsize', 'docs_config']) {
      expect(names).not.toContain(hidden);
    }
    expect(names).not.toContain('_rowgate_migrations');
  });

  test('derives columnsByName from the columns and freezes the model', () => {
    const books = introspectSqlite(fixtureDb(), 1).tables.get('books')!;
    expect([...books.columnsByName.keys()]).toEqual(books.columns.map((c) => c.name));
    expect(books.columnsByName.get('seq')).toBe(books.columns[1]);
    expect(Object.isFrozen(books)).toBe(true);
    expect(Object.isFrozen(books.columns[0])).toBe(true);
  });

  test('a table using rowid, _rowid_ and oid as column names has no row key', () => {
    const schema = introspectSqlite(fixtureDb('CREATE TABLE t (rowid, _ROWID_, OID, x);'), 1);
    expect(schema.tables.get('t')!.rowidKey).toBeNull();
  });

  test('skips a view whose table was dropped instead of failing the whole catalog', () => {
    const db = fixtureDb(`
      CREATE TABLE gone (id INTEGER PRIMARY KEY);
      CREATE VIEW broken AS SELECT id FROM gone;
      CREATE TABLE kept (id INTEGER PRIMARY KEY, gone_id REFERENCES gone);
      DROP TABLE gone;`);
    const schema = introspectSqlite(db, 1);
    expect([...schema.tables.keys()]).toEqual(['kept']);
    // The key to the dropped table's implicit primary key cannot be resolved, so it is left out.
    expect(schema.tables.get('kept')!.foreignKeys).toEqual([]);
  });

  test('reads a 500-table schema in well under a second', () => {
    const ddl = ['CREATE TABLE t0 (id INTEGER PRIMARY KEY, name TEXT UNIQUE);'];
    for (let i = 1; i < 500; i++) {
      ddl.push(
        `CREATE TABLE t${i} (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES t${i - 1}, ` +
          `code VARCHAR(20) NOT NULL, status TEXT CHECK (status IN ('a', 'b')), UNIQUE (code));`,
        `CREATE INDEX t${i}_parent ON t${i} (parent_id);`,
      );
    }
    const db = fixtureDb(ddl.join('\n'));
    introspectSqlite(db, 1); // warm-up: the first run pays for statement preparation
    const started = performance.now();
    const schema = introspectSqlite(db, 2);
    const elapsed = performance.now() - started;
    expect(schema.tables.size).toBe(500);
    expect(schema.tables.get('t499')!.foreignKeys[0].referencedColumns).toEqual(['id']);
    expect(elapsed).toBeLessThan(500);
  });
});
