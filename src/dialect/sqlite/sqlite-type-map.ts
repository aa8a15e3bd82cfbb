/**
 * Maps a SQLite declared column type (free text such as `VARCHAR(80)` or `DOUBLE PRECISION`) onto the
 * neutral ColumnType. SQLite itself only derives an affinity from that text; we first recognise the
 * common names whose intent is clearer than their affinity (BOOLEAN, TIMESTAMP, JSON, ...), then
 * follow the affinity rules of https://sqlite.org/datatype3.html section 3.1, in their order.
 */
import type { ColumnType } from '../../schema/model.js';

export interface MappedSqliteType {
  readonly type: ColumnType;
  /** The length in `VARCHAR(80)`, `CHAR(2)`, `TEXT(500)`; null otherwise. SQLite does not enforce it. */
  readonly maxLength: number | null;
}

/**
 * Names checked before the affinity rules, after upper-casing, collapsing spaces and dropping `(...)`.
 * Integers: SQLite stores every integer in up to 8 bytes whatever the declaration says, so the
 * neutral type keeps the author's intent instead: INT/INTEGER (also the rowid alias) -> 'integer',
 * BIGINT/INT8 -> 'bigint', which lets documentation warn that values may pass 2^53.
 */
const NAMED_TYPES: ReadonlyMap<string, ColumnType> = new Map<string, ColumnType>([
  ['BOOLEAN', 'boolean'],
  ['BOOL', 'boolean'],
  ['DATE', 'date'],
  ['DATETIME', 'timestamp'],
  ['TIMESTAMP', 'timestamp'],
  ['TIMESTAMP WITHOUT TIME ZONE', 'timestamp'],
  ['TIMESTAMPTZ', 'timestamptz'],
  ['TIMESTAMP WITH TIME ZONE', 'timestamptz'],
  ['TIME', 'time'],
  ['TIME WITHOUT TIME ZONE', 'time'],
  ['JSON', 'json'],
  ['JSONB', 'json'],
  ['UUID', 'uuid'],
  ['BIGINT', 'bigint'],
  ['INT8', 'bigint'],
  ['UNSIGNED BIG INT', 'bigint'],
  ['NUMERIC', 'numeric'],
  ['DECIMAL', 'numeric'],
]);

/**
 * `VARCHAR(80)` -> text, 80; `BIGINT` -> bigint; `FLOATING POINT` -> integer (SQLite's rule 1: it
 * contains "INT"); `` (no type) -> unknown.
 */
export function mapSqliteType(declared: string): MappedSqliteType {
  const upper = declared.trim().toUpperCase().replace(/\s+/g, ' ');
  if (upper === '') return { type: 'unknown', maxLength: null };
  const paren = upper.indexOf('(');
  const base = (paren < 0 ? upper : upper.slice(0, paren)).trim();
  const named = NAMED_TYPES.get(base);
  if (named) return { type: named, maxLength: null };

  if (upper.includes('INT')) return { type: 'integer', maxLength: null };
  if (upper.includes('CHAR') || upper.includes('CLOB') || upper.includes('TEXT')) {
    const length = paren < 0 ? null : /^\(\s*(\d+)\s*\)/.exec(upper.slice(paren));
    return { type: 'text', maxLength: length ? Number(length[1]) : null };
  }
  if (upper.includes('BLOB')) return { type: 'blob', maxLength: null };
  if (upper.includes('REAL') || upper.includes('FLOA') || upper.includes('DOUB')) {
    return { type: 'number', maxLength: null };
  }
  // What is left has NUMERIC affinity, which is SQLite's catch-all (STRING, MONEY, GEOMETRY all land
  // here) and stores values of any kind; only names that read as decimals are promised to be numbers.
  if (base.includes('NUM') || base.includes('DEC')) return { type: 'numeric', maxLength: null };
  return { type: 'unknown', maxLength: null };
}
