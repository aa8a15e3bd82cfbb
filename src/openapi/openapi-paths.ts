/**
 * A table -> its path items: `/<table>` (GET, HEAD, and POST/PATCH/DELETE as the table allows)
 * and, when it has a key, the row URL `/<table>/{id}` (GET, PATCH, PUT, DELETE). Each operation
 * lists its parameters, body and responses by reference to the shared components, and carries a
 * unique operationId `<table>.<verb>` and the table's tag.
 */
import { rowKeyOf, type Table } from '../schema/model.js';
import type { DocContext } from './openapi-context.js';
import { filterParameterRefs } from './openapi-parameters.js';
import { errorRefs, rowContent, rowsContent, type ErrorResponseName } from './openapi-responses.js';
import { typeSchema } from './openapi-schemas.js';
import { ref, type OperationObject, type ParameterObject, type PathItemObject, type RefObject, type ResponseObject } from './openapi-types.js';

const READ_ERRORS: ErrorResponseName[] = ['Ambiguous', 'BadRequest', 'NotFound', 'NotAcceptable', 'RangeNotSatisfiable', 'Unavailable', 'Timeout'];
const ROW_READ_ERRORS: ErrorResponseName[] = ['Ambiguous', 'BadRequest', 'NotFound', 'NotAcceptable', 'Unavailable', 'Timeout'];
const WRITE_ERRORS: ErrorResponseName[] = [
  'Ambiguous', 'BadRequest', 'NotFound', 'NotAcceptable', 'Conflict', 'PayloadTooLarge', 'UnsupportedMediaType', 'Unavailable', 'Timeout',
];
const DELETE_ERRORS: ErrorResponseName[] = ['Ambiguous', 'BadRequest', 'NotFound', 'NotAcceptable', 'Conflict', 'Unavailable', 'Timeout'];

const p = (key: string): RefObject => ref('parameters', key);

/** The collection path of a table, e.g. `/products`; names are percent-encoded as in a URL. */
export function tablePath(table: Table): string {
  return `/${encodeURIComponent(table.name)}`;
}

export function tablePathItems(table: Table, ctx: DocContext): Record<string, PathItemObject> {
  const items: Record<string, PathItemObject> = { [tablePath(table)]: collectionItem(table, ctx) };
  const row = rowItem(table, ctx);
  if (row) items[`${tablePath(table)}/{id}`] = row;
  return items;
}

function collectionItem(table: Table, ctx: DocContext): PathItemObject {
  const key = ctx.tableKey(table);
  const row = ref('schemas', key);
  const filters = filterParameterRefs(table, ctx);
  const tags = [table.name];
  const name = `\`${table.name}\``;
  const page: ResponseObject = {
    description: 'The rows.',
    headers: { 'Content-Range': ref('headers', 'ContentRange') },
    content: rowsContent(row),
  };
  const partial: ResponseObject = {
    description: 'Partial content: the rows of the requested range, when the total is known to be larger (`Prefer: count=…`).',
    headers: { 'Content-Range': ref('headers', 'ContentRange') },
    content: rowsContent(row),
  };
  const readParameters = [p('select'), ...filters, p('or'), p('and'), p('order'), p('limit'), p('offset'), p('range'), p('rangeUnit'), p('preferRead'), p('accept')];

  const item: PathItemObject = {
    get: {
      operationId: `${key}.list`,
      summary: `Read ${table.name}`,
      description: [`Rows of ${name}${table.kind === 'view' ? ' (a view)' : ''}, filtered by the column parameters and \`or\`/\`and\`.`, relatedText(table, ctx)]
        .filter(Boolean)
        .join('\n\n'),
      tags,
      parameters: readParameters,
      responses: { '200': page, '206': partial, ...errorRefs(READ_ERRORS) },
    },
    head: {
      operationId: `${key}.head`,
      summary: `Count ${table.name} (headers only)`,
      description: 'Like GET without a body: with `Prefer: count=exact` the total is in `Content-Range`.',
      tags,
      parameters: readParameters,
      responses: {
        '200': { description: 'The headers of the matching rows.', headers: page.headers },
        '206': { description: 'The headers of a partial range.', headers: partial.headers },
        ...errorRefs(READ_ERRORS),
      },
    },
  };

  const written = writtenResponses(row, 'rows');
  if (table.insertable) {
    item.post = {
      operationId: `${key}.create`,
      summary: `Insert into ${table.name}`,
      description:
        'One object, or an array of objects inserted in one transaction. With `on_conflict` and `Prefer: resolution=merge-duplicates|ignore-duplicates` it is an upsert. `Prefer: return=representation` sends the new rows back.',
      tags,
      parameters: [p('select'), p('columns'), p('on_conflict'), p('preferCreate'), p('accept')],
      requestBody: {
        required: true,
        content: {
          'application/json': { schema: { oneOf: [ref('schemas', `${key}.insert`), { type: 'array', items: ref('schemas', `${key}.insert`) }] } },
        },
      },
      responses: {
        '201': {
          description: 'Created. The body holds the rows with `Prefer: return=representation` and is empty otherwise.',
          headers: { Location: ref('headers', 'Location'), 'Content-Range': ref('headers', 'ContentRange') },
          content: rowsContent(row),
        },
        ...errorRefs(WRITE_ERRORS),
      },
    };
  }
  const safety = 'A request without any filter is refused (400) unless the configuration allows whole-table changes.';
  if (table.updatable) {
    item.patch = {
      operationId: `${key}.update`,
      summary: `Update ${table.name}`,
      description: `Sets the body's columns on every row the filters select. ${safety}`,
      tags,
      parameters: [p('select'), p('columns'), ...filters, p('or'), p('and'), p('preferUpdate'), p('accept')],
      requestBody: { required: true, content: { 'application/json': { schema: ref('schemas', `${key}.update`) } } },
      responses: { ...written, ...errorRefs(WRITE_ERRORS) },
    };
  }
  if (table.deletable) {
    item.delete = {
      operationId: `${key}.delete`,
      summary: `Delete from ${table.name}`,
      description: `Deletes every row the filters select. ${safety}`,
      tags,
      parameters: [p('select'), ...filters, p('or'), p('and'), p('preferDelete'), p('accept')],
      responses: { ...written, ...errorRefs(DELETE_ERRORS) },
    };
  }
  return item;
}

/** `/<table>/{id}`, or null for a table with neither primary key nor rowid. */
function rowItem(table: Table, ctx: DocContext): PathItemObject | null {
  const keyColumns = rowKeyOf(table);
  if (keyColumns.length === 0) return null;
  const key = ctx.tableKey(table);
  const row = ref('schemas', key);
  const tags = [table.name];
  const written = writtenResponses(row, 'row');
  const operation = (verb: string, summary: string, rest: Omit<OperationObject, 'operationId' | 'summary' | 'tags'>): OperationObject => ({
    operationId: `${key}.${verb}`,
    summary,
    tags,
    ...rest,
  });

  const item: PathItemObject = {
    parameters: [rowIdParameter(table, keyColumns)],
    get: operation('get', `Read one ${table.name} row`, {
      description: 'The row with this key, as an object.',
      parameters: [p('select')],
      responses: { '200': { description: 'The row.', content: rowContent(row) }, ...errorRefs(ROW_READ_ERRORS) },
    }),
  };
  if (table.updatable) {
    item.patch = operation('patch', `Update one ${table.name} row`, {
      description: "Sets the body's columns on the row with this key.",
      parameters: [p('select'), p('columns'), p('preferRowWrite')],
      requestBody: { required: true, content: { 'application/json': { schema: ref('schemas', `${key}.update`) } } },
      responses: { ...written, ...errorRefs(WRITE_ERRORS) },
    });
  }
  // PUT inserts the row when it is missing, so it needs both rights.
  if (table.insertable && table.updatable) {
    item.put = operation('replace', `Replace one ${table.name} row`, {
      description: 'Inserts the row, or replaces it whole when it exists. The body holds every column, and its key must equal the one in the URL.',
      parameters: [p('select'), p('preferRowWrite')],
      requestBody: { required: true, content: { 'application/json': { schema: ref('schemas', `${key}.insert`) } } },
      responses: { ...written, ...errorRefs(WRITE_ERRORS) },
    });
  }
  if (table.deletable) {
    item.delete = operation('remove', `Delete one ${table.name} row`, {
      description: 'Deletes the row with this key.',
      parameters: [p('select'), p('preferRowWrite')],
      responses: { ...written, ...errorRefs(DELETE_ERRORS) },
    });
  }
  return item;
}

/** 200 with the affected rows (`Prefer: return=representation`), else 204. */
function writtenResponses(row: RefObject, shape: 'rows' | 'row'): Record<string, ResponseObject> {
  return {
    '200': {
      description: `With \`Prefer: return=representation\`: the ${shape === 'row' ? 'row' : 'affected rows'} after the change.`,
      content: shape === 'row' ? rowContent(row) : rowsContent(row),
    },
    '204': { description: 'Done; nothing to send back (`Prefer: return=minimal`, the default).' },
  };
}

function rowIdParameter(table: Table, keyColumns: readonly string[]): ParameterObject {
  const example = `/${table.name}/${keyColumns.map((_, i) => String(i + 5)).join(',')}`;
  if (keyColumns.length === 1) {
    const column = table.columnsByName.get(keyColumns[0]);
    // The rowid is not a declared column: it is SQLite's integer row id.
    const schema = column ? typeSchema(column.type) : { type: 'integer' as const };
    const what = column ? `The primary key \`${column.name}\`` : `The hidden row id \`${keyColumns[0]}\` (the table has no primary key)`;
    return { name: 'id', in: 'path', required: true, description: `${what}: \`${example}\`.`, schema };
  }
  return {
    name: 'id',
    in: 'path',
    required: true,
    description: `The composite primary key (${keyColumns.map((c) => `\`${c}\``).join(', ')}): its values comma-separated in this order, \`${example}\`.`,
    schema: { type: 'string' },
  };
}

/** Which tables can be embedded from this one, with a ready `select=` for each. */
function relatedText(table: Table, ctx: DocContext): string {
  const lines: string[] = [];
  for (const fk of table.foreignKeys) {
    lines.push(`- \`${fk.referencedTable}\` (many-to-one through \`${fk.columns.join(', ')}\`): \`select=*,${fk.referencedTable}(*)\``);
  }
  for (const { table: from, foreignKey } of ctx.referencedBy(table)) {
    lines.push(`- \`${from.name}\` (one-to-many through \`${from.name}.${foreignKey.columns.join(', ')}\`): \`select=*,${from.name}(*)\``);
  }
  return lines.length === 0 ? '' : `Embed related rows:\n${lines.join('\n')}`;
}
