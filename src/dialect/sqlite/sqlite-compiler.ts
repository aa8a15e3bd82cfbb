/**
 * SQLite's overrides of the base compiler: JSON built with json_object, booleans stored as 0/1
 * rendered as true/false, BLOBs as base64, regular expressions through the functions the
 * SQLite driver registers, and inserts that read their rows from the JSON body with json_each.
 */
import { sql } from 'kysely';
import { SqlCompiler, type Sql } from '../../compile/sql-compiler.js';
import { rowgateError } from '../../errors/catalog.js';
import type { CastType, Field, InsertPlan, Param, Predicate, ReadPlan, SubRead } from '../../plan/plan-nodes.js';
import type { Column, ColumnType } from '../../schema/model.js';

export class SqliteCompiler extends SqlCompiler {
  protected override jsonObject(pairs: readonly (readonly [string, Sql])[]): Sql {
    // Keys are output names: plain ones are literals, any other is bound (textConstant).
    return sql`json_object(${sql.join(pairs.map(([k, v]) => sql`${this.textConstant(k)}, ${v}`))})`;
  }

  protected override embedArray(sub: SubRead): Sql {
    // Without an order, a limit or groups, the rows aggregate straight from the join: each row's
    // object keeps its JSON subtype, so it is not written out and parsed again as through a subquery.
    if (sub.order.length > 0 || sub.limit !== null || sub.offset !== null || sub.groupBy.length > 0 || aggregates(sub.fields)) return super.embedArray(sub);
    const core = this.selectCore(sub.table, sub.alias, sub.through, sub.joins, sub.where, sub.groupBy);
    return sql`json((select json_group_array(${this.jsonRow(sub.fields)}) from ${core}))`;
  }

  protected override jsonArrayOf(rows: Sql): Sql {
    // A subquery's value loses its JSON subtype, so each row and the result go through json() again.
    return sql`json((select json_group_array(json(${sql.id('j')})) from (${rows})))`;
  }

  protected override plannedCount(plan: ReadPlan): Sql | null {
    // SQLite's only estimate is sqlite_stat1's row count per table (read with the schema, refreshed
    // by ANALYZE and a reload); it keeps none for filtered rows, which are counted exactly instead.
    const estimate = plan.table.rowEstimate;
    if (estimate == null || plan.where || plan.joins.length > 0 || plan.groupBy.length > 0) return null;
    return sql`select ${{ kind: 'const', value: estimate } satisfies Param}`;
  }

  protected override limitOffset(limit: Param | null, offset: Param | null): Sql {
    // SQLite has OFFSET only after a LIMIT; -1 means none.
    if (limit === null && offset) return sql` limit -1 offset ${offset}`;
    return super.limitOffset(limit, offset);
  }

  protected override jsonArray(items: readonly Sql[]): Sql {
    return sql`json_array(${sql.join(items)})`;
  }

  protected override jsonValueOfType(expr: Sql, type: ColumnType): Sql {
    switch (type) {
      case 'boolean':
        return sql`case when ${expr} is null then null when ${expr} then json('true') else json('false') end`;
      case 'json':
        // Text that is not valid JSON stays a string rather than failing the whole response.
        return sql`case when json_valid(${expr}) then json(${expr}) else ${expr} end`;
      case 'blob':
        return sql`rowgate_base64(${expr})`;
      default:
        return expr;
    }
  }

  protected override castForJson(expr: Sql, cast: CastType): Sql {
    switch (cast) {
      case 'text':
      case 'date':
      case 'timestamp':
        return sql`cast(${expr} as text)`;
      case 'integer':
      case 'bigint':
        return sql`cast(${expr} as integer)`;
      case 'numeric':
      case 'number':
        return sql`cast(${expr} as real)`;
      case 'boolean':
        return this.jsonValueOfType(expr, 'boolean');
      case 'json':
        return this.jsonValueOfType(expr, 'json');
    }
  }

  protected override textSearch(p: Extract<Predicate, { kind: 'search' }>): Sql {
    const index = p.table.textSearch;
    if (!index || !index.columns.includes(p.left.column.name)) {
      throw rowgateError('PGRST127', `No full-text index covers ${p.table.name}.${p.left.column.name}`, {
        hint: `Create an external-content FTS5 table over it, e.g. CREATE VIRTUAL TABLE ${p.table.name}_fts USING fts5(${p.left.column.name}, content='${p.table.name}', content_rowid='id'); see docs/full-text-search.md`,
      });
    }
    const key = { ...p.left, column: { ...p.left.column, name: index.key } };
    return sql`${this.expr(key)} in (select rowid from ${sql.id(index.index)} where ${sql.id(index.index)} match ${p.query})`;
  }

  protected override ilike(left: Sql, right: Param): Sql {
    // case_sensitive_like is on (PostgREST's `like` is case sensitive), so ilike folds both sides.
    return sql`lower(${left}) like lower(${right})`;
  }

  protected override regexMatch(left: Sql, pattern: Param, caseInsensitive: boolean): Sql {
    return caseInsensitive ? sql`rowgate_imatch(${pattern}, ${left})` : sql`${left} regexp ${pattern}`;
  }

  protected override compare(op: Parameters<SqlCompiler['compare']>[0], left: Sql, right: Param): Sql {
    if (op === 'isdistinct') return sql`${left} is not ${right}`;
    return super.compare(op, left, right);
  }

  protected override rowsFromBody(plan: InsertPlan): Sql {
    // Each row: the URL's key values (PUT), then the body's fields read from `object`.
    const values = (object: Sql) => sql.join([...plan.fixed.map((f) => sql`${f.value}`), ...plan.columns.map((c) => this.bodyField(object, c))]);
    if (plan.single && plan.columns.length + plan.fixed.length > 0) {
      // One object: a VALUES list reading the object's fields costs a third of going through
      // json_each (measured with the demo's full-text triggers on products, docs/performance.md).
      return sql`values (${values(sql`${{ kind: 'body', object: true } satisfies Param}`)})`;
    }
    // `where true` resolves SQLite's parsing ambiguity between a join's ON and an upsert's ON CONFLICT.
    return sql`select ${values(sql`value`)} from json_each(${{ kind: 'body' } satisfies Param}) where true`;
  }

  protected override bodyField(object: Sql, column: Column): Sql {
    const key: Param = { kind: 'const', value: jsonKey(column.name) };
    switch (column.type) {
      case 'json':
        // `->` keeps JSON text (a string stays quoted), which is what a JSON column stores.
        return sql`${object} -> ${key}`;
      case 'blob':
        return sql`rowgate_unbase64(${object} ->> ${key})`;
      default:
        return sql`${object} ->> ${key}`;
    }
  }
}

/** SQLite reads a right operand starting with `$` as a JSON path; other text is an object key. */
function jsonKey(name: string): string {
  return name.startsWith('$') ? `$."${name}"` : name;
}

/** Whether the row's own fields (to-one objects included, not nested arrays) hold an aggregate. */
function aggregates(fields: readonly Field[]): boolean {
  return fields.some((f) => ('expr' in f ? f.expr.kind === 'aggregate' : f.kind === 'object' && aggregates(f.fields)));
}
