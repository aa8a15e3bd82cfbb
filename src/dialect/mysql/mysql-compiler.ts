/**
 * MySQL/MariaDB's overrides of the base compiler for reads and expressions: rows as JSON built with
 * JSON_OBJECT (booleans, timestamps, BLOBs and JSON text rendered as PostgREST renders them),
 * case-sensitive LIKE and regular expressions, JSON paths, PostgreSQL's NULL ordering, and
 * embeddings aggregated without correlated derived tables (MariaDB has none). Writes, which need
 * several statements where these servers have no RETURNING, are compiled in mysql-write-compiler.ts.
 */
import { sql, type Kysely } from 'kysely';
import { SqlCompiler, type Sql } from '../../compile/sql-compiler.js';
import { errors, rowgateError } from '../../errors/catalog.js';
import { mysqlTableInfo } from './mysql-introspector.js';
import type { JsonPathStep } from '../../request/types.js';
import type { CastType, CompareOperator, DeletePlan, Field, InsertPlan, OrderNode, OutputField, Param, Predicate, ReadPlan, SubRead, UpdatePlan } from '../../plan/plan-nodes.js';
import type { Column, ColumnType } from '../../schema/model.js';
import { compileMysqlDelete, compileMysqlInsert, compileMysqlUpdate, type MysqlCompiledWrite, type WriteHelpers } from './mysql-write-compiler.js';

/** What the compiler must know about the server; filled in when the dialect first connects. */
export interface MysqlServerTraits {
  /** MariaDB aggregates embeddings with ORDER BY/LIMIT inside JSON_ARRAYAGG; MySQL 8 needs a derived table. */
  mariadb: boolean;
}

const SPATIAL = /^(geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection|geomcollection)\b/i;

/** LIMIT without a bound: MySQL has OFFSET only after a LIMIT, and documents this number for "all". */
const NO_LIMIT = '18446744073709551615';

export class MysqlCompiler extends SqlCompiler {
  constructor(
    db: Kysely<any>,
    private readonly traits: MysqlServerTraits,
  ) {
    super(db);
  }

  // ---- JSON rendering ------------------------------------------------------------------------

  protected override jsonObject(pairs: readonly (readonly [string, Sql])[]): Sql {
    // Keys are output names: plain ones are literals, any other is bound (textConstant).
    return sql`json_object(${sql.join(pairs.map(([k, v]) => sql`${this.textConstant(k)}, ${v}`))})`;
  }

  protected override jsonArray(items: readonly Sql[]): Sql {
    // Compact, so a keyset cursor is the same text on every engine (MariaDB writes `[3, 5]`).
    return this.compact(sql`json_array(${sql.join(items)})`);
  }

  private rowDepth = 0;

  /** Each row's outermost object is compacted once; the objects inside it are compacted with it. */
  protected override jsonRow(fields: readonly Field[]): Sql {
    this.rowDepth++;
    try {
      const row = super.jsonRow(fields);
      return this.rowDepth === 1 ? this.compact(row) : row;
    } finally {
      this.rowDepth--;
    }
  }

  /**
   * MariaDB writes JSON with a space after each `:` and `,`; JSON_COMPACT gives the compact text
   * PostgreSQL and SQLite send (and fewer bytes). MySQL 8 has no such function and keeps the spaces.
   */
  private compact(json: Sql): Sql {
    return this.traits.mariadb ? sql`json_compact(${json})` : json;
  }

  /**
   * DECIMAL, BIGINT and the integer types go into JSON_OBJECT as they are: the server writes them as
   * JSON numbers with every digit (DECIMAL keeps its scale, `12.00`), as PostgREST does for numeric
   * and bigint. DATE and TIME become strings already; what needs help is below.
   */
  protected override jsonValueOfType(expr: Sql, type: ColumnType): Sql {
    switch (type) {
      case 'boolean':
        // TINYINT(1) holds 0/1; JSON_EXTRACT of the literal text is the one JSON true/false both servers keep as JSON.
        return sql`json_extract(case when ${expr} is null then 'null' when ${expr} then 'true' else 'false' end, '$')`;
      case 'json':
        // MariaDB's JSON is LONGTEXT: without this it would be embedded as a string.
        return sql`json_extract(${expr}, '$')`;
      case 'blob':
        // TO_BASE64 breaks lines every 76 characters (RFC 2045); JSON wants the plain alphabet.
        return sql`replace(to_base64(${expr}), char(10 using ascii), '')`;
      case 'timestamp':
        return isoTimestamp(expr, '');
      case 'timestamptz':
        // TIMESTAMP is stored in UTC and shown in the session zone, which the driver sets to UTC.
        return isoTimestamp(expr, '+00:00');
      case 'uuid':
      case 'unknown':
        // JSON_OBJECT refuses some types (INET6, …); their text is what PostgREST sends for unknown types.
        return sql`cast(${expr} as char)`;
      default:
        return expr;
    }
  }

  protected override jsonValue(field: OutputField): Sql {
    if (field.expr.kind === 'column') {
      const column = field.expr.column;
      // PostgreSQL's text of a boolean; MySQL's would be '1'. (A DECIMAL keeps its scale, `12.00`, as there.)
      if (field.cast === 'text' && column.type === 'boolean') {
        const e = this.expr(field.expr);
        return sql`case when ${e} is null then null when ${e} then 'true' else 'false' end`;
      }
      // BIT(n) arrives as a binary string; `+ 0` makes it the number it holds.
      if (field.cast === null && column.type === 'integer' && /^bit/i.test(column.nativeType)) return sql`${this.expr(field.expr)} + 0`;
      // JSON_OBJECT refuses spatial values outright; GeoJSON is what PostGIS's JSON gives too.
      if (field.cast === null && column.type === 'unknown' && SPATIAL.test(column.nativeType)) return sql`json_extract(st_asgeojson(${this.expr(field.expr)}), '$')`;
    }
    return super.jsonValue(field);
  }

  protected override castForJson(expr: Sql, cast: CastType): Sql {
    switch (cast) {
      case 'text':
        return sql`cast(${expr} as char)`;
      case 'integer':
      case 'bigint':
        return sql`cast(${expr} as signed)`;
      case 'numeric':
      case 'number':
        return sql`cast(${expr} as double)`;
      case 'boolean':
        return this.jsonValueOfType(expr, 'boolean');
      case 'json':
        return this.jsonValueOfType(expr, 'json');
      case 'date':
        return sql`cast(${expr} as date)`;
      case 'timestamp':
        return this.jsonValueOfType(sql`cast(${expr} as datetime(6))`, 'timestamp');
    }
  }

  // ---- filters ---------------------------------------------------------------------------------

  protected override compare(op: CompareOperator, left: Sql, right: Param): Sql {
    switch (op) {
      case 'like':
        // PostgREST's like is case sensitive; MySQL's follows the column's (usually _ci) collation.
        return sql`${binaryText(left)} like ${right}`;
      case 'isdistinct':
        return sql`not (${left} <=> ${right})`;
      default:
        return super.compare(op, left, right);
    }
  }

  protected override ilike(left: Sql, right: Param): Sql {
    // Lower-casing both sides under a binary collation ignores case but not accents, as PostgreSQL's
    // ilike does; a _ci collation would also match 'é' to 'e'.
    return sql`lower(${binaryText(left)}) like lower(${right})`;
  }

  protected override regexMatch(left: Sql, pattern: Param, caseInsensitive: boolean): Sql {
    // REGEXP follows the collation's case rule; under utf8mb4_bin it is case sensitive, and the
    // inline (?i) flag (PCRE on MariaDB, ICU on MySQL) turns that off for imatch.
    return caseInsensitive ? sql`${binaryText(left)} regexp concat('(?i)', ${pattern})` : sql`${binaryText(left)} regexp ${pattern}`;
  }

  /** `meta->series->>name` -> JSON_EXTRACT(meta, '$."series"."name"'), the path bound as one constant. */
  protected override jsonPath(base: Sql, path: readonly JsonPathStep[]): Sql {
    const steps = path.map((s) => (typeof s.key === 'number' ? arrayStep(s.key) : `.${jsonPathMember(s.key)}`)).join('');
    const extracted = sql`json_extract(${base}, ${{ kind: 'const', value: `$${steps}` } satisfies Param})`;
    if (path[path.length - 1].arrow === '->') return extracted;
    // `->>` is text; JSON null is SQL NULL there, where JSON_UNQUOTE alone would give the text 'null'.
    return sql`case when json_type(${extracted}) = 'NULL' then null else json_unquote(${extracted}) end`;
  }

  /**
   * `fts` and friends: MATCH … AGAINST in boolean mode over a FULLTEXT index of exactly that column
   * (MySQL's rule for MATCH); the query text is rendered by toMysqlSearchQuery when bound.
   */
  protected override textSearch(p: Extract<Predicate, { kind: 'search' }>): Sql {
    const column = p.left.column.name;
    if (!mysqlTableInfo(p.table)?.fulltext.has(column)) {
      throw rowgateError('PGRST127', `No full-text index covers ${p.table.name}.${column}`, {
        hint: `Create one: CREATE FULLTEXT INDEX ${p.table.name}_${column}_fts ON ${p.table.name} (${column}); then reload the schema. See docs/engine-mysql.md`,
      });
    }
    return sql`match(${this.expr(p.left)}) against (${p.query} in boolean mode)`;
  }

  /** Prefer: count=planned on a whole table: InnoDB's row estimate from the catalog (filtered reads count exactly). */
  protected override plannedCount(plan: ReadPlan): Sql | null {
    if (plan.where || plan.joins.length > 0 || plan.groupBy.length > 0 || !plan.table.namespace || plan.table.kind !== 'table') return null;
    const schema: Param = { kind: 'const', value: plan.table.namespace };
    const name: Param = { kind: 'const', value: plan.table.name };
    return sql`select table_rows from information_schema.tables where table_schema = ${schema} and table_name = ${name}`;
  }

  // ---- order and limits ----------------------------------------------------------------------

  protected override orderTerm(o: OrderNode): Sql {
    const expr = this.expr(o.expr);
    const dir = o.direction === 'desc' ? sql` desc` : sql` asc`;
    const nulls = o.nulls ?? (o.direction === 'desc' ? 'first' : 'last');
    const nullable = o.expr.kind !== 'column' || o.expr.column.nullable || (o.expr.source !== undefined && o.expr.source !== 't0');
    // MySQL has no NULLS FIRST/LAST; it sorts NULL as the smallest value. Where that already gives
    // PostgreSQL's order, the term stays as is (and can walk an index); else `x is null` goes first.
    const mysqlNulls = o.direction === 'desc' ? 'last' : 'first';
    if (!nullable || nulls === mysqlNulls) return sql`${expr}${dir}`;
    return sql`${expr} is null${nulls === 'last' ? sql` asc` : sql` desc`}, ${expr}${dir}`;
  }

  protected override limitOffset(limit: Param | null, offset: Param | null): Sql {
    if (limit === null && offset) return sql` limit ${sql.raw(NO_LIMIT)} offset ${offset}`;
    return super.limitOffset(limit, offset);
  }

  // ---- embedding -----------------------------------------------------------------------------

  /**
   * The whole JSON array of a to-many embedding as one scalar subquery. MariaDB cannot correlate a
   * derived table with the outer row, so the rows are aggregated where they are selected, with the
   * order and limit inside JSON_ARRAYAGG; MySQL 8 has no ORDER BY there but correlates derived
   * tables (8.0.14+), so there the rows are numbered in one and concatenated in that order.
   */
  protected override subRows(sub: SubRead): Sql {
    const core = this.selectCore(sub.table, sub.alias, sub.through, sub.joins, sub.where, sub.groupBy);
    const row = this.jsonRow(sub.fields);
    const aggregated = sub.fields.some((f) => 'expr' in f && f.expr.kind === 'aggregate');
    if (aggregated && sub.groupBy.length === 0) return sql`select json_array(${row}) from ${core}`;
    if (!this.traits.mariadb) {
      const numbered = sql`select ${row} as ${this.id('j')}, row_number() over (${this.orderBy(sub.order)}) as ${this.id('o')} from ${core}${this.orderBy(sub.order)}${this.limitOffset(sub.limit, sub.offset)}`;
      return sql`select json_extract(concat('[', coalesce(group_concat(${sql.id('r', 'j')} order by ${sql.id('r', 'o')} separator ','), ''), ']'), '$') from (${numbered}) as ${this.id('r')}`;
    }
    if (aggregated) {
      throw errors.notImplemented('aggregates grouped inside an embedding on MariaDB', 'Aggregate at the top level, or embed the rows and aggregate them in the client.');
    }
    const order = sub.order.length > 0 ? sql` order by ${sql.join(sub.order.map((o) => this.orderTerm(o)))}` : sql``;
    return sql`select coalesce(json_arrayagg(${row}${order}${this.limitOffset(sub.limit, sub.offset)}), json_array()) from ${core}`;
  }

  protected override jsonArrayOf(rows: Sql): Sql {
    return sql`(${rows})`;
  }

  // ---- writes: see mysql-write-compiler.ts ---------------------------------------------------

  private readonly writeHelpers: WriteHelpers = {
    finish: (q) => this.finish(q),
    jsonRow: (fields) => this.jsonRow(fields),
    jsonArray: (items) => this.jsonArray(items),
    predicate: (p) => this.predicate(p),
    bodyField: (object, column) => this.bodyField(object, column),
    rowsFromBody: (plan) => this.rowsFromBody(plan),
    table: (t) => this.table(t),
  };

  protected override compileInsert(plan: InsertPlan): MysqlCompiledWrite {
    return compileMysqlInsert(plan, this.writeHelpers);
  }

  protected override compileUpdate(plan: UpdatePlan): MysqlCompiledWrite {
    return compileMysqlUpdate(plan, this.writeHelpers);
  }

  protected override compileDelete(plan: DeletePlan): MysqlCompiledWrite {
    return compileMysqlDelete(plan, this.writeHelpers);
  }

  /** `select <values> from json_table(<rows slot>, '$[*]' columns (…))`: every row of the body in one statement. */
  protected override rowsFromBody(plan: InsertPlan): Sql {
    const defs = plan.columns.map((c, i) => sql`${sql.id(`rowgate_c${i}`)} ${sql.raw(c.type === 'json' ? 'json' : 'longtext')} path ${sql.lit(`$.${jsonPathMember(c.name)}`)}`);
    const values = [
      ...plan.fixed.map((f) => sql`${f.value}`),
      ...plan.columns.map((c, i) => fromJsonText(sql.id('rowgate_b', `rowgate_c${i}`), c)),
    ];
    // Every row still yields one output row when the body names no column (all defaults).
    const rows = sql`json_table(${{ kind: 'slot', name: 'rows' }}, '$[*]' columns (${sql.join([sql`rowgate_ord for ordinality`, ...defs])})) as ${sql.id('rowgate_b')}`;
    return sql`select ${sql.join(values.length > 0 ? values : [sql`null`])} from ${rows}`;
  }

  /** One column's value from the PATCH body: the same extraction and conversion as inserts use. */
  protected override bodyField(object: Sql, column: Column): Sql {
    const type = sql.raw(column.type === 'json' ? 'json' : 'longtext');
    const value = fromJsonText(sql.id('rowgate_v'), column);
    return sql`(select ${value} from json_table(${object}, '$' columns (${sql.id('rowgate_v')} ${type} path ${sql.lit(`$.${jsonPathMember(column.name)}`)})) as ${sql.id('rowgate_f')})`;
  }
}

/**
 * JSON_TABLE's text of a body value -> what the column stores. Numbers and strings convert on
 * assignment (strict mode rejects what does not fit, e.g. 'one' for an INT: a 400); JSON
 * booleans arrive as the text true/false, base64 must be decoded, and JSON null is SQL NULL.
 */
export function fromJsonText(value: Sql, column: Column): Sql {
  switch (column.type) {
    case 'boolean':
      // An integer, not text: the text '1' would be one byte 0x31 in a BIT(1) column.
      return sql`case ${value} when 'true' then 1 when 'false' then 0 when '1' then 1 when '0' then 0 end`;
    case 'blob':
      return sql`from_base64(${value})`;
    case 'json':
      return sql`case when json_type(${value}) = 'NULL' then null else ${value} end`;
    case 'timestamp':
    case 'timestamptz':
      // The session zone is UTC; a UTC designator is dropped, any other offset is refused by the cast.
      return sql`regexp_replace(${value}, '(Z|[+-]00:?00)$', '')`;
    default:
      return value;
  }
}

/** `YYYY-MM-DDTHH:MM:SS[.ffffff]` with trailing zeros of the fraction trimmed, as PostgreSQL prints. */
function isoTimestamp(expr: Sql, zone: string): Sql {
  const fraction = sql`if(microsecond(${expr}) = 0, '', trim(trailing '0' from date_format(${expr}, '.%f')))`;
  return sql`concat(date_format(${expr}, '%Y-%m-%dT%H:%i:%s'), ${fraction}, ${sql.lit(zone)})`;
}

/** The expression as utf8mb4 text under the binary collation: case-sensitive comparison of any column. */
function binaryText(expr: Sql): Sql {
  return sql`convert(${expr} using utf8mb4) collate utf8mb4_bin`;
}

/** `->2` is `[2]`; `->-1`, PostgreSQL's last element, is `[last]` (MySQL 8, MariaDB 10.9+). */
function arrayStep(n: number): string {
  return n >= 0 ? `[${n}]` : n === -1 ? '[last]' : `[last-${-n - 1}]`;
}

/** A JSON path member, quoted: `a"b` -> `"a\"b"`. */
export function jsonPathMember(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
