/**
 * Reads one MySQL/MariaDB database's `information_schema` into the engine-neutral Schema of
 * schema/model.ts: tables and views, columns and their neutral types, keys, foreign keys, unique
 * and check constraints, enum values and comments. Every query binds the database name. It also
 * keeps, per Table, what only this dialect's compiler needs (AUTO_INCREMENT, collations).
 */
import {
  makeSchema,
  makeTable,
  type CheckConstraint,
  type Column,
  type ColumnType,
  type ForeignKey,
  type Schema,
  type Table,
  type UniqueConstraint,
} from '../../schema/model.js';

/** Runs a catalog query with bound parameters; rows as objects keyed by the (lower-case) aliases. */
export type CatalogQuery = (sql: string, params: readonly unknown[]) => Promise<Record<string, unknown>[]>;

export interface MysqlColumnInfo {
  /** `COLUMN_TYPE` as the catalog prints it: `int(11) unsigned`, `varchar(80)`, `enum('a','b')`. */
  readonly columnType: string;
  readonly charset: string | null;
  readonly collation: string | null;
}

/** What the MySQL compiler needs beyond the neutral model. */
export interface MysqlTableInfo {
  /** The AUTO_INCREMENT column (MySQL allows one per table), or null. */
  readonly autoIncrement: string | null;
  readonly columns: ReadonlyMap<string, MysqlColumnInfo>;
  /** Columns with a FULLTEXT index of their own, which MATCH (col) needs. */
  readonly fulltext: ReadonlySet<string>;
}

// Keyed by the frozen Table objects of a schema, so a reload's new tables get their own entries and
// the old ones go with the old schema.
const tableInfo = new WeakMap<Table, MysqlTableInfo>();

export function mysqlTableInfo(table: Table): MysqlTableInfo | undefined {
  return tableInfo.get(table);
}

/** Registers info for a Table built elsewhere (compiler tests build tables by hand). */
export function registerMysqlTableInfo(table: Table, info: MysqlTableInfo): void {
  tableInfo.set(table, info);
}

const TABLES_SQL = `
  SELECT t.table_name AS name, t.table_type AS type, t.table_comment AS comment, v.is_updatable AS updatable
  FROM information_schema.tables t
  LEFT JOIN information_schema.views v ON v.table_schema = t.table_schema AND v.table_name = t.table_name
  WHERE t.table_schema = ? AND t.table_type IN ('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW')
  ORDER BY t.table_name`;

const COLUMNS_SQL = `
  SELECT table_name AS tbl, column_name AS name, column_default AS dflt, is_nullable AS nullable,
         data_type AS data_type, column_type AS column_type, character_maximum_length AS max_length,
         character_set_name AS charset, collation_name AS collation, extra AS extra, column_comment AS comment
  FROM information_schema.columns
  WHERE table_schema = ?
  ORDER BY table_name, ordinal_position`;

// Unique indexes rather than table_constraints: only the index says whether it covers a prefix of a
// column (SUB_PART) or an expression (no COLUMN_NAME), neither of which makes the column unique.
// FULLTEXT indexes come along for full-text search.
const INDEXES_SQL = `
  SELECT table_name AS tbl, index_name AS name, seq_in_index AS seq, column_name AS col, sub_part AS sub_part,
         non_unique AS non_unique, index_type AS index_type
  FROM information_schema.statistics
  WHERE table_schema = ? AND (non_unique = 0 OR index_type = 'FULLTEXT')
  ORDER BY table_name, index_name, seq_in_index`;

const FOREIGN_KEYS_SQL = `
  SELECT table_name AS tbl, constraint_name AS name, column_name AS col,
         referenced_table_name AS ref_table, referenced_column_name AS ref_col
  FROM information_schema.key_column_usage
  WHERE table_schema = ? AND referenced_table_schema = ? AND referenced_table_name IS NOT NULL
  ORDER BY table_name, constraint_name, ordinal_position`;

// MariaDB names a column-level check after its column, unique per table only, and lists the table;
// MySQL names checks uniquely per schema and lists the table in table_constraints.
const CHECKS_SQL_MARIADB = `
  SELECT table_name AS tbl, constraint_name AS name, check_clause AS clause
  FROM information_schema.check_constraints
  WHERE constraint_schema = ?`;
const CHECKS_SQL_MYSQL = `
  SELECT tc.table_name AS tbl, cc.constraint_name AS name, cc.check_clause AS clause
  FROM information_schema.table_constraints tc
  JOIN information_schema.check_constraints cc
    ON cc.constraint_schema = tc.constraint_schema AND cc.constraint_name = tc.constraint_name
  WHERE tc.table_schema = ? AND tc.constraint_type = 'CHECK'`;

interface Check {
  readonly table: string;
  readonly name: string;
  readonly clause: string;
}

/** Reads database `database`; `mariadb` picks the check-constraint query for the server. */
export async function introspectMysql(query: CatalogQuery, database: string, mariadb: boolean, version: number): Promise<Schema> {
  const [tables, columns, indexes, foreignKeys, checkRows] = await Promise.all([
    query(TABLES_SQL, [database]),
    query(COLUMNS_SQL, [database]),
    query(INDEXES_SQL, [database]),
    query(FOREIGN_KEYS_SQL, [database, database]),
    query(mariadb ? CHECKS_SQL_MARIADB : CHECKS_SQL_MYSQL, [database]),
  ]);
  const checks: Check[] = checkRows.map((r) => ({ table: str(r.tbl), name: str(r.name), clause: str(r.clause) }));
  const columnsByTable = groupBy(columns, (r) => str(r.tbl));
  const indexesByTable = groupBy(indexes, (r) => str(r.tbl));
  const foreignKeysByTable = groupBy(foreignKeys, (r) => str(r.tbl));
  const checksByTable = groupBy(checks, (c) => c.table);

  const out: Table[] = [];
  for (const t of tables) {
    const name = str(t.name);
    // rowgate's own tables stay private, as on every engine.
    if (name.toLowerCase().startsWith('_rowgate')) continue;
    const columnRows = columnsByTable.get(name);
    // A view over a dropped table has no columns in the catalog; nothing could be read through it.
    if (!columnRows) continue;
    const isView = str(t.type) === 'VIEW';
    const tableChecks = checksByTable.get(name) ?? [];
    const built = buildTable(database, name, isView, t, columnRows, indexesByTable.get(name) ?? [], foreignKeysByTable.get(name) ?? [], tableChecks, mariadb);
    tableInfo.set(built.table, built.info);
    out.push(built.table);
  }
  return makeSchema(out, version);
}

function buildTable(
  database: string,
  name: string,
  isView: boolean,
  row: Record<string, unknown>,
  columnRows: readonly Record<string, unknown>[],
  indexRows: readonly Record<string, unknown>[],
  fkRows: readonly Record<string, unknown>[],
  checks: readonly Check[],
  mariadb: boolean,
): { table: Table; info: MysqlTableInfo } {
  // MariaDB keeps JSON as LONGTEXT guarded by CHECK (json_valid(`col`)): that check is the type.
  const jsonColumns = new Set(checks.map((c) => jsonValidColumn(c.clause)).filter((c): c is string => c !== null));
  const enumChecks = enumValuesByColumn(checks);
  const infoColumns = new Map<string, MysqlColumnInfo>();
  let autoIncrement: string | null = null;
  const columns = columnRows.map((c): Column => {
    const columnName = str(c.name);
    const extra = str(c.extra ?? '');
    const columnType = str(c.column_type);
    const mapped = mapMysqlType(str(c.data_type), columnType, jsonColumns.has(columnName), num(c.max_length));
    const isAuto = /auto_increment/i.test(extra);
    if (isAuto) autoIncrement = columnName;
    // MySQL 8 marks expression defaults DEFAULT_GENERATED; only these are computed columns.
    const generated = /\b(VIRTUAL|STORED|PERSISTENT) GENERATED\b/i.test(extra);
    let defaultValue = c.dflt === null || c.dflt === undefined ? null : str(c.dflt);
    // MariaDB prints the implicit default of a nullable column as the text NULL: that is no default.
    if (mariadb && defaultValue === 'NULL') defaultValue = null;
    infoColumns.set(columnName, { columnType, charset: nullableStr(c.charset), collation: nullableStr(c.collation) });
    return {
      name: columnName,
      type: mapped.type,
      nativeType: columnType,
      nullable: str(c.nullable) === 'YES',
      defaultValue,
      hasDefault: defaultValue !== null || isAuto || generated,
      generated,
      enumValues: mapped.enumValues ?? intersect(enumChecks.get(columnName.toLowerCase())),
      maxLength: mapped.maxLength,
      comment: nullableStr(c.comment) || null,
    };
  });

  const byIndex = groupBy(indexRows, (r) => str(r.name));
  const primaryKey = isView ? [] : (byIndex.get('PRIMARY') ?? []).map((r) => str(r.col));
  const uniqueConstraints: UniqueConstraint[] = [];
  const fulltext = new Set<string>();
  for (const [indexName, rows] of byIndex) {
    if (str(rows[0].index_type) === 'FULLTEXT') {
      if (rows.length === 1) fulltext.add(str(rows[0].col));
      continue;
    }
    if (indexName === 'PRIMARY' || Number(rows[0].non_unique) !== 0) continue;
    if (rows.some((r) => r.col === null || r.col === undefined || r.sub_part !== null)) continue;
    uniqueConstraints.push({ name: indexName, columns: rows.map((r) => str(r.col)) });
  }
  const foreignKeys: ForeignKey[] = [...groupBy(fkRows, (r) => str(r.name))].map(([fkName, rows]) => ({
    name: fkName,
    columns: rows.map((r) => str(r.col)),
    referencedTable: str(rows[0].ref_table),
    referencedColumns: rows.map((r) => str(r.ref_col)),
  }));
  const checkConstraints: CheckConstraint[] = checks
    .filter((c) => jsonValidColumn(c.clause) === null)
    .map((c) => ({ name: c.name, expression: c.clause }));
  // information_schema.views.is_updatable: MERGE views over one table are; TEMPTABLE views,
  // aggregates, DISTINCT and UNION are not.
  const writable = !isView || str(row.updatable ?? 'NO') === 'YES';
  const table = makeTable({
    name,
    namespace: database,
    kind: isView ? 'view' : 'table',
    columns,
    primaryKey,
    // InnoDB's hidden row id cannot be selected, so a table without a key has no row URL.
    rowidKey: null,
    foreignKeys,
    uniqueConstraints,
    checkConstraints,
    insertable: writable,
    updatable: writable,
    deletable: writable,
    comment: isView ? null : nullableStr(row.comment) || null,
  });
  return { table, info: { autoIncrement, columns: infoColumns, fulltext } };
}

export interface MappedMysqlType {
  readonly type: ColumnType;
  readonly maxLength: number | null;
  readonly enumValues: readonly string[] | null;
}

/**
 * `DATA_TYPE` and `COLUMN_TYPE` -> the neutral type. TINYINT(1) and BIT(1) are MySQL's booleans
 * (BOOLEAN is an alias of TINYINT(1)); DATETIME has no zone (timestamp) while TIMESTAMP is stored
 * in UTC and converted to the session zone (timestamptz); BIGINT may pass 2^53 (bigint).
 */
export function mapMysqlType(dataType: string, columnType: string, json: boolean, maxLength: number | null): MappedMysqlType {
  const plain = (type: ColumnType): MappedMysqlType => ({ type, maxLength: null, enumValues: null });
  const data = dataType.toLowerCase();
  const full = columnType.toLowerCase();
  if (json || data === 'json') return plain('json');
  switch (data) {
    case 'tinyint':
      return plain(/^tinyint\(1\)/.test(full) ? 'boolean' : 'integer');
    case 'bit':
      return plain(/^bit\(1\)$/.test(full) ? 'boolean' : 'integer');
    case 'smallint':
    case 'mediumint':
    case 'int':
    case 'integer':
    case 'year':
      return plain('integer');
    case 'bigint':
      return plain('bigint');
    case 'float':
    case 'double':
    case 'real':
      return plain('number');
    case 'decimal':
    case 'numeric':
      return plain('numeric');
    case 'char':
    case 'varchar':
      return { type: 'text', maxLength, enumValues: null };
    case 'tinytext':
    case 'text':
    case 'mediumtext':
    case 'longtext':
    case 'set':
      return plain('text');
    case 'enum':
      return { type: 'text', maxLength: null, enumValues: parseQuotedList(columnType.slice(columnType.indexOf('(') + 1, columnType.lastIndexOf(')'))) };
    case 'date':
      return plain('date');
    case 'time':
      return plain('time');
    case 'datetime':
      return plain('timestamp');
    case 'timestamp':
      return plain('timestamptz');
    case 'binary':
    case 'varbinary':
    case 'tinyblob':
    case 'blob':
    case 'mediumblob':
    case 'longblob':
      return plain('blob');
    case 'uuid':
      return plain('uuid');
    default:
      return plain('unknown');
  }
}

/** `json_valid(`meta`)` -> meta, as MariaDB writes the check its JSON alias creates. */
function jsonValidColumn(clause: string): string | null {
  return /^\(?json_valid\(`((?:[^`]|``)+)`\)\)?$/i.exec(clause.trim())?.[1].replace(/``/g, '`') ?? null;
}

/**
 * `CHECK (genre IN ('a','b'))` as each server prints it back: MariaDB `` `genre` in ('a','b') ``,
 * MySQL `` (`genre` in (_utf8mb4'a',_utf8mb4'b')) ``. Several such checks on one column intersect.
 */
export function parseEnumCheck(clause: string): { column: string; values: string[] } | null {
  let text = clause.trim();
  while (text.startsWith('(') && text.endsWith(')') && balanced(text.slice(1, -1))) text = text.slice(1, -1).trim();
  const m = /^`((?:[^`]|``)+)`\s+in\s*\((.*)\)$/is.exec(text);
  if (!m) return null;
  const values = parseQuotedList(m[2]);
  return values ? { column: m[1].replace(/``/g, '`'), values } : null;
}

function enumValuesByColumn(checks: readonly Check[]): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const c of checks) {
    const parsed = parseEnumCheck(c.clause);
    if (!parsed) continue;
    const key = parsed.column.toLowerCase();
    out.set(key, [...(out.get(key) ?? []), parsed.values]);
  }
  return out;
}

function intersect(lists: readonly string[][] | undefined): readonly string[] | null {
  if (!lists || lists.length === 0) return null;
  return lists.reduce((acc, l) => acc.filter((v) => l.includes(v)));
}

/** `'a','it''s',_utf8mb4'b\'c'` -> [a, it's, b'c]; null when anything but string literals is listed. */
function parseQuotedList(text: string): string[] | null {
  const values: string[] = [];
  const literal = /\s*(?:_\w+)?'((?:[^'\\]|''|\\.)*)'\s*(,|$)/gy;
  let m: RegExpExecArray | null;
  let end = 0;
  while ((m = literal.exec(text)) !== null) {
    values.push(m[1].replace(/''/g, "'").replace(/\\(.)/g, '$1'));
    end = literal.lastIndex;
    if (m[2] === '') break;
  }
  return end === text.length && values.length > 0 ? values : null;
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const ch of text) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

function str(v: unknown): string {
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}

function nullableStr(v: unknown): string | null {
  return v === null || v === undefined ? null : str(v);
}

function num(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
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
