/**
 * Writes on MySQL/MariaDB, which have no RETURNING on UPDATE (MariaDB's INSERT/DELETE … RETURNING
 * is not used, so MySQL 8 works too): each write compiles to its statement plus the queries the
 * driver needs to find the written rows again inside the same transaction. Which rows, and why
 * that is exact, is decided here per plan and documented on MysqlWriteSteps; mysql-driver.ts runs them.
 */
import { sql } from 'kysely';
import type { CompiledQuery, CompiledWrite, Sql } from '../../compile/sql-compiler.js';
import { errors } from '../../errors/catalog.js';
import type { DeletePlan, Field, InsertPlan, Predicate, Returning, UpdatePlan } from '../../plan/plan-nodes.js';
import type { Column, Table } from '../../schema/model.js';
import { mysqlTableInfo } from './mysql-introspector.js';

export type UpsertMode = 'insert' | 'merge' | 'ignore';

/**
 * The statements of one write, run in order in one transaction. Slots the driver fills:
 * `rows` (a JSON array of body rows), `ids` (a JSON array of AUTO_INCREMENT ids), `keys` (a JSON
 * array of key tuples, as the lock query printed them).
 */
export type MysqlWriteSteps =
  /** `main` alone: nothing to send back. `affected` counts inserted/deleted rows, `matched` the rows an UPDATE matched, `rows` the body's rows. */
  | { readonly kind: 'direct'; readonly count: 'affected' | 'matched' | 'rows' }
  /**
   * No key is in the body, and the AUTO_INCREMENT key is left to the server: `LAST_INSERT_ID()` is
   * the first id of the statement. `bulk`: one multi-row INSERT … SELECT, whose ids are consecutive
   * when innodb_autoinc_lock_mode is 0 or 1 (the statement holds the table's AUTO-INC lock); else,
   * and for upserts on a target that is not a key, `perRow` (INSERT … VALUES with the `row` slot)
   * runs once per row, each giving its own id exactly (an upsert's update sets it with
   * `id = LAST_INSERT_ID(id)`). Then `reread` selects the rows by id, in body order.
   */
  | { readonly kind: 'insert-auto'; readonly mode: UpsertMode; readonly bulk: boolean; readonly perRow: CompiledQuery; readonly reread: CompiledQuery }
  /**
   * The body holds a whole key of every row (or the row URL does; an upsert's conflict target
   * first), so `reread` finds each row by it (LEFT JOIN, body order, a last column saying whether
   * it was found: an upsert whose row is missing updated a row that conflicted on another unique
   * key, which PostgreSQL refuses, so we do). Ignoring duplicates runs row by row, keeping the rows
   * that were inserted (affected rows 1, not 0).
   */
  | { readonly kind: 'insert-keyed'; readonly mode: UpsertMode; readonly reread: CompiledQuery }
  /** `lock` selects the key of each matching row FOR UPDATE; `main` updates those keys; `reread` reads them. */
  | { readonly kind: 'update-keyed'; readonly lock: CompiledQuery; readonly reread: CompiledQuery }
  /** `lock` selects the rows to send back and their key FOR UPDATE (key last); `main` deletes by key. */
  | { readonly kind: 'delete-keyed'; readonly lock: CompiledQuery }
  /** A table without any key: `lock` selects the rows FOR UPDATE, `main` deletes with the same filter. */
  | { readonly kind: 'delete-unkeyed'; readonly lock: CompiledQuery };

export interface MysqlCompiledWrite extends CompiledWrite {
  readonly steps: MysqlWriteSteps;
}

/** The protected parts of MysqlCompiler this module builds on. */
export interface WriteHelpers {
  finish(query: Sql): CompiledQuery;
  jsonRow(fields: readonly Field[]): Sql;
  jsonArray(items: readonly Sql[]): Sql;
  predicate(p: Predicate): Sql;
  bodyField(object: Sql, column: Column): Sql;
  rowsFromBody(plan: InsertPlan): Sql;
  table(table: Table): Sql;
}

const BODY: Sql = sql`${{ kind: 'body' }}`;
const ROW: Sql = sql`${{ kind: 'slot', name: 'row' }}`;
const KEYS = 'rowgate_k';

export function compileMysqlInsert(plan: InsertPlan, h: WriteHelpers): MysqlCompiledWrite {
  const table = plan.table;
  const names = [...plan.fixed.map((f) => f.column), ...plan.columns];
  // Columns are compared by name throughout: a plan may carry copies of the schema's Column objects.
  const given = new Set(names.map((c) => c.name));
  const target = (plan.onConflict?.columns ?? []).map((c) => c.name);
  // Rows that do not give the conflict target cannot conflict on it: PostgreSQL inserts them (and a
  // clash on another unique key is an error), so they are plain inserts here too. This also keeps
  // ON DUPLICATE KEY UPDATE, which acts on any unique key, from updating a row on_conflict never named.
  const upsert = plan.onConflict !== null && target.every((n) => given.has(n));
  const mode: UpsertMode = !upsert ? 'insert' : plan.onConflict!.action === 'update' ? 'merge' : 'ignore';
  const returns = returnsOf(plan.returning);
  const autoName = mysqlTableInfo(table)?.autoIncrement ?? null;
  const auto = autoName === null ? null : table.columnsByName.get(autoName) ?? null;
  const keys = candidateKeys(table);

  // A body that names no column inserts defaults; MySQL needs one column to insert into.
  const targets = names.length > 0 ? names : auto ? [auto] : [];
  if (targets.length === 0) throw errors.notImplemented(`inserting a row of defaults only into '${table.name}' on MySQL`);
  const into = sql`insert into ${h.table(table)} (${sql.join(targets.map((c) => sql.id(c.name)))})`;
  const conflict = upsert ? onDuplicate(plan, null) : sql``;
  const main = h.finish(sql`${into} ${h.rowsFromBody(plan)}${conflict}`);

  if (!returns.body && !returns.key) {
    // PostgreSQL counts every upserted row; MySQL's affected rows count 2 per changed row and 0 per unchanged one.
    return { kind: 'write', main, returns, steps: { kind: 'direct', count: mode === 'merge' ? 'rows' : 'affected' } };
  }
  // Rows the body (or the row URL) identifies are found by that key: the conflict target first.
  const targetKey = keys.find((k) => upsert && k.length === target.length && k.every((c) => target.includes(c.name)));
  const key = targetKey ?? keys.find((k) => k.every((c) => given.has(c.name)));
  if (key) {
    const fixed = new Map(plan.fixed.map((f) => [f.column.name, f.value]));
    const fromBody = key.filter((c) => !fixed.has(c.name));
    // A key column fixed by the row URL (PUT) is matched against the URL's value.
    const on = sql.join(
      key.map((c) => {
        const value = fixed.get(c.name);
        return value ? sql`${column(table, c, h)} = ${value}` : sql`${column(table, c, h)} = ${keyValue(table, c, fromBody.indexOf(c), 'body')}`;
      }),
      sql` and `,
    );
    const found = sql`${column(table, key[0], h)} is not null`;
    const reread = h.finish(
      sql`select ${sql.join([...returnItems(plan.returning, h), found])} from ${keyTable('rows', fromBody, table, 'body')} left join ${h.table(table)} on ${on} order by ${sql.id(KEYS, 'rowgate_ord')}`,
    );
    return { kind: 'write', main, returns, steps: { kind: 'insert-keyed', mode, reread } };
  }
  if (auto && keys.some((k) => k.length === 1 && k[0].name === auto.name) && !given.has(auto.name)) {
    const reread = h.finish(sql`select ${sql.join(returnItems(plan.returning, h))} from ${keyTable('ids', [auto], table, 'id')} join ${h.table(table)} on ${keyMatch(table, [auto], h)} order by ${sql.id(KEYS, 'rowgate_ord')}`);
    const values = [...plan.fixed.map((f) => sql`${f.value}`), ...plan.columns.map((c) => h.bodyField(ROW, c))];
    const perRow = h.finish(sql`${into} values (${sql.join(values.length > 0 ? values : [sql`null`])})${upsert ? onDuplicate(plan, mode === 'merge' ? auto : null) : sql``}`);
    return { kind: 'write', main, returns, steps: { kind: 'insert-auto', mode, bulk: mode === 'insert', perRow, reread } };
  }
  throw errors.notImplemented(
    `returning rows inserted into '${table.name}' on MySQL, which has no RETURNING`,
    'Give the primary key (or a NOT NULL unique key) of each row in the body, or use Prefer: return=minimal.',
  );
}

export function compileMysqlUpdate(plan: UpdatePlan, h: WriteHelpers): MysqlCompiledWrite {
  const table = plan.table;
  const returns = returnsOf(plan.returning);
  const where = plan.where ? sql` where ${h.predicate(plan.where)}` : sql``;
  if (!returns.body && !returns.key) {
    const set = sql.join(plan.columns.map((c) => sql`${sql.id(c.name)} = ${h.bodyField(BODY, c)}`));
    return { kind: 'write', main: h.finish(sql`update ${h.table(table)} set ${set}${where}`), returns, steps: { kind: 'direct', count: 'matched' } };
  }
  const candidates = candidateKeys(table);
  const changed = new Set(plan.columns.map((c) => c.name));
  // A key the PATCH leaves alone finds the rows afterwards by the same values.
  const key = candidates.find((k) => k.every((c) => !changed.has(c.name))) ?? candidates[0];
  if (!key) throw notWithoutKey(table, 'updated');
  const lock = h.finish(sql`select ${lockKey(table, key, h)} from ${h.table(table)}${where} order by ${keyOrder(key)} for update`);
  const set = sql.join(plan.columns.map((c) => sql`${column(table, c, h)} = ${h.bodyField(BODY, c)}`));
  const main = h.finish(sql`update ${keyTable('keys', key, table, 'lock')} join ${h.table(table)} on ${keyMatch(table, key, h)} set ${set}`);
  // A key column the PATCH changes is found at its new value, taken from the body as the update took it.
  const after = sql.join(
    key.map((c, i) => (changed.has(c.name) ? sql`${column(table, c, h)} = ${typedText(h.bodyField(BODY, c), table, c)}` : sql`${column(table, c, h)} = ${keyValue(table, c, i, 'lock')}`)),
    sql` and `,
  );
  const reread = h.finish(sql`select ${sql.join(returnItems(plan.returning, h))} from ${keyTable('keys', key, table, 'lock')} join ${h.table(table)} on ${after} order by ${sql.id(KEYS, 'rowgate_ord')}`);
  return { kind: 'write', main, returns, steps: { kind: 'update-keyed', lock, reread } };
}

export function compileMysqlDelete(plan: DeletePlan, h: WriteHelpers): MysqlCompiledWrite {
  const table = plan.table;
  const returns = returnsOf(plan.returning);
  const where = plan.where ? sql` where ${h.predicate(plan.where)}` : sql``;
  const byFilter = h.finish(sql`delete from ${h.table(table)}${where}`);
  if (!returns.body && !returns.key) return { kind: 'write', main: byFilter, returns, steps: { kind: 'direct', count: 'affected' } };
  const key = candidateKeys(table)[0];
  const items = returnItems(plan.returning, h);
  if (!key) {
    const lock = h.finish(sql`select ${sql.join(items)} from ${h.table(table)}${where} for update`);
    return { kind: 'write', main: byFilter, returns, steps: { kind: 'delete-unkeyed', lock } };
  }
  const lock = h.finish(sql`select ${sql.join([...items, lockKey(table, key, h)])} from ${h.table(table)}${where} order by ${keyOrder(key)} for update`);
  const main = h.finish(sql`delete ${h.table(table)} from ${keyTable('keys', key, table, 'lock')} join ${h.table(table)} on ${keyMatch(table, key, h)}`);
  return { kind: 'write', main, returns, steps: { kind: 'delete-keyed', lock } };
}

function returnsOf(returning: Returning): CompiledWrite['returns'] {
  return { body: returning.fields !== null, key: returning.key !== null };
}

/** The columns a written row is sent back as, in the order RETURNING would give them. */
function returnItems(returning: Returning, h: WriteHelpers): Sql[] {
  const items: Sql[] = [];
  if (returning.fields) items.push(h.jsonRow(returning.fields));
  if (returning.key) items.push(h.jsonArray(returning.key.map((c) => sql.id(c.name))));
  return items;
}

/**
 * Keys that identify a row: the primary key, then each unique key whose columns are all NOT NULL
 * (a nullable unique column may hold many NULLs).
 */
export function candidateKeys(table: Table): Column[][] {
  const keys: Column[][] = [];
  const columns = (names: readonly string[]) => names.map((n) => table.columnsByName.get(n)).filter((c): c is Column => c !== undefined);
  if (table.primaryKey.length > 0) keys.push(columns(table.primaryKey));
  for (const u of table.uniqueConstraints) {
    const cols = columns(u.columns);
    if (cols.length === u.columns.length && cols.every((c) => !c.nullable)) keys.push(cols);
  }
  return keys;
}

/** `… on duplicate key update`: merge sets the body's other columns, ignore changes nothing. */
function onDuplicate(plan: InsertPlan, auto: Column | null): Sql {
  if (!plan.onConflict) return sql``;
  const target = new Set(plan.onConflict.columns.map((c) => c.name));
  const first = sql.id(plan.onConflict.columns[0].name);
  // `x = x` leaves the row as it is, and MySQL then reports 0 affected rows: how ignored rows are told apart.
  if (plan.onConflict.action === 'nothing') return sql` on duplicate key update ${first} = ${first}`;
  const sets: Sql[] = [];
  if (auto) {
    // Makes LAST_INSERT_ID() the id of the row the conflict updated, so the driver learns it either way.
    const value = plan.columns.some((c) => c.name === auto.name) && !target.has(auto.name) ? sql`values(${sql.id(auto.name)})` : sql.id(auto.name);
    sets.push(sql`${sql.id(auto.name)} = last_insert_id(${value})`);
  }
  for (const c of plan.columns) {
    if (!target.has(c.name) && c.name !== auto?.name) sets.push(sql`${sql.id(c.name)} = values(${sql.id(c.name)})`);
  }
  if (sets.length === 0) sets.push(sql`${first} = ${first}`);
  return sql` on duplicate key update ${sql.join(sets)}`;
}

function notWithoutKey(table: Table, verb: string) {
  return errors.notImplemented(
    `returning rows ${verb} in '${table.name}' on MySQL: the table has no primary key or NOT NULL unique key to find them by`,
    'Use Prefer: return=minimal, or give the table a primary key.',
  );
}

/** `json_array(k1, hex(k2))`: a row's key as the lock query hands it to the driver. */
function lockKey(table: Table, key: readonly Column[], h: WriteHelpers): Sql {
  return h.jsonArray(key.map((c) => (c.type === 'blob' ? sql`hex(${sql.id(c.name)})` : sql.id(c.name))));
}

function keyOrder(key: readonly Column[]): Sql {
  return sql.join(key.map((c) => sql.id(c.name)));
}

function column(table: Table, c: Column, h: WriteHelpers): Sql {
  return sql`${h.table(table)}.${sql.id(c.name)}`;
}

/** `t.k1 = rowgate_k.rowgate_k0 and …` against a table of lock keys. */
function keyMatch(table: Table, key: readonly Column[], h: WriteHelpers): Sql {
  return sql.join(key.map((c, i) => sql`${column(table, c, h)} = ${keyValue(table, c, i, 'lock')}`), sql` and `);
}

type KeySource = 'lock' | 'body' | 'id';

/**
 * A JSON_TABLE over a slot, one row per key, numbered in slot order. Each key column is declared
 * with the table column's own type, charset and collation, so joins compare like with like and
 * use the table's index (a string compared with an INT, or two collations, would not).
 */
function keyTable(slot: string, key: readonly Column[], table: Table, source: KeySource): Sql {
  const defs = key.map((c, i) => {
    const path = source === 'body' ? `$."${c.name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : source === 'id' ? '$' : `$[${i}]`;
    return sql`${sql.id(`rowgate_k${i}`)} ${sql.raw(keyType(table, c))} path ${sql.lit(path)}`;
  });
  return sql`json_table(${{ kind: 'slot', name: slot }}, '$[*]' columns (${sql.join([sql`rowgate_ord for ordinality`, ...defs])})) as ${sql.id(KEYS)}`;
}

/** The i-th key column of a keyTable, decoded where the slot carries it as text (binary keys). */
function keyValue(_table: Table, c: Column, i: number, source: KeySource): Sql {
  const value = sql.id(KEYS, `rowgate_k${i}`);
  if (c.type !== 'blob') return value;
  return source === 'body' ? sql`from_base64(${value})` : sql`unhex(${value})`;
}

/** A text value compared with a character column in that column's charset and collation. */
function typedText(value: Sql, table: Table, c: Column): Sql {
  const info = mysqlTableInfo(table)?.columns.get(c.name);
  if (!info?.charset || !info.collation || !/^\w+$/.test(info.charset) || !/^\w+$/.test(info.collation)) return value;
  return sql`convert(${value} using ${sql.raw(info.charset)}) collate ${sql.raw(info.collation)}`;
}

/** The SQL type a JSON_TABLE column gets to hold this key column's values (from the catalog's COLUMN_TYPE). */
export function keyType(table: Table, c: Column): string {
  const info = mysqlTableInfo(table)?.columns.get(c.name);
  const columnType = (info?.columnType ?? c.nativeType).toLowerCase();
  const charset = info?.charset && info.collation && /^\w+$/.test(info.charset) && /^\w+$/.test(info.collation) ? ` character set ${info.charset} collate ${info.collation}` : '';
  if (c.type === 'blob') return 'longtext';
  if (/^(enum|set)\(/.test(columnType)) return `text${charset}`;
  const simple = /^[a-z]+( ?\(\d+(,\d+)?\))?( unsigned)?( zerofill)?$/.exec(columnType);
  if (!simple) return `text${charset}`;
  if (/^bit/.test(columnType)) return 'bigint unsigned';
  if (c.type === 'uuid') return `char(36)`;
  return /char|text/.test(columnType) ? `${columnType}${charset}` : columnType;
}
