/**
 * Reads a SQLite catalog (sqlite_schema plus the table-valued pragmas) into the engine-neutral
 * Schema of schema/model.ts: tables, views, columns, keys, foreign keys, unique and check constraints.
 * It only reads; caching and reloading belong to schema/, relationships to schema/relationships.ts.
 * Facts that live only in CREATE text (CHECK, WITHOUT ROWID, INSTEAD OF) come from sqlite-ddl-parse.ts.
 */
import type Database from 'better-sqlite3';
import {
  makeSchema,
  makeTable,
  type CheckConstraint,
  type Column,
  type ForeignKey,
  type Schema,
  type Table,
  type TextSearchIndex,
  type UniqueConstraint,
} from '../../schema/model.js';
import { parseCreateTable, parseEnumCheck, parseInsteadOfOperation, type ParsedCreateTable } from './sqlite-ddl-parse.js';
import { mapSqliteType } from './sqlite-type-map.js';

interface CatalogEntry {
  readonly type: 'table' | 'view' | 'trigger';
  readonly name: string;
  readonly tableName: string;
  readonly sql: string | null;
}

interface ColumnRow {
  readonly tbl: string;
  readonly name: string;
  readonly type: string;
  readonly notnull: number;
  readonly dflt_value: string | null;
  readonly pk: number;
  /** 0 ordinary, 1 hidden column of a virtual table, 2 generated VIRTUAL, 3 generated STORED. */
  readonly hidden: number;
}

interface ForeignKeyRow {
  readonly tbl: string;
  readonly id: number;
  readonly refTable: string;
  readonly fromColumn: string;
  readonly toColumn: string | null;
}

interface IndexColumnRow {
  readonly tbl: string;
  readonly indexName: string;
  readonly isUnique: number;
  /** 'c' CREATE INDEX, 'u' UNIQUE constraint, 'pk' PRIMARY KEY constraint. */
  readonly origin: string;
  readonly partial: number;
  /** -1 for the rowid, -2 for an expression. */
  readonly cid: number;
  readonly columnName: string | null;
}

interface PragmaRows {
  readonly columns: ColumnRow[];
  readonly foreignKeys: ForeignKeyRow[];
  readonly indexColumns: IndexColumnRow[];
}

/** A relation after the first pass: enough to resolve foreign keys that reference it. */
interface Draft {
  readonly entry: CatalogEntry;
  readonly ddl: ParsedCreateTable;
  readonly columns: Column[];
  readonly allColumnNames: readonly string[];
  readonly primaryKey: string[];
}

/** Shadow tables each virtual-table module keeps beside its table, named `<table>_<suffix>`. */
const SHADOW_SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  fts5: ['data', 'idx', 'content', 'docsize', 'config'],
  fts4: ['content', 'segments', 'segdir', 'docsize', 'stat'],
  fts3: ['content', 'segments', 'segdir', 'docsize', 'stat'],
  rtree: ['node', 'parent', 'rowid'],
  rtree_i32: ['node', 'parent', 'rowid'],
  geopoly: ['node', 'parent', 'rowid'],
};

// Each pragma runs once per relation inside a single statement: json_each(?) yields the names as
// bound values and the pragma takes them as its argument, so no identifier is ever spliced into SQL
// and a 500-table catalog costs three statements rather than 1,500.
const COLUMNS_SQL = `
  SELECT j.value AS tbl, c.name, c.type, c."notnull" AS "notnull", c.dflt_value, c.pk, c.hidden
  FROM json_each(?) AS j JOIN pragma_table_xinfo(j.value, 'main') AS c
  ORDER BY j.key, c.cid`;
const FOREIGN_KEYS_SQL = `
  SELECT j.value AS tbl, f.id, f."table" AS refTable, f."from" AS fromColumn, f."to" AS toColumn
  FROM json_each(?) AS j JOIN pragma_foreign_key_list(j.value, 'main') AS f
  ORDER BY j.key, f.id, f.seq`;
const INDEX_COLUMNS_SQL = `
  SELECT j.value AS tbl, l.name AS indexName, l."unique" AS isUnique, l.origin, l.partial,
         i.cid, i.name AS columnName
  FROM json_each(?) AS j JOIN pragma_index_list(j.value, 'main') AS l
       JOIN pragma_index_info(l.name, 'main') AS i
  ORDER BY j.key, l.name, i.seqno`;

/** Reads the whole `main` catalog; `version` is stamped on the Schema so caches can tell reloads apart. */
export function introspectSqlite(db: Database.Database, version: number): Schema {
  const catalog = db
    .prepare(`SELECT type, name, tbl_name AS tableName, sql FROM sqlite_schema WHERE type IN ('table', 'view', 'trigger')`)
    .all() as CatalogEntry[];

  const ddlByName = new Map<string, ParsedCreateTable>();
  const shadowNames = new Set<string>();
  for (const entry of catalog) {
    if (entry.type !== 'table' || entry.sql === null) continue;
    const ddl = parseCreateTable(entry.sql);
    ddlByName.set(entry.name, ddl);
    for (const suffix of SHADOW_SUFFIXES[ddl.virtualModule ?? ''] ?? []) {
      shadowNames.add(`${entry.name}_${suffix}`.toLowerCase());
    }
  }

  const relations = catalog
    .filter((e) => e.type !== 'trigger' && isExposed(e.name, shadowNames))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rows = readPragmas(db, relations.map((r) => r.name));

  const columnsByTable = groupBy(rows.columns, (r) => r.tbl);
  const indexesByTable = groupBy(rows.indexColumns, (r) => r.tbl);
  const drafts: Draft[] = [];
  for (const entry of relations) {
    const columnRows = columnsByTable.get(entry.name);
    // No column rows means the pragma failed for it (a view over a dropped table, a virtual table
    // whose module is not loaded here): nothing could be read or written through it, so skip it.
    if (!columnRows) continue;
    const ddl = ddlByName.get(entry.name) ?? { checks: [], withoutRowid: false, virtualModule: null };
    drafts.push(draftRelation(entry, ddl, columnRows, indexesByTable.get(entry.name) ?? []));
  }

  const draftsByLowerName = new Map(drafts.map((d) => [d.entry.name.toLowerCase(), d]));
  const foreignKeysByTable = groupBy(rows.foreignKeys, (r) => r.tbl);
  const insteadOf = insteadOfOperations(catalog);
  const tables = drafts.map((draft) =>
    finishTable(
      draft,
      foreignKeysOf(draft, foreignKeysByTable.get(draft.entry.name) ?? [], draftsByLowerName),
      uniqueConstraintsOf(draft, indexesByTable.get(draft.entry.name) ?? []),
      insteadOf.get(draft.entry.name.toLowerCase()),
    ),
  );
  return makeSchema(withRowEstimates(db, withTextSearch(tables, ddlByName)), version);
}

/** Row counts from sqlite_stat1 (written by ANALYZE), the only estimate SQLite keeps. */
function withRowEstimates(db: Database.Database, tables: Table[]): Table[] {
  const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").get();
  if (!exists) return tables;
  const rows = db.prepare('SELECT tbl, max(CAST(stat AS INTEGER)) AS n FROM sqlite_stat1 GROUP BY tbl').all() as { tbl: string; n: number }[];
  const estimates = new Map(rows.map((r) => [r.tbl, r.n]));
  return tables.map((t) => (estimates.has(t.name) ? makeTable({ ...t, rowEstimate: estimates.get(t.name)! }) : t));
}

/**
 * Attaches each external-content FTS5 index to the table it indexes, for `fts` filters, and hides
 * the index itself: its rows are the indexed table's, served there.
 */
function withTextSearch(tables: Table[], ddlByName: ReadonlyMap<string, ParsedCreateTable>): Table[] {
  const indexes = new Map<string, TextSearchIndex>();
  for (const [name, ddl] of ddlByName) {
    if (!ddl.fts5?.content) continue;
    indexes.set(ddl.fts5.content.toLowerCase(), { index: name, columns: ddl.fts5.columns, key: ddl.fts5.contentRowid ?? 'rowid' });
  }
  if (indexes.size === 0) return tables;
  const indexNames = new Set([...indexes.values()].map((i) => i.index));
  return tables
    .filter((t) => !indexNames.has(t.name))
    .map((t) => {
      const index = indexes.get(t.name.toLowerCase());
      return index ? makeTable({ ...t, textSearch: index }) : t;
    });
}

/** Excludes SQLite's own tables, shadow tables of virtual tables and rowgate's own `_rowgate*` tables. */
function isExposed(name: string, shadowNames: ReadonlySet<string>): boolean {
  const lower = name.toLowerCase();
  return !lower.startsWith('sqlite_') && !lower.startsWith('_rowgate') && !shadowNames.has(lower);
}

/**
 * Runs the batched pragma statements; if one relation makes them fail (a broken view raises
 * "no such table"), reads relation by relation and leaves out the ones that fail on their own.
 */
function readPragmas(db: Database.Database, names: readonly string[]): PragmaRows {
  const statements = [COLUMNS_SQL, FOREIGN_KEYS_SQL, INDEX_COLUMNS_SQL].map((sql) => db.prepare(sql));
  const read = (batch: readonly string[]): PragmaRows => {
    const json = JSON.stringify(batch);
    const [columns, foreignKeys, indexColumns] = statements.map((s) => s.all(json));
    return {
      columns: columns as ColumnRow[],
      foreignKeys: foreignKeys as ForeignKeyRow[],
      indexColumns: indexColumns as IndexColumnRow[],
    };
  };
  try {
    return read(names);
  } catch {
    const merged: PragmaRows = { columns: [], foreignKeys: [], indexColumns: [] };
    for (const name of names) {
      let one: PragmaRows;
      try {
        one = read([name]);
      } catch {
        continue;
      }
      merged.columns.push(...one.columns);
      merged.foreignKeys.push(...one.foreignKeys);
      merged.indexColumns.push(...one.indexColumns);
    }
    return merged;
  }
}

/** Columns and primary key of one relation; foreign keys need every relation's key, so they wait. */
function draftRelation(
  entry: CatalogEntry,
  ddl: ParsedCreateTable,
  columnRows: readonly ColumnRow[],
  indexRows: readonly IndexColumnRow[],
): Draft {
  const isView = entry.type === 'view';
  const visible = columnRows.filter((c) => c.hidden !== 1);
  const keyRows = visible.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
  // A single INTEGER PRIMARY KEY on a rowid table is the rowid itself: never null, filled by SQLite.
  // `INTEGER PRIMARY KEY DESC` is the documented exception; it gets an automatic 'pk' index, an alias does not.
  const rowidAlias =
    !isView &&
    !ddl.withoutRowid &&
    keyRows.length === 1 &&
    keyRows[0].type.trim().toUpperCase() === 'INTEGER' &&
    !indexRows.some((i) => i.origin === 'pk')
      ? keyRows[0].name
      : null;

  const enums = enumValuesByColumn(ddl);
  const columns = visible.map((c): Column => {
    const generated = c.hidden === 2 || c.hidden === 3;
    const mapped = mapSqliteType(c.type);
    return {
      name: c.name,
      type: mapped.type,
      nativeType: c.type,
      // Rowid tables accept NULL in other primary key columns (a documented SQLite quirk), so only
      // WITHOUT ROWID keys and the rowid alias are not-null beyond what NOT NULL declares.
      nullable: !(c.notnull === 1 || (ddl.withoutRowid && c.pk > 0) || c.name === rowidAlias),
      defaultValue: c.dflt_value,
      hasDefault: c.dflt_value !== null || c.name === rowidAlias || generated,
      generated,
      enumValues: enums.get(c.name.toLowerCase()) ?? null,
      maxLength: mapped.maxLength,
      comment: null,
    };
  });
  return {
    entry,
    ddl,
    columns,
    allColumnNames: columnRows.map((c) => c.name),
    primaryKey: isView ? [] : keyRows.map((c) => c.name),
  };
}

/** `CHECK (status IN ('a','b'))` -> status: [a, b]; several such checks on one column intersect. */
function enumValuesByColumn(ddl: ParsedCreateTable): Map<string, string[]> {
  const enums = new Map<string, string[]>();
  for (const check of ddl.checks) {
    const parsed = parseEnumCheck(check.expression);
    if (!parsed) continue;
    const key = parsed.column.toLowerCase();
    const previous = enums.get(key);
    enums.set(key, previous ? previous.filter((v) => parsed.values.includes(v)) : parsed.values);
  }
  return enums;
}

/**
 * Groups pragma rows by constraint id, in declaration order (SQLite numbers them last-declared first).
 * `REFERENCES parent` without columns means parent's primary key; names are resolved case-insensitively
 * to the catalog's spelling, since SQLite matches them that way and the model is looked up exactly.
 */
function foreignKeysOf(draft: Draft, rows: readonly ForeignKeyRow[], drafts: ReadonlyMap<string, Draft>): ForeignKey[] {
  const byId = groupBy(rows, (r) => r.id);
  const ids = [...byId.keys()].sort((a, b) => b - a);
  const names = new UniqueNames();
  const foreignKeys: ForeignKey[] = [];
  for (const id of ids) {
    const group = byId.get(id)!;
    const target = drafts.get(group[0].refTable.toLowerCase());
    const columns = group.map((r) => r.fromColumn);
    let referencedColumns: string[];
    if (group.every((r) => r.toColumn === null)) {
      // Without a target key SQLite reports "foreign key mismatch" on every write; such a key
      // describes no usable relationship, so it is left out.
      if (!target || target.primaryKey.length !== columns.length) continue;
      referencedColumns = target.primaryKey;
    } else {
      referencedColumns = group.map((r) => canonicalName(r.toColumn ?? '', target?.allColumnNames ?? []));
    }
    foreignKeys.push({
      name: names.take(`${draft.entry.name}_${columns.join('_')}_fkey`),
      columns,
      referencedTable: target ? target.entry.name : group[0].refTable,
      referencedColumns,
    });
  }
  return foreignKeys;
}

/**
 * UNIQUE constraints (origin 'u', named `<table>_<cols>_key` as PostgreSQL would, since SQLite keeps
 * only `sqlite_autoindex_*`) and CREATE UNIQUE INDEX indexes (origin 'c', by index name). Partial and
 * expression indexes guarantee nothing about plain column values, so they are not constraints here.
 */
function uniqueConstraintsOf(draft: Draft, rows: readonly IndexColumnRow[]): UniqueConstraint[] {
  const byIndex = groupBy(
    rows.filter((r) => r.isUnique === 1 && r.partial === 0 && (r.origin === 'u' || r.origin === 'c')),
    (r) => r.indexName,
  );
  const candidates = [...byIndex.values()].filter((cols) => cols.every((c) => c.cid >= 0 && c.columnName !== null));
  // Constraints in declaration order (autoindex numbers grow with it), then indexes by name.
  const autoindexNumber = (name: string) => Number(/_(\d+)$/.exec(name)?.[1] ?? 0);
  candidates.sort((a, b) => {
    if (a[0].origin !== b[0].origin) return a[0].origin === 'u' ? -1 : 1;
    if (a[0].origin === 'u') return autoindexNumber(a[0].indexName) - autoindexNumber(b[0].indexName);
    return a[0].indexName < b[0].indexName ? -1 : 1;
  });
  const names = new UniqueNames();
  return candidates.map((cols) => {
    const columns = cols.map((c) => c.columnName!);
    const name = cols[0].origin === 'u' ? `${draft.entry.name}_${columns.join('_')}_key` : cols[0].indexName;
    return { name: names.take(name), columns };
  });
}

function finishTable(
  draft: Draft,
  foreignKeys: ForeignKey[],
  uniqueConstraints: UniqueConstraint[],
  insteadOf: ReadonlySet<string> | undefined,
): Table {
  const { entry, ddl } = draft;
  const isView = entry.type === 'view';
  // Virtual tables are exposed read-only: writes go through the module, whose rules the model cannot
  // describe (an external-content FTS5 index silently drifts from its content, a contentless one
  // refuses UPDATE). Views accept only the operations an INSTEAD OF trigger implements.
  const writable = (op: string) => (isView ? insteadOf?.has(op) === true : ddl.virtualModule === null);
  const checkConstraints: CheckConstraint[] = ddl.checks.map((c) => ({ name: c.name, expression: c.expression }));
  return makeTable({
    name: entry.name,
    namespace: null,
    kind: isView ? 'view' : 'table',
    columns: draft.columns,
    primaryKey: draft.primaryKey,
    rowidKey: isView || ddl.withoutRowid || draft.primaryKey.length > 0 ? null : freeRowidName(draft.allColumnNames),
    foreignKeys,
    uniqueConstraints,
    checkConstraints,
    insertable: writable('insert'),
    updatable: writable('update'),
    deletable: writable('delete'),
    comment: null,
  });
}

/** SQLite answers to rowid, _rowid_ and oid unless a real column took the name (case-insensitively). */
function freeRowidName(columnNames: readonly string[]): string | null {
  const taken = new Set(columnNames.map((n) => n.toLowerCase()));
  return ['rowid', '_rowid_', 'oid'].find((n) => !taken.has(n)) ?? null;
}

/** Lower-cased view name -> operations its INSTEAD OF triggers implement. */
function insteadOfOperations(catalog: readonly CatalogEntry[]): Map<string, Set<string>> {
  const ops = new Map<string, Set<string>>();
  for (const entry of catalog) {
    if (entry.type !== 'trigger' || entry.sql === null) continue;
    const op = parseInsteadOfOperation(entry.sql);
    if (!op) continue;
    const key = entry.tableName.toLowerCase();
    ops.set(key, (ops.get(key) ?? new Set()).add(op));
  }
  return ops;
}

function canonicalName(name: string, candidates: readonly string[]): string {
  const lower = name.toLowerCase();
  return candidates.find((c) => c.toLowerCase() === lower) ?? name;
}

function groupBy<T, K>(items: readonly T[], key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** PostgreSQL's answer to a clashing generated name: append 1, 2, ... (`t_a_fkey1`). */
class UniqueNames {
  private readonly used = new Set<string>();
  take(name: string): string {
    let candidate = name;
    for (let n = 1; this.used.has(candidate); n++) candidate = `${name}${n}`;
    this.used.add(candidate);
    return candidate;
  }
}
