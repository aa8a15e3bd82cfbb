/**
 * What every OpenAPI builder needs to know beyond the one table it describes: the tables in a
 * stable order, a component-safe key for each table and column, and the foreign keys that point
 * at a table (its one-to-many embeddings). Built once per document; the builders stay pure.
 */
import type { ForeignKey, Schema, Table } from '../schema/model.js';

export interface IncomingForeignKey {
  /** The table holding the foreign key, e.g. `order_items` for `order_items.order_id -> orders.id`. */
  readonly table: Table;
  readonly foreignKey: ForeignKey;
}

export interface DocContext {
  /** Tables sorted by name (code-unit order, so the document does not depend on the locale). */
  readonly tables: readonly Table[];
  /** Rows per response the server allows at most, or null when unlimited. */
  readonly maxRows: number | null;
  /** The table's key in `components` and in operationIds: `products`, `order_items`, `caf_`. */
  tableKey(table: Table): string;
  /** The column's key in `components.parameters` (`rowFilter.<table>.<column>`). */
  columnKey(table: Table, column: string): string;
  /** Foreign keys of other tables (or of this one) that reference this table. */
  referencedBy(table: Table): readonly IncomingForeignKey[];
}

/**
 * Component names in `#/components/...` must match `^[a-zA-Z0-9.\-_]+$` (OpenAPI 3.1, 4.8.7.1);
 * SQL names may hold anything. The dot is replaced too, because it separates the parts of our
 * keys (`products.insert`). These names are reserved for the shared schemas.
 */
const RESERVED_KEYS = ['Error', 'Health'];

export function buildDocContext(schema: Schema, opts: { maxRows?: number }): DocContext {
  const tables = [...schema.tables.values()].sort((a, b) => compareNames(a.name, b.name));

  const tableKeys = uniqueKeys(
    tables.map((t) => t.name),
    RESERVED_KEYS,
  );
  const columnKeys = new Map<string, Map<string, string>>();
  for (const table of tables) {
    // rowid tables filter on the hidden key too, so it needs a key beside the real columns.
    const names = table.columns.map((c) => c.name);
    if (table.rowidKey && !table.columnsByName.has(table.rowidKey)) names.push(table.rowidKey);
    columnKeys.set(table.name, uniqueKeys(names, []));
  }

  const incoming = new Map<string, IncomingForeignKey[]>();
  for (const table of tables) {
    for (const foreignKey of table.foreignKeys) {
      const list = incoming.get(foreignKey.referencedTable) ?? [];
      list.push({ table, foreignKey });
      incoming.set(foreignKey.referencedTable, list);
    }
  }

  return {
    tables,
    maxRows: opts.maxRows ?? null,
    tableKey: (table) => tableKeys.get(table.name) ?? sanitize(table.name),
    columnKey: (table, column) => columnKeys.get(table.name)?.get(column) ?? sanitize(column),
    referencedBy: (table) => incoming.get(table.name) ?? [],
  };
}

/** Plain code-unit comparison: `localeCompare` would make the output depend on the machine's locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}

/**
 * Sanitised keys, made unique by suffixing `_2`, `_3`, … Names that are already safe claim their
 * own key first, so `order_items` stays `order_items` even beside a table called `order items`.
 */
function uniqueKeys(names: readonly string[], reserved: readonly string[]): Map<string, string> {
  const taken = new Set(reserved);
  const keys = new Map<string, string>();
  const safeFirst = [...names.filter((n) => sanitize(n) === n), ...names.filter((n) => sanitize(n) !== n)];
  for (const name of safeFirst) {
    const base = sanitize(name);
    let key = base;
    for (let n = 2; taken.has(key); n++) key = `${base}_${n}`;
    taken.add(key);
    keys.set(name, key);
  }
  return keys;
}
