/**
 * Reads one PostgreSQL schema from pg_catalog into the engine-neutral Schema of schema/model.ts:
 * tables and views (with what each allows, from pg_relation_is_updatable and the connected role's
 * privileges), columns with neutral types, keys, foreign keys with their real names, unique
 * constraints and indexes, checks (enum values from `col IN (…)`), enum types and comments.
 * Four catalog queries in one read-only snapshot, each with the schema name as a bound parameter.
 */
import type pg from 'pg';
import { introspectFunctions } from './postgres-functions.js';
import {
  makeSchema,
  makeTable,
  type CheckConstraint,
  type Column,
  type ColumnType,
  type DbFunction,
  type ForeignKey,
  type Schema,
  type Table,
  type UniqueConstraint,
} from '../../schema/model.js';

const RELATIONS_SQL = `
  select c.relname as name, c.relkind as kind, obj_description(c.oid, 'pg_class') as comment,
         pg_relation_is_updatable(c.oid::regclass, true) as updatable,
         has_any_column_privilege(c.oid, 'INSERT') as may_insert,
         has_any_column_privilege(c.oid, 'UPDATE') as may_update,
         has_table_privilege(c.oid, 'DELETE') as may_delete
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = $1 and c.relkind in ('r', 'p', 'v', 'm', 'f') and not c.relispartition
  order by c.relname`;

// Domains are described by their base type (one level), keeping the domain's own NOT NULL.
const COLUMNS_SQL = `
  select c.relname as table, a.attname as name, format_type(a.atttypid, a.atttypmod) as native_type,
         coalesce(bt.typname, t.typname) as base_type, coalesce(bt.typtype, t.typtype) as base_kind,
         case when t.typtype = 'd' then t.typtypmod else a.atttypmod end as typmod,
         a.attnotnull or (t.typtype = 'd' and t.typnotnull) as not_null,
         pg_get_expr(d.adbin, d.adrelid) as default_value, a.attidentity as identity, a.attgenerated as generated,
         col_description(c.oid, a.attnum) as comment,
         case when coalesce(bt.typtype, t.typtype) = 'e' then
           array(select e.enumlabel::text from pg_enum e where e.enumtypid = coalesce(bt.oid, t.oid) order by e.enumsortorder)
         end as enum_values
  from pg_attribute a
  join pg_class c on c.oid = a.attrelid
  join pg_namespace n on n.oid = c.relnamespace
  join pg_type t on t.oid = a.atttypid
  left join pg_type bt on t.typtype = 'd' and bt.oid = t.typbasetype
  left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
  where n.nspname = $1 and c.relkind in ('r', 'p', 'v', 'm', 'f') and not c.relispartition
    and a.attnum > 0 and not a.attisdropped
  order by c.relname, a.attnum`;

// Column lists keep key order (conkey, confkey); constraints come in creation order (oid).
const CONSTRAINTS_SQL = `
  select c.relname as table, con.conname as name, con.contype as type,
         array(select a.attname::text from unnest(con.conkey) with ordinality k(num, i)
               join pg_attribute a on a.attrelid = con.conrelid and a.attnum = k.num order by k.i) as columns,
         fc.relname as ref_table, fn.nspname as ref_schema,
         array(select a.attname::text from unnest(con.confkey) with ordinality k(num, i)
               join pg_attribute a on a.attrelid = con.confrelid and a.attnum = k.num order by k.i) as ref_columns,
         pg_get_expr(con.conbin, con.conrelid) as expression
  from pg_constraint con
  join pg_class c on c.oid = con.conrelid
  join pg_namespace n on n.oid = c.relnamespace
  left join pg_class fc on fc.oid = con.confrelid
  left join pg_namespace fn on fn.oid = fc.relnamespace
  where n.nspname = $1 and con.contype in ('p', 'u', 'f', 'c')
  order by c.relname, con.oid`;

// CREATE UNIQUE INDEX without a constraint; partial and expression indexes guarantee nothing about
// plain column values, and INCLUDE columns are not part of the key.
const UNIQUE_INDEXES_SQL = `
  select c.relname as table, ic.relname as name,
         array(select a.attname::text from unnest(i.indkey::int2[]) with ordinality k(num, pos)
               join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.num
               where k.pos <= i.indnkeyatts order by k.pos) as columns
  from pg_index i
  join pg_class ic on ic.oid = i.indexrelid
  join pg_class c on c.oid = i.indrelid
  join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = $1 and i.indisunique and not i.indisprimary and i.indpred is null and i.indexprs is null
    and not exists (select 1 from pg_constraint con where con.conindid = i.indexrelid and con.contype in ('p', 'u', 'x'))
  order by c.relname, ic.relname`;

interface RelationRow {
  name: string;
  kind: string;
  comment: string | null;
  updatable: number;
  may_insert: boolean;
  may_update: boolean;
  may_delete: boolean;
}

interface ColumnRow {
  table: string;
  name: string;
  native_type: string;
  base_type: string;
  base_kind: string;
  typmod: number;
  not_null: boolean;
  default_value: string | null;
  identity: string;
  generated: string;
  comment: string | null;
  enum_values: string[] | null;
}

interface ConstraintRow {
  table: string;
  name: string;
  type: 'p' | 'u' | 'f' | 'c';
  columns: string[];
  ref_table: string | null;
  ref_schema: string | null;
  ref_columns: string[];
  expression: string | null;
}

interface UniqueIndexRow {
  table: string;
  name: string;
  columns: string[];
}

// pg_relation_is_updatable's bitmask: 1 << CMD_UPDATE, 1 << CMD_INSERT, 1 << CMD_DELETE.
const CAN_UPDATE = 4;
const CAN_INSERT = 8;
const CAN_DELETE = 16;

/** Reads `schema` (a PostgreSQL schema name); `version` is stamped on the Schema for caches. */
export async function introspectPostgres(pool: pg.Pool, schema: string, version: number): Promise<Schema> {
  const client = await pool.connect();
  let relations: RelationRow[], columns: ColumnRow[], constraints: ConstraintRow[], indexes: UniqueIndexRow[], functions: DbFunction[];
  try {
    // One snapshot, so a DDL change committed mid-way cannot give columns of one version and keys of another.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    relations = (await client.query<RelationRow>(RELATIONS_SQL, [schema])).rows;
    columns = (await client.query<ColumnRow>(COLUMNS_SQL, [schema])).rows;
    constraints = (await client.query<ConstraintRow>(CONSTRAINTS_SQL, [schema])).rows;
    indexes = (await client.query<UniqueIndexRow>(UNIQUE_INDEXES_SQL, [schema])).rows;
    functions = await introspectFunctions(client, schema);
    await client.query('COMMIT');
    client.release();
  } catch (e) {
    client.release(e as Error);
    throw e;
  }
  const columnsByTable = groupBy(columns, (c) => c.table);
  const constraintsByTable = groupBy(constraints, (c) => c.table);
  const indexesByTable = groupBy(indexes, (i) => i.table);
  const tables = relations
    .filter((r) => !r.name.toLowerCase().startsWith('_rowgate'))
    .map((r) => buildTable(schema, r, columnsByTable.get(r.name) ?? [], constraintsByTable.get(r.name) ?? [], indexesByTable.get(r.name) ?? []));
  return makeSchema(tables, version, functions);
}

function buildTable(schema: string, relation: RelationRow, columnRows: readonly ColumnRow[], constraints: readonly ConstraintRow[], indexes: readonly UniqueIndexRow[]): Table {
  const isView = relation.kind === 'v' || relation.kind === 'm';
  const checkEnums = new Map<string, string[]>();
  const checkConstraints: CheckConstraint[] = [];
  for (const c of constraints) {
    if (c.type !== 'c' || c.expression === null) continue;
    checkConstraints.push({ name: c.name, expression: c.expression });
    const parsed = c.columns.length === 1 ? parseEnumCheck(c.expression) : null;
    if (!parsed || parsed.column !== c.columns[0]) continue;
    // Several such checks on one column: only values all of them allow.
    const previous = checkEnums.get(parsed.column);
    checkEnums.set(parsed.column, previous ? previous.filter((v) => parsed.values.includes(v)) : parsed.values);
  }
  const primaryKey = constraints.find((c) => c.type === 'p')?.columns ?? [];
  const foreignKeys: ForeignKey[] = constraints
    // The model names the referenced table without its schema: keys into other schemas wait for multi-schema support.
    .filter((c) => c.type === 'f' && c.ref_table !== null && c.ref_schema === schema)
    .map((c) => ({ name: c.name, columns: c.columns, referencedTable: c.ref_table!, referencedColumns: c.ref_columns }));
  const uniqueConstraints: UniqueConstraint[] = [
    ...constraints.filter((c) => c.type === 'u').map((c) => ({ name: c.name, columns: c.columns })),
    ...indexes.filter((i) => i.columns.length > 0).map((i) => ({ name: i.name, columns: i.columns })),
  ];
  return makeTable({
    name: relation.name,
    namespace: schema,
    kind: isView ? 'view' : 'table',
    columns: columnRows.map((c) => buildColumn(c, checkEnums.get(c.name) ?? null)),
    primaryKey,
    // PostgreSQL has no rowid: a table without a primary key has no row URLs (RG103).
    rowidKey: null,
    foreignKeys,
    uniqueConstraints,
    checkConstraints,
    insertable: (relation.updatable & CAN_INSERT) !== 0 && relation.may_insert,
    updatable: (relation.updatable & CAN_UPDATE) !== 0 && relation.may_update,
    deletable: (relation.updatable & CAN_DELETE) !== 0 && relation.may_delete,
    comment: relation.comment,
  });
}

function buildColumn(row: ColumnRow, checkValues: string[] | null): Column {
  const type = neutralType(row.base_type, row.base_kind);
  // GENERATED ALWAYS AS IDENTITY refuses written values as a stored generated column does.
  const generated = row.generated === 's' || row.identity === 'a';
  return {
    name: row.name,
    type,
    nativeType: row.native_type,
    nullable: !row.not_null,
    defaultValue: row.default_value,
    hasDefault: row.default_value !== null || row.identity !== '' || generated,
    generated,
    enumValues: row.enum_values ?? checkValues,
    // varchar(n) and char(n) store n + 4 (the varlena header) in their typmod.
    maxLength: (row.base_type === 'varchar' || row.base_type === 'bpchar') && row.typmod > 4 ? row.typmod - 4 : null,
    comment: row.comment,
  };
}

const TYPES: Readonly<Record<string, ColumnType>> = {
  int2: 'integer',
  int4: 'integer',
  int8: 'bigint',
  float4: 'number',
  float8: 'number',
  numeric: 'numeric',
  bool: 'boolean',
  text: 'text',
  varchar: 'text',
  bpchar: 'text',
  name: 'text',
  citext: 'text',
  uuid: 'uuid',
  date: 'date',
  time: 'time',
  timetz: 'time',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  json: 'json',
  jsonb: 'json',
  bytea: 'blob',
};

/** A base type name (`pg_type.typname`) and kind (`typtype`, 'e' for enums) -> neutral type. */
export function neutralType(typname: string, typtype: string): ColumnType {
  if (typtype === 'e') return 'text';
  return TYPES[typname] ?? 'unknown';
}

/**
 * The values of a check that allows a fixed list, as pg_get_expr prints it (PostgreSQL rewrites
 * `IN (…)` to `= ANY (ARRAY[…])`):
 *   (genre = ANY (ARRAY['fiction'::text, 'poetry'::text]))                      -> genre: fiction, poetry
 *   ((code)::text = ANY ((ARRAY['a'::character varying])::text[]))              -> code: a
 *   (mood = 'calm'::text)                                                        -> mood: calm
 * Anything else (ranges, OR, functions) is not a list of values: null.
 */
export function parseEnumCheck(expression: string): { column: string; values: string[] } | null {
  const s = stripParens(expression.trim());
  const m = /^\(?("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)\)?(?:::[a-z][a-z ]*)?\s*=\s*([\s\S]*)$/.exec(s);
  if (!m) return null;
  const column = m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1];
  const right = m[2].trim();
  const any = /^ANY\s*\(\s*\(?ARRAY\[([\s\S]*?)\]\)?(?:::[a-z][a-z ]*\[\])?\s*\)$/.exec(right);
  const values = literals(any ? any[1] : right);
  return values && values.length > 0 ? { column, values } : null;
}

/** `'a'::text, 'it''s'::text` -> [a, it's]; null when anything but casted string literals appears. */
function literals(list: string): string[] | null {
  const values: string[] = [];
  const literal = /\s*'((?:[^']|'')*)'(?:::[a-z][a-z ]*)?\s*(,|$)/y;
  let at = 0;
  while (at < list.length) {
    literal.lastIndex = at;
    const m = literal.exec(list);
    if (!m) return null;
    values.push(m[1].replace(/''/g, "'"));
    at = literal.lastIndex;
    if (m[2] === '') break;
  }
  return at === list.length ? values : null;
}

/** Removes parentheses that wrap the whole expression: `((a = b))` -> `a = b`. */
function stripParens(s: string): string {
  while (s.startsWith('(') && s.endsWith(')') && closingParen(s, 0) === s.length - 1) s = s.slice(1, -1).trim();
  return s;
}

function closingParen(s: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return -1;
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
