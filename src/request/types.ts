/**
 * The parsed request: what the client asked for, in PostgREST's terms, before any name is checked
 * against the schema. Every literal value from the URL, the Range header or the row URL lives in
 * `ApiRequest.values`; the tree refers to it by index (`ValueRef`). The tree without the values is
 * therefore the request's *shape*, and `shapeKey` lets later stages cache plan and SQL per shape.
 */

/** Index into `ApiRequest.values`. */
export type ValueRef = number;

/** `data->'a'->>'b'` in a select, filter or order: the column and the JSON path steps after it. */
export interface FieldPath {
  readonly name: string;
  readonly jsonPath: readonly JsonPathStep[];
}

/** One `->key` / `->>key` step; numeric keys (`->0`) index arrays. */
export interface JsonPathStep {
  readonly arrow: '->' | '->>';
  readonly key: string | number;
}

export type AggregateFunction = 'count' | 'sum' | 'avg' | 'min' | 'max';

/** An item of `select=`. */
export type SelectItem = SelectStar | SelectField | SelectCountAll | SelectEmbed;

/** `select=*` */
export interface SelectStar {
  readonly kind: 'star';
}

/** `select=alias:col->>key::cast` or with an aggregate `select=total:price.sum()::int` */
export interface SelectField {
  readonly kind: 'field';
  readonly field: FieldPath;
  readonly alias: string | null;
  readonly cast: string | null;
  readonly aggregate: AggregateFunction | null;
  /** A cast written after the aggregate, `price.sum()::int` (PostgREST 12). */
  readonly aggregateCast: string | null;
}

/** `select=count()` or `select=n:count()::text` */
export interface SelectCountAll {
  readonly kind: 'count-all';
  readonly alias: string | null;
  readonly cast: string | null;
}

/** `select=*,cat:categories!fk_name!inner(name)` or spread `...categories(name)` */
export interface SelectEmbed {
  readonly kind: 'embed';
  readonly relation: string;
  readonly alias: string | null;
  /** The `!hint` that disambiguates: a constraint, column or join-table name. */
  readonly hint: string | null;
  readonly joinType: 'left' | 'inner' | null;
  readonly spread: boolean;
  readonly select: readonly SelectItem[];
}

export type FilterOperator =
  | 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte'
  | 'like' | 'ilike' | 'match' | 'imatch'
  | 'in' | 'is' | 'isdistinct'
  | 'fts' | 'plfts' | 'phfts' | 'wfts'
  | 'cs' | 'cd' | 'ov' | 'sl' | 'sr' | 'nxr' | 'nxl' | 'adj';

/** The right-hand side of a filter. */
export type FilterValue =
  /** `eq.5` */
  | { readonly kind: 'single'; readonly value: ValueRef }
  /** `in.(1,2,"a,b")` after PostgREST's quoting rules */
  | { readonly kind: 'list'; readonly values: readonly ValueRef[] }
  /** `is.null`: the operand is a keyword, part of the shape rather than a value */
  | { readonly kind: 'is'; readonly value: 'null' | 'not_null' | 'true' | 'false' | 'unknown' }
  /** `fts(english).word` */
  | { readonly kind: 'fts'; readonly language: string | null; readonly value: ValueRef }
  /** `like(any).{a*,b*}` (PostgREST 12 quantifiers on eq, like, ilike, gt, gte, lt, lte, match, imatch) */
  | { readonly kind: 'quantified'; readonly quantifier: 'any' | 'all'; readonly values: readonly ValueRef[] };

/** `price=not.gte.10` (field `price`, negated, operator gte) */
export interface Filter {
  readonly kind: 'filter';
  readonly field: FieldPath;
  readonly negated: boolean;
  readonly operator: FilterOperator;
  readonly value: FilterValue;
}

/** `or=(a.eq.1,and(b.gt.2,c.is.null))`, `not.and=(…)` */
export interface LogicTree {
  readonly kind: 'and' | 'or';
  readonly negated: boolean;
  readonly conditions: readonly Condition[];
}

export type Condition = Filter | LogicTree;

/**
 * A condition and the embedded resource it applies to: `[]` is the root table,
 * `['order_items']` is `order_items.quantity=gt.1`, `['a','b']` is `a.b.col=eq.1`.
 */
export interface ConditionAt {
  readonly path: readonly string[];
  readonly condition: Condition;
}

/** `order=price.desc.nullslast` or, on a to-one embedding, `order=category(name).asc` */
export interface OrderTerm {
  /** The embedded relation named before the parenthesis in `category(name)`, else null. */
  readonly relation: string | null;
  readonly field: FieldPath;
  readonly direction: 'asc' | 'desc' | null;
  readonly nulls: 'first' | 'last' | null;
}

export interface OrderAt {
  readonly path: readonly string[];
  readonly terms: readonly OrderTerm[];
}

/** `limit=`/`offset=` (root or `items.limit=`), and the `Range` header at the root. */
export interface RangeAt {
  readonly path: readonly string[];
  readonly limit: ValueRef | null;
  readonly offset: ValueRef | null;
}

export type ReturnPreference = 'minimal' | 'headers-only' | 'representation';
export type CountPreference = 'exact' | 'planned' | 'estimated';

/** The `Prefer` header, as PostgREST reads it. Unknown preferences are ignored unless handling=strict. */
export interface Preferences {
  readonly return: ReturnPreference | null;
  readonly count: CountPreference | null;
  readonly resolution: 'merge-duplicates' | 'ignore-duplicates' | null;
  readonly missing: 'default' | 'null' | null;
  readonly tx: 'commit' | 'rollback' | null;
  readonly handling: 'strict' | 'lenient' | null;
  readonly maxAffected: number | null;
  readonly timezone: string | null;
  /** Preferences that were not understood (reported under handling=strict). */
  readonly invalid: readonly string[];
}

/** What the response body should be, from `Accept`. */
export type MediaType =
  | 'json' // application/json, */*
  | 'object' // application/vnd.pgrst.object+json: exactly one row as an object
  | 'csv' // text/csv
  | 'ndjson' // application/x-ndjson
  | 'openapi'; // application/openapi+json on GET /

export type RequestAction = 'read' | 'insert' | 'update' | 'upsert' | 'delete' | 'call' | 'options';

/** What the path addresses. */
export type Target =
  /** `/products` */
  | { readonly kind: 'table'; readonly name: string }
  /** `/products/42` (the id is `values[id]`; composite keys are comma separated, `/order_items/7,3`) */
  | { readonly kind: 'row'; readonly name: string; readonly id: readonly ValueRef[] }
  /** `/rpc/place_order` */
  | { readonly kind: 'rpc'; readonly name: string }
  /** `/` */
  | { readonly kind: 'root' };

/** `GET /rpc/place_order?customer_id=7`: a parameter without an operator is a function argument. */
export interface RpcArgument {
  /** The key as written (decoded); repeated keys give repeated arguments, PostgREST's variadic form. */
  readonly name: string;
  readonly value: ValueRef;
}

export interface RequestBody {
  /** The body as sent, for engines that take the JSON text as one bound parameter. */
  readonly raw: string;
  /** One object becomes a one-element array; `isArray` remembers which the client sent. */
  readonly rows: readonly Record<string, unknown>[];
  readonly isArray: boolean;
  /** `csv` bodies hold text (or null) per field, converted to the column types before binding. */
  readonly format?: 'json' | 'csv';
}

export interface ApiRequest {
  readonly method: 'GET' | 'HEAD' | 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'OPTIONS';
  readonly action: RequestAction;
  readonly target: Target;
  /** null when `select` was absent (PostgREST then means `*`). */
  readonly select: readonly SelectItem[] | null;
  readonly where: readonly ConditionAt[];
  readonly order: readonly OrderAt[];
  readonly ranges: readonly RangeAt[];
  /** `columns=a,b`: the body keys to use, for inserts and updates. */
  readonly columns: readonly string[] | null;
  /** `on_conflict=a,b` */
  readonly onConflict: readonly string[] | null;
  readonly preferences: Preferences;
  readonly accept: MediaType;
  /** The body's columns: `columns=` if given, else the keys of the (first) object, which all objects must share. */
  readonly bodyColumns: readonly string[] | null;
  readonly body: RequestBody | null;
  /**
   * Arguments from the query string of GET/HEAD /rpc/fn, in order (empty otherwise). Optional only
   * so that hand-built ApiRequests written before it existed still type-check; parseApiRequest
   * always sets it.
   */
  readonly rpcArgs?: readonly RpcArgument[];
  /** `after=<cursor>`: keyset pagination from the row the cursor names (rowgate, beyond PostgREST); -1 for `after=` (the first page). */
  readonly after?: ValueRef | null;
  /** `Accept-Profile` (reads) or `Content-Profile` (writes): the schema the request is for; null for the default. */
  readonly profile?: string | null;
  /** The literal values the tree refers to, as the client wrote them (still text). */
  readonly values: readonly string[];
  /** Who is asking (auth); rule values are bound from it. Absent: anonymous. */
  readonly caller?: import('../actions/define-action.js').Caller;
  /** Equal for requests of the same shape: same tree, different values. */
  readonly shapeKey: string;
}
