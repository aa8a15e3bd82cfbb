/**
 * Relationships for embedding, derived from foreign keys once per schema: many-to-one along a
 * foreign key, one-to-many against it (one-to-one when the referencing columns are unique), and
 * many-to-many through a junction table whose key holds foreign keys to both sides (PostgREST's
 * rule). Lookups per table are map gets on the cached result.
 */
import type { ForeignKey, Schema, Table } from './model.js';

export type Cardinality = 'many-to-one' | 'one-to-many' | 'one-to-one' | 'many-to-many';

/** Column pairs `[column of the source table, column of the target table]`. */
export type ColumnPairs = readonly (readonly [string, string])[];

export interface DirectRelationship {
  readonly kind: 'direct';
  readonly cardinality: 'many-to-one' | 'one-to-many' | 'one-to-one';
  readonly source: Table;
  readonly target: Table;
  readonly constraint: ForeignKey;
  /** True when the foreign key sits on the source table (so the target has at most one row). */
  readonly forward: boolean;
  readonly pairs: ColumnPairs;
}

export interface JunctionRelationship {
  readonly kind: 'junction';
  readonly cardinality: 'many-to-many';
  readonly source: Table;
  readonly target: Table;
  readonly junction: Table;
  /** Junction -> source and junction -> target foreign keys. */
  readonly sourceKey: ForeignKey;
  readonly targetKey: ForeignKey;
  /** `[source column, junction column]` and `[junction column, target column]`. */
  readonly sourcePairs: ColumnPairs;
  readonly targetPairs: ColumnPairs;
}

export type Relationship = DirectRelationship | JunctionRelationship;

const cache = new WeakMap<Schema, ReadonlyMap<string, readonly Relationship[]>>();

/** Every relationship that starts at `table`. */
export function relationshipsOf(schema: Schema, table: Table): readonly Relationship[] {
  let all = cache.get(schema);
  if (!all) {
    all = deriveRelationships(schema);
    cache.set(schema, all);
  }
  return all.get(table.name) ?? [];
}

function deriveRelationships(schema: Schema): Map<string, Relationship[]> {
  const out = new Map<string, Relationship[]>();
  const add = (r: Relationship) => {
    const list = out.get(r.source.name) ?? [];
    list.push(r);
    out.set(r.source.name, list);
  };
  for (const table of schema.tables.values()) {
    for (const fk of table.foreignKeys) {
      const target = schema.tables.get(fk.referencedTable);
      if (!target) continue;
      const pairs = fk.columns.map((c, i) => [c, fk.referencedColumns[i]] as const);
      const unique = isUnique(table, fk.columns);
      add({ kind: 'direct', cardinality: unique ? 'one-to-one' : 'many-to-one', source: table, target, constraint: fk, forward: true, pairs });
      add({
        kind: 'direct',
        cardinality: unique ? 'one-to-one' : 'one-to-many',
        source: target,
        target: table,
        constraint: fk,
        forward: false,
        pairs: pairs.map(([a, b]) => [b, a] as const),
      });
    }
    for (const r of junctionsThrough(schema, table)) add(r);
  }
  return out;
}

/** A table is a junction between A and B when its key (or a unique set) covers an FK to each. */
function junctionsThrough(schema: Schema, junction: Table): JunctionRelationship[] {
  const result: JunctionRelationship[] = [];
  const keys = [junction.primaryKey, ...junction.uniqueConstraints.map((u) => u.columns)].filter((k) => k.length > 0);
  const fks = junction.foreignKeys;
  for (const a of fks) {
    for (const b of fks) {
      if (a === b) continue;
      const covered = keys.some((k) => [...a.columns, ...b.columns].every((c) => k.includes(c)));
      if (!covered) continue;
      const source = schema.tables.get(a.referencedTable);
      const target = schema.tables.get(b.referencedTable);
      if (!source || !target) continue;
      result.push({
        kind: 'junction',
        cardinality: 'many-to-many',
        source,
        target,
        junction,
        sourceKey: a,
        targetKey: b,
        sourcePairs: a.referencedColumns.map((c, i) => [c, a.columns[i]] as const),
        targetPairs: b.columns.map((c, i) => [c, b.referencedColumns[i]] as const),
      });
    }
  }
  return result;
}

function isUnique(table: Table, columns: readonly string[]): boolean {
  const same = (k: readonly string[]) => k.length === columns.length && k.every((c) => columns.includes(c));
  return same(table.primaryKey) || table.uniqueConstraints.some((u) => same(u.columns));
}

/** What an error or hint calls a relationship: its constraint, or the junction table. */
export function relationshipName(r: Relationship): string {
  return r.kind === 'direct' ? r.constraint.name : r.junction.name;
}

/** True when embedding along `r` yields at most one row (an object, not an array). */
export function isToOne(r: Relationship): boolean {
  return r.cardinality === 'many-to-one' || r.cardinality === 'one-to-one';
}
