/**
 * The plan: every name resolved against the schema, every limit applied, still plain data with no
 * SQL text. Stage 3 (compile) turns it into SQL for one engine. Values are not here: a plan holds
 * `Param` nodes saying where each bound value comes from, so one plan serves every request of the
 * same shape.
 */
import type { Column, ColumnType, Table } from '../schema/model.js';
import type { JsonPathStep, ValueRef } from '../request/types.js';
import type { SearchMode } from '../util/search-query.js';
import type { RuleValue } from '../auth/table-access.js';

/** Where a bound parameter's value comes from when a request of this shape is executed. */
export type Param =
  /** `values[ref]` converted to `type` (a 400 when it does not convert), e.g. the `5` of `id=eq.5`. */
  | { readonly kind: 'value'; readonly ref: ValueRef; readonly type: ColumnType; readonly column: string }
  /**
   * The request body as JSON text, e.g. bound once for a bulk insert: the rows as an array, or with
   * `object`, the one object of a body that is one object (PATCH's always is).
   */
  | { readonly kind: 'body'; readonly object?: boolean }
  /** `min(values[ref], max)`, or `max` when the client gave no limit. */
  | { readonly kind: 'limit'; readonly ref: ValueRef | null; readonly max: number }
  /** A constant chosen by the planner (a JSON path, a key name). */
  | { readonly kind: 'const'; readonly value: string | number }
  /** Element `index` of the keyset cursor `values[ref]`, converted to the column's type. */
  | { readonly kind: 'cursor'; readonly ref: ValueRef; readonly index: number; readonly count: number; readonly type: ColumnType; readonly column: string }
  /** A value of an auth rule: literal text or from the caller (`{auth.uid}`), converted to `type`; null when absent or unconvertible. */
  | { readonly kind: 'rule'; readonly value: RuleValue; readonly type: ColumnType; readonly column: string }
  /** `values[ref]` as a full-text query of `mode`, in the engine's own search syntax. */
  | { readonly kind: 'search'; readonly ref: ValueRef; readonly mode: SearchMode; readonly column: string };

/** Type names a `::cast` may name, as PostgREST clients write them; each dialect spells them its own way. */
export type CastType = 'text' | 'integer' | 'bigint' | 'numeric' | 'number' | 'boolean' | 'json' | 'date' | 'timestamp';

export type AggregateFunction = 'count' | 'sum' | 'avg' | 'min' | 'max';

/**
 * A value expression over a row. `source` is the alias of the table the column belongs to; it is
 * absent for a statement over one table, and set once embeddings bring several tables together.
 */
export type Expr =
  /** `price` */
  | { readonly kind: 'column'; readonly column: Column; readonly source?: string }
  /** `data->'a'->>'b'` */
  | { readonly kind: 'json-path'; readonly column: Column; readonly path: readonly JsonPathStep[]; readonly source?: string }
  /** `price.sum()`, `count()` (arg null): grouped by the other fields of the same level */
  | { readonly kind: 'aggregate'; readonly fn: AggregateFunction; readonly arg: Expr | null };

/** One key of the JSON object each row becomes: `alias:col::cast`. */
export interface OutputField {
  readonly name: string;
  readonly expr: Expr;
  readonly cast: CastType | null;
}

/** `category:categories(name)`: a to-one embedding, an object (or null) from a joined table. */
export interface ObjectField {
  readonly kind: 'object';
  readonly name: string;
  /** The join's alias; the object is null when `nullWhen` (a key column of the joined row) is null. */
  readonly nullWhen: Expr;
  readonly fields: readonly Field[];
}

/** `order_items(quantity)`: a to-many embedding, an array built by a correlated subquery. */
export interface ArrayField {
  readonly kind: 'array';
  readonly name: string;
  readonly sub: SubRead;
}

/** What a row's JSON object holds: plain values, and embedded objects and arrays. */
export type Field = OutputField | ObjectField | ArrayField;

/** A to-one embedding's table, joined to its parent (LEFT, or INNER for `!inner`). */
export interface Join {
  readonly table: Table;
  readonly alias: string;
  readonly on: Predicate;
  readonly inner: boolean;
}

/** The rows of a to-many embedding, correlated to the parent row by `where`. */
export interface SubRead {
  readonly table: Table;
  readonly alias: string;
  /** Many-to-many: the junction table joined between parent and target. */
  readonly through: { readonly table: Table; readonly alias: string; readonly on: Predicate } | null;
  readonly fields: readonly Field[];
  readonly joins: readonly Join[];
  readonly where: Predicate;
  readonly groupBy: readonly Expr[];
  readonly order: readonly OrderNode[];
  readonly limit: Param | null;
  readonly offset: Param | null;
}

export type CompareOperator = 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte' | 'like' | 'ilike' | 'match' | 'imatch' | 'isdistinct';

export type Predicate =
  | { readonly kind: 'and' | 'or'; readonly negated: boolean; readonly items: readonly Predicate[] }
  /** A join or correlation condition: `t1.id = t0.category_id` */
  | { readonly kind: 'columns-equal'; readonly left: Expr; readonly right: Expr; readonly negated: false }
  /** `name=fts(english).lamp` and plfts/phfts/wfts */
  | {
      readonly kind: 'search';
      readonly table: Table;
      readonly left: Extract<Expr, { kind: 'column' }>;
      readonly mode: SearchMode;
      readonly language: string | null;
      readonly query: Param;
      readonly negated: boolean;
    }
  /** `!inner` and `order_items=not.is.null` (semi-join), `order_items=is.null` (anti-join) */
  | { readonly kind: 'exists'; readonly sub: SubRead; readonly negated: boolean }
  /** `price=gte.10` */
  | { readonly kind: 'compare'; readonly operator: CompareOperator; readonly left: Expr; readonly right: Param; readonly negated: boolean }
  /** `id=in.(1,2,3)`; an empty list matches nothing (PostgREST). */
  | { readonly kind: 'in'; readonly left: Expr; readonly values: readonly Param[]; readonly negated: boolean }
  /** `deleted_at=is.null` */
  | { readonly kind: 'is'; readonly left: Expr; readonly value: 'null' | 'not_null' | 'true' | 'false' | 'unknown'; readonly negated: boolean }
  /** `name=like(any).{a*,b*}` */
  | {
      readonly kind: 'quantified';
      readonly operator: CompareOperator;
      readonly quantifier: 'any' | 'all';
      readonly left: Expr;
      readonly values: readonly Param[];
      readonly negated: boolean;
    };

export interface OrderNode {
  readonly expr: Expr;
  readonly direction: 'asc' | 'desc';
  readonly nulls: 'first' | 'last' | null;
}

/** GET /products?select=…&price=gte.10&order=price.desc&limit=5 */
export interface ReadPlan {
  readonly kind: 'read';
  readonly table: Table;
  /** Set when embeddings join other tables, so every column can be qualified. */
  readonly alias: string | null;
  readonly fields: readonly Field[];
  readonly joins: readonly Join[];
  readonly where: Predicate | null;
  readonly groupBy: readonly Expr[];
  readonly order: readonly OrderNode[];
  /** Null for a row URL: the key finds at most one row, and a LIMIT would only cost. */
  readonly limit: Param | null;
  readonly offset: Param | null;
  readonly count: boolean;
  /** Keyset pagination: the order's expressions, returned per row as the next cursor. */
  readonly keyset: readonly Expr[] | null;
}

/** What a write sends back: nothing, the key of each row (for `Location`), or the rows themselves. */
export interface Returning {
  readonly fields: readonly OutputField[] | null;
  readonly key: readonly Column[] | null;
}

/** POST /products (one object or an array), with `on_conflict` for upserts and PUT on a row URL. */
export interface InsertPlan {
  readonly kind: 'insert';
  readonly table: Table;
  readonly columns: readonly Column[];
  /** Columns whose value comes from the URL rather than the body: the key of a PUT row URL. */
  readonly fixed: readonly { readonly column: Column; readonly value: Param }[];
  readonly onConflict: { readonly columns: readonly Column[]; readonly action: 'update' | 'nothing' } | null;
  readonly returning: Returning;
  /** The body is one object, not an array: one row, which an engine may insert from a VALUES list. */
  readonly single?: boolean;
}

/** PATCH /products?id=eq.5 with a JSON object */
export interface UpdatePlan {
  readonly kind: 'update';
  readonly table: Table;
  readonly columns: readonly Column[];
  readonly where: Predicate | null;
  readonly returning: Returning;
}

/** DELETE /products?id=eq.5 */
export interface DeletePlan {
  readonly kind: 'delete';
  readonly table: Table;
  readonly where: Predicate | null;
  readonly returning: Returning;
}

export type MutatePlan = InsertPlan | UpdatePlan | DeletePlan;
export type QueryPlan = ReadPlan | MutatePlan;
export type PlanKind = QueryPlan['kind'];
