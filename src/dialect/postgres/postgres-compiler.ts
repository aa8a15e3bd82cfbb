/**
 * PostgreSQL's overrides of the base compiler: rows as compact JSON from row_to_json, or built
 * from each value's to_json (PostgreSQL types every value itself), bytea as base64, native ilike, regex and text
 * search, json/jsonb paths, and writes that read the one JSON body parameter through
 * json_populate_record(set), PostgREST's technique. Session settings belong to the driver.
 */
import { sql } from 'kysely';
import { SqlCompiler, type CompiledRead, type CompiledWrite, type Sql } from '../../compile/sql-compiler.js';
import { rowgateError } from '../../errors/catalog.js';
import type { CastType, CompareOperator, Expr, Field, InsertPlan, OutputField, Param, Predicate, ReadPlan, SubRead, UpdatePlan } from '../../plan/plan-nodes.js';
import type { JsonPathStep } from '../../request/types.js';
import type { Column, ColumnType, Table } from '../../schema/model.js';
import type { SearchMode } from '../../util/search-query.js';

const SEARCH_FUNCTIONS: Record<SearchMode, string> = {
  fts: 'to_tsquery',
  plfts: 'plainto_tsquery',
  phfts: 'phraseto_tsquery',
  wfts: 'websearch_to_tsquery',
};

/** PostgreSQL's NAMEDATALEN - 1: a longer column alias is cut to this many bytes. */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * Whether the fields can be named columns of a row for row_to_json (see selectRows): PostgreSQL
 * refuses an empty quoted name and a NUL in one, and cuts one past MAX_IDENTIFIER_BYTES.
 */
function fitColumns(fields: readonly Field[]): boolean {
  return fields.length > 0 && fields.every((f) => f.name.length > 0 && !f.name.includes('\u0000') && Buffer.byteLength(f.name) <= MAX_IDENTIFIER_BYTES);
}

const PATTERN_OPERATORS = new Set<CompareOperator>(['like', 'ilike', 'match', 'imatch']);

const CAST_SQL: Record<Exclude<CastType, 'json'>, string> = {
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  numeric: 'numeric',
  number: 'double precision',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
};

export class PostgresCompiler extends SqlCompiler {
  // ---- reads -------------------------------------------------------------------------------

  protected override compileRead(plan: ReadPlan): CompiledRead {
    return super.compileRead({ ...plan, groupBy: withNullChecksGrouped(plan.fields, plan.groupBy) });
  }

  protected override subRows(sub: SubRead): Sql {
    const grouped = { ...sub, groupBy: withNullChecksGrouped(sub.fields, sub.groupBy) };
    if (!fitColumns(sub.fields)) return super.subRows(grouped);
    return this.rowToJson(sub.fields, this.subRowsFrom(grouped), sql` as ${this.id('j')}`);
  }

  /**
   * `Prefer: count=planned|estimated`: the planner's row estimate for the same FROM/WHERE/GROUP BY,
   * as PostgREST takes it, from EXPLAIN's JSON; the driver reads "Plan Rows" from it (countOf).
   */
  protected override plannedCount(plan: ReadPlan): Sql | null {
    const core = this.selectCore(plan.table, plan.alias, null, plan.joins, plan.where, plan.groupBy);
    return sql`explain (format json) select 1 from ${core}`;
  }

  // ---- JSON output -------------------------------------------------------------------------

  /**
   * A read's rows as `row_to_json` over the fields as named columns: PostgreSQL builds each object
   * in one C call, where the concatenation of jsonObject costs a function call and a copy per key
   * (measured on the demo's products: 0.7 against 4.5 µs a row). The output is the same text:
   * compact, in select order, duplicates kept, each value rendered by the same code as to_json.
   * A keyset read (whose cursor must not be in the object), a row without fields, or a key that
   * cannot be a column name (empty, or longer than 63 bytes, which PostgreSQL would cut) keeps the
   * concatenation.
   */
  protected override selectRows(fields: readonly Field[], cursor: Sql | null, from: Sql): Sql {
    if (cursor || !fitColumns(fields)) return super.selectRows(fields, cursor, from);
    return this.rowToJson(fields, from, sql``);
  }

  /** `select row_to_json(rg_row.*)<as> from (select <field> as "<name>", … <from…>) as rg_row`. */
  private rowToJson(fields: readonly Field[], from: Sql, as: Sql): Sql {
    const columns = fields.map((f) => sql`${this.fieldValue(f)} as ${this.id(f.name)}`);
    // `rg_row.*`, not `rg_row`: a field of that name would be taken for the column.
    return sql`select row_to_json(${this.id('rg_row')}.*)${as} from (select ${sql.join(columns)} ${from}) as ${this.id('rg_row')}`;
  }

  /**
   * `{"k":v,…}` concatenated from each value's own JSON (to_json: numbers, booleans, ISO 8601
   * date/times, json as is) and the keys, which are bound already JSON-encoded (`{"id":`,
   * `,"name":`). Unlike json_build_object this is compact (`{"id":1}`, as PostgREST and SQLite
   * print it), keeps select order and duplicates, and has no 100-argument limit; it is as fast.
   */
  protected override jsonObject(pairs: readonly (readonly [string, Sql])[]): Sql {
    if (pairs.length === 0) return sql`'{}'::json`;
    const parts = pairs.map(([name, value], i) => {
      // A plain name's `{"name":` is written as a literal; any other key is bound.
      const prefix = i === 0 ? '{' : ',';
      const key = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name) ? sql.raw(`'${prefix}"${name}":'`) : sql`${{ kind: 'const', value: `${prefix}${JSON.stringify(name)}:` } satisfies Param}`;
      return sql`${key}::text || coalesce(to_json(${value})::text, 'null')`;
    });
    // ::json so that an object nested in another is embedded as JSON, not quoted as a string.
    return sql`(${sql.join(parts, sql` || `)} || '}')::json`;
  }

  /** `[v,…]`, compact like the objects (a keyset cursor is this text, so it must match every engine's). */
  protected override jsonArray(items: readonly Sql[]): Sql {
    if (items.length === 0) return sql`'[]'::json`;
    const parts = items.map((item) => sql`coalesce(to_json(${item})::text, 'null')`);
    return sql`('[' || ${sql.join(parts, sql` || ',' || `)} || ']')::json`;
  }

  protected override jsonValueOfType(expr: Sql, type: ColumnType): Sql {
    // to_json renders every other type as PostgREST does: numbers (numeric and int8 included) as
    // JSON numbers, booleans, ISO 8601 date/times, json/jsonb as JSON, arrays as arrays.
    // bytea would be `\x…` hex: base64 instead, without the line breaks encode() puts every 76 chars.
    return type === 'blob' ? sql`replace(encode(${expr}, 'base64'), chr(10), '')` : expr;
  }

  protected override jsonArrayOf(rows: Sql): Sql {
    // string_agg keeps the subquery's order and, unlike json_agg, adds no spaces; no rows give NULL: [].
    const agg = sql`select '[' || string_agg(${sql.id('s', 'j')}::text, ',') || ']' from (${rows}) as ${sql.id('s')}`;
    return sql`coalesce((${agg}), '[]')::json`;
  }

  protected override jsonValue(field: OutputField): Sql {
    const e = field.expr;
    switch (e.kind) {
      case 'column': {
        const value = this.columnRef(e.column, e.source);
        return field.cast ? this.castFrom(value, field.cast, e.column) : this.jsonValueOfType(value, e.column.type);
      }
      case 'json-path': {
        // A path yields json (->) or text (->>), which to_json renders as they are.
        const value = this.pathExpr(e.column, this.columnRef(e.column, e.source), e.path);
        return field.cast ? this.castFrom(value, field.cast, null) : value;
      }
      case 'aggregate': {
        // count and sum of integers are bigint, avg and sum of numerics numeric: JSON numbers all.
        const value = this.expr(e);
        if (field.cast) return this.castForJson(value, field.cast);
        return (e.fn === 'min' || e.fn === 'max') && e.arg?.kind === 'column' ? this.jsonValueOfType(value, e.arg.column.type) : value;
      }
    }
  }

  /** `::cast` as PostgreSQL would do it, knowing the source column (null for a JSON path). */
  private castFrom(expr: Sql, cast: CastType, source: Column | null): Sql {
    // The plan has one 'timestamp' cast for both spellings; keep a timestamptz a timestamptz.
    if (cast === 'timestamp' && source?.type === 'timestamptz') return sql`(${expr})::timestamptz`;
    // `text::json` parses the text (PostgREST's meaning); other types have no cast to json.
    if (cast === 'json' && (source === null || source.type === 'text')) return sql`(${expr})::json`;
    return this.castForJson(expr, cast);
  }

  protected override castForJson(expr: Sql, cast: CastType): Sql {
    if (cast === 'json') return sql`to_json(${expr})`;
    return sql`(${expr})::${sql.raw(CAST_SQL[cast])}`;
  }

  // ---- filters and order -------------------------------------------------------------------

  /** Comparable forms: json has no equality or ordering, so json values compare as jsonb. */
  protected override expr(e: Expr): Sql {
    switch (e.kind) {
      case 'column': {
        const ref = this.columnRef(e.column, e.source);
        return isPlainJson(e.column) ? sql`${ref}::jsonb` : ref;
      }
      case 'json-path': {
        const path = this.pathExpr(e.column, this.columnRef(e.column, e.source), e.path);
        return e.path[e.path.length - 1].arrow === '->' && isPlainJson(e.column) ? sql`(${path})::jsonb` : path;
      }
      case 'aggregate':
        return super.expr(e);
    }
  }

  private columnRef(column: Column, source: string | undefined): Sql {
    return source === undefined ? this.id(column.name) : sql.id(source, column.name);
  }

  /** A JSON path on a json/jsonb column; on any other column a 400 rather than the database's 42883. */
  private pathExpr(column: Column, base: Sql, path: readonly JsonPathStep[]): Sql {
    if (column.type !== 'json') {
      throw rowgateError('42883', `operator does not exist: ${column.nativeType} ${path[0].arrow} unknown`, {
        details: `Column "${column.name}" is of type ${column.nativeType}; JSON paths (->, ->>) need a json or jsonb column.`,
        hint: `Select or filter "${column.name}" itself, or store it as json/jsonb.`,
      });
    }
    return this.jsonPath(base, path);
  }

  /** `data->'a'->>'b'` with each key typed: text for object keys, integer for array indexes. */
  protected override jsonPath(base: Sql, path: readonly JsonPathStep[]): Sql {
    let out = base;
    for (const step of path) {
      const key: Param = { kind: 'const', value: step.key };
      const typed = typeof step.key === 'number' ? sql`${key}::integer` : sql`${key}::text`;
      out = step.arrow === '->' ? sql`${out} -> ${typed}` : sql`${out} ->> ${typed}`;
    }
    return out;
  }

  protected override predicate(p: Predicate): Sql {
    if ((p.kind !== 'compare' && p.kind !== 'quantified') || !PATTERN_OPERATORS.has(p.operator)) return super.predicate(p);
    // Pattern operators exist for text only: `pages=like.1*` matches the number's text, as on
    // SQLite, instead of failing with "operator does not exist: integer ~~ unknown".
    const left = sql`(${this.expr(p.left)})::text`;
    let core: Sql;
    if (p.kind === 'compare') {
      core = this.compare(p.operator, left, p.right);
    } else if (p.values.length === 0) {
      core = p.quantifier === 'any' ? sql`1 = 0` : sql`1 = 1`;
    } else {
      const joiner = p.quantifier === 'any' ? sql` or ` : sql` and `;
      core = sql`(${sql.join(p.values.map((v) => this.compare(p.operator, left, v)), joiner)})`;
    }
    return p.negated ? sql`not (${core})` : core;
  }

  /**
   * PostgreSQL's own full-text search, as PostgREST writes it: `to_tsvector(col) @@ to_tsquery($1)`,
   * or the column itself when it is a tsvector. A language is spelled as a literal, not bound, so
   * that an index on `to_tsvector('english', col)` serves the filter under a generic plan too.
   */
  protected override textSearch(p: Extract<Predicate, { kind: 'search' }>): Sql {
    const column = p.left.column;
    const ref = this.columnRef(column, p.left.source);
    const lang = p.language === null ? null : searchLanguage(p.language);
    const text = column.type === 'text' || column.type === 'json' ? ref : sql`${ref}::text`;
    const doc = column.nativeType === 'tsvector' ? ref : lang ? sql`to_tsvector(${lang}, ${text})` : sql`to_tsvector(${text})`;
    const fn = sql.raw(SEARCH_FUNCTIONS[p.mode]);
    return sql`${doc} @@ ${lang ? sql`${fn}(${lang}, ${p.query})` : sql`${fn}(${p.query})`}`;
  }

  protected override regexMatch(left: Sql, pattern: Param, caseInsensitive: boolean): Sql {
    return caseInsensitive ? sql`${left} ~* ${pattern}` : sql`${left} ~ ${pattern}`;
  }

  // ---- writes ------------------------------------------------------------------------------

  protected override compileInsert(plan: InsertPlan): CompiledWrite {
    if (plan.fixed.length + plan.columns.length > 0) return super.compileInsert(plan);
    // `{}` rows: every column takes its default; `insert … ()` is not valid SQL.
    const rows = sql`select from json_array_elements(${{ kind: 'body' } satisfies Param}::json)`;
    return this.withReturning(plan.table, sql`insert into ${this.table(plan.table)} ${rows}`, plan.returning);
  }

  /**
   * The body is one JSON array parameter; json_populate_recordset turns each object into a row of
   * the table's own type, so PostgreSQL converts every value with the column's input function
   * (arrays, enums, domains included) and a missing key is NULL. bytea is base64 in JSON, so its
   * columns are decoded from the object itself rather than read through the record.
   */
  protected override rowsFromBody(plan: InsertPlan): Sql {
    const body: Param = { kind: 'body' };
    const record = sql`null::${this.table(plan.table)}`;
    const values = [...plan.fixed.map((f) => sql`${f.value}`), ...plan.columns.map((c) => this.recordField(c))];
    if (!plan.columns.some((c) => c.type === 'blob')) {
      return sql`select ${sql.join(values)} from json_populate_recordset(${record}, ${body}::json) as r`;
    }
    return sql`select ${sql.join(values)} from json_array_elements(${body}::json) as b(v) cross join lateral json_populate_record(${record}, b.v) as r`;
  }

  /** PATCH: the new values come from the body object through the table's record type. */
  protected override compileUpdate(plan: UpdatePlan): CompiledWrite {
    const names = sql.join(plan.columns.map((c) => this.id(c.name)));
    const values = sql.join(plan.columns.map((c) => this.recordField(c)));
    const source = sql`(select ${values} from (select ${{ kind: 'body' } satisfies Param}::json as v) as b cross join lateral json_populate_record(null::${this.table(plan.table)}, b.v) as r)`;
    const where = plan.where ? sql` where ${this.predicate(plan.where)}` : sql``;
    return this.withReturning(plan.table, sql`update ${this.table(plan.table)} set (${names}) = ${source}${where}`, plan.returning);
  }

  /** A column of the populated record `r`; bytea from the JSON object `b.v`, base64-decoded. */
  private recordField(column: Column): Sql {
    if (column.type !== 'blob') return sql`r.${this.id(column.name)}`;
    return sql`decode(b.v ->> ${{ kind: 'const', value: column.name } satisfies Param}::text, 'base64')`;
  }

  /**
   * Not used: PostgreSQL reads whole rows with json_populate_record(null::<table>, …), which needs
   * the table that this hook is not given; compileUpdate and rowsFromBody use recordField instead.
   */
  protected override bodyField(_object: Sql, column: Column): Sql {
    throw new Error(`PostgresCompiler.bodyField is not used (column ${column.name}); see compileUpdate`);
  }

  protected override table(table: Table): Sql {
    // Always schema-qualified: the connection's search_path never decides which table is served.
    return sql.id(table.namespace ?? 'public', table.name);
  }
}

/** `json` rather than `jsonb`: it has no equality or ordering operators of its own. */
function isPlainJson(column: Column): boolean {
  return column.type === 'json' && column.nativeType.toLowerCase() !== 'jsonb';
}

/** `fts(english)`: a text search configuration name, checked to be a plain name before it is quoted as a literal. */
function searchLanguage(name: string): Sql {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) {
    throw rowgateError('22023', `invalid text search configuration name: "${name.slice(0, 80)}"`, {
      hint: "Name a configuration such as 'english' or 'simple' (select cfgname from pg_ts_config).",
    });
  }
  return sql`${sql.lit(name)}::regconfig`;
}

/**
 * With aggregates, a to-one embedding's null check (`case when t1.id is null …`) reads its key
 * column, which PostgreSQL requires in GROUP BY (42803) where SQLite does not. Grouping by it too
 * tells embedded rows apart by their key as well as by the embedded fields.
 */
function withNullChecksGrouped(fields: readonly Field[], groupBy: readonly Expr[]): readonly Expr[] {
  if (groupBy.length === 0) return groupBy;
  const out = [...groupBy];
  const seen = new Set(groupBy.map(exprKey));
  const visit = (list: readonly Field[]) => {
    for (const f of list) {
      if (!('kind' in f) || f.kind !== 'object') continue;
      if (!seen.has(exprKey(f.nullWhen))) {
        seen.add(exprKey(f.nullWhen));
        out.push(f.nullWhen);
      }
      visit(f.fields);
    }
  };
  visit(fields);
  return out;
}

function exprKey(e: Expr): string {
  return e.kind === 'column' ? `${e.source ?? ''}.${e.column.name}` : JSON.stringify(e);
}
