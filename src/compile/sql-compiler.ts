/**
 * Stage 3: Plan -> SQL text and the list of parameters to bind. The base class emits the SQL all
 * engines share; a dialect overrides the small protected hooks where its SQL differs (JSON
 * building, pattern and regex operators, inserting from a JSON body). Kysely's `sql` template
 * quotes identifiers and numbers placeholders for the engine, so no SQL string is concatenated
 * from user input: identifiers come from the schema, values are `Param` placeholders.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Column, Table } from '../schema/model.js';
import type { JsonPathStep } from '../request/types.js';
import { errors } from '../errors/catalog.js';
import type {
  CastType,
  CompareOperator,
  DeletePlan,
  Expr,
  Field,
  InsertPlan,
  Join,
  SubRead,
  OrderNode,
  OutputField,
  Param,
  PlanKind,
  Predicate,
  QueryPlan,
  ReadPlan,
  Returning,
  UpdatePlan,
} from '../plan/plan-nodes.js';

export type Sql = RawBuilder<unknown>;

/** Text that is safe to write as an SQL string literal on every engine: no quote, no backslash. */
const PLAIN_TEXT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Where a compiled query's bound value comes from: a plan `Param`, or a `slot` the driver fills
 * while it runs a multi-step write (e.g. the ids an engine without RETURNING re-reads rows by).
 */
export type CompiledParam = Param | { readonly kind: 'slot'; readonly name: string };

/** SQL text and, in placeholder order, where each bound value comes from. */
export interface CompiledQuery {
  readonly sql: string;
  readonly params: readonly CompiledParam[];
}

export interface CompiledRead {
  readonly kind: 'read';
  /** One row per result row; column 0 is the row as JSON text. */
  readonly main: CompiledQuery;
  /** `count(*)` over the same filters without limit, when the client asked for a count. */
  readonly count: CompiledQuery | null;
  /** The engine's estimate of that count, where it can give one cheaply; null: count exactly. */
  readonly plannedCount: CompiledQuery | null;
}

export interface CompiledWrite {
  readonly kind: 'write';
  /** Returns, per written row, the columns named in `returns` (JSON text each), or nothing. */
  readonly main: CompiledQuery;
  readonly returns: { readonly body: boolean; readonly key: boolean };
}

export type CompiledPlan = CompiledRead | CompiledWrite;

/** The type of an expression's value, for rendering it in JSON. */
function exprType(e: Expr): Column['type'] {
  switch (e.kind) {
    case 'column':
      return e.column.type;
    case 'json-path':
      // `->` yields JSON, `->>` text.
      return e.path[e.path.length - 1].arrow === '->' ? 'json' : 'text';
    case 'aggregate':
      if (e.fn === 'count') return 'integer';
      if (e.fn === 'avg') return 'number';
      return e.arg ? exprType(e.arg) : 'number';
  }
}

const COMPARE_SQL: Record<'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte', string> = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
};

export abstract class SqlCompiler {
  constructor(protected readonly db: Kysely<any>) {}

  /** Dispatch by plan kind: a new kind without a compiler fails to type-check here. */
  private readonly byKind: { [K in PlanKind]: (plan: Extract<QueryPlan, { kind: K }>) => CompiledPlan } = {
    read: (p) => this.compileRead(p),
    insert: (p) => this.compileInsert(p),
    update: (p) => this.compileUpdate(p),
    delete: (p) => this.compileDelete(p),
  };

  compile(plan: QueryPlan): CompiledPlan {
    return (this.byKind[plan.kind] as (p: QueryPlan) => CompiledPlan)(plan);
  }

  protected finish(query: Sql): CompiledQuery {
    const compiled = query.compile(this.db);
    return { sql: compiled.sql, params: compiled.parameters as CompiledParam[] };
  }

  // ---- reads -------------------------------------------------------------------------------

  protected compileRead(plan: ReadPlan): CompiledRead {
    const core = this.selectCore(plan.table, plan.alias, null, plan.joins, plan.where, plan.groupBy);
    const order = this.orderBy(plan.order);
    // With keyset pagination each row also carries its position, the next page's cursor.
    const cursor = plan.keyset ? this.jsonArray(plan.keyset.map((e) => this.expr(e))) : null;
    const main = this.selectRows(plan.fields, cursor, sql`from ${core}${order}${this.limitOffset(plan.limit, plan.offset)}`);
    // Counting groups needs the grouped rows first; plain counts stay one scan.
    const count = plan.groupBy.length > 0 ? sql`select count(*) from (select 1 from ${core}) as ${this.id('groups')}` : sql`select count(*) from ${core}`;
    const planned = plan.count ? this.plannedCount(plan) : null;
    return { kind: 'read', main: this.finish(main), count: plan.count ? this.finish(count) : null, plannedCount: planned ? this.finish(planned) : null };
  }

  /** `select <row JSON>[, <cursor>] <from…>`: a read's rows, each one JSON object in column 0. */
  protected selectRows(fields: readonly Field[], cursor: Sql | null, from: Sql): Sql {
    return sql`select ${this.jsonRow(fields)}${cursor ? sql`, ${cursor}` : sql``} ${from}`;
  }

  /** A query whose one value estimates the read's row count from planner statistics, or null. */
  protected plannedCount(_plan: ReadPlan): Sql | null {
    return null;
  }

  /** `"t" as "a" [join junction] [left join …] where … group by …`: everything after FROM but order and limit. */
  protected selectCore(
    table: Table,
    alias: string | null,
    through: SubRead['through'],
    joins: readonly Join[],
    where: Predicate | null,
    groupBy: readonly Expr[],
  ): Sql {
    const from = alias === null ? this.table(table) : sql`${this.table(table)} as ${this.id(alias)}`;
    const via = through ? sql` inner join ${this.table(through.table)} as ${this.id(through.alias)} on ${this.predicate(through.on)}` : sql``;
    const joined = joins.map((j) => sql` ${j.inner ? sql`inner join` : sql`left join`} ${this.table(j.table)} as ${this.id(j.alias)} on ${this.predicate(j.on)}`);
    const w = where ? sql` where ${this.predicate(where)}` : sql``;
    const g = groupBy.length > 0 ? sql` group by ${sql.join(groupBy.map((e) => this.expr(e)))}` : sql``;
    return sql`${from}${via}${sql.join(joined, sql``)}${w}${g}`;
  }

  protected orderBy(order: readonly OrderNode[]): Sql {
    return order.length > 0 ? sql` order by ${sql.join(order.map((o) => this.orderTerm(o)))}` : sql``;
  }

  protected limitOffset(limit: Param | null, offset: Param | null): Sql {
    if (limit === null) return offset ? sql` offset ${offset}` : sql``;
    // The configured row cap is a number of the server's, not the client's: written into the SQL,
    // it keeps SQLite from re-preparing the statement for each bound LIMIT (measured: 2x on reads).
    const cap = limit.kind === 'limit' && limit.ref === null ? sql.lit(limit.max) : sql`${limit}`;
    return offset ? sql` limit ${cap} offset ${offset}` : sql` limit ${cap}`;
  }

  /** The rows of a to-many embedding, each a JSON object in column "j", for `jsonArrayOf`. */
  protected subRows(sub: SubRead): Sql {
    return sql`select ${this.jsonRow(sub.fields)} as ${this.id('j')} ${this.subRowsFrom(sub)}`;
  }

  /** `from … order by … limit …` of a to-many embedding's rows. */
  protected subRowsFrom(sub: SubRead): Sql {
    const core = this.selectCore(sub.table, sub.alias, sub.through, sub.joins, sub.where, sub.groupBy);
    return sql`from ${core}${this.orderBy(sub.order)}${this.limitOffset(sub.limit, sub.offset)}`;
  }

  /** The JSON array of a to-many embedding; each engine aggregates with its own function. */
  protected jsonArrayOf(_rows: Sql): Sql {
    throw errors.notImplemented('embedding on this engine yet');
  }

  protected orderTerm(o: OrderNode): Sql {
    const expr = this.expr(o.expr);
    const dir = o.direction === 'desc' ? sql` desc` : sql` asc`;
    // PostgreSQL's defaults (nulls last ascending, first descending) on every engine; a NOT NULL
    // column needs no clause, which keeps engines free to walk an index.
    const nulls = o.nulls ?? (o.direction === 'desc' ? 'first' : 'last');
    // A joined table's column is null when no row joined, whatever its declaration.
    const nullable = o.expr.kind !== 'column' || o.expr.column.nullable || (o.expr.source !== undefined && o.expr.source !== 't0');
    if (!nullable && o.nulls === null) return sql`${expr}${dir}`;
    return sql`${expr}${dir}${this.nullsOrder(nulls)}`;
  }

  protected nullsOrder(nulls: 'first' | 'last'): Sql {
    return nulls === 'first' ? sql` nulls first` : sql` nulls last`;
  }

  // ---- writes ------------------------------------------------------------------------------

  protected compileInsert(plan: InsertPlan): CompiledWrite {
    const names = [...plan.fixed.map((f) => f.column), ...plan.columns];
    const conflict = plan.onConflict ? this.onConflict(plan.onConflict.columns, plan.onConflict.action, plan.columns) : sql``;
    const insert = sql`insert into ${this.table(plan.table)} (${sql.join(names.map((c) => this.id(c.name)))}) ${this.rowsFromBody(plan)}${conflict}`;
    return this.withReturning(plan.table, insert, plan.returning);
  }

  protected onConflict(target: readonly Column[], action: 'update' | 'nothing', columns: readonly Column[]): Sql {
    const keys = new Set(target.map((c) => c.name));
    const set = columns.filter((c) => !keys.has(c.name));
    const on = sql` on conflict (${sql.join(target.map((c) => this.id(c.name)))})`;
    if (action === 'nothing' || set.length === 0) return sql`${on} do nothing`;
    return sql`${on} do update set ${sql.join(set.map((c) => sql`${this.id(c.name)} = excluded.${this.id(c.name)}`))}`;
  }

  protected compileUpdate(plan: UpdatePlan): CompiledWrite {
    const set = sql.join(plan.columns.map((c) => sql`${this.id(c.name)} = ${this.bodyField(sql`${{ kind: 'body' } satisfies Param}`, c)}`));
    const where = plan.where ? sql` where ${this.predicate(plan.where)}` : sql``;
    return this.withReturning(plan.table, sql`update ${this.table(plan.table)} set ${set}${where}`, plan.returning);
  }

  protected compileDelete(plan: DeletePlan): CompiledWrite {
    const where = plan.where ? sql` where ${this.predicate(plan.where)}` : sql``;
    return this.withReturning(plan.table, sql`delete from ${this.table(plan.table)}${where}`, plan.returning);
  }

  protected withReturning(table: Table, statement: Sql, returning: Returning): CompiledWrite {
    const items: Sql[] = [];
    if (returning.fields) items.push(this.jsonRow(returning.fields));
    if (returning.key) items.push(this.jsonArray(returning.key.map((c) => this.id(c.name))));
    const main = items.length > 0 ? sql`${statement} returning ${sql.join(items)}` : statement;
    return { kind: 'write', main: this.finish(main), returns: { body: returning.fields !== null, key: returning.key !== null } };
  }

  // ---- expressions -------------------------------------------------------------------------

  protected predicate(p: Predicate): Sql {
    const core = this.positivePredicate(p);
    return p.negated ? sql`not (${core})` : core;
  }

  private positivePredicate(p: Predicate): Sql {
    switch (p.kind) {
      case 'columns-equal':
        return sql`${this.expr(p.left)} = ${this.expr(p.right)}`;
      case 'search':
        return this.textSearch(p);
      case 'exists': {
        const core = this.selectCore(p.sub.table, p.sub.alias, p.sub.through, p.sub.joins, p.sub.where, []);
        return sql`exists (select 1 from ${core})`;
      }
      case 'and':
      case 'or':
        if (p.items.length === 0) return p.kind === 'and' ? sql`1 = 1` : sql`1 = 0`;
        return sql`(${sql.join(p.items.map((i) => this.predicate(i)), p.kind === 'and' ? sql` and ` : sql` or `)})`;
      case 'compare':
        return this.compare(p.operator, this.expr(p.left), p.right);
      case 'in':
        // An empty list matches nothing; `x in ()` is not valid SQL on every engine.
        if (p.values.length === 0) return sql`1 = 0`;
        return sql`${this.expr(p.left)} in (${sql.join(p.values.map((v) => sql`${v}`))})`;
      case 'is':
        return this.isTest(this.expr(p.left), p.value);
      case 'quantified': {
        if (p.values.length === 0) return p.quantifier === 'any' ? sql`1 = 0` : sql`1 = 1`;
        const left = this.expr(p.left);
        const joiner = p.quantifier === 'any' ? sql` or ` : sql` and `;
        return sql`(${sql.join(p.values.map((v) => this.compare(p.operator, left, v)), joiner)})`;
      }
    }
  }

  protected compare(op: CompareOperator, left: Sql, right: Param): Sql {
    switch (op) {
      case 'like':
        return sql`${left} like ${right}`;
      case 'ilike':
        return this.ilike(left, right);
      case 'match':
        return this.regexMatch(left, right, false);
      case 'imatch':
        return this.regexMatch(left, right, true);
      case 'isdistinct':
        return sql`${left} is distinct from ${right}`;
      default:
        return sql`${left} ${sql.raw(COMPARE_SQL[op])} ${right}`;
    }
  }

  /** `fts`/`plfts`/`phfts`/`wfts`: each engine searches with its own facility. */
  protected textSearch(_p: Extract<Predicate, { kind: 'search' }>): Sql {
    throw errors.notImplemented('full-text search on this engine yet');
  }

  protected ilike(left: Sql, right: Param): Sql {
    return sql`${left} ilike ${right}`;
  }

  protected abstract regexMatch(left: Sql, pattern: Param, caseInsensitive: boolean): Sql;

  protected isTest(left: Sql, value: 'null' | 'not_null' | 'true' | 'false' | 'unknown'): Sql {
    switch (value) {
      case 'null':
      case 'unknown':
        return sql`${left} is null`;
      case 'not_null':
        return sql`${left} is not null`;
      case 'true':
        return sql`${left} is true`;
      case 'false':
        return sql`${left} is false`;
    }
  }

  protected expr(e: Expr): Sql {
    switch (e.kind) {
      case 'column':
        return e.source === undefined ? this.id(e.column.name) : sql.id(e.source, e.column.name);
      case 'json-path':
        return this.jsonPath(e.source === undefined ? this.id(e.column.name) : sql.id(e.source, e.column.name), e.path);
      case 'aggregate':
        // The function name comes from a closed set in the plan, never from the client's text.
        return sql`${sql.raw(e.fn)}(${e.arg ? this.expr(e.arg) : sql`*`})`;
    }
  }

  /** `data->'a'->>'b'`: PostgreSQL's operators, which SQLite 3.38+ shares. */
  protected jsonPath(base: Sql, path: readonly JsonPathStep[]): Sql {
    let out = base;
    for (const step of path) {
      const key: Param = { kind: 'const', value: step.key };
      out = step.arrow === '->' ? sql`${out} -> ${key}` : sql`${out} ->> ${key}`;
    }
    return out;
  }

  /** The JSON object a row becomes: `{"alias": value, …}` built by the database. */
  protected jsonRow(fields: readonly Field[]): Sql {
    return this.jsonObject(fields.map((f) => [f.name, this.fieldValue(f)]));
  }

  protected fieldValue(f: Field): Sql {
    if ('expr' in f) return this.jsonValue(f);
    if (f.kind === 'object') return sql`case when ${this.expr(f.nullWhen)} is null then null else ${this.jsonRow(f.fields)} end`;
    return this.embedArray(f.sub);
  }

  /** A to-many embedding's JSON array: by default `jsonArrayOf` over `subRows`; an engine may do better. */
  protected embedArray(sub: SubRead): Sql {
    return this.jsonArrayOf(this.subRows(sub));
  }

  /** A field's value as it must appear in JSON: typed per column type or cast. */
  protected jsonValue(field: OutputField): Sql {
    const expr = this.expr(field.expr);
    if (field.cast) return this.castForJson(expr, field.cast);
    return this.jsonValueOfType(expr, exprType(field.expr));
  }

  protected abstract jsonObject(pairs: readonly (readonly [string, Sql])[]): Sql;

  /**
   * A constant text in SQL: written as a literal when it is a plain name (letters, digits and
   * underscores, which no quoting rule of any engine can be broken out of), else bound. Column
   * names and most aliases are plain, so a row's keys cost the engine no bound parameters.
   */
  protected textConstant(text: string): Sql {
    return PLAIN_TEXT.test(text) ? sql.raw(`'${text}'`) : sql`${{ kind: 'const', value: text } satisfies Param}`;
  }
  protected abstract jsonArray(items: readonly Sql[]): Sql;
  protected abstract jsonValueOfType(expr: Sql, type: Column['type']): Sql;
  protected abstract castForJson(expr: Sql, cast: CastType): Sql;
  /** `select <row values> from <json body rows>`, the source of an insert. */
  protected abstract rowsFromBody(plan: InsertPlan): Sql;
  /** One column's value taken from a JSON object expression (the PATCH body). */
  protected abstract bodyField(object: Sql, column: Column): Sql;

  protected id(name: string): Sql {
    return sql.id(name);
  }

  protected table(table: Table): Sql {
    return table.namespace ? sql.id(table.namespace, table.name) : sql.id(table.name);
  }
}
