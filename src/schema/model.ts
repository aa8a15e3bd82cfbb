/**
 * The engine-neutral schema model: what every stage after parsing knows about the database.
 * Built once by a dialect's introspector, frozen, and swapped whole on reload; nothing per
 * request scans it (lookups are map gets). Relationships for embedding are derived from
 * foreign keys by `schema/relationships.ts` (issue 3), not stored here.
 */

/** The neutral type family of a column; each dialect maps its native types onto these. */
export type ColumnType =
  | 'integer' // 32/64-bit integers that JavaScript numbers hold exactly in practice
  | 'bigint' // 64-bit integers where the engine declares them as such
  | 'number' // binary floating point (REAL, DOUBLE)
  | 'numeric' // exact decimal (NUMERIC, DECIMAL)
  | 'boolean'
  | 'text'
  | 'uuid'
  | 'date' // YYYY-MM-DD
  | 'time'
  | 'timestamp' // without time zone
  | 'timestamptz'
  | 'json'
  | 'blob'
  | 'unknown'; // anything else: passed through as text

export interface Column {
  readonly name: string;
  readonly type: ColumnType;
  /** The type as the database declares it, e.g. `VARCHAR(80)`, `int8`. */
  readonly nativeType: string;
  readonly nullable: boolean;
  /** The default expression as the catalog prints it, or null when there is none. */
  readonly defaultValue: string | null;
  /** True when the database fills the value itself: a default, an identity/autoincrement or a rowid alias. */
  readonly hasDefault: boolean;
  /** Generated (computed) columns can be read but never written. */
  readonly generated: boolean;
  /** Allowed values, from an enum type or a readable `CHECK (col IN (...))`. */
  readonly enumValues: readonly string[] | null;
  /** Declared maximum length of text types, e.g. VARCHAR(80) -> 80. */
  readonly maxLength: number | null;
  readonly comment: string | null;
}

export interface ForeignKey {
  /** The constraint name; SQLite has none, so its introspector synthesises `<table>_<cols>_fkey` as PostgreSQL would. */
  readonly name: string;
  readonly columns: readonly string[];
  readonly referencedTable: string;
  readonly referencedColumns: readonly string[];
}

export interface UniqueConstraint {
  readonly name: string;
  readonly columns: readonly string[];
}

export interface CheckConstraint {
  readonly name: string | null;
  /** The SQL text of the check, for documentation only; it is never re-executed by rowgate. */
  readonly expression: string;
}

export interface Table {
  /** The name clients use in URLs. */
  readonly name: string;
  /** The engine's namespace (PostgreSQL schema, MySQL database); null for SQLite's main. */
  readonly namespace: string | null;
  readonly kind: 'table' | 'view';
  readonly columns: readonly Column[];
  readonly columnsByName: ReadonlyMap<string, Column>;
  /** Column names of the primary key in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /**
   * SQLite tables without a declared primary key are still addressed by their hidden `rowid`;
   * this names the pseudo-column (`rowid`) the row URL `/<table>/<id>` then uses, or is null.
   */
  readonly rowidKey: string | null;
  readonly foreignKeys: readonly ForeignKey[];
  readonly uniqueConstraints: readonly UniqueConstraint[];
  readonly checkConstraints: readonly CheckConstraint[];
  readonly insertable: boolean;
  readonly updatable: boolean;
  readonly deletable: boolean;
  readonly comment: string | null;
  /** The planner's estimate of the row count when the schema was read (for `count=planned`), if the engine keeps one. */
  readonly rowEstimate?: number | null;
  /** A full-text index over some of this table's columns, where the engine needs one (SQLite FTS5). */
  readonly textSearch?: TextSearchIndex | null;
  /** In a role's view of the schema (auth rules): what that role may do here. Absent: everything. */
  readonly access?: import('../auth/table-access.js').TableAccess;
}

/** `products_fts` indexing `products(name, description)`, joined on `products.id` = the index's rowid. */
export interface TextSearchIndex {
  readonly index: string;
  readonly columns: readonly string[];
  /** The indexed table's column that equals the index's rowid. */
  readonly key: string;
}

/** A database function callable at `/rpc/<name>` (PostgreSQL). */
export interface DbFunction {
  readonly name: string;
  readonly namespace: string;
  readonly args: readonly { readonly name: string; readonly type: ColumnType; readonly nativeType: string; readonly hasDefault: boolean }[];
  readonly returns: { readonly nativeType: string; readonly setOf: boolean; readonly composite: boolean; readonly void: boolean };
  /** Stable and immutable functions: callable with GET, run in a read-only transaction. */
  readonly readOnly: boolean;
  readonly comment: string | null;
}

export interface Schema {
  readonly tables: ReadonlyMap<string, Table>;
  /** Database functions by name (PostgreSQL); overloads are left out, as they cannot be called by name alone. */
  readonly functions?: ReadonlyMap<string, DbFunction>;
  /** Increments on every reload, so caches keyed by shape can tell stale entries. */
  readonly version: number;
}

/** Builds a frozen Table, deriving `columnsByName` so introspectors cannot get it out of step. */
export function makeTable(t: Omit<Table, 'columnsByName'>): Table {
  const columns = Object.freeze(t.columns.map((c) => Object.freeze({ ...c })));
  return Object.freeze({
    ...t,
    columns,
    columnsByName: new Map(columns.map((c) => [c.name, c])),
    primaryKey: Object.freeze([...t.primaryKey]),
    foreignKeys: Object.freeze(t.foreignKeys.map((f) => Object.freeze({ ...f }))),
    uniqueConstraints: Object.freeze(t.uniqueConstraints.map((u) => Object.freeze({ ...u }))),
    checkConstraints: Object.freeze(t.checkConstraints.map((c) => Object.freeze({ ...c }))),
  });
}

export function makeSchema(tables: readonly Table[], version: number, functions: readonly DbFunction[] = []): Schema {
  const byName = new Map<string, DbFunction>();
  const overloaded = new Set<string>();
  for (const f of functions) {
    if (byName.has(f.name)) overloaded.add(f.name);
    byName.set(f.name, f);
  }
  for (const name of overloaded) byName.delete(name);
  return Object.freeze({ tables: new Map(tables.map((t) => [t.name, t])), functions: byName, version });
}

/** The key a row URL `/<table>/<id>` addresses: the primary key, else the rowid, else none. */
export function rowKeyOf(table: Table): readonly string[] {
  if (table.primaryKey.length > 0) return table.primaryKey;
  return table.rowidKey ? [table.rowidKey] : [];
}
