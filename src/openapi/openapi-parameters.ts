/**
 * The request side of the URL grammar as OpenAPI parameters and headers: the shared ones
 * (`select`, `order`, `limit`, `Prefer` per method, `Range`, …) kept once in `components`, and
 * one filter parameter per column that explains `column=operator.value`. The grammar itself is
 * parsed in `request/`; these texts only describe it, with examples that parser accepts.
 */
import type { Column, ColumnType, Table } from '../schema/model.js';
import type { DocContext } from './openapi-context.js';
import { ref, type HeaderObject, type ParameterObject, type RefObject, type SchemaObject } from './openapi-types.js';

/** The media types `Accept` may name; the first is the default. */
export const MEDIA_TYPES = ['application/json', 'application/vnd.pgrst.object+json', 'text/csv', 'application/x-ndjson'] as const;

/** Which `Prefer` tokens an operation understands; each kind is one component parameter. */
export type PreferKind = 'read' | 'create' | 'update' | 'delete' | 'rowWrite';

const RETURN = ['return=minimal', 'return=headers-only', 'return=representation'];
const COUNT = ['count=exact', 'count=planned', 'count=estimated'];
const TX = ['tx=commit', 'tx=rollback'];
const HANDLING = ['handling=lenient', 'handling=strict'];

const PREFER_TOKENS: Record<PreferKind, { tokens: string[]; maxAffected: boolean; about: string }> = {
  read: { tokens: [...COUNT, ...HANDLING], maxAffected: false, about: 'with a count, `Content-Range` ends in the total instead of `*`' },
  create: {
    tokens: [...RETURN, ...COUNT, 'resolution=merge-duplicates', 'resolution=ignore-duplicates', 'missing=default', ...TX, ...HANDLING],
    maxAffected: false,
    about: '`resolution=` turns the insert into an upsert on `on_conflict` (or the primary key); `missing=default` fills keys an object leaves out with the column default',
  },
  update: {
    tokens: [...RETURN, ...COUNT, 'missing=default', ...TX, ...HANDLING],
    maxAffected: true,
    about: '`max-affected=N` (with `handling=strict`) rolls back and fails when more than N rows would change',
  },
  delete: {
    tokens: [...RETURN, ...COUNT, ...TX, ...HANDLING],
    maxAffected: true,
    about: '`max-affected=N` (with `handling=strict`) rolls back and fails when more than N rows would be deleted',
  },
  rowWrite: { tokens: [...RETURN, ...TX, ...HANDLING], maxAffected: false, about: 'the row URL names one row, so counts do not apply' },
};

function preferParameter(kind: PreferKind): ParameterObject {
  const { tokens, maxAffected, about } = PREFER_TOKENS[kind];
  const token: SchemaObject = { type: 'string', enum: tokens };
  return {
    name: 'Prefer',
    in: 'header',
    description: [
      'Preferences, comma-separated (RFC 7240): `return=representation` sends the affected rows back, `return=minimal` sends none;',
      '`tx=rollback` runs the request and undoes it (a dry run); `handling=strict` turns unknown preferences into a 400;',
      `${about}.`,
    ].join(' '),
    required: false,
    // A comma-separated list in one header is `style: simple` (OpenAPI 3.1, 4.8.12.4).
    style: 'simple',
    explode: false,
    schema: {
      type: 'array',
      items: maxAffected ? { anyOf: [token, { type: 'string', pattern: '^max-affected=[0-9]+$' }] } : token,
    },
    example: [kind === 'read' ? 'count=exact' : 'return=representation'],
  };
}

/** `components.parameters` shared by every table (the per-column filters are added by the paths). */
export function sharedParameters(ctx: DocContext): Record<string, ParameterObject> {
  const limitNote = ctx.maxRows === null ? '' : ` The server returns at most ${ctx.maxRows} rows per response.`;
  return {
    select: {
      name: 'select',
      in: 'query',
      description: [
        'Columns to return, comma-separated; `*` (the default) is every column.',
        '- rename and cast: `id,title:name,price::text`; inside JSON: `data->>key`',
        '- embed related rows through foreign keys: `*,categories(name)`, `order_items(quantity,products(name))`;',
        '  `!inner` keeps only rows with a match, `!fk_name` chooses among several relationships, `...categories(name)` spreads the columns in',
        '- aggregates: `count()`, `price.sum()`, `price.avg()`, grouped by the other selected columns',
      ].join('\n'),
      schema: { type: 'string' },
      example: '*',
    },
    order: {
      name: 'order',
      in: 'query',
      description:
        'Sort order, comma-separated terms `column[.asc|.desc][.nullsfirst|.nullslast]`: `name.asc,price.desc.nullslast`. An embedded resource takes its own: `order_items.order=quantity.desc`.',
      schema: { type: 'string' },
      example: 'id.asc',
    },
    limit: {
      name: 'limit',
      in: 'query',
      description: `Return at most this many rows.${limitNote} An embedded resource takes its own: \`order_items.limit=3\`.`,
      schema: ctx.maxRows === null ? { type: 'integer', minimum: 0 } : { type: 'integer', minimum: 0, maximum: ctx.maxRows },
    },
    offset: {
      name: 'offset',
      in: 'query',
      description: 'Skip this many rows first; use with `order` for stable pages.',
      schema: { type: 'integer', minimum: 0 },
    },
    on_conflict: {
      name: 'on_conflict',
      in: 'query',
      description:
        'Columns of a unique constraint, comma-separated (`on_conflict=sku`): with `Prefer: resolution=merge-duplicates` a conflicting row is updated, with `resolution=ignore-duplicates` it is skipped.',
      schema: { type: 'string' },
    },
    columns: {
      name: 'columns',
      in: 'query',
      description: 'The body keys to write, comma-separated (`columns=name,price`); other keys in the body are ignored.',
      schema: { type: 'string' },
    },
    or: {
      name: 'or',
      in: 'query',
      description:
        'Rows matching any of the conditions: `or=(price.lt.10,stock.eq.0)`. Conditions are `column.operator.value` and nest: `or=(a.eq.1,and(b.gt.2,c.is.null))`. `not.or=(…)` negates; `order_items.or=(…)` applies to an embedded resource.',
      schema: { type: 'string' },
      example: '(id.eq.1,id.eq.2)',
    },
    and: {
      name: 'and',
      in: 'query',
      description:
        'Rows matching all of the conditions: `and=(price.gte.10,price.lt.20)`; nests like `or`, and `not.and=(…)` negates. Separate filter parameters are already combined with AND.',
      schema: { type: 'string' },
      example: '(id.gte.1,id.lte.10)',
    },
    range: {
      name: 'Range',
      in: 'header',
      description:
        'Rows by position, first-last inclusive: `0-24` is the first 25 rows, like `offset=0&limit=25`. The response says which rows it holds in `Content-Range`.',
      schema: { type: 'string', pattern: '^[0-9]+-[0-9]*$' },
      example: '0-24',
    },
    rangeUnit: {
      name: 'Range-Unit',
      in: 'header',
      description: 'The unit of `Range`; only `items` (rows) exists.',
      schema: { type: 'string', enum: ['items'], default: 'items' },
    },
    accept: {
      name: 'Accept',
      in: 'header',
      description: [
        'The response format. `application/vnd.pgrst.object+json` returns one object instead of an array, and 406 unless exactly one row matches;',
        '`text/csv` returns a header line then one line per row; `application/x-ndjson` one JSON object per line.',
        '(OpenAPI tools may ignore an `Accept` parameter; the same formats are listed under each response.)',
      ].join(' '),
      schema: { type: 'string', enum: [...MEDIA_TYPES], default: MEDIA_TYPES[0] },
    },
    preferRead: preferParameter('read'),
    preferCreate: preferParameter('create'),
    preferUpdate: preferParameter('update'),
    preferDelete: preferParameter('delete'),
    preferRowWrite: preferParameter('rowWrite'),
  };
}

/** `components.headers`: response headers several responses share. */
export const SHARED_HEADERS: Record<string, HeaderObject> = {
  ContentRange: {
    description:
      'Which rows the body holds and of how many: `0-24/3573`, `0-24/*` when no count was asked for (`Prefer: count=exact|planned|estimated`), `*/0` when there are none.',
    schema: { type: 'string', examples: ['0-24/3573', '0-24/*', '*/0'] },
  },
  Location: {
    description: 'Where the inserted row can be read, e.g. `/products?id=eq.42` (sent for one inserted row of a table with a primary key).',
    schema: { type: 'string' },
  },
  RetryAfter: {
    description: 'Seconds to wait before trying again.',
    schema: { type: 'integer', minimum: 0 },
  },
};

/** `components.parameters` for a table's column filters, keyed `rowFilter.<table>.<column>` as PostgREST does. */
export function filterParameterComponents(table: Table, ctx: DocContext): Record<string, ParameterObject> {
  const out: Record<string, ParameterObject> = {};
  for (const column of table.columns) out[filterKey(table, column.name, ctx)] = filterParameter(column);
  const rowid = rowidFilterParameter(table);
  if (rowid) out[filterKey(table, rowid.name, ctx)] = rowid;
  return out;
}

/** References to the filter parameters above, in column order. */
export function filterParameterRefs(table: Table, ctx: DocContext): RefObject[] {
  return Object.keys(filterParameterComponents(table, ctx)).map((key) => ref('parameters', key));
}

function filterKey(table: Table, column: string, ctx: DocContext): string {
  return `rowFilter.${ctx.tableKey(table)}.${ctx.columnKey(table, column)}`;
}

/** `/products?price=lt.10`: the filter parameter of one column. */
export function filterParameter(column: Column): ParameterObject {
  return {
    name: column.name,
    in: 'query',
    description: filterDescription(column),
    schema: { type: 'string' },
    example: column.type === 'json' ? 'is.null' : `eq.${examples(column.type, column.enumValues)[0]}`,
  };
}

/** SQLite rowid tables answer to their hidden key in filters too: `/notes?rowid=eq.3`. */
export function rowidFilterParameter(table: Table): ParameterObject | null {
  if (!table.rowidKey || table.columnsByName.has(table.rowidKey)) return null;
  return {
    name: table.rowidKey,
    in: 'query',
    description: ['Filter on the hidden row id (the table has no primary key): write `operator.value`.', ...operatorLines('integer')].join('\n'),
    schema: { type: 'string' },
    example: 'eq.1',
  };
}

function filterDescription(column: Column): string {
  const lines = [`Filter on \`${column.name}\` (${column.type}${column.nullable ? ', nullable' : ''}): write \`operator.value\`.`];
  lines.push(...operatorLines(column.type, column.enumValues));
  if (column.enumValues) lines.push(`- values: ${column.enumValues.map((v) => `\`${v}\``).join(', ')}`);
  const [a, b] = examples(column.type, column.enumValues);
  const negations = column.type === 'json' ? ['not.is.null'] : [`not.eq.${a}`, `not.in.(${a},${b})`, 'not.is.null'];
  lines.push(`- prefix \`not.\` to negate: ${negations.map((n) => `\`${n}\``).join(', ')}`);
  if (ORDERED.has(column.type)) lines.push(`- repeat the parameter to combine filters with AND: \`?${column.name}=gte.${a}&${column.name}=lte.${b}\``);
  return lines.join('\n');
}

function operatorLines(type: ColumnType, enumValues: readonly string[] | null = null): string[] {
  if (type === 'json') {
    // A JSON document is not compared whole; its parts are, through a JSON path.
    return ['- `is.null`, `is.not_null`', '- filter inside the value with a JSON path as the parameter name: `data->>key=eq.x`, `data->a->>b=gt.1`'];
  }
  const [a, b] = examples(type, enumValues);
  const lines = [`- \`eq.${a}\`, \`neq.${a}\`, \`in.(${a},${b})\`, \`isdistinct.${a}\`, \`is.null\`, \`is.not_null\``];
  if (ORDERED.has(type)) lines.push(`- compare: \`gt.${a}\`, \`gte.${a}\`, \`lt.${b}\`, \`lte.${b}\``);
  if (type === 'boolean') lines.push('- `is.true`, `is.false`, `is.unknown`');
  if (type === 'text' || type === 'unknown') {
    lines.push('- patterns: `like.*abc*`, `ilike.*abc*` (case-insensitive; `*` stands for any text); regular expressions: `match.^a`, `imatch.^a`');
    lines.push('- full-text search: `fts.word`, `fts(english).word`, `plfts.`, `phfts.`, `wfts.`');
  }
  return lines;
}

const ORDERED = new Set<ColumnType>(['integer', 'bigint', 'number', 'numeric', 'text', 'uuid', 'date', 'time', 'timestamp', 'timestamptz', 'unknown']);

/** Two values for examples like `in.(5,6)`: the first enum values, else two of the type. */
function examples(type: ColumnType, enumValues: readonly string[] | null): [string, string] {
  if (enumValues && enumValues.length > 0) return [enumValues[0], enumValues[1] ?? enumValues[0]];
  return examplesFor(type);
}

/** Two values of the type, written as the URL grammar takes them. */
function examplesFor(type: ColumnType): [string, string] {
  switch (type) {
    case 'integer':
    case 'bigint':
      return ['5', '6'];
    case 'number':
    case 'numeric':
      return ['9.99', '19.99'];
    case 'boolean':
      return ['true', 'false'];
    case 'uuid':
      return ['123e4567-e89b-12d3-a456-426614174000', '00000000-0000-0000-0000-000000000000'];
    case 'date':
      return ['2024-01-31', '2024-12-31'];
    case 'time':
      return ['08:00:00', '17:30:00'];
    case 'timestamp':
      return ['2024-01-31T08:00:00', '2024-12-31T17:30:00'];
    case 'timestamptz':
      return ['2024-01-31T08:00:00Z', '2024-12-31T17:30:00Z'];
    case 'blob':
      return ['aGVsbG8=', 'd29ybGQ='];
    case 'json':
    case 'text':
    case 'unknown':
      return ['abc', 'xyz'];
  }
}
