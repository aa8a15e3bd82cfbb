/**
 * Name resolution against the schema: the only place that turns a name from the URL into a
 * Table or Column, and the place that phrases "not found" with a "Perhaps you meant" hint.
 */
import { errors } from '../errors/catalog.js';
import type { Column, Schema, Table } from '../schema/model.js';
import { closestMatch } from '../util/closest-match.js';

export function resolveTable(schema: Schema, name: string): Table {
  const table = schema.tables.get(name);
  if (table) return table;
  throw errors.unknownTable(name, closestMatch(name, schema.tables.keys()));
}

/**
 * A column of the table; SQLite rowid tables also answer to their hidden key (`rowid`), which is
 * not among `columns` so that `select=*` leaves it out, as SQLite itself does.
 */
export function resolveColumn(table: Table, name: string): Column {
  const column = table.columnsByName.get(name) ?? (name === table.rowidKey ? rowidColumn(table) : undefined);
  if (column) return column;
  throw errors.unknownColumn(table.name, name, closestMatch(name, table.columnsByName.keys()));
}

const rowidColumns = new WeakMap<Table, Column>();

/** The pseudo-column for a rowid table's hidden key, made once per table. */
export function rowidColumn(table: Table): Column | undefined {
  if (!table.rowidKey) return undefined;
  let column = rowidColumns.get(table);
  if (!column) {
    column = Object.freeze({
      name: table.rowidKey,
      type: 'integer',
      nativeType: 'INTEGER',
      nullable: false,
      defaultValue: null,
      hasDefault: true,
      generated: false,
      enumValues: null,
      maxLength: null,
      comment: null,
    });
    rowidColumns.set(table, column);
  }
  return column;
}

/** The columns of a row URL's key: the primary key, else the rowid. */
export function keyColumns(table: Table): Column[] {
  if (table.primaryKey.length > 0) return table.primaryKey.map((n) => table.columnsByName.get(n)!);
  const rowid = rowidColumn(table);
  return rowid ? [rowid] : [];
}
